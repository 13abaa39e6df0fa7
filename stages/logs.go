package stages

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// LogRetention is how long the line keeps the logs of its CodeBuild jobs
// and Lambda functions: a year, enough to read what ran before a defect
// was found.
const LogRetention = awslogs.RetentionDays_ONE_YEAR

// NewLogGroup creates a log group the line owns: in the template, with
// LogRetention, and kept when the stack is deleted. A job or function
// without one logs to a group CloudWatch creates on first use, outside the
// template, kept forever.
func NewLogGroup(scope constructs.Construct, id string) awslogs.LogGroup {
	return awslogs.NewLogGroup(scope, jsii.String(id), &awslogs.LogGroupProps{
		Retention:     LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}
