package pipeline_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// alarmedApp is bucketApp with one alarm, as a monitored service has.
func alarmedApp(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	stage := bucketApp(scope, id, env)
	stack := stages.Stacks(stage)[0]
	awscloudwatch.NewAlarm(stack, jsii.String("Errors"), &awscloudwatch.AlarmProps{
		Metric:            awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("Shop"), MetricName: jsii.String("Errors")}),
		Threshold:         jsii.Number(0),
		EvaluationPeriods: jsii.Number(1),
	})
	return stage
}

// stageJSON returns the raw CloudFormation declaration of a pipeline stage.
func stageJSON(t *testing.T, tpl assertions.Template, name string) map[string]interface{} {
	t.Helper()
	props, _ := pipelineOf(t, tpl)
	for _, s := range props["Stages"].([]interface{}) {
		if st := s.(map[string]interface{}); st["Name"] == name {
			return st
		}
	}
	t.Fatalf("no stage %s", name)
	return nil
}

func compact(v interface{}) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

func TestBakeTimeGatesAndRollbackByDefault(t *testing.T) {
	tpl, line, _ := synth(t, pipeline.Props{App: alarmedApp})
	staging, production := stageJSON(t, tpl, "Staging"), stageJSON(t, tpl, "Production")

	want := `{"Conditions":[{"Result":"FAIL","Rules":[{"Configuration":{"AlarmName":"Pipe-Staging-gate","WaitTime":"5"},"Name":"Bake-Staging","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"CloudWatchAlarm","Version":"1"}}]}]}`
	if got := compact(staging["OnSuccess"]); got != want {
		t.Errorf("staging OnSuccess = %s\nwant %s", got, want)
	}
	if _, ok := staging["OnFailure"]; ok {
		t.Errorf("staging rolls back by default: %v", staging["OnFailure"])
	}
	want = `{"Conditions":[{"Result":"ROLLBACK","Rules":[{"Configuration":{"AlarmName":"Pipe-Production-gate","WaitTime":"15"},"Name":"Bake-Production","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"CloudWatchAlarm","Version":"1"}}]}]}`
	if got := compact(production["OnSuccess"]); got != want {
		t.Errorf("production OnSuccess = %s\nwant %s", got, want)
	}
	if got := compact(production["OnFailure"]); got != `{"Result":"ROLLBACK"}` {
		t.Errorf("production OnFailure = %s", got)
	}
	// One composite alarm per stage over the service's alarms.
	for name, stage := range map[string]awscdk.Stage{"Pipe-Staging-gate": line.Staging, "Pipe-Production-gate": line.Production} {
		gate := cdktest.Template(t, stages.Stacks(stage)[0])
		cdktest.Check(t, func() {
			gate.HasResourceProperties(jsii.String("AWS::CloudWatch::CompositeAlarm"), map[string]interface{}{
				"AlarmName": name, "AlarmRule": assertions.Match_ObjectLike(&map[string]interface{}{}),
			})
		})
	}
	// The pipeline may read exactly those alarms.
	raw := compact(cdktest.JSON(t, tpl))
	for _, want := range []string{`"Action":"cloudwatch:DescribeAlarms"`, `:alarm:Pipe-Production-gate`, `:alarm:Pipe-Staging-gate`} {
		if !strings.Contains(raw, want) {
			t.Errorf("pipeline template lacks %s", want)
		}
	}
}

func TestGateOptions(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{
		App: alarmedApp,
		Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"},
			Gate: stages.Gate{BakeTime: 10 * time.Minute, Rollback: stages.Enabled, Alarms: []stages.AlarmName{"shop-latency"}}},
		Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"},
			Gate: stages.Gate{BakeTime: stages.NoBakeTime, Rollback: stages.Disabled, Window: &stages.Window{Cron: "* * 9-16 ? * MON-THU", TimeZone: "Europe/Berlin"}}},
	})
	staging, production := stageJSON(t, tpl, "Staging"), stageJSON(t, tpl, "Production")
	if got := compact(staging["OnSuccess"]); !strings.Contains(got, `"Result":"ROLLBACK"`) || !strings.Contains(got, `"WaitTime":"10"`) {
		t.Errorf("staging OnSuccess = %s", got)
	}
	if got := compact(staging["OnFailure"]); got != `{"Result":"ROLLBACK"}` {
		t.Errorf("staging OnFailure = %s", got)
	}
	for _, key := range []string{"OnSuccess", "OnFailure"} {
		if v, ok := production[key]; ok {
			t.Errorf("production %s = %v, want none (bake time 0, rollback off)", key, v)
		}
	}
	// The window, then the entry gate: a stage without a bake time still
	// does not deploy into an environment in alarm.
	want := `{"Conditions":[{"Result":"FAIL","Rules":[` +
		`{"Configuration":{"Cron":"* * 9-16 ? * MON-THU","TimeZone":"Europe/Berlin"},"Name":"DeploymentWindow","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"DeploymentWindow","Version":"1"}},` +
		`{"Configuration":{"AlarmName":"Pipe-Production-gate","WaitTime":"10"},"Name":"Healthy-Production","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"CloudWatchAlarm","Version":"1"}}]}]}`
	if got := compact(production["BeforeEntry"]); got != want {
		t.Errorf("production BeforeEntry = %s\nwant %s", got, want)
	}
}

// TestEntryGate checks that every deploy stage waits for its environments
// to leave ALARM before it deploys (10 minutes by default), that the wait
// is the stage's own, and that NoEntryGate removes the check.
func TestEntryGate(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{
		App:     alarmedApp,
		Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{EntryWait: stages.NoEntryGate}},
		Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"},
			Gate: stages.Gate{EntryWait: 30 * time.Minute}},
	})
	staging, production := stageJSON(t, tpl, "Staging"), stageJSON(t, tpl, "Production")
	if v, ok := staging["BeforeEntry"]; ok {
		t.Errorf("staging BeforeEntry = %v, want none with NoEntryGate", compact(v))
	}
	want := `{"Conditions":[{"Result":"FAIL","Rules":[{"Configuration":{"AlarmName":"Pipe-Production-gate","WaitTime":"30"},"Name":"Healthy-Production","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"CloudWatchAlarm","Version":"1"}}]}]}`
	if got := compact(production["BeforeEntry"]); got != want {
		t.Errorf("production BeforeEntry = %s\nwant %s", got, want)
	}
	// The bake is unchanged, on the same alarm.
	if got := compact(production["OnSuccess"]); !strings.Contains(got, `"AlarmName":"Pipe-Production-gate","WaitTime":"15"`) {
		t.Errorf("production OnSuccess = %s", got)
	}

	tpl, _, _ = synth(t, pipeline.Props{App: alarmedApp, Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}})
	want = `{"Conditions":[{"Result":"FAIL","Rules":[{"Configuration":{"AlarmName":"Pipe-Staging-gate","WaitTime":"10"},"Name":"Healthy-Staging","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"CloudWatchAlarm","Version":"1"}}]}]}`
	if got := compact(stageJSON(t, tpl, "Staging")["BeforeEntry"]); got != want {
		t.Errorf("default staging BeforeEntry = %s\nwant %s", got, want)
	}
}

func TestExtraGateAlarmsJoinTheComposite(t *testing.T) {
	_, line, _ := synth(t, pipeline.Props{App: alarmedApp,
		Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Alarms: []stages.AlarmName{"shop-latency"}}}})
	gate := cdktest.Template(t, stages.Stacks(line.Staging)[0])
	rule := compact(cdktest.Resources(t, gate, "AWS::CloudWatch::CompositeAlarm"))
	if !strings.Contains(rule, `:alarm:shop-latency`) || !strings.Contains(rule, `ALARM(`) {
		t.Errorf("composite alarm = %s", rule)
	}
}

// TestNotAGateAlarmsStayOut checks that alarms marked monitoring.NotAGate
// are not part of the gate.
func TestNotAGateAlarmsStayOut(t *testing.T) {
	app := func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		stage := alarmedApp(scope, id, env)
		alarm := awscloudwatch.NewAlarm(stages.Stacks(stage)[0], jsii.String("ClientErrors"), &awscloudwatch.AlarmProps{
			Metric:    awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("Shop"), MetricName: jsii.String("4xx")}),
			Threshold: jsii.Number(0), EvaluationPeriods: jsii.Number(1),
		})
		monitoring.NotAGate(alarm, "client errors")
		return stage
	}
	_, line, _ := synth(t, pipeline.Props{App: app})
	rule := compact(cdktest.Resources(t, cdktest.Template(t, stages.Stacks(line.Staging)[0]), "AWS::CloudWatch::CompositeAlarm"))
	if !strings.Contains(rule, "Errors") || strings.Contains(rule, "ClientErrors") {
		t.Errorf("composite alarm = %s, want Errors and not ClientErrors", rule)
	}
}

func TestNoAlarmsNoGate(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp})
	tpl := cdktest.Template(t, stack)
	if _, ok := stageJSON(t, tpl, "Production")["OnSuccess"]; ok {
		t.Error("a gate without alarms")
	}
	var warnings []string
	cdktest.Check(t, func() {
		for _, m := range *assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("no CloudWatch alarms"))) {
			//lint:ignore SA1019 aws-cdk-go has no replacement for SynthesisMessage fields yet (assertions still returns this type)
			warnings = append(warnings, compact(m.Entry.Data))
		}
	})
	if len(warnings) != 2 {
		t.Errorf("warnings = %v, want one per stage", warnings)
	}
}

func TestChangeFreeze(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{ChangeFreeze: "Black Friday (ends 2026-12-01)"})
	props, _ := pipelineOf(t, tpl)
	if got := compact(props["DisableInboundStageTransitions"]); got != `[{"Reason":"Black Friday (ends 2026-12-01)","StageName":"Production"}]` {
		t.Errorf("DisableInboundStageTransitions = %s", got)
	}

	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]interface{}{pipeline.ChangeFreezeContext: "true"}})
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp, Approval: &stages.Approval{}})
	props, _ = pipelineOf(t, cdktest.Template(t, stack))
	if got := compact(props["DisableInboundStageTransitions"]); got != `[{"Reason":"Change freeze","StageName":"Production"}]` {
		t.Errorf("DisableInboundStageTransitions from context = %s", got)
	}

	// "False" (as a shell or CI variable writes it) lifts the freeze; it is
	// not a reason.
	for _, v := range []string{"False", "false", " "} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]interface{}{pipeline.ChangeFreezeContext: v}})
		stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
		pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp})
		props, _ = pipelineOf(t, cdktest.Template(t, stack))
		if got, ok := props["DisableInboundStageTransitions"]; ok {
			t.Errorf("context %q froze the line: %s", v, compact(got))
		}
	}

	// A number or a list (cdk.json keeps JSON's types) is neither a yes, a
	// no nor a reason: a synth error, not a guess.
	for _, v := range []interface{}{1, []interface{}{"true"}} {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]interface{}{pipeline.ChangeFreezeContext: v}})
		stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
		pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp})
		errs := strings.Join(cdktest.Errors(t, stack), "\n")
		if !strings.Contains(errs, "context "+pipeline.ChangeFreezeContext) || !strings.Contains(errs, "true, false, or the reason") {
			t.Errorf("context %v: errors %q, want one naming the context key and what it takes", v, errs)
		}
	}
}

func TestPermissionsBroadeningGate(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{AllowPermissionsBroadening: true})
	_, st := pipelineOf(t, tpl)
	for _, a := range findStage(t, st, "Staging").Actions {
		if strings.HasPrefix(a.Name, "PermissionsCheck") {
			t.Errorf("permissions check %s despite AllowPermissionsBroadening", a.Name)
		}
	}
}

func TestWaves(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("000000000000"), Region: jsii.String("eu-west-1")}})
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() {
		line = pipeline.New(stack, "Line", &pipeline.Props{
			App:     alarmedApp,
			Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}},
			Waves: []*stages.Wave{
				{Name: "Canary", Environments: []stages.Environment{{Name: "Canary-EU", Account: "111111111111", Region: "eu-west-1"}}},
				{Name: "Everywhere", Environments: []stages.Environment{
					{Name: "US", Account: "111111111111", Region: "us-east-1"},
					{Name: "AP", Account: "222222222222", Region: "ap-southeast-2"},
				}},
			},
		})
	})
	if errs := cdktest.Errors(t, stack); len(errs) > 0 {
		t.Fatalf("errors: %v", errs)
	}
	tpl := cdktest.Template(t, stack)
	_, st := pipelineOf(t, tpl)
	if got, want := stageNames(st), "Source,Build,UpdatePipeline,Assets,Staging,Canary-EU,Everywhere"; got != want {
		t.Errorf("stages = %s, want %s", got, want)
	}
	everywhere := compact(stageJSON(t, tpl, "Everywhere")["OnSuccess"])
	for _, want := range []string{`"Name":"Bake-US"`, `"Region":"us-east-1"`, `"Name":"Bake-AP"`, `"Region":"ap-southeast-2"`,
		`:iam::222222222222:role/velocity-gate-reader-`, `"Result":"ROLLBACK"`} {
		if !strings.Contains(everywhere, want) {
			t.Errorf("Everywhere OnSuccess lacks %s: %s", want, everywhere)
		}
	}
	// One canary analysis per environment of the wave, each reading its
	// own region and account, through the account's reader role.
	analyses := map[string]string{}
	for _, a := range findStage(t, st, "Everywhere").Actions {
		if a.Provider == "Lambda" {
			analyses[a.Name] = strings.ReplaceAll(compact(a.Configuration["UserParameters"]), `\"`, `"`)
		}
	}
	if us, ap := analyses["CanaryAnalysis-US"], analyses["CanaryAnalysis-AP"]; len(analyses) != 2 ||
		!strings.Contains(us, `"region":"us-east-1"`) || !strings.Contains(us, `:iam::111111111111:role/velocity-gate-reader-`) ||
		!strings.Contains(ap, `"region":"ap-southeast-2"`) || !strings.Contains(ap, `:iam::222222222222:role/velocity-gate-reader-`) {
		t.Errorf("Everywhere analyses = %v", analyses)
	}
	var checks []string
	for _, a := range findStage(t, st, "Staging").Actions {
		if strings.HasSuffix(a.Name, ".Confirm") {
			checks = append(checks, a.Name)
		}
	}
	if got, want := strings.Join(checks, ","), "PermissionsCheck-AP.Confirm,PermissionsCheck-Canary-EU.Confirm,PermissionsCheck-US.Confirm"; got != want {
		t.Errorf("permission checks in Staging = %s, want %s (one per production environment)", got, want)
	}
	// The reader role in the other account trusts the pipeline's account.
	reader := cdktest.Template(t, stages.Stacks(line.Production)[0])
	cdktest.Check(t, func() {
		reader.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]interface{}{
			"RoleName": assertions.Match_StringLikeRegexp(jsii.String("^velocity-gate-reader-")),
		})
		// ... and may read the metrics the canary analysis compares.
		reader.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
			"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				map[string]interface{}{"Action": "cloudwatch:GetMetricData", "Effect": "Allow", "Resource": "*"}})},
		})
	})
}

// A stage a team adds through the Pipeline escape hatch after New does not
// move the conditions onto another stage: they are placed by stage name at
// synth.
func TestConditionsFollowTheirStage(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() {
		line = pipeline.New(stack, "Line", &pipeline.Props{App: alarmedApp})
		var staging awscodepipeline.IStage
		for _, s := range *line.Pipeline.Stages() {
			if *s.StageName() == "Staging" {
				staging = s
			}
		}
		line.Pipeline.AddStage(&awscodepipeline.StageOptions{
			StageName: jsii.String("TeamCheck"),
			Placement: &awscodepipeline.StagePlacement{RightBefore: staging},
			Actions: &[]awscodepipeline.IAction{awscodepipelineactions.NewManualApprovalAction(&awscodepipelineactions.ManualApprovalActionProps{
				ActionName: jsii.String("Look"),
			})},
		})
	})
	tpl := cdktest.Template(t, stack)
	if team := stageJSON(t, tpl, "TeamCheck"); team["OnSuccess"] != nil || team["OnFailure"] != nil {
		t.Errorf("the team's stage got the line's conditions: %s", compact(team))
	}
	if got := compact(stageJSON(t, tpl, "Staging")["OnSuccess"]); !strings.Contains(got, "Bake-Staging") {
		t.Errorf("staging OnSuccess = %s, want its bake gate", got)
	}
	production := stageJSON(t, tpl, "Production")
	if got := compact(production["OnSuccess"]); !strings.Contains(got, "Bake-Production") {
		t.Errorf("production OnSuccess = %s, want its bake gate", got)
	}
	if got := compact(production["OnFailure"]); got != `{"Result":"ROLLBACK"}` {
		t.Errorf("production OnFailure = %s", got)
	}
}

// monitoredApp is a stage whose service monitor watches one function.
func monitoredApp(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	stage := bucketApp(scope, id, env)
	stack := stages.Stacks(stage)[0]
	m := monitoring.NewServiceMonitor(stack, "Monitor", &monitoring.ServiceMonitorProps{Name: "orders", NoDashboard: true})
	fn := awslambda.Function_FromFunctionName(stack, jsii.String("Fn"), jsii.String("orders"))
	m.MonitorLambda(fn, awscdk.Duration_Seconds(jsii.Number(10)), nil)
	return stage
}

// TestBakeByData checks that with Gate.MinRequests the bake also needs
// the requests, through a traffic alarm over the bake time in a composite
// of its own, and that the entry gate does not wait on it.
func TestBakeByData(t *testing.T) {
	tpl, line, _ := synth(t, pipeline.Props{App: monitoredApp,
		Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{MinRequests: 30}}})
	staging := stageJSON(t, tpl, "Staging")
	if got := compact(staging["OnSuccess"]); !strings.Contains(got, `"AlarmName":"Pipe-Staging-gate-bake","WaitTime":"5"`) {
		t.Errorf("staging OnSuccess = %s, want a bake on Pipe-Staging-gate-bake", got)
	}
	if got := compact(staging["BeforeEntry"]); !strings.Contains(got, `"AlarmName":"Pipe-Staging-gate"`) || strings.Contains(got, "-bake") {
		t.Errorf("staging BeforeEntry = %s, want the health gate only", got)
	}
	service := cdktest.Template(t, stages.Stacks(line.Staging)[0])
	cdktest.Check(t, func() {
		service.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"Namespace": "AWS/Lambda", "MetricName": "Invocations", "Statistic": "Sum", "Period": 300,
			"Threshold": 30, "ComparisonOperator": "LessThanThreshold", "EvaluationPeriods": 1, "TreatMissingData": "breaching",
		})
		service.HasResourceProperties(jsii.String("AWS::CloudWatch::CompositeAlarm"), map[string]interface{}{
			"AlarmName": "Pipe-Staging-gate-bake",
		})
	})
	// The traffic alarm is not in the health gate.
	for _, r := range cdktest.Resources(t, service, "AWS::CloudWatch::CompositeAlarm") {
		props := r["Properties"].(map[string]interface{})
		rule := compact(props["AlarmRule"])
		traffic := strings.Contains(rule, "VelocityTraffic")
		if bake := props["AlarmName"] == "Pipe-Staging-gate-bake"; bake != traffic {
			t.Errorf("composite %v: rule %s", props["AlarmName"], rule)
		}
	}
	raw := compact(cdktest.JSON(t, tpl))
	if !strings.Contains(raw, `:alarm:Pipe-Staging-gate-bake`) || !strings.Contains(raw, `:alarm:Pipe-Staging-gate"`) {
		t.Errorf("the pipeline may not read both alarms")
	}
}

// TestBakeByDataNeedsAMonitor checks that MinRequests without a service
// monitor that counts requests is a synth error, not a bake on silence.
func TestBakeByDataNeedsAMonitor(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	cdktest.Check(t, func() {
		pipeline.New(stack, "Line", &pipeline.Props{App: alarmedApp,
			Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{MinRequests: 30}}})
	})
	errs := strings.Join(cdktest.Errors(t, stack), "\n")
	if !strings.Contains(errs, "Gate.MinRequests of stage Staging needs a monitoring.ServiceMonitor") {
		t.Errorf("errors = %s", errs)
	}
}

// TestCanaryAnalysis checks that every deploy stage ends with the canary
// analysis of each environment (after its deploys and tests), with the
// stage's window, and that a gate can turn it off.
func TestCanaryAnalysis(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{App: alarmedApp,
		Staging:    &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{AnalysisWindow: 20 * time.Minute}},
		Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}, Gate: stages.Gate{CanaryAnalysis: stages.Disabled}},
	})
	analyses := func(stage string) map[string]map[string]interface{} {
		out := map[string]map[string]interface{}{}
		last := 0.0
		for _, a := range stageJSON(t, tpl, stage)["Actions"].([]interface{}) {
			action := a.(map[string]interface{})
			order, _ := action["RunOrder"].(float64)
			if provider := action["ActionTypeId"].(map[string]interface{})["Provider"]; provider == "Lambda" {
				var params map[string]interface{}
				if err := json.Unmarshal([]byte(action["Configuration"].(map[string]interface{})["UserParameters"].(string)), &params); err != nil {
					t.Fatalf("%s: UserParameters: %v", stage, err)
				}
				params["runOrder"] = order
				out[action["Name"].(string)] = params
			} else {
				last = max(last, order)
			}
		}
		for name, p := range out {
			if p["runOrder"].(float64) <= last {
				t.Errorf("%s: %s runs at %v, not after the stage's other actions (%v)", stage, name, p["runOrder"], last)
			}
		}
		return out
	}
	staging := analyses("Staging")
	if a := staging["CanaryAnalysis"]; a == nil || a["alarm"] != "Pipe-Staging-gate" || a["windowMinutes"] != 20.0 || a["stage"] != "Staging" || a["action"] != "CanaryAnalysis" {
		t.Errorf("staging analysis = %v", staging)
	}
	if production := analyses("Production"); len(production) != 0 {
		t.Errorf("production analyses = %v, want none (CanaryAnalysis Disabled)", production)
	}
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
			"Description": assertions.Match_StringLikeRegexp(jsii.String("Mann-Whitney")), "Timeout": 90, "Architectures": []interface{}{"arm64"},
		})
	})
}

// TestSyntheticTraffic checks that a stage with an Endpoint output gets a
// canary that requests it, watched by the stage's service monitor and part
// of the gate, and that Synthetic.Off leaves it out.
func TestSyntheticTraffic(t *testing.T) {
	_, line, _ := synth(t, pipeline.Props{App: monitoredApp,
		Staging:    &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{Synthetic: stages.SyntheticTraffic{Paths: []string{"health", "20"}, Every: time.Minute}}},
		Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}, Gate: stages.Gate{Synthetic: stages.SyntheticTraffic{Off: true}}},
	})
	staging := cdktest.Template(t, stages.Stacks(line.Staging)[0])
	cdktest.Check(t, func() {
		staging.HasResourceProperties(jsii.String("AWS::Synthetics::Canary"), map[string]interface{}{
			"RunConfig": assertions.Match_ObjectLike(&map[string]interface{}{
				"EnvironmentVariables": map[string]interface{}{"ENDPOINT": "https://example.com/", "PATHS": "health,20"},
			}),
			"Schedule": assertions.Match_ObjectLike(&map[string]interface{}{"Expression": "rate(1 minute)"}),
			"Code":     assertions.Match_ObjectLike(&map[string]interface{}{"Handler": "velocity-probe.handler"}),
		})
		staging.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"Namespace": "CloudWatchSynthetics", "MetricName": "SuccessPercent", "TreatMissingData": "breaching",
		})
	})
	var gate string
	for _, r := range cdktest.Resources(t, staging, "AWS::CloudWatch::CompositeAlarm") {
		gate = compact(r["Properties"].(map[string]interface{})["AlarmRule"])
	}
	var canaryAlarm string
	for id, r := range cdktest.Resources(t, staging, "AWS::CloudWatch::Alarm") {
		if r["Properties"].(map[string]interface{})["MetricName"] == "SuccessPercent" {
			canaryAlarm = id
		}
	}
	if canaryAlarm == "" || !strings.Contains(gate, canaryAlarm) {
		t.Errorf("gate rule %s does not watch the canary's alarm %q", gate, canaryAlarm)
	}
	production := cdktest.Template(t, stages.Stacks(line.Production)[0])
	if n := len(cdktest.Resources(t, production, "AWS::Synthetics::Canary")); n != 0 {
		t.Errorf("production has %d canaries with Synthetic.Off", n)
	}
}
