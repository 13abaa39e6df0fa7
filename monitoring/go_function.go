package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/gobundle"
	"github.com/velocity-cdk/velocity/nag"
)

// goFunction describes one of the package's own Lambda functions.
type goFunction struct {
	pkg                          string // the main package, for gobundle
	description, roleDescription string
	timeoutSeconds               float64
	env                          map[string]*string
}

// newGoFunction creates the function under scope ("Function"): Go on arm64
// (provided.al2023), 128 MB, with a log group of its own ("Logs", a year,
// retained) and a role of its own ("Role") that may write only to that log
// group; the caller adds what else the function may do to the role.
func newGoFunction(scope constructs.Construct, f goFunction) (awslambda.Function, awsiam.Role) {
	logs := awslogs.NewLogGroup(scope, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String(f.roleDescription),
	})
	fn := awslambda.NewFunction(scope, jsii.String("Function"), &awslambda.FunctionProps{
		Description:  jsii.String(f.description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         gobundle.Code(f.pkg),
		MemorySize:   jsii.Number(128),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(f.timeoutSeconds)),
		Role:         role,
		LogGroup:     logs,
		Environment:  &f.env,
	})
	// The log group's ARN ends in ":*": its streams.
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"), Resources: jsii.Strings(*logs.LogGroupArn()),
	}))
	nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{nag.Regex(`^Resource::<.*Logs[A-F0-9]{8}\.Arn>:\*$`)},
		Reason:    "Log streams of the function's own log group."})
	return fn, role
}
