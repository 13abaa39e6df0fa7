package config

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// PublicLoadBalancer creates the internet-facing Application Load Balancer
// ("LoadBalancer") of a service in the public subnets of vpc: it drops
// requests with invalid header fields, and logs every request (LogAccess).
// The containers and ec2 examples both put their service behind one.
func PublicLoadBalancer(scope constructs.Construct, vpc awsec2.IVpc) awselasticloadbalancingv2.ApplicationLoadBalancer {
	lb := awselasticloadbalancingv2.NewApplicationLoadBalancer(scope, jsii.String("LoadBalancer"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc:                     vpc,
		InternetFacing:          jsii.Bool(true),
		VpcSubnets:              &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC},
		DropInvalidHeaderFields: jsii.Bool(true),
	})
	LogAccess(scope, lb)
	return lb
}
