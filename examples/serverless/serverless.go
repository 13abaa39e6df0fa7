// Package serverless is the serverless example: the factorial service on
// AWS Lambda behind Amazon API Gateway, shipped by a Velocity assembly line.
package serverless

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/config"
	"github.com/velocity-cdk/velocity/gobundle"
	"github.com/velocity-cdk/velocity/nag"
	"github.com/velocity-cdk/velocity/stages"
)

// NewPipelineStack creates the stack that holds the assembly line. Deploy it
// once with `cdk deploy`; from then on the line deploys the service.
//
// aspects are applied to every stage the line deploys (see
// pipeline.Props.StageAspects); tests pass cdk-nag here.
func NewPipelineStack(scope constructs.Construct, id string, aspects ...awscdk.IAspect) awscdk.Stack {
	return config.PipelineStack(scope, id, "serverless", "Velocity assembly line for the serverless factorial service", NewServiceStage, aspects...)
}

// NewServiceStage is the app the line deploys: the same code for staging and
// for production.
func NewServiceStage(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	return config.ServiceStage(NewServiceStack)(scope, id, env)
}

// NewServiceStack creates the factorial service: a Go Lambda function on
// arm64 behind an API Gateway REST API, with an output named Endpoint.
func NewServiceStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Description: jsii.String("Factorial service on AWS Lambda and Amazon API Gateway"),
	})
	timeout := awscdk.Duration_Seconds(jsii.Number(10))
	fn := awslambda.NewFunction(stack, jsii.String("Handler"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         gobundle.Code("./examples/service/cmd/lambda"),
		MemorySize:   jsii.Number(256),
		Timeout:      timeout,
		Tracing:      awslambda.Tracing_ACTIVE,
		LogGroup: awslogs.NewLogGroup(stack, jsii.String("HandlerLogs"), &awslogs.LogGroupProps{
			Retention: awslogs.RetentionDays_ONE_YEAR,
		}),
	})
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_YEAR,
	})
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{
		Description:    jsii.String("Factorial as a service"),
		CloudWatchRole: jsii.Bool(true),
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String("live"),
			TracingEnabled:       jsii.Bool(true),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
			MetricsEnabled:       jsii.Bool(true),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat:      awsapigateway.AccessLogFormat_JsonWithStandardFields(nil),
		},
	})
	// Only GET reaches the function: GET / and GET /{anything}.
	get := &awsapigateway.MethodOptions{RequestValidator: api.AddRequestValidator(jsii.String("Validator"), &awsapigateway.RequestValidatorOptions{
		ValidateRequestBody: jsii.Bool(true), ValidateRequestParameters: jsii.Bool(true),
	})}
	// API Gateway calls the alias; CodeDeploy moves the alias from the old
	// version to the new one in steps (see newTrafficShifting).
	alias := awslambda.NewAlias(stack, jsii.String("Live"), &awslambda.AliasProps{
		AliasName: jsii.String("live"),
		Version:   fn.CurrentVersion(),
	})
	integration := awsapigateway.NewLambdaIntegration(alias, nil)
	api.Root().AddMethod(jsii.String("GET"), integration, get)
	api.Root().AddResource(jsii.String("{proxy+}"), nil).AddMethod(jsii.String("GET"), integration, get)
	nag.Suppress(fn.Role(), true,
		nag.Rule{ID: "AwsSolutions-IAM4", AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			Reason: "AWS's managed policy for Lambda lets the function write its own logs and nothing else."},
		nag.Rule{ID: "AwsSolutions-IAM5", AppliesTo: []string{"Resource::*"},
			Reason: "X-Ray's PutTraceSegments and PutTelemetryRecords cannot be scoped to a resource."})
	nag.Suppress(api, true,
		nag.Rule{ID: "AwsSolutions-IAM4", AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
			Reason: "API Gateway's account-level logging role; AWS's managed policy is the documented way to let API Gateway write execution logs."},
		nag.Rule{ID: "AwsSolutions-APIG4", Reason: "The factorial service is a public, read-only API by design: it has no data to protect and no callers to identify."},
		nag.Rule{ID: "AwsSolutions-COG4", Reason: "The factorial service is a public, read-only API by design; there is no user pool."},
	)
	// Golden signals and curated alarms for the function and the API;
	// the line's bake-time gate watches all of them, CodeDeploy's canary
	// the two that mean users see errors.
	monitor := config.Monitor(stack, "factorial-serverless")
	fnAlarms := monitor.MonitorLambda(fn, timeout, nil)
	apiAlarms := monitor.MonitorAPIGateway(api, "live", nil)
	newTrafficShifting(stack, alias, append(alarmsNamed(fnAlarms, "Errors"), alarmsNamed(apiAlarms, "5XXErrors")...))
	awscdk.NewCfnOutput(stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the factorial service"),
		Value:       api.Url(),
	})
	return stack
}

// newTrafficShifting deploys a new function version without downtime:
// CodeDeploy sends 10% of the traffic to it for 5 minutes, then all of it.
// If the function errors or the API answers 5XX during the shift, the
// monitoring's alarms fire and CodeDeploy moves all traffic back to the old
// version.
func newTrafficShifting(stack awscdk.Stack, alias awslambda.Alias, rollbackOn []awscloudwatch.Alarm) awscodedeploy.LambdaDeploymentGroup {
	alarms := make([]interfacesawscloudwatch.IAlarmRef, len(rollbackOn))
	for i, a := range rollbackOn {
		alarms[i] = a
	}
	group := awscodedeploy.NewLambdaDeploymentGroup(stack, jsii.String("Deployment"), &awscodedeploy.LambdaDeploymentGroupProps{
		Alias:            alias,
		DeploymentConfig: awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES(),
		Alarms:           &alarms,
		AutoRollback: &awscodedeploy.AutoRollbackConfig{
			FailedDeployment:  jsii.Bool(true),
			StoppedDeployment: jsii.Bool(true),
			DeploymentInAlarm: jsii.Bool(true),
		},
	})
	nag.Suppress(group.Role(), false, nag.Rule{ID: "AwsSolutions-IAM4",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"},
		Reason:    "AWS's managed policy for CodeDeploy on Lambda, limited to shifting alias traffic and invoking lifecycle hooks."})
	return group
}

// alarmsNamed returns the alarms whose construct id is one of ids.
func alarmsNamed(alarms []awscloudwatch.Alarm, ids ...string) []awscloudwatch.Alarm {
	var out []awscloudwatch.Alarm
	for _, a := range alarms {
		for _, id := range ids {
			if *a.Node().Id() == id {
				out = append(out, a)
			}
		}
	}
	return out
}
