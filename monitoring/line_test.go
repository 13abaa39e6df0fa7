package monitoring_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
)

// lineStack is a stack with a pipeline named velocity-line (as in the
// sample events), an Alerts topic, and a LineMonitor over both.
func lineStack(t *testing.T) (awscdk.Stack, *monitoring.LineMonitor) {
	t.Helper()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Line"), nil)
	pipeline := awscodepipeline.Pipeline_FromPipelineArn(stack, jsii.String("Pipeline"),
		jsii.String("arn:aws:codepipeline:eu-west-1:111111111111:velocity-line"))
	project := awscodebuild.Project_FromProjectName(stack, jsii.String("Build"), jsii.String("LineBuildProject"))
	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
	var m *monitoring.LineMonitor
	cdktest.Check(t, func() {
		m = monitoring.NewLineMonitor(stack, "Monitor", &monitoring.LineMonitorProps{
			Pipeline: pipeline, Alerts: alerts, Projects: []awscodebuild.IProject{project},
			Stages: []string{"Build", "Staging", "Production"},
		})
	})
	return stack, m
}

// TestLineRulesMatchRealEvents matches the synthesized rule patterns against
// sample events shaped like those in AWS's documentation.
func TestLineRulesMatchRealEvents(t *testing.T) {
	stack, _ := lineStack(t)
	tpl := cdktest.Template(t, stack)
	patterns := map[string]interface{}{}
	for id, r := range cdktest.Resources(t, tpl, "AWS::Events::Rule") {
		props := r["Properties"].(map[string]interface{})
		for _, name := range []string{"ExecutionFailed", "ExecutionSucceeded", "StageOrActionFailed", "BuildFailedOutsidePipeline", "DORAEvents"} {
			if strings.HasPrefix(id, "Monitor"+name) {
				patterns[name] = props["EventPattern"]
			}
		}
	}
	if len(patterns) != 5 {
		t.Fatalf("rules found: %v", patterns)
	}
	events := map[string]string{
		"pipeline-failed":              "../monitoring/dora/testdata/events/pipeline-failed.json",
		"pipeline-succeeded":           "../monitoring/dora/testdata/events/pipeline-succeeded.json",
		"stage-failed":                 "../monitoring/dora/testdata/events/stage-failed.json",
		"stage-succeeded":              "../monitoring/dora/testdata/events/stage-succeeded.json",
		"action-failed":                "../monitoring/dora/testdata/events/action-failed.json",
		"codebuild-failed-by-pipeline": "testdata/events/codebuild-failed-by-pipeline.json",
		"codebuild-failed-by-hand":     "testdata/events/codebuild-failed-by-hand.json",
		"codebuild-succeeded-by-hand":  "testdata/events/codebuild-succeeded-by-hand.json",
	}
	want := map[string][]string{
		"ExecutionFailed":            {"pipeline-failed"},
		"ExecutionSucceeded":         {"pipeline-succeeded"},
		"StageOrActionFailed":        {"action-failed", "stage-failed"},
		"BuildFailedOutsidePipeline": {"codebuild-failed-by-hand"},
		"DORAEvents":                 {"pipeline-failed", "pipeline-succeeded", "stage-failed", "stage-succeeded"},
	}
	for rule, pattern := range patterns {
		var got []string
		for _, name := range sortedKeys(events) {
			raw, err := os.ReadFile(filepath.FromSlash(strings.TrimPrefix(events[name], "../monitoring/")))
			if err != nil {
				t.Fatal(err)
			}
			var event map[string]interface{}
			if err := json.Unmarshal(raw, &event); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if matches(pattern, event) {
				got = append(got, name)
			}
		}
		if strings.Join(got, ",") != strings.Join(want[rule], ",") {
			t.Errorf("rule %s matches %v, want %v", rule, got, want[rule])
		}
	}
}

// matches implements the part of EventBridge's pattern matching the line's
// rules use: a list of literals matches any of them, an object matches
// field by field, and {"anything-but": {"prefix": p}} matches strings that
// do not start with p.
func matches(pattern, event interface{}) bool {
	switch p := pattern.(type) {
	case map[string]interface{}:
		e, ok := event.(map[string]interface{})
		if !ok {
			return false
		}
		for k, sub := range p {
			if !matches(sub, e[k]) {
				return false
			}
		}
		return true
	case []interface{}:
		for _, alt := range p {
			if rule, ok := alt.(map[string]interface{}); ok {
				if but, ok := rule["anything-but"].(map[string]interface{}); ok {
					s, isString := event.(string)
					if isString && !strings.HasPrefix(s, but["prefix"].(string)) {
						return true
					}
				}
				continue
			}
			if alt == event {
				return true
			}
		}
		return false
	}
	return false
}

func sortedKeys(m map[string]string) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	for i := range keys {
		for j := i + 1; j < len(keys); j++ {
			if keys[j] < keys[i] {
				keys[i], keys[j] = keys[j], keys[i]
			}
		}
	}
	return keys
}

func TestLineRedAlarm(t *testing.T) {
	stack, _ := lineStack(t)
	tpl := cdktest.Template(t, stack)
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"Namespace": "Velocity/Line", "MetricName": "LineRed", "Statistic": "Maximum", "Period": 60,
			"EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"TreatMissingData": "ignore",
			"Dimensions":       []interface{}{map[string]interface{}{"Name": "Pipeline", "Value": "velocity-line"}},
			"AlarmActions":     assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AlertsTopic"))})}),
			"OKActions":        assertions.Match_AnyValue(),
		})
	})
}

func TestDORAFunction(t *testing.T) {
	stack, m := lineStack(t)
	if m.DORA == nil || m.DORA.Function == nil || m.DORA.Table == nil {
		t.Fatal("no DORA function")
	}
	tpl := cdktest.Template(t, stack)
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
			"Runtime": "provided.al2023", "Architectures": []interface{}{"arm64"}, "Handler": "bootstrap",
			"ReservedConcurrentExecutions": assertions.Match_Absent(),
			"Environment": map[string]interface{}{"Variables": assertions.Match_ObjectLike(&map[string]interface{}{
				"PRODUCTION_STAGE": "Production", "NAMESPACE": "Velocity/Line", "TABLE_NAME": assertions.Match_AnyValue()})},
		})
		tpl.HasResource(jsii.String("AWS::DynamoDB::Table"), map[string]interface{}{
			"DeletionPolicy": "Retain",
			"Properties": assertions.Match_ObjectLike(&map[string]interface{}{
				"PointInTimeRecoverySpecification": map[string]interface{}{"PointInTimeRecoveryEnabled": true},
				"KeySchema":                        []interface{}{map[string]interface{}{"AttributeName": "pipeline", "KeyType": "HASH"}},
			}),
		})
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
			"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Action": []interface{}{"dynamodb:GetItem", "dynamodb:PutItem"}}),
				assertions.Match_ObjectLike(&map[string]interface{}{"Action": "codepipeline:GetPipelineExecution",
					"Resource": "arn:aws:codepipeline:eu-west-1:111111111111:velocity-line"}),
			})},
		})
	})
}

func TestLineDashboard(t *testing.T) {
	stack, _ := lineStack(t)
	tpl := cdktest.Template(t, stack)
	body := ""
	for _, d := range cdktest.Resources(t, tpl, "AWS::CloudWatch::Dashboard") {
		raw, _ := json.Marshal(d["Properties"].(map[string]interface{})["DashboardBody"])
		body += string(raw)
	}
	for _, title := range []string{monitoring.WidgetLineStatus, monitoring.WidgetDeploymentFrequency, monitoring.WidgetLeadTime,
		monitoring.WidgetChangeFailureRate, monitoring.WidgetTimeToRestore, monitoring.WidgetExecutions, monitoring.WidgetStageDuration} {
		if !strings.Contains(body, title) {
			t.Errorf("dashboard lacks widget %q", title)
		}
	}
	for _, metric := range []string{"Deployments", "LeadTime", "ProductionFailures", "ProductionAttempts", "TimeToRestore", "StageDuration"} {
		if !strings.Contains(body, metric) {
			t.Errorf("dashboard lacks metric %s", metric)
		}
	}
}

func TestLineMonitorNagClean(t *testing.T) {
	app := awscdk.NewApp(nil)
	awscdk.Aspects_Of(app).Add(cdktest.Nag(), nil)
	stack := awscdk.NewStack(app, jsii.String("Line"), nil)
	pipeline := awscodepipeline.Pipeline_FromPipelineArn(stack, jsii.String("Pipeline"), jsii.String("arn:aws:codepipeline:eu-west-1:111111111111:velocity-line"))
	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
	monitoring.NewLineMonitor(stack, "Monitor", &monitoring.LineMonitorProps{Pipeline: pipeline, Alerts: alerts})
	if errs := cdktest.NagErrors(t, stack); len(errs) > 0 {
		t.Errorf("cdk-nag errors:\n%s", strings.Join(errs, "\n"))
	}
}

// A LineMonitor names the pipeline's stages for the DORA metrics and the
// dashboard; a name the pipeline lacks would leave both empty for ever, so
// it is a synth error, found once every stage is added.
func TestLineMonitorStagesMustBeThePipelines(t *testing.T) {
	for _, c := range []struct {
		name  string
		props monitoring.LineMonitorProps
		want  []string
	}{
		{"stages it has", monitoring.LineMonitorProps{ProductionStage: "Live", Stages: []string{"Source", "Live"}}, nil},
		{"a production stage it lacks", monitoring.LineMonitorProps{Stages: []string{"Source"}},
			[]string{`ProductionStage: "Production" is invalid; want the name of a stage of the pipeline, which has Source, Live`}},
		{"a graphed stage it lacks", monitoring.LineMonitorProps{ProductionStage: "Live", Stages: []string{"Source", "Staging"}},
			[]string{`Stages[1]: "Staging" is invalid`}},
		{"no DORA: the production stage is not read", monitoring.LineMonitorProps{NoDORA: true, Stages: []string{"Live"}}, nil},
		{"a name CodePipeline refuses", monitoring.LineMonitorProps{ProductionStage: "Live now"},
			[]string{`ProductionStage: "Live now" is invalid; want a CodePipeline stage name`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			stack := awscdk.NewStack(app, jsii.String("Line"), nil)
			bucket := awss3.NewBucket(stack, jsii.String("Sources"), &awss3.BucketProps{Versioned: jsii.Bool(true)})
			source := awscodepipeline.NewArtifact(nil, nil)
			pipeline := awscodepipeline.NewPipeline(stack, jsii.String("Pipeline"), &awscodepipeline.PipelineProps{})
			pipeline.AddStage(&awscodepipeline.StageOptions{StageName: jsii.String("Source"), Actions: &[]awscodepipeline.IAction{
				awscodepipelineactions.NewS3SourceAction(&awscodepipelineactions.S3SourceActionProps{
					ActionName: jsii.String("S3"), Bucket: bucket, BucketKey: jsii.String("source.zip"), Output: source})}})
			props := c.props
			props.Pipeline = pipeline
			props.Alerts = monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
			monitoring.NewLineMonitor(stack, "Monitor", &props)
			// Added after the monitor, as CDK Pipelines adds its stages.
			pipeline.AddStage(&awscodepipeline.StageOptions{StageName: jsii.String("Live"), Actions: &[]awscodepipeline.IAction{
				awscodepipelineactions.NewManualApprovalAction(&awscodepipelineactions.ManualApprovalActionProps{ActionName: jsii.String("Approve")})}})
			errs := strings.Join(cdktest.Errors(t, stack), "\n")
			if len(c.want) == 0 && errs != "" {
				t.Errorf("errors %q, want none", errs)
			}
			for _, w := range c.want {
				if !strings.Contains(errs, w) {
					t.Errorf("errors %q, want one with %q", errs, w)
				}
			}
		})
	}
}
