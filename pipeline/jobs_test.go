package pipeline_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/assembly"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/internal/codebuild"
	"github.com/velocity-cdk/velocity/internal/localrun"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// TestEveryJobPassesThePreflight synthesizes lines with every build preset
// and runs the local runner's preflight on them: every CodeBuild job the
// line creates, CDK Pipelines' own included, pins the Go and Node.js it
// needs, installs tools that read the assembly, caches what the image
// keeps, and names paths and stacks that exist.
func TestEveryJobPassesThePreflight(t *testing.T) {
	repo := "."
	if out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output(); err == nil {
		repo = strings.TrimSpace(string(out))
	} else {
		repo = ".." // a source artifact: the repository root without .git
	}
	for _, preset := range []*stages.Preset{stages.Go, stages.Node, stages.Python} {
		t.Run(preset.Name, func(t *testing.T) {
			app := awscdk.NewApp(nil)
			stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
			cdktest.Check(t, func() {
				pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp, Build: &stages.Build{Preset: preset},
					Acceptance: stages.GoAcceptanceTests("./examples/service/acceptance/...")})
			})
			var dir string
			cdktest.Check(t, func() { dir = *app.Synth(nil).Directory() })
			asm, err := assembly.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(asm.Pipelines()) != 1 {
				t.Fatalf("%d pipelines in the assembly", len(asm.Pipelines()))
			}
			problems, err := localrun.Preflight(localrun.PreflightOptions{Assembly: asm, Pipeline: asm.Pipelines()[0], Repo: repo, CDKCLIVersion: codebuild.CDKCLIVersion})
			if err != nil {
				t.Fatal(err)
			}
			jobs := 0
			for _, s := range asm.Pipelines()[0].Stages {
				for _, a := range s.Actions {
					if a.Provider == "CodeBuild" {
						jobs++
					}
				}
			}
			if jobs < 8 {
				t.Errorf("only %d CodeBuild jobs: the preflight checked less than the line has", jobs)
			}
			for _, p := range problems {
				t.Errorf("%s", p)
			}
		})
	}
}

// TestSynthWarnsAboutJobsThatCannotWork: a team's own commands are checked
// at synth like the presets'.
func TestSynthWarnsAboutJobsThatCannotWork(t *testing.T) {
	_, _, stack := synth(t, pipeline.Props{
		Build:      &stages.Build{Job: stages.Job{Install: []string{"npm install -g aws-cdk"}, Commands: []string{"if [[ -n x ]]; then cdk synth; fi"}}},
		Acceptance: &stages.AcceptanceTests{Job: stages.Job{Commands: []string{"go test -tags acceptance ./examples/service/acceptance/..."}}},
	})
	text := strings.Join(cdktest.Warnings(t, stack), "\n")
	for _, want := range []string{
		"The Build job cannot pass on aws/codebuild/standard:7.0: it installs \"aws-cdk\", whatever npm calls the latest",
		"The Build job cannot pass on aws/codebuild/standard:7.0: it runs in sh (dash) but uses bash syntax",
		"The AcceptanceTests job cannot pass on aws/codebuild/standard:7.0: it runs Go 1.20.14",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("warnings lack %q:\n%s", want, text)
		}
	}
	_, _, clean := synth(t, pipeline.Props{Acceptance: stages.GoAcceptanceTests("./examples/service/acceptance/...")})
	for _, w := range cdktest.Warnings(t, clean) {
		if strings.Contains(w, "cannot pass") {
			t.Errorf("the defaults warn: %s", w)
		}
	}
}
