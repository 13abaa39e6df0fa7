package config

import (
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/nag"
)

// accessLogsPrefix is where the load balancer writes in the bucket.
const accessLogsPrefix = "alb"

// LogAccess turns on access logs of alb into a new bucket (SSE-S3, the only
// encryption ALB log delivery supports; public access blocked; TLS only;
// kept when the stack is deleted; logs expire after a year). The containers
// and ec2 examples both put their service behind a load balancer.
//
// aws-cdk-lib's ApplicationLoadBalancer.logAccessLogs needs the stack's
// region at synth to find the Elastic Load Balancing account that delivers
// the logs, and the examples' stacks are environment-agnostic (they deploy
// wherever the line runs). So the bucket policy is written here,
// resolved at deploy time: in Regions that have an Elastic Load Balancing
// account (found through a mapping from aws-cdk-lib's region facts) that
// account may write; in every Region the log delivery service principal
// that newer Regions use may write.
func LogAccess(scope constructs.Construct, alb awselasticloadbalancingv2.ApplicationLoadBalancer) awss3.Bucket {
	stack := awscdk.Stack_Of(scope)
	bucket := awss3.NewBucket(scope, jsii.String("AccessLogs"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Expiration: awscdk.Duration_Days(jsii.Number(365)),
		}},
	})
	nag.Suppress(bucket, false, nag.Rule{ID: "AwsSolutions-S1",
		Reason: "This bucket holds the load balancer's access logs; logging access to the log bucket itself would need yet another bucket with the same finding."})

	accounts := map[string]*map[string]interface{}{}
	var names []string
	for _, r := range *regioninfo.RegionInfo_Regions() {
		names = append(names, *r.Name())
	}
	sort.Strings(names)
	for _, name := range names {
		account := "none"
		if a := regioninfo.RegionInfo_Get(jsii.String(name)).Elbv2Account(); a != nil {
			account = *a
		}
		accounts[name] = &map[string]interface{}{"account": account}
	}
	mapping := awscdk.NewCfnMapping(scope, jsii.String("ElbLogDeliveryAccounts"), &awscdk.CfnMappingProps{Mapping: &accounts})
	account := mapping.FindInMap(awscdk.Aws_REGION(), jsii.String("account"), nil)
	known := awscdk.NewCfnCondition(scope, jsii.String("ElbLogDeliveryAccountKnown"), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(account, jsii.String("none"))),
	})
	// {"AWS": arn of the ELB account} in Regions that have one; dropped
	// (AWS::NoValue) elsewhere.
	elbAccount := awscdk.Fn_ConditionIf(known.LogicalId(),
		awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("arn:"), awscdk.Aws_PARTITION(), jsii.String(":iam::"), account, jsii.String(":root")}),
		awscdk.Aws_NO_VALUE()).ToString()
	bucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("AlbAccessLogDelivery"),
		Actions: jsii.Strings("s3:PutObject"),
		Principals: &[]awsiam.IPrincipal{
			awsiam.NewArnPrincipal(elbAccount),
			awsiam.NewServicePrincipal(jsii.String("logdelivery.elasticloadbalancing.amazonaws.com"), nil),
		},
		Resources: jsii.Strings(*bucket.ArnForObjects(jsii.String(accessLogsPrefix + "/AWSLogs/" + *stack.Account() + "/*"))),
	}))

	alb.SetAttribute(jsii.String("access_logs.s3.enabled"), jsii.String("true"))
	alb.SetAttribute(jsii.String("access_logs.s3.bucket"), bucket.BucketName())
	alb.SetAttribute(jsii.String("access_logs.s3.prefix"), jsii.String(accessLogsPrefix))
	// Elastic Load Balancing checks that it may write to the bucket when
	// logging is turned on.
	alb.Node().AddDependency(bucket.Policy())
	return bucket
}
