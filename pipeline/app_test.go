package pipeline_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/gobundle"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// buildCase is a mistake found only while the line is built: the synth
// errors must hold every string of want.
type buildCase struct {
	name  string
	props pipeline.Props
	want  []string
}

// The stage the sameStage App returns, and the App of the current synth:
// reset before each case.
var (
	shared awscdk.Stage
	root   awscdk.App
)

// buildCases are the mistakes found while building, one each.
func buildCases() []buildCase {
	sameStage := func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		if shared == nil {
			shared = bucketApp(scope, id, env)
		}
		return shared
	}
	underTheApp := func(_ constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		return bucketApp(root, id, env)
	}
	ignoresID := func(scope constructs.Construct, _ string, env stages.Environment) awscdk.Stage {
		return bucketApp(scope, "Service"+env.Name, env)
	}
	panics := func(constructs.Construct, string, stages.Environment) awscdk.Stage {
		panic("config file service.yaml not found")
	}
	inlineCode := func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		stage := awscdk.NewStage(scope, jsii.String(id), &awscdk.StageProps{Env: env.Env()})
		stack := awscdk.NewStack(stage, jsii.String("Service"), nil)
		awslambda.NewFunction(stack, jsii.String("Fn"), &awslambda.FunctionProps{Runtime: awslambda.Runtime_PROVIDED_AL2023(),
			Handler: jsii.String("bootstrap"), Code: awslambda.Code_FromInline(jsii.String("exit 0"))})
		return stage
	}
	goLambda := func(pkg string) stages.StageFunc {
		return func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
			stage := awscdk.NewStage(scope, jsii.String(id), &awscdk.StageProps{Env: env.Env()})
			stack := awscdk.NewStack(stage, jsii.String("Service"), nil)
			awslambda.NewFunction(stack, jsii.String("Fn"), &awslambda.FunctionProps{Runtime: awslambda.Runtime_PROVIDED_AL2023(),
				Handler: jsii.String("bootstrap"), Code: gobundle.Code(pkg)})
			return stage
		}
	}
	twoURLs := func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
		stage := bucketApp(scope, id, env)
		stack := stages.Stacks(stage)[0]
		awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: jsii.String("https://a.example.com/")})
		awscdk.NewCfnOutput(stack, jsii.String("API_URL"), &awscdk.CfnOutputProps{Value: jsii.String("https://b.example.com/")})
		return stage
	}
	shell := func(id string) []pipelines.Step {
		return []pipelines.Step{pipelines.NewShellStep(jsii.String(id), &pipelines.ShellStepProps{Commands: jsii.Strings("true")})}
	}
	return []buildCase{
		{"App returns the same stage twice", pipeline.Props{App: sameStage}, []string{"App: \"Production\"", "in the scope it is given"}},
		{"App builds its stage under the App", pipeline.Props{App: underTheApp}, []string{"App: \"Staging\"", "in the scope it is given"}},
		{"App ignores the id", pipeline.Props{App: ignoresID}, []string{"App: \"Staging\"", "with the id it is given"}},
		{"App panics", pipeline.Props{App: panics}, []string{"App: \"Staging\"", "it panicked: config file service.yaml not found"}},
		{"aws-cdk-lib refuses the App's code", pipeline.Props{App: inlineCode}, []string{"App: \"Staging\"", "it panicked: "}},
		{"the App's Go Lambda does not compile", pipeline.Props{App: goLambda("./pipeline/testdata/notbuilding")},
			[]string{"App: \"Staging\"", "does not build for linux/arm64", "main.go:5:15: undefined: handler"}},
		{"the App's Go Lambda is not a main package", pipeline.Props{App: goLambda("./internal/problem")},
			[]string{"App: \"Staging\"", "is package problem, not a main package"}},
		{"the App's Go Lambda has no package path", pipeline.Props{App: goLambda("")},
			[]string{"App: \"Staging\"", "no package to build"}},
		{"the App's Go Lambda package does not exist", pipeline.Props{App: goLambda("./cmd/nope")},
			[]string{"App: \"Staging\"", "go list ./cmd/nope", "directory not found"}},
		{"two outputs become one acceptance-test variable", pipeline.Props{App: twoURLs, Acceptance: stages.GoAcceptanceTests("./acceptance/...")},
			[]string{"Acceptance.Outputs", "both become $API_URL"}},
		{"PostWithOutputs panics", pipeline.Props{Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"},
			PostWithOutputs: func(stages.Outputs) []pipelines.Step { panic("no load test config") }}}, []string{"Staging.PostWithOutputs", "it panicked: no load test config"}},
		{"PostWithOutputs reads an output the stage lacks", pipeline.Props{Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"},
			PostWithOutputs: func(out stages.Outputs) []pipelines.Step {
				return []pipelines.Step{pipelines.NewShellStep(jsii.String("Load"), &pipelines.ShellStepProps{
					Commands: jsii.Strings("make load"), EnvFromCfnOutputs: &map[string]awscdk.CfnOutput{"URL": out["Url"]}})}
			}}}, []string{"Staging.PostWithOutputs", "the stage's outputs are"}},
		{"step named like the acceptance tests", pipeline.Props{Acceptance: stages.GoAcceptanceTests("./acceptance/..."),
			Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Post: shell("AcceptanceTests")}}, []string{`Staging: "AcceptanceTests"`, "acceptance tests are AcceptanceTests"}},
		{"step named like the permissions check", pipeline.Props{Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Post: shell("PermissionsCheck")},
			Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}}}, []string{`Staging: "PermissionsCheck"`, "permissions checks are PermissionsCheck"}},
	}
}

// Mistakes that only show when the line calls the team's App or adds its
// steps are synth errors too: no Go panic, no jsii stack, one message
// naming the prop and the environment.
func TestMistakesFoundWhileBuildingAreErrors(t *testing.T) {
	for _, c := range buildCases() {
		t.Run(c.name, func(t *testing.T) {
			shared = nil
			root = awscdk.NewApp(nil)
			stack := awscdk.NewStack(root, jsii.String("Pipe"), nil)
			props := c.props
			if props.App == nil {
				props.App = bucketApp
			}
			cdktest.Check(t, func() {
				pipeline.New(stack, "Line", &props)
				root.Synth(nil)
			})
			errs := strings.Join(cdktest.Errors(t, stack), "\n")
			for _, w := range c.want {
				if !strings.Contains(errs, w) {
					t.Errorf("errors lack %q:\n%s", w, errs)
				}
			}
			if strings.Contains(errs, "program.js") || strings.Contains(errs, "goroutine ") {
				t.Errorf("errors carry a stack:\n%s", errs)
			}
		})
	}
}
