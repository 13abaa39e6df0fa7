package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/gobundle"
	"github.com/velocity-cdk/velocity/monitoring/dora"
	"github.com/velocity-cdk/velocity/nag"
)

// DORAFunction computes the line's DORA metrics (see package dora) from
// its CodePipeline events: a Go Lambda function on arm64 fed by an
// EventBridge rule, publishing CloudWatch metrics in the Velocity/Line
// namespace through its logs (Embedded Metric Format), with its small state
// in a DynamoDB table (point-in-time recovery on, retained on deletion).
type DORAFunction struct {
	constructs.Construct
	// Function is the Lambda function.
	Function awslambda.Function
	// Table keeps the state between events.
	Table awsdynamodb.Table
}

// ToString returns the construct path (and lets the jsii runtime register
// DORAFunction as a construct).
func (d *DORAFunction) ToString() *string { return d.Node().Path() }

// NewDORAFunction computes the DORA metrics of pipeline; production names
// its production stage.
func NewDORAFunction(scope constructs.Construct, id string, pipeline awscodepipeline.IPipeline, production string) *DORAFunction {
	d := &DORAFunction{}
	constructs.NewConstruct_Override(d, scope, jsii.String(id))
	d.Table = awsdynamodb.NewTable(d, jsii.String("State"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("pipeline"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		Encryption:                       awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy:                    awscdk.RemovalPolicy_RETAIN,
	})
	logs := awslogs.NewLogGroup(d, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := awsiam.NewRole(d, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("DORA metrics of a Velocity line: reads its pipeline's executions, keeps state, writes logs"),
	})
	d.Function = awslambda.NewFunction(d, jsii.String("Function"), &awslambda.FunctionProps{
		Description:  jsii.String("Computes the DORA metrics of a Velocity assembly line from its CodePipeline events"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         gobundle.Code(dora.HandlerPackage),
		MemorySize:   jsii.Number(128),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(30)),
		Role:         role,
		LogGroup:     logs,
		// One invocation at a time per line: no write conflicts on the
		// state (they would be retried anyway).
		ReservedConcurrentExecutions: jsii.Number(1),
		Environment: &map[string]*string{
			"TABLE_NAME":       d.Table.TableName(),
			"PRODUCTION_STAGE": jsii.String(production),
			"NAMESPACE":        jsii.String(dora.DefaultNamespace),
		},
	})
	// Least privilege, written out rather than granted: the function only
	// reads and replaces items, writes its own log group, and reads the
	// executions of its one pipeline.
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem"), Resources: jsii.Strings(*d.Table.TableArn()),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"), Resources: jsii.Strings(*logs.LogGroupArn()),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("codepipeline:GetPipelineExecution"), Resources: jsii.Strings(*pipeline.PipelineArn()),
	}))
	nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{nag.Regex(`^Resource::<.*Logs[A-F0-9]{8}\.Arn>:\*$`)},
		Reason:    "Log streams of the function's own log group."})

	pattern := dora.RulePattern(*pipeline.PipelineName())
	detail := map[string]interface{}{}
	for k, v := range pattern.Detail {
		detail[k] = v
	}
	awsevents.NewRule(scope, jsii.String(id+"Events"), &awsevents.RuleProps{
		Description: jsii.String("Feeds the line's pipeline and stage events to its DORA function"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(pattern.Source...),
			DetailType: jsii.Strings(pattern.DetailType...),
			Detail:     &detail,
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(d.Function, &awseventstargets.LambdaFunctionProps{
			RetryAttempts: jsii.Number(5),
		})},
	})
	return d
}
