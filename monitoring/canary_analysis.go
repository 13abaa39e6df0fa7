package monitoring

import (
	"encoding/json"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring/canaryanalysis"
	"github.com/velocity-cdk/velocity/nag"
)

// canaryAnalysisTimeout leaves the function's 45-second wait per job room
// for its CloudWatch and CodePipeline calls.
const canaryAnalysisTimeout = 90

// CanaryAnalysis is the automated canary analysis of a pipeline's deploy
// stages (package canaryanalysis): one Go Lambda function on arm64 that
// Analyze puts at the end of a stage, as a Lambda invoke action. It
// compares the metrics of every alarm under an environment's gate alarm,
// after the deploy against before it, and fails the stage on a significant
// regression; the gate alarm in ALARM during the window fails it at once.
type CanaryAnalysis struct {
	constructs.Construct
	// Function is the Lambda function.
	Function awslambda.Function
	// ErrorsAlarm is in ALARM when the function itself failed (not when it
	// failed a stage: that is a verdict, reported to CodePipeline). It has
	// no actions: watch it with the line's alerts.
	ErrorsAlarm awscloudwatch.Alarm

	pipeline awscodepipeline.IPipeline
	role     awsiam.Role
	// readable: the accounts and regions whose alarms the function may
	// already read, and the roles it may already assume.
	readable map[string]bool
}

// ToString returns the construct path (and lets the jsii runtime register
// CanaryAnalysis as a construct).
func (c *CanaryAnalysis) ToString() *string { return c.Node().Path() }

// NewCanaryAnalysis creates the function that analyses the deploys of
// pipeline. Invalid arguments create nothing and are reported as synth
// errors.
func NewCanaryAnalysis(scope constructs.Construct, id string, pipeline awscodepipeline.IPipeline) *CanaryAnalysis {
	c := &CanaryAnalysis{pipeline: pipeline, readable: map[string]bool{}}
	idProblem := register(c, scope, id, "NewCanaryAnalysis")
	ps := idProblems(idProblem, scopeProblems(c, "NewCanaryAnalysis"))
	if pipeline == nil {
		ps = append(ps, Problem{Prop: "pipeline", Value: "nil", Want: "the awscodepipeline.IPipeline whose deploys to analyse"})
	}
	if report(c, ps) {
		return c
	}
	// The pipeline refers to the function (its action), so the function
	// may not refer to the pipeline: it reads the pipeline's name from a
	// parameter of a fixed name, and lists the actions of the account's
	// pipelines.
	stack := awscdk.Stack_Of(c)
	parameterName := "/velocity/" + *stack.StackName() + "/" + *c.Node().Addr() + "/pipeline-name"
	awsssm.NewStringParameter(c, jsii.String("PipelineName"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(parameterName),
		StringValue:   pipeline.PipelineName(),
		Description:   jsii.String("The pipeline whose deploys the Velocity line's canary analysis judges"),
	})
	c.Function, c.role = newGoFunction(c, goFunction{
		pkg:             canaryanalysis.HandlerPackage,
		description:     "Compares a deployed service's metrics after the deploy with before it (Mann-Whitney U) for a Velocity assembly line",
		roleDescription: "Canary analysis of a Velocity line: reads its deploy stages' actions and the metrics of their gate alarms, reports to CodePipeline",
		timeoutSeconds:  canaryAnalysisTimeout,
		// The literal name, not the parameter's Ref: that would make the
		// function depend on the pipeline.
		env: map[string]*string{canaryanalysis.EnvPipelineNameParameter: jsii.String(parameterName)},
	})
	c.role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ssm:GetParameter"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ssm"), Resource: jsii.String("parameter"),
			ResourceName: jsii.String(strings.TrimPrefix(parameterName, "/"))})),
	}))
	c.role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("codepipeline:ListActionExecutions"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("codepipeline"), Resource: jsii.String("*")})),
	}))
	nag.Suppress(c.role, true, nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{"Resource::*",
			nag.Regex(`^Resource::arn:<AWS::Partition>:cloudwatch:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):alarm:\*$`),
			"Resource::arn:<AWS::Partition>:codepipeline:<AWS::Region>:<AWS::AccountId>:*"},
		Reason: "codepipeline:PutJob*Result and cloudwatch:GetMetricData, which have no resource-level permissions; " +
			"the alarms of the environments it analyses, whose names under the gate are the team's; " +
			"and the action executions of the account's pipelines (read only), as its own pipeline refers to the function and the function may not refer back."})
	c.ErrorsAlarm = c.Function.MetricErrors(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}).
		CreateAlarm(c, jsii.String("ErrorsAlarm"), &awscloudwatch.CreateAlarmOptions{
			Threshold: jsii.Number(0), EvaluationPeriods: jsii.Number(1),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription: jsii.String("The canary analysis function of the Velocity line failed in the last 5 minutes: a deploy stage's analysis could not report its verdict. " +
				"Read the function's logs; CodePipeline fails the action when it gets no result."),
		})
	return c
}

// AnalysisTarget is one environment a stage deploys, for Analyze.
type AnalysisTarget struct {
	// Alarm is the environment's gate alarm.
	Alarm string
	// Account and Region are the environment's; empty: the pipeline's.
	Account, Region string
	// RoleArn is the role that reads the alarm in another account; empty
	// in the pipeline's.
	RoleArn string
}

// Analyze adds the analysis of target to stage, as an action named
// actionName at runOrder (after the stage's deploys and tests), with
// windows of windowMinutes.
func (c *CanaryAnalysis) Analyze(stage awscodepipeline.IStage, actionName string, runOrder float64, windowMinutes int, target AnalysisTarget) {
	if c.Function == nil {
		return // reported by NewCanaryAnalysis
	}
	params := canaryanalysis.Params{Stage: *stage.StageName(), Action: actionName, Alarm: target.Alarm,
		Region: target.Region, RoleArn: target.RoleArn, WindowMinutes: windowMinutes}
	raw, _ := json.Marshal(params)
	stage.AddAction(awscodepipelineactions.NewLambdaInvokeAction(&awscodepipelineactions.LambdaInvokeActionProps{
		ActionName:           jsii.String(actionName),
		Lambda:               c.Function,
		UserParametersString: jsii.String(string(raw)),
		RunOrder:             jsii.Number(runOrder),
	}))
	// The role aws-cdk-lib gives the action when it joins the stage.
	if s := c.pipeline.Node().TryFindChild(stage.StageName()); s != nil {
		if a := s.Node().TryFindChild(jsii.String(actionName)); a != nil {
			if role := a.Node().TryFindChild(jsii.String("CodePipelineActionRole")); role != nil {
				nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM5",
					AppliesTo: []string{"Resource::*", nag.Regex(`^Resource::<[A-Za-z0-9]*CanaryAnalysisFunction[A-F0-9]{8}\.Arn>:\*$`)},
					Reason:    "aws-cdk-lib's role for a Lambda invoke action: lambda:ListFunctions, which has no resource-level permissions, and invoking the analysis function and its versions."})
			}
		}
	}
	if target.RoleArn != "" {
		if !c.readable[target.RoleArn] {
			c.readable[target.RoleArn] = true
			c.role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("sts:AssumeRole"), Resources: jsii.Strings(target.RoleArn),
			}))
		}
		return
	}
	where := target.Account + "/" + target.Region
	if c.readable[where] {
		return
	}
	c.readable[where] = true
	alarms := &awscdk.ArnComponents{Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"), ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME}
	if target.Account != "" {
		alarms.Account = jsii.String(target.Account)
	}
	if target.Region != "" {
		alarms.Region = jsii.String(target.Region)
	}
	c.role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("cloudwatch:DescribeAlarms"), Resources: jsii.Strings(*awscdk.Stack_Of(c).FormatArn(alarms)),
	}))
	if len(c.readable) == 1 {
		c.role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("cloudwatch:GetMetricData"), Resources: jsii.Strings("*"),
		}))
	}
}
