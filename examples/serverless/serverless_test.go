package serverless_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/serverless"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/internal/exampletest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func TestNagClean(t *testing.T) {
	exampletest.NagClean(t, serverless.NewPipelineStack, "VelocityServerless", 3)
}

// TestGolden keeps the synthesized templates of the example under review:
// any change to what the line or the service deploys shows up as a diff of
// testdata/. Run `go test ./examples/serverless -update` to accept one.
func TestGolden(t *testing.T) {
	exampletest.Golden(t, serverless.NewPipelineStack, "VelocityServerless", nil)
}

// TestDefaultExampleShape checks what issue #2 promises of the default
// example's pipeline: one V2 pipeline, Source first, a Build action, staging
// deploys then acceptance tests, then production deploys.
func TestDefaultExampleShape(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := serverless.NewPipelineStack(app, "VelocityServerless")
	tpl := cdktest.Template(t, stack)
	pipes := cdktest.Resources(t, tpl, "AWS::CodePipeline::Pipeline")
	if len(pipes) != 1 {
		t.Fatalf("%d pipelines, want 1", len(pipes))
	}
	var order []string
	for _, p := range pipes {
		props := p["Properties"].(map[string]interface{})
		if props["PipelineType"] != "V2" {
			t.Errorf("PipelineType = %v", props["PipelineType"])
		}
		for _, s := range props["Stages"].([]interface{}) {
			sm := s.(map[string]interface{})
			for _, a := range sm["Actions"].([]interface{}) {
				am := a.(map[string]interface{})
				order = append(order, sm["Name"].(string)+":"+am["ActionTypeId"].(map[string]interface{})["Provider"].(string))
			}
		}
	}
	got := strings.Join(order, " ")
	// Build: the Build job, its unit tests and four security checks; each
	// deploy stage ends with its canary analysis (a Lambda invoke action).
	want := "Source:S3 Build:CodeBuild Build:CodeBuild Build:CodeBuild Build:CodeBuild Build:CodeBuild Build:CodeBuild UpdatePipeline:CodeBuild"
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "Staging:CloudFormation Staging:CodeBuild Staging:CodeBuild Staging:Manual Staging:Lambda Production:CloudFormation Production:Lambda") {
		t.Errorf("actions = %s", got)
	}
}

// TestDefaultExampleIsGated checks what issue #5 promises of the default
// example: production bakes on the service's alarms and rolls back; staging
// has its bake-time gate.
func TestDefaultExampleIsGated(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := serverless.NewPipelineStack(app, "VelocityServerless")
	line := stack.Node().FindChild(jsii.String("Line")).(*pipeline.AssemblyLine)
	tpl := cdktest.Template(t, stack)
	for _, p := range cdktest.Resources(t, tpl, "AWS::CodePipeline::Pipeline") {
		for _, s := range p["Properties"].(map[string]interface{})["Stages"].([]interface{}) {
			st := s.(map[string]interface{})
			raw, _ := json.Marshal(st)
			switch st["Name"] {
			case "Staging":
				if !strings.Contains(string(raw), `"OnSuccess":{"Conditions":[{"Result":"FAIL","Rules":[{"Configuration":{"AlarmName":"VelocityServerless-Staging-gate","WaitTime":"5"}`) {
					t.Errorf("staging stage has no bake-time gate: %s", raw)
				}
			case "Production":
				for _, want := range []string{`"OnFailure":{"Result":"ROLLBACK"}`,
					`"OnSuccess":{"Conditions":[{"Result":"ROLLBACK","Rules":[{"Configuration":{"AlarmName":"VelocityServerless-Production-gate","WaitTime":"15"},"Name":"Bake-Production","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"CloudWatchAlarm","Version":"1"}}]}]}`} {
					if !strings.Contains(string(raw), want) {
						t.Errorf("production stage lacks %s: %s", want, raw)
					}
				}
			}
		}
	}
	// The gate is one composite alarm over the service's alarms.
	gate := cdktest.Template(t, stages.Stacks(line.Production)[0])
	rule, _ := json.Marshal(cdktest.Resources(t, gate, "AWS::CloudWatch::CompositeAlarm"))
	for _, alarm := range []string{"MonitoringLambdaHandlerErrors", "MonitoringAPIGatewayApi5XXErrors"} {
		if !strings.Contains(string(rule), alarm) {
			t.Errorf("gate does not watch %s: %s", alarm, rule)
		}
	}
	for _, alarm := range []string{"NotificationsFailed", "4XXRate", "AccountConcurrentExecutions"} {
		if strings.Contains(string(rule), alarm) {
			t.Errorf("gate watches %s, which a deploy cannot fix or a healthy deploy triggers", alarm)
		}
	}
}

// TestZeroDowntime checks how the service avoids downtime: API Gateway calls
// a Lambda alias that CodeDeploy shifts to a new version in a canary, rolling
// back automatically on the function-error and API-5XX alarms.
func TestZeroDowntime(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := serverless.NewServiceStack(app, "Service")
	tpl := cdktest.Template(t, stack)
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]interface{}{
			"Runtime": "provided.al2023", "Architectures": []interface{}{"arm64"}, "Handler": "bootstrap"})
		tpl.HasResourceProperties(jsii.String("AWS::CodeDeploy::DeploymentGroup"), map[string]interface{}{
			"DeploymentConfigName": "CodeDeployDefault.LambdaCanary10Percent5Minutes",
			"AutoRollbackConfiguration": map[string]interface{}{"Enabled": true,
				"Events": []interface{}{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"}},
			"AlarmConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{"Enabled": true,
				"Alarms": assertions.Match_Exact([]interface{}{assertions.Match_AnyValue(), assertions.Match_AnyValue()})}),
		})
		tpl.HasResource(jsii.String("AWS::Lambda::Alias"), map[string]interface{}{
			"UpdatePolicy": map[string]interface{}{"CodeDeployLambdaAliasUpdate": assertions.Match_ObjectLike(&map[string]interface{}{})},
		})
		for _, metric := range []string{"Errors", "5XXError"} {
			tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
				"MetricName": metric, "Statistic": "Sum", "Period": 60, "Threshold": 0, "EvaluationPeriods": 1,
				"ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
				"AlarmActions": assertions.Match_AnyValue()})
		}
		// The service has its dashboard.
		tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(1))
		// API Gateway integrates with the alias, not the bare function.
		tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]interface{}{
			"HttpMethod": "GET",
			"Integration": assertions.Match_ObjectLike(&map[string]interface{}{"Uri": assertions.Match_ObjectLike(&map[string]interface{}{
				"Fn::Join": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ArrayWith(&[]interface{}{
					map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Live"))}})})})}),
		})
	})
	if n := len(cdktest.Resources(t, tpl, "AWS::ApiGateway::Method")); n != 2 {
		t.Errorf("%d API methods, want GET / and GET /{proxy+}", n)
	}
}

// TestContextSwitchesToGit checks the README's promise: context keys switch
// the default example to a git source, and the line's own build passes the
// same context to `cdk synth`, so self-mutation keeps the git source.
func TestContextSwitchesToGit(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]interface{}{
		"connectionArn": "arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
		"repository":    "acme/shop",
		"branch":        "trunk",
	}})
	stack := serverless.NewPipelineStack(app, "VelocityServerless")
	tpl := cdktest.Template(t, stack)
	raw, _ := json.Marshal(cdktest.JSON(t, tpl))
	for _, want := range []string{`"FullRepositoryId":"acme/shop"`, `"BranchName":"trunk"`, `"Provider":"CodeStarSourceConnection"`,
		`cdk synth -c 'branch=trunk' -c 'connectionArn=arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d' -c 'example=serverless' -c 'repository=acme/shop'`} {
		if !strings.Contains(string(raw), strings.ReplaceAll(want, `"`, `\"`)) && !strings.Contains(string(raw), want) {
			t.Errorf("template lacks %s", want)
		}
	}
}

// TestREADMEDiagram keeps the README's diagram of the default example's line
// the one Velocity generates. `go test ./examples/serverless -update`
// rewrites it.
func TestREADMEDiagram(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := serverless.NewPipelineStack(app, "VelocityServerless")
	line := stack.Node().FindChild(jsii.String("Line")).(*pipeline.AssemblyLine)
	cdktest.EmbeddedBlock(t, "../../README.md", "diagram", "```mermaid\n"+line.Diagram()+"```\n")
}

// TestFirstSynthWarnsNothing checks a newcomer's first synth of the default
// example, without context: no warning in any stack (the alerts topics of
// the line and of both stages have no subscriber, on purpose, and the
// example acknowledges monitoring's warning about them), and one info
// message, on the line, that says how to be told of alarms. With
// -c alertEmail there is no message at all, and the line's alerts topic and
// each stage's (and their fallbacks) subscribe the address.
func TestFirstSynthWarnsNothing(t *testing.T) {
	for _, c := range []struct {
		name    string
		context map[string]interface{}
		infos   int
		emails  int // email subscriptions per stack: topic and fallback
	}{
		{"no context", nil, 1, 0},
		{"alertEmail", map[string]interface{}{"alertEmail": "you@example.com"}, 0, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := awscdk.NewApp(&awscdk.AppProps{Context: &c.context})
			all := exampletest.LineStacks(t, serverless.NewPipelineStack(app, "VelocityServerless"))
			var warnings, infos []string
			cdktest.Check(t, func() {
				for _, s := range all {
					a := assertions.Annotations_FromStack(s)
					warnings = append(warnings, messages(a.FindWarning(jsii.String("*"), assertions.Match_AnyValue()))...)
					infos = append(infos, messages(a.FindInfo(jsii.String("*"), assertions.Match_AnyValue()))...)
				}
			})
			if len(warnings) != 0 {
				t.Errorf("%d warnings, want none:\n%s", len(warnings), strings.Join(warnings, "\n"))
			}
			if len(infos) != c.infos {
				t.Fatalf("%d info messages, want %d:\n%s", len(infos), c.infos, strings.Join(infos, "\n"))
			}
			if c.infos == 1 && (!strings.HasPrefix(infos[0], "/VelocityServerless/Line: ") || !strings.Contains(infos[0], "-c alertEmail=you@example.com")) {
				t.Errorf("info = %q, want the line saying how to subscribe (-c alertEmail=you@example.com)", infos[0])
			}
			for _, s := range all {
				subs := cdktest.Resources(t, cdktest.Template(t, s), "AWS::SNS::Subscription")
				n := 0
				for _, r := range subs {
					if p := r["Properties"].(map[string]interface{}); p["Protocol"] == "email" && p["Endpoint"] == "you@example.com" {
						n++
					}
				}
				if n != c.emails {
					t.Errorf("%s: %d email subscriptions of you@example.com, want %d", *s.StackName(), n, c.emails)
				}
			}
		})
	}
}

// messages renders synthesis messages as "path: text".
//
//lint:ignore SA1019 assertions.Annotations returns cxapi.SynthesisMessage; aws-cdk-go has no replacement type to read instead.
func messages(ms *[]*cxapi.SynthesisMessage) []string {
	var out []string
	for _, m := range *ms {
		//lint:ignore SA1019 assertions.Annotations returns cxapi.SynthesisMessage; aws-cdk-go has no replacement type to read instead.
		out = append(out, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
	}
	return out
}
