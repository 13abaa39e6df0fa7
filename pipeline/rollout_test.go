package pipeline_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// A single Production is a rollout of one wave of one environment: the
// line it builds is the one the same wave builds, stage for stage and
// action for action, with no warning about the wave's name.
func TestProductionIsAWaveOfOne(t *testing.T) {
	check := stages.AlarmName("payments-latency")
	deploy := &stages.Deploy{Environment: stages.Environment{Name: "Production"},
		Gate: stages.Gate{Alarms: []stages.AlarmName{check}}, TerminationProtection: stages.Disabled}
	single, _, singleStack := synth(t, pipeline.Props{Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Production: deploy})
	waves, _, _ := synth(t, pipeline.Props{Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}}, Waves: []*stages.Wave{deploy.Wave()}})
	_, a := pipelineOf(t, single)
	_, b := pipelineOf(t, waves)
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		t.Errorf("Production and its one wave build different pipelines:\n%s\n%s", ja, jb)
	}
	for _, w := range cdktest.Warnings(t, singleStack) {
		if strings.Contains(w, "velocity:wave-of-one") || strings.Contains(w, "has one environment") {
			t.Errorf("a single Production warns about its wave: %s", w)
		}
	}
}

// Each environment of a wave gets the post steps PostWithOutputs returns
// for its own stage, after its own deploy.
func TestWavePostStepsReadEachEnvironmentsOutputs(t *testing.T) {
	home := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}
	smoke := func(out stages.Outputs) []pipelines.Step {
		return []pipelines.Step{pipelines.NewShellStep(jsii.String("Smoke"), &pipelines.ShellStepProps{
			Commands:          jsii.Strings("curl --fail \"$ENDPOINT\""),
			EnvFromCfnOutputs: &map[string]awscdk.CfnOutput{"ENDPOINT": out["Endpoint"]},
		})}
	}
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), &awscdk.StackProps{Env: home})
	cdktest.Check(t, func() {
		pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp,
			Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}},
			Waves: []*stages.Wave{{Name: "Europe", PostWithOutputs: smoke, Environments: []stages.Environment{
				{Name: "Ireland", Region: "eu-west-1"}, {Name: "Frankfurt", Region: "eu-central-1"}}}}})
	})
	if errs := cdktest.Errors(t, stack); len(errs) > 0 {
		t.Fatalf("synth errors: %v", errs)
	}
	_, all := pipelineOf(t, cdktest.Template(t, stack))
	europe := findStage(t, all, "Europe")
	for _, env := range []string{"Ireland", "Frankfurt"} {
		raw, _ := json.Marshal(findAction(t, europe, env+".Smoke").Configuration["EnvironmentVariables"])
		if !strings.Contains(string(raw), `\"name\":\"ENDPOINT\"`) || !strings.Contains(string(raw), "PipeLine"+env+"Service") {
			t.Errorf("%s.Smoke lacks its environment's Endpoint: %s", env, raw)
		}
	}
}

// The line gives log groups to its own jobs and functions, never to the
// team's: those are in stages CDK Pipelines has already synthesized.
func TestTeamFunctionsAreLeftAsTheyAre(t *testing.T) {
	withFunction := func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		stage := bucketApp(scope, id, env)
		stack := stages.Stacks(stage)[0]
		awslambda.NewFunction(stack, jsii.String("TeamFn"), &awslambda.FunctionProps{Runtime: awslambda.Runtime_NODEJS_22_X(),
			Handler: jsii.String("index.handler"), Code: awslambda.Code_FromInline(jsii.String("exports.handler = async () => {}"))})
		return stage
	}
	_, line, _ := synth(t, pipeline.Props{App: withFunction})
	if fn := line.Staging.Node().FindAll(constructs.ConstructOrder_PREORDER); len(*fn) == 0 {
		t.Fatal("no staging constructs")
	}
	for _, c := range *line.Staging.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if *c.Node().Id() == "Logs" && strings.Contains(*c.Node().Path(), "TeamFn") {
			t.Errorf("the line added %s to the team's function", *c.Node().Path())
		}
	}
}
