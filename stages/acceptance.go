package stages

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
)

// AcceptanceTests is step 4 of the line: a CodeBuild job that runs after the
// staging deploy, against staging, with the staging stacks' outputs as
// environment variables (an output "Endpoint" becomes $ENDPOINT). JUnit
// results go to the report group "AcceptanceTests". A red test stops the
// line before production.
type AcceptanceTests struct {
	// Job holds the commands (required) and their environment. Commands
	// run from the repository root of the built revision.
	Job
	// Outputs maps environment variable names to the construct ids of
	// CfnOutputs in the staging stage, e.g. {"API_URL": "Endpoint"}.
	// Default: every CfnOutput of the stage, named by its id in
	// UPPER_SNAKE_CASE.
	Outputs map[string]string
}

// GoAcceptanceTests runs the Go tests with build tag "acceptance" in pkgs
// (for example "./acceptance/..."), with a JUnit report, on go.mod's Go.
func GoAcceptanceTests(pkgs ...string) *AcceptanceTests {
	return &AcceptanceTests{Job: Job{
		Install:  []string{"go version"},
		Commands: []string{`go run gotest.tools/gotestsum@` + GotestsumVersion + ` --junitfile "$REPORTS_DIR/acceptance.xml" -- -count=1 -tags acceptance ` + strings.Join(pkgs, " ")},
		Env:      map[string]string{"GOTOOLCHAIN": "auto", "GOFLAGS": "-buildvcs=false"},
		Runtimes: Runtimes{"golang": GoModRuntime},
	}}
}

// Validate reports every invalid setting of the acceptance tests.
func (a *AcceptanceTests) Validate() error {
	var ps Problems
	if len(a.Commands) == 0 {
		ps.Add("Commands", "[]", "at least one command that runs the acceptance tests, e.g. stages.GoAcceptanceTests(\"./acceptance/...\")")
	}
	a.Job.validate(&ps)
	for _, name := range sortedKeys(a.Outputs) {
		if !validEnvVar(name) {
			ps.Add("Outputs", name, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*, not CODEBUILD_*)")
		}
		if a.Outputs[name] == "" {
			ps.Add("Outputs["+name+"]", "", "the construct id of a CfnOutput in the staging stage")
		}
		if _, dup := a.Env[name]; dup {
			ps.Add("Outputs["+name+"]", a.Outputs[name], "a name that is not also in Env")
		}
	}
	return ps.Err()
}

// AddTo implements LineStep: the tests run after the staging deploy,
// against staging, from the source.
func (a *AcceptanceTests) AddTo(plan *Plan) {
	plan.AfterStaging(func(staging awscdk.Stage) (pipelines.Step, error) {
		return a.Step(plan.Scope, plan.Source, staging)
	})
}

// Step creates the acceptance test step for the deployed stage. It reports
// a Problem for each output in Outputs that the stage does not have.
func (a *AcceptanceTests) Step(scope constructs.Construct, input pipelines.IFileSetProducer, stage awscdk.Stage) (pipelines.Step, error) {
	found := cfnOutputs(stage)
	env := map[string]awscdk.CfnOutput{}
	var ps Problems
	if a.Outputs == nil {
		// Every output, named after its id. Where two become one name,
		// the one defined nearest its stack wins (the team's
		// NewCfnOutput(stack, "Endpoint") over the one a construct such
		// as RestApi adds for itself); two at the same depth, or a name
		// CodeBuild would refuse, need AcceptanceTests.Outputs.
		type named struct {
			path  string
			depth int
		}
		from := map[string]named{}
		for _, c := range *stage.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			out, ok := c.(awscdk.CfnOutput)
			if !ok {
				continue
			}
			id, path := *out.Node().Id(), *out.Node().Path()
			name, depth := UpperSnake(id), strings.Count(path, "/")
			prev, seen := from[name]
			switch {
			case !validEnvVar(name):
				ps.Add("Outputs", path, fmt.Sprintf("outputs whose ids make environment variable names: %s would be $%s; name it in AcceptanceTests.Outputs", id, name))
			case inEnv(a.Job, name):
				ps.Add("Outputs", path, fmt.Sprintf("outputs whose environment variable names are not also set in Env or Secrets: %s would be $%s", id, name))
			case seen && prev.depth == depth:
				ps.Add("Outputs", path, fmt.Sprintf("outputs whose ids make distinct environment variable names: %s and %s both become $%s; choose in AcceptanceTests.Outputs", prev.path, path, name))
			case !seen || depth < prev.depth:
				env[name] = out
				from[name] = named{path, depth}
			}
		}
	}
	for name, id := range a.Outputs {
		out, ok := found[id]
		if !ok {
			ps.Add("Outputs["+name+"]", id, fmt.Sprintf("the id of a CfnOutput in stage %s; it has %s", *stage.StageName(), strings.Join(sortedKeys(found), ", ")))
			continue
		}
		env[name] = out
	}
	return a.Job.step(jobSpec{
		scope:       scope,
		id:          "AcceptanceTests",
		input:       input,
		reportGroup: newReportGroup(scope, "AcceptanceTests"),
		outputs:     env,
	}), ps.Err()
}

// inEnv reports whether the job sets name itself, in Env or Secrets.
func inEnv(j Job, name string) bool {
	_, env := j.Env[name]
	_, secret := j.Secrets[name]
	return env || secret
}

// cfnOutputs returns the CfnOutputs of the stage's stacks by construct id.
func cfnOutputs(stage awscdk.Stage) Outputs {
	outs := Outputs{}
	for _, c := range *stage.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if out, ok := c.(awscdk.CfnOutput); ok {
			outs[*out.Node().Id()] = out
		}
	}
	return outs
}

// UpperSnake turns a construct id into an environment variable name:
// "Endpoint" → "ENDPOINT", "ApiUrl" → "API_URL", "api-url" → "API_URL".
func UpperSnake(id string) string {
	var b strings.Builder
	runes := []rune(id)
	for i, r := range runes {
		switch {
		case unicode.IsUpper(r) && i > 0 && (unicode.IsLower(runes[i-1]) || unicode.IsDigit(runes[i-1]) ||
			i+1 < len(runes) && unicode.IsLower(runes[i+1]) && unicode.IsUpper(runes[i-1])):
			b.WriteRune('_')
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToUpper(r))
		default:
			b.WriteRune('_')
		}
	}
	return b.String()
}
