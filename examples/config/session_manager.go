package config

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// AllowSessionManager lets the instances of role be reached with Session
// Manager instead of SSH, with only what its agent needs:
// AmazonSSMManagedInstanceCore would also let the instances read every
// Parameter Store parameter of the account (ssm:GetParameters on *).
// ssm:UpdateInstanceInformation is limited to the account's instances; the
// ssmmessages channels support no resource-level permissions.
func AllowSessionManager(stack awscdk.Stack, role awsiam.IRole) {
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ssm:UpdateInstanceInformation"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("ec2"), Resource: jsii.String("instance"), ResourceName: jsii.String("*"),
		})),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
			"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"),
		Resources: jsii.Strings("*"),
	}))
}
