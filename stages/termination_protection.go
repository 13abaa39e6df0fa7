package stages

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/nag"
)

// ProtectFromTermination turns on CloudFormation termination protection for
// stack, both when a person runs `cdk deploy` and when the line deploys it.
//
// The second needs more than the stack flag: CodePipeline's CloudFormation
// action ignores it (aws-cdk issues #17871 and #30405), so a production stack
// deployed by CDK Pipelines is otherwise unprotected. A small custom
// resource in the stack calls cloudformation:UpdateTerminationProtection on
// the stack itself on every create and update, with a role that may do
// exactly that and nothing else. It runs in the stack's own account and
// region, so it needs no cross-account role.
func ProtectFromTermination(stack awscdk.Stack) {
	stack.SetTerminationProtection(jsii.Bool(true))
	call := &customresources.AwsSdkCall{
		Service: jsii.String("CloudFormation"),
		Action:  jsii.String("updateTerminationProtection"),
		Parameters: map[string]interface{}{
			"StackName":                   awscdk.Aws_STACK_NAME(),
			"EnableTerminationProtection": true,
		},
		PhysicalResourceId: customresources.PhysicalResourceId_Of(awscdk.Aws_STACK_NAME()),
	}
	props := &customresources.AwsCustomResourceProps{
		OnCreate:            call,
		OnUpdate:            call,
		InstallLatestAwsSdk: jsii.Bool(false),
		Policy: customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("cloudformation:UpdateTerminationProtection"),
				Resources: jsii.Strings(*awscdk.Aws_STACK_ID()),
			}),
		}),
	}
	// The handler is one function per stack: its log group is created with
	// the first call.
	if stack.Node().TryFindChild(jsii.String(awsCustomResourceSingleton)) == nil {
		props.LogGroup = NewLogGroup(stack, "TerminationProtectionLogs")
	}
	customresources.NewAwsCustomResource(stack, jsii.String("TerminationProtection"), props)
	// The handler is aws-cdk-lib's singleton for AwsCustomResource.
	if handler := stack.Node().TryFindChild(jsii.String(awsCustomResourceSingleton)); handler != nil {
		nag.Suppress(handler, true, nag.Rule{ID: "AwsSolutions-IAM4",
			AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"},
			Reason:    "aws-cdk-lib's AwsCustomResource handler (termination protection); the managed policy only lets it write its own logs."})
	}
}

// awsCustomResourceSingleton is the construct id aws-cdk-lib gives the
// Lambda function shared by all AwsCustomResources of a stack.
const awsCustomResourceSingleton = "AWS679f53fac002430cb0da5b7982bd2287"
