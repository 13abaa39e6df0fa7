package monitoring_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
)

// An id the constructs library refuses (empty, or taken in the scope) is
// a synth error naming the constructor, not a Go panic, whichever of the
// package's constructors gets it.
func TestConstructorsReportAnUnusableID(t *testing.T) {
	constructors := map[string]func(stack awscdk.Stack, id string){
		"NewAlerts": func(stack awscdk.Stack, id string) {
			monitoring.NewAlerts(stack, id, &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
		},
		"NewServiceMonitor": func(stack awscdk.Stack, id string) {
			monitoring.NewServiceMonitor(stack, id, &monitoring.ServiceMonitorProps{Name: "Shop" + id})
		},
		"NewLineMonitor": func(stack awscdk.Stack, id string) {
			pipeline := awscodepipeline.Pipeline_FromPipelineArn(stack, jsii.String("Pipeline"+id), jsii.String("arn:aws:codepipeline:eu-west-1:111111111111:line"))
			alerts := monitoring.NewAlerts(stack, "Alerts"+id, &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
			monitoring.NewLineMonitor(stack, id, &monitoring.LineMonitorProps{Pipeline: pipeline, Alerts: alerts, NoDORA: true})
		},
		"NewDORAFunction": func(stack awscdk.Stack, id string) {
			pipeline := awscodepipeline.Pipeline_FromPipelineArn(stack, jsii.String("Pipeline"+id), jsii.String("arn:aws:codepipeline:eu-west-1:111111111111:line"))
			monitoring.NewDORAFunction(stack, id, pipeline, "Production")
		},
	}
	for name, create := range constructors {
		for _, c := range []struct{ what, id, want string }{
			{"empty", "", `id: "" is invalid; want a construct id that is not empty`},
			{"taken", "Taken", `id: "Taken" is invalid; want an id no other construct in Service has`},
		} {
			t.Run(name+"/"+c.what, func(t *testing.T) {
				stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Service"), &awscdk.StackProps{Env: testEnv})
				awscdk.NewCfnOutput(stack, jsii.String("Taken"), &awscdk.CfnOutputProps{Value: jsii.String("x")})
				cdktest.Check(t, func() { create(stack, c.id) })
				errs := strings.Join(cdktest.Errors(t, stack), "\n")
				if !strings.Contains(errs, c.want) || !strings.Contains(errs, "monitoring."+name) && c.what == "empty" {
					t.Errorf("errors %q, want %q", errs, c.want)
				}
			})
		}
	}
}
