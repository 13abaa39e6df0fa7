package pipeline

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/velocity-cdk/velocity/nag"
)

// The wildcards below are what aws-cdk-lib's grant methods and CDK
// Pipelines write into the roles of the line; each is scoped to the line's
// own bucket, key, log group or report group, or is account-wide only where
// the resource is not known when the role is made. Velocity records the
// reasons as cdk-nag suppressions, so a team's cdk-nag run shows only its
// own findings.
var (
	// grantActions are the action wildcards of bucket.grantReadWrite and
	// key.grantEncryptDecrypt on the line's artifact bucket and key.
	grantActions = []string{
		"Action::s3:Abort*", "Action::s3:DeleteObject*", "Action::s3:GetBucket*", "Action::s3:GetObject*", "Action::s3:List*",
		"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
	}
	// ownResources are the objects of the artifact bucket and the log group
	// and report groups of the job's own CodeBuild project.
	ownResources = []string{
		nag.Regex(`^Resource::<[A-Za-z0-9]*Artifacts[A-F0-9]{8}\.Arn>/\*$`),
		nag.Regex(`^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<[A-Za-z0-9]+>:\*$`),
		nag.Regex(`^Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/<[A-Za-z0-9]+>-\*$`),
	}
	lambdaBasicExecution = "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)

// knownFinding is a finding on one IAM role or policy that CDK Pipelines or
// aws-cdk-lib creates for the line, found by the end of its construct path.
type knownFinding struct {
	pathSuffix string
	rule       nag.Rule
}

var knownFindings = []knownFinding{
	{"/UpdatePipeline/SelfMutation/Role/DefaultPolicy/Resource", nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{"Resource::*", "Resource::arn:*:iam::<AWS::AccountId>:role/*"},
		Reason:    "Self-mutation runs `cdk deploy` of the pipeline stack: it looks up the bootstrap stack (cloudformation:DescribeStacks, s3:ListBucket on names not known at synth) and may assume only roles tagged aws-cdk:bootstrap-role (condition on the statement)."}},
	{"/Build/Build/CdkBuildProject/Role/DefaultPolicy/Resource", nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{nag.Regex(`^Resource::arn:<AWS::Partition>:cloudformation:<AWS::Region>:<AWS::AccountId>:stack/[^/*]+/\*$`), "Resource::arn:<AWS::Partition>:iam::*:role/*"},
		Reason: "The Build job reads the deployed template of the pipeline stack, by name, to skip self-mutation when the pipeline is unchanged (the stack id after the name is CloudFormation's); " +
			"and it publishes the stages' assets, so it may assume the bootstrap roles tagged aws-cdk:bootstrap-role=file-publishing (and image-publishing, for an app with container images; condition on each statement) of the accounts it deploys to, as CDK Pipelines' asset jobs do."}},
	{"/Assets/FileRole/DefaultPolicy/Resource", assetRoleRule("file")},
	{"/Assets/DockerRole/DefaultPolicy/Resource", assetRoleRule("image")},
	{"/PipelinesSecurityCheck/CDKSecurityCheck/Role/DefaultPolicy/Resource", nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{"Resource::*", nag.Regex(`^Resource::<[A-Za-z0-9]*CDKPipelinesAutoApprove[A-F0-9]{8}\.Arn>:\*$`)},
		Reason:    "The permissions-broadening check runs `cdk diff` with the deploy role of any target account (assume-role limited by the aws-cdk:bootstrap-role=deploy tag condition), and invokes its own auto-approve function and its versions."}},
	{"/PipelinesSecurityCheck/CDKPipelinesAutoApprove/ServiceRole/DefaultPolicy/Resource", nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{"Resource::*"},
		Reason:    "The auto-approve function may approve only pipelines tagged SECURITY_CHECK=ALLOW_APPROVE (condition on the statement); pipeline ARNs are not known to this shared function."}},
	{"/PipelinesSecurityCheck/CDKPipelinesAutoApprove/ServiceRole/Resource", nag.Rule{ID: "AwsSolutions-IAM4",
		AppliesTo: []string{lambdaBasicExecution},
		Reason:    "CDK Pipelines' auto-approve function of the permissions-broadening check; the managed policy only lets it write its own logs."}},
}

// assetRoleRule is the finding on the role CDK Pipelines shares among all
// asset-publishing jobs of one kind (file or image).
func assetRoleRule(kind string) nag.Rule {
	return nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{"Resource::*", "Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/*",
			"Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/*"},
		Reason: "CDK Pipelines shares one role among all " + kind + "-publishing jobs, whose CodeBuild projects are created after the role; it assumes only the bootstrap " + kind + " publishing role."}
}

// suppressPipelineFindings records the reasons above on the line's own
// resources, not on those of the app's stages: a finding there is the
// team's to see. Every question to a construct is a round trip to the jsii
// kernel, so the walk decides what it can from the Go type of each
// construct (local) and asks for a path only of the roles and policies the
// known findings are on.
func suppressPipelineFindings(l *AssemblyLine, own []constructs.IConstruct) {
	for _, c := range own {
		var res awscdk.CfnResource
		var rules []nag.Rule
		switch r := c.(type) {
		case awsiam.CfnPolicy:
			res = r
			rules = append(rules, nag.Rule{ID: "AwsSolutions-IAM5", AppliesTo: append(append([]string{}, grantActions...), ownResources...),
				Reason: "Grants from aws-cdk-lib on the line's own artifact bucket and KMS key (object-level actions need the /* resource), and the job's own CodeBuild log group and report groups."})
		case awsiam.CfnRole:
			res = r
		default:
			continue
		}
		path := *res.Node().Path()
		for _, f := range knownFindings {
			if strings.HasSuffix(path, f.pathSuffix) {
				rules = append(rules, f.rule)
			}
		}
		if len(rules) > 0 {
			nag.Suppress(res, false, rules...)
		}
	}
	// aws-cdk-lib's singleton that turns on EventBridge notifications for
	// the source bucket lives at the stack's root.
	for _, c := range *awscdk.Stack_Of(l).Node().Children() {
		if strings.HasPrefix(*c.Node().Id(), "BucketNotificationsHandler") {
			if role := c.Node().TryFindChild(jsiiString("Role")); role != nil {
				nag.Suppress(role, false, nag.Rule{ID: "AwsSolutions-IAM4", AppliesTo: []string{lambdaBasicExecution},
					Reason: "aws-cdk-lib's handler that enables EventBridge notifications on the source bucket; the managed policy only lets it write its own logs."})
			}
		}
	}
}

// ownConstructs returns the constructs of the line but those of the stages it
// deploys (the team's app), which are built under the line too.
func (l *AssemblyLine) ownConstructs() []constructs.IConstruct {
	var own []constructs.IConstruct
	for _, child := range *l.Node().Children() {
		if _, isStage := child.(awscdk.Stage); !isStage {
			own = append(own, *child.Node().FindAll(constructs.ConstructOrder_PREORDER)...)
		}
	}
	return own
}

func jsiiString(s string) *string { return &s }
