package pipeline

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/stages"
)

// bucketNotificationsHandler is the construct id of aws-cdk-lib's
// singleton function, at the stack's root, that configures bucket
// notifications: the source bucket's EventBridge notifications create it.
const bucketNotificationsHandler = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"

// explicitLogs gives the CodeBuild projects and Lambda functions the line
// creates without a log group of their own (CDK Pipelines' jobs, its
// permissions check and auto-approve function, the bucket notifications
// handler) log groups in the template, with stages.LogRetention: one for
// the jobs, each under a stream prefix named after its project, and one per
// function. Without them CloudWatch creates the groups on first use,
// outside the template, and keeps them forever.
//
// own are the line's own constructs (ownConstructs): the team's stages are
// theirs, and CDK Pipelines has already synthesized them.
func (l *AssemblyLine) explicitLogs(own []constructs.IConstruct) {
	if h := awscdk.Stack_Of(l).Node().TryFindChild(jsii.String(bucketNotificationsHandler)); h != nil {
		own = append(own, *h.Node().FindAll(constructs.ConstructOrder_PREORDER)...)
	}
	var jobs awslogs.LogGroup
	for _, c := range own {
		switch r := c.(type) {
		case awscodebuild.CfnProject:
			project, ok := r.Node().Scope().(awscodebuild.IProject)
			if !ok || r.LogsConfig() != nil {
				continue
			}
			if jobs == nil {
				jobs = stages.NewLogGroup(l, "JobLogs")
			}
			r.AddPropertyOverride(jsii.String("LogsConfig.CloudWatchLogs"), map[string]interface{}{
				"Status": "ENABLED", "GroupName": jobs.LogGroupName(), "StreamName": strings.TrimPrefix(*project.Node().Path(), *l.Node().Path()+"/"),
			})
			jobs.GrantWrite(project)
		case awscdk.CfnResource:
			// aws-cdk-lib's own handlers are functions without the
			// L2: CfnFunction, or a plain CfnResource of that type. Every
			// other generated L1 is IInspectable and not a function: the Go
			// type says so without a round trip to the kernel.
			if fn, isFunction := r.(awslambda.CfnFunction); isFunction {
				if hasLoggingConfig(fn) {
					continue
				}
			} else if _, generated := r.(awscdk.IInspectable); generated || *r.CfnResourceType() != "AWS::Lambda::Function" || hasLoggingConfig(r) {
				continue
			}
			fn, ok := r.Node().Scope().(constructs.Construct)
			if !ok {
				continue
			}
			// Their roles have AWSLambdaBasicExecutionRole, which may
			// write to any log group.
			group := stages.NewLogGroup(fn, "Logs")
			r.AddPropertyOverride(jsii.String("LoggingConfig.LogGroup"), group.LogGroupName())
		}
	}
}

// hasLoggingConfig reports whether a function resource sets its log group,
// or was given one by another line in the same stack (a shared handler).
func hasLoggingConfig(r awscdk.CfnResource) bool {
	if fn, ok := r.(awslambda.CfnFunction); ok && fn.LoggingConfig() != nil {
		return true
	}
	return r.Node().Scope().Node().TryFindChild(jsii.String("Logs")) != nil
}
