// Package config reads the settings the example apps share from CDK
// context, so one checkout serves every team's trial: with no context the
// examples synthesize offline with a source bucket; with
// `-c connectionArn=... -c repository=owner/name [-c branch=main]
// [-c provider=github|gitlab|bitbucket]` they ship a git repository, and
// `-c alertEmail=you@example.com[,...]` subscribes addresses to the alerts
// of the line and of each stage.
package config

import (
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// Source returns the source the context asks for: a git repository when
// repository or connectionArn is set, otherwise the line's own bucket.
func Source(scope constructs.Construct) stages.Source {
	repo := context(scope, "repository")
	arn := context(scope, "connectionArn")
	if repo == "" && arn == "" {
		return stages.SourceBucket()
	}
	opts := stages.GitOptions{ConnectionArn: arn, Branch: context(scope, "branch")}
	switch provider := strings.ToLower(context(scope, "provider")); provider {
	case "", "github":
		return stages.GitHub(repo, opts)
	case "gitlab":
		return stages.GitLab(repo, opts)
	case "bitbucket":
		return stages.Bitbucket(repo, opts)
	default:
		// An unknown provider is a typo; the GitHub source then reports
		// nothing wrong, so say it here.
		panic(fmt.Sprintf("context provider=%q: want github, gitlab or bitbucket", provider))
	}
}

// contextKeys are the context keys the examples read.
var contextKeys = []string{"example", "repository", "connectionArn", "branch", "provider", "alertEmail"}

// Build returns the Go build of an example's line, passing on the context
// the app was synthesized with (and example, which selects the app in the
// repository's cdk.json, and the extra context the example's own settings
// stand for, such as the containers example's capacity), so that the line's own `cdk synth` produces the
// same line and self-mutation keeps it.
func Build(scope constructs.Construct, example string, extra map[string]string) *stages.Build {
	ctx := map[string]string{"example": example}
	for k, v := range extra {
		ctx[k] = v
	}
	for _, k := range contextKeys[1:] {
		if v := context(scope, k); v != "" {
			ctx[k] = v
		}
	}
	return &stages.Build{Context: ctx}
}

// Monitor creates the monitoring of an example's service in stack: an
// Alerts topic (KMS-encrypted; `-c alertEmail=team@example.com` subscribes
// an address) and a ServiceMonitor named name, with a dashboard. Its alarms
// are what the line's bake-time gate watches after each deploy.
func Monitor(stack awscdk.Stack, name string) *monitoring.ServiceMonitor {
	emails := alertEmails(stack)
	if len(emails) == 0 {
		acknowledgeNoAlertEmail(stack)
	}
	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: emails})
	return monitoring.NewServiceMonitor(stack, "Monitoring", &monitoring.ServiceMonitorProps{Name: name, Alerts: alerts})
}

// NoAlertEmailID and NoAlertEmailInfo are what synth says, once, when the
// context has no alertEmail: an info message on the line.
const NoAlertEmailID = "velocity:example-no-alert-email"

// NoAlertEmailInfo: see NoAlertEmailID.
const NoAlertEmailInfo = "No alert email yet: the alarms of the line and of its stages notify nobody. " +
	"To be told, add -c alertEmail=you@example.com (several: a,b) to cdk synth and cdk deploy; each address confirms its subscription once."

// alertEmails returns the addresses of `-c alertEmail=a@example.com[,b@...]`,
// which subscribe to the line's alerts topic and to each stage's.
func alertEmails(scope constructs.Construct) []string {
	if e := context(scope, "alertEmail"); e != "" {
		return strings.Split(e, ",")
	}
	return nil
}

// acknowledgeNoAlertEmail acknowledges, in scope, monitoring's warning that
// an alerts topic has no subscriber. The warning is right for a team's app,
// and monitoring gives it per topic; but an example synthesized without
// -c alertEmail is a trial, often offline, whose three topics (the line's
// and one per stage) have no subscriber on purpose. A newcomer should not
// learn to ignore warnings on a first synth, so the example acknowledges
// them (the aws-cdk-lib way for an app to say "I know", by the warning's
// id) and the line says once, as info, how to subscribe (NoAlertEmailInfo).
func acknowledgeNoAlertEmail(scope constructs.Construct) {
	awscdk.Annotations_Of(scope).AcknowledgeWarning(jsii.String(monitoring.NoSubscribersWarning),
		jsii.String("an example synthesized without -c alertEmail: "+NoAlertEmailInfo))
}

// PipelineStack creates the stack that holds an example's line: the source
// and build the context asks for, app deployed to staging and production,
// the sample service's acceptance tests against staging, and the line's
// alerts, to which alertEmail subscribes too. aspects are
// applied to every stage the line deploys (pipeline.Props.StageAspects);
// tests pass cdk-nag there.
func PipelineStack(scope constructs.Construct, id, example, description string, app stages.StageFunc, aspects ...awscdk.IAspect) awscdk.Stack {
	stack, _ := PipelineStackWithContext(scope, id, example, nil, description, app, aspects...)
	return stack
}

// PipelineStackWithContext is PipelineStack for an example whose settings
// the line's own synth must be given as context, for example
// {"capacity": "ec2"}. It returns the line too.
func PipelineStackWithContext(scope constructs.Construct, id, example string, extra map[string]string, description string, app stages.StageFunc, aspects ...awscdk.IAspect) (awscdk.Stack, *pipeline.AssemblyLine) {
	stack := awscdk.NewStack(scope, &id, &awscdk.StackProps{
		Env:                   PipelineEnv(),
		Description:           &description,
		TerminationProtection: jsii.Bool(true),
	})
	emails := alertEmails(stack)
	if len(emails) == 0 {
		acknowledgeNoAlertEmail(stack)
	}
	line := pipeline.New(stack, "Line", &pipeline.Props{
		Source:       Source(stack),
		Build:        Build(stack, example, extra),
		App:          app,
		Acceptance:   stages.GoAcceptanceTests("./examples/service/acceptance/..."),
		StageAspects: aspects,
		AlertEmails:  emails,
	})
	if len(emails) == 0 {
		// On the line, which reports its messages without the jsii
		// runtime's stack frame.
		awscdk.Annotations_Of(line).AddInfoV2(jsii.String(NoAlertEmailID), jsii.String(NoAlertEmailInfo))
	}
	return stack, line
}

// ServiceStage returns the StageFunc of an example: a stage in the
// environment with one stack, "Service", made by newStack. The line calls it
// for staging and for production, so both run the same code.
func ServiceStage(newStack func(scope constructs.Construct, id string) awscdk.Stack) stages.StageFunc {
	return func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		stage := awscdk.NewStage(scope, &id, &awscdk.StageProps{Env: env.Env()})
		newStack(stage, "Service")
		return stage
	}
}

// PipelineEnv returns the environment of the pipeline stack: the account
// and region the CDK CLI found (CDK_DEFAULT_ACCOUNT, CDK_DEFAULT_REGION) when
// both are known, otherwise none, so synth needs no AWS credentials.
func PipelineEnv() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" || region == "" {
		return nil
	}
	return &awscdk.Environment{Account: &account, Region: &region}
}

func context(scope constructs.Construct, key string) string {
	if v, ok := scope.Node().TryGetContext(&key).(string); ok {
		return v
	}
	return ""
}
