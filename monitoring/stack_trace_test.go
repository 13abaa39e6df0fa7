package monitoring_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring"
)

// A mistake in a monitoring construct's props, or in a Monitor call, is
// reported without the JavaScript frame aws-cdk-lib records by default:
// the CLI would print it under the message as if it were the user's code.
func TestErrorsCarryNoJavaScriptFrame(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Service"), nil)
	m := monitoring.NewServiceMonitor(stack, "Monitor", &monitoring.ServiceMonitorProps{})
	m.MonitorLambda(nil, nil, &monitoring.LambdaThresholds{Errors: -1})
	monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: []string{"not an address"}})

	errors := 0
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, e := range *c.Node().Metadata() {
			if *e.Type != "aws:cdk:error" {
				continue
			}
			errors++
			if e.Trace != nil && len(*e.Trace) > 0 {
				t.Errorf("error %v on %s carries a stack: %s", e.Data, *c.Node().Path(), strings.Join(stringsOf(*e.Trace), " | "))
			}
		}
	}
	if errors < 2 {
		t.Fatalf("%d errors, want the Monitor call's and the Alerts' at least", errors)
	}
}

func stringsOf(p []*string) []string {
	out := make([]string, len(p))
	for i, s := range p {
		out[i] = *s
	}
	return out
}

// A monitor outside a stack, and two monitors of one name in a stack, are
// synth errors rather than panics or one dashboard for both.
func TestMonitorScopeAndName(t *testing.T) {
	app := awscdk.NewApp(nil)
	outside := monitoring.NewServiceMonitor(app, "Monitor", &monitoring.ServiceMonitorProps{Name: "orders"})
	alerts := monitoring.NewAlerts(app, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
	stack := awscdk.NewStack(app, jsii.String("Service"), nil)
	monitoring.NewServiceMonitor(stack, "First", &monitoring.ServiceMonitorProps{Name: "orders"})
	second := monitoring.NewServiceMonitor(stack, "Second", &monitoring.ServiceMonitorProps{Name: "orders"})
	for _, c := range []constructs.IConstruct{outside, alerts, second} {
		found := false
		for _, e := range *c.Node().Metadata() {
			found = found || *e.Type == "aws:cdk:error"
		}
		if !found {
			t.Errorf("%s: no synth error", *c.Node().Path())
		}
	}
}

// An impossible port is no HTTPS endpoint, and a REST API stage name with
// a space names no stage.
func TestEndpointPortAndRESTStageName(t *testing.T) {
	if err := (&monitoring.AlertsProps{HTTPSEndpoints: []string{"https://hooks.example.com:99999/x"}}).Validate(); err == nil {
		t.Error("an HTTPS endpoint on port 99999 was accepted")
	}
	if err := (&monitoring.AlertsProps{HTTPSEndpoints: []string{"https://hooks.example.com:8443/x"}}).Validate(); err != nil {
		t.Errorf("an HTTPS endpoint on port 8443: %v", err)
	}
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Service"), nil)
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), nil)
	api.Root().AddMethod(jsii.String("GET"), nil, nil)
	m := monitoring.NewServiceMonitor(stack, "Monitor", &monitoring.ServiceMonitorProps{Name: "orders"})
	if alarms := m.MonitorAPIGateway(api, "my stage", nil); alarms != nil {
		t.Error("alarms for a stage named \"my stage\"")
	}
	found := false
	for _, c := range *m.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, e := range *c.Node().Metadata() {
			found = found || *e.Type == "aws:cdk:error" && strings.Contains(e.Data.(string), "my stage")
		}
	}
	if !found {
		t.Error("no error names the stage")
	}
}
