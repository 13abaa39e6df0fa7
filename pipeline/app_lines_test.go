package pipeline_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// Two lines of one app that deploy stages of one name to one place would
// overwrite each other's stacks; with names of their own they are fine.
func TestTwoLinesInOneApp(t *testing.T) {
	for _, c := range []struct {
		name   string
		second *pipeline.Props
		want   string
	}{
		{"same names", &pipeline.Props{App: bucketApp}, `Staging.Name: "Staging" is invalid; want a name the line Shop/Line does not deploy`},
		{"own names", &pipeline.Props{App: bucketApp, Staging: &stages.Deploy{Environment: stages.Environment{Name: "BillingStaging"}},
			Production: &stages.Deploy{Environment: stages.Environment{Name: "BillingProduction"}}}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			first := awscdk.NewStack(app, jsii.String("Shop"), nil)
			second := awscdk.NewStack(app, jsii.String("Billing"), nil)
			cdktest.Check(t, func() {
				pipeline.New(first, "Line", &pipeline.Props{App: bucketApp})
				pipeline.New(second, "Line", c.second)
			})
			errs := strings.Join(cdktest.Errors(t, second), "\n")
			if c.want == "" && errs != "" || !strings.Contains(errs, c.want) {
				t.Errorf("errors %q, want %q", errs, c.want)
			}
		})
	}
}

// A line built outside a stack, or given Alerts in another region, is a
// synth error, not a panic.
func TestLineScopeAndAlertsPlace(t *testing.T) {
	app := awscdk.NewApp(nil)
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() { line = pipeline.New(app, "Line", &pipeline.Props{App: bucketApp}) })
	found := false
	for _, e := range *line.Node().Metadata() {
		found = found || *e.Type == "aws:cdk:error" && strings.HasPrefix(e.Data.(string), "scope: ")
	}
	if !found || line.Pipeline != nil {
		t.Errorf("a line at the app's root: no scope error, or a line was built")
	}

	app = awscdk.NewApp(nil)
	us := awscdk.NewStack(app, jsii.String("AlertsUS"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}})
	eu := awscdk.NewStack(app, jsii.String("Pipe"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	alerts := monitoring.NewAlerts(us, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
	cdktest.Check(t, func() { pipeline.New(eu, "Line", &pipeline.Props{App: bucketApp, Alerts: alerts}) })
	if errs := strings.Join(cdktest.Errors(t, eu), "\n"); !strings.Contains(errs, "Alerts: ") {
		t.Errorf("Alerts in another region: errors %q", errs)
	}
}
