package pipeline_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// newLineIn builds a line in a pipeline stack with the given environment
// (nil: environment-agnostic) and returns the stack's synth errors, or
// fails on a panic.
func newLineIn(t *testing.T, env *awscdk.Environment, props pipeline.Props) []string {
	t.Helper()
	props.App = bucketApp
	props.Staging = &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]interface{}{
		"@aws-cdk/aws-codepipeline:crossAccountKeysDefaultValueToFalse": true,
	}})
	stack := awscdk.NewStack(app, jsii.String("Pipe"), &awscdk.StackProps{Env: env})
	cdktest.Check(t, func() {
		pipeline.New(stack, "Line", &props)
		app.Synth(nil)
	})
	return cdktest.Errors(t, stack)
}

// Every combination of accounts and regions the README promises
// synthesizes, as a single production and as waves.
func TestEveryAccountAndRegionCombination(t *testing.T) {
	home := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	for _, c := range []struct {
		name            string
		account, region string
	}{
		{"same account and region", "", ""},
		{"another account", "222222222222", ""},
		{"another region", "", "us-east-1"},
		{"another account and region", "222222222222", "us-east-1"},
	} {
		prod := stages.Environment{Name: "Production", Account: c.account, Region: c.region}
		t.Run(c.name, func(t *testing.T) {
			if errs := newLineIn(t, home, pipeline.Props{Production: &stages.Deploy{Environment: prod}}); len(errs) > 0 {
				t.Errorf("Production: %v", errs)
			}
			waves := []*stages.Wave{{Name: "Wave1", Environments: []stages.Environment{prod, {Name: "Other", Account: "333333333333", Region: "ap-southeast-2"}}}}
			if errs := newLineIn(t, home, pipeline.Props{Waves: waves}); len(errs) > 0 {
				t.Errorf("Waves: %v", errs)
			}
		})
	}
}

// From an environment-agnostic pipeline stack, a deploy to another account
// or region is a clear synth error, for waves too.
func TestAgnosticPipelineCannotDeployElsewhere(t *testing.T) {
	waves := []*stages.Wave{{Name: "Wave1", Environments: []stages.Environment{{Name: "EU", Account: "222222222222", Region: "eu-central-1"}}}}
	text := strings.Join(newLineIn(t, nil, pipeline.Props{Waves: waves}), "\n")
	for _, want := range []string{"Waves[0].Environments[0].Account", "Waves[0].Environments[0].Region", "explicit account and region on the pipeline stack"} {
		if !strings.Contains(text, want) {
			t.Errorf("errors lack %q:\n%s", want, text)
		}
	}
}

// A wave of one environment takes the environment's name in the pipeline,
// and synth says so instead of renaming it silently.
func TestWaveOfOneSaysItIsRenamed(t *testing.T) {
	_, _, stack := synth(t, pipeline.Props{Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}},
		Waves: []*stages.Wave{{Name: "Canary", Environments: []stages.Environment{{Name: "OneBox"}}}}})
	text := strings.Join(cdktest.Warnings(t, stack), "\n")
	if !strings.Contains(text, "Wave Canary has one environment, so CDK Pipelines names its pipeline stage OneBox") {
		t.Errorf("no warning about the renamed wave:\n%s", text)
	}
}

// One place written two ways is still deployed twice: a synth error.
func TestOnePlaceWrittenTwoWays(t *testing.T) {
	home := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	errs := newLineIn(t, home, pipeline.Props{Waves: []*stages.Wave{{Name: "EU", Environments: []stages.Environment{
		{Name: "EU1", Region: "eu-west-1"}, {Name: "EU2", Account: "111111111111", Region: "eu-west-1"}}}}})
	if got := strings.Join(errs, "\n"); !strings.Contains(got, "Waves[0].Environments[1]") {
		t.Errorf("errors %q, want one for Waves[0].Environments[1]", got)
	}
}
