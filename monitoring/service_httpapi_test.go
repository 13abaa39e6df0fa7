package monitoring_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
)

// svcHTTPAPI is an HTTP API of the app, with its $default stage.
func svcHTTPAPI(stack awscdk.Stack) awsapigatewayv2.HttpApi {
	return awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{ApiName: jsii.String("orders-http")})
}

// svcAPIRate checks the 4XX rate alarm of an API stage: metric math over
// clientErrors and Count (Sum over 300 s) in dims, above limit.
func svcAPIRate(t *testing.T, tpl assertions.Template, topic string, clientErrors string, dims []interface{}, limit float64) {
	t.Helper()
	query := func(id, name string) interface{} {
		return assertions.Match_ObjectLike(&map[string]interface{}{
			"Id": id, "ReturnData": false,
			"MetricStat": map[string]interface{}{
				"Metric": map[string]interface{}{"Namespace": "AWS/ApiGateway", "MetricName": name, "Dimensions": dims},
				"Period": 300, "Stat": "Sum",
			},
		})
	}
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"Threshold": limit, "ComparisonOperator": svcGT, "EvaluationPeriods": 1, "DatapointsToAlarm": 1,
			"TreatMissingData": svcNotBreaching,
			"AlarmActions":     []interface{}{svcRef(topic)}, "OKActions": []interface{}{svcRef(topic)},
			"Metrics": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Expression": "IF(m2 > 0, 100 * m1 / m2, 0)", "ReturnData": true}),
				query("m1", clientErrors),
				query("m2", "Count"),
			}),
		})
	})
}

func TestMonitorHTTPAPIAlarms(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	api := svcHTTPAPI(stack)
	alarms := m.MonitorHTTPAPI(api, "", &monitoring.HTTPAPIThresholds{LatencyP99: 500, ClientErrorRate: 2})
	if len(alarms) != 3 {
		t.Fatalf("MonitorHTTPAPI returned %d alarms, want 3", len(alarms))
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 3+svcAlertsAlarm)
	// The metrics of an HTTP API stage: ApiId (a reference to the API)
	// and the name of its default stage.
	d := svcDims("ApiId", svcRef(svcLogicalID(stack, api)), "Stage", "$default")
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		{"5xx", "AWS/ApiGateway", "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, d},
		{"Latency", "AWS/ApiGateway", "p99", 60, 3, 3, 500, svcGT, svcNotBreaching, d},
	})
	svcAPIRate(t, tpl, topic(), "4xx", d, 2)
	// The descriptions name the API and say where to look.
	for _, a := range alarms {
		var desc string
		cdktest.Check(t, func() {
			desc = svcFlatten(stack.Resolve(a.Node().DefaultChild().(awscloudwatch.CfnAlarm).AlarmDescription()))
		})
		if !strings.Contains(desc, "HTTP API orders-http (stage $default)") {
			t.Errorf("description %q does not name the API and its stage", desc)
		}
		if strings.Contains(desc, "execution") || strings.Contains(desc, "mapping templates") {
			t.Errorf("description %q sends the reader to what HTTP APIs do not have", desc)
		}
	}
}

func TestMonitorHTTPAPIStages(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders", NoDashboard: true})
	imported := awsapigatewayv2.HttpApi_FromHttpApiAttributes(stack, jsii.String("Imported"), &awsapigatewayv2.HttpApiAttributes{HttpApiId: jsii.String("a1b2c3d4e5")})
	// An imported API: $default unless told.
	m.MonitorHTTPAPI(imported, "", nil)
	// A named stage of an API without a default stage.
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Staged"), &awsapigatewayv2.HttpApiProps{CreateDefaultStage: jsii.Bool(false)})
	live := api.AddStage(jsii.String("Live"), &awsapigatewayv2.HttpStageOptions{StageName: jsii.String("live"), AutoDeploy: jsii.Bool(true)})
	m.MonitorHTTPAPI(api, *live.StageName(), nil)
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 6)
	svcAssertAlarms(t, tpl, "", []svcWantAlarm{
		{"5xx", "AWS/ApiGateway", "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, svcDims("ApiId", "a1b2c3d4e5", "Stage", "$default")},
		{"Latency", "AWS/ApiGateway", "p99", 60, 3, 3, 1000, svcGT, svcNotBreaching, svcDims("ApiId", "a1b2c3d4e5", "Stage", "$default")},
		{"5xx", "AWS/ApiGateway", "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, svcDims("ApiId", svcRef(svcLogicalID(stack, api)), "Stage", "live")},
	})
	if errs := cdktest.Errors(t, stack); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	cdktest.Check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(0)) })
}

func TestMonitorHTTPAPIInvalidArgumentsAreSynthErrors(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders"})
	var created int
	cdktest.Check(t, func() {
		created += len(m.MonitorHTTPAPI(nil, "", nil))
		created += len(m.MonitorHTTPAPI(svcHTTPAPI(stack), "", &monitoring.HTTPAPIThresholds{ClientErrorRate: 105, LatencyEvaluationPeriods: 2.5}))
		noDefault := awsapigatewayv2.NewHttpApi(stack, jsii.String("NoDefault"), &awsapigatewayv2.HttpApiProps{CreateDefaultStage: jsii.Bool(false)})
		created += len(m.MonitorHTTPAPI(noDefault, "", nil))
		imported := awsapigatewayv2.HttpApi_FromHttpApiAttributes(stack, jsii.String("Imported"), &awsapigatewayv2.HttpApiAttributes{HttpApiId: jsii.String("a1b2c3d4e5")})
		created += len(m.MonitorHTTPAPI(imported, "live stage", nil))
	})
	if created != 0 {
		t.Fatalf("%d alarms created from invalid arguments, want 0", created)
	}
	errs := cdktest.Errors(t, stack)
	joined := strings.Join(errs, "\n")
	for _, want := range []string{
		`MonitorHTTPAPI(nil): api: "nil" is invalid; want an awsapigatewayv2.IHttpApi`,
		`MonitorHTTPAPI(HttpApi): HTTPAPIThresholds.ClientErrorRate: "105" is invalid; want a percentage from 0 to below 100`,
		`MonitorHTTPAPI(HttpApi): HTTPAPIThresholds.LatencyEvaluationPeriods: "2.5" is invalid; want a whole number of evaluation periods`,
		`MonitorHTTPAPI(NoDefault): stage: "" is invalid; want the name of the stage to watch: the API has no default stage`,
		`MonitorHTTPAPI(Imported): stage: "live stage" is invalid; want an HTTP API stage name`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors do not contain %q:\n%s", want, joined)
		}
	}
	if len(errs) != 5 {
		t.Errorf("%d errors, want 5:\n%s", len(errs), joined)
	}
	svcAlarmCount(t, cdktest.Template(t, stack), 0)
}
