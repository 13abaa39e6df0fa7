// Package exampletest holds the tests every example app shares: its line and
// stage stacks pass cdk-nag, and its templates match the golden files.
package exampletest

import (
	"path"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// PipelineStackFunc creates an example's pipeline stack, applying aspects
// to every stage its line deploys.
type PipelineStackFunc func(scope constructs.Construct, id string, aspects ...awscdk.IAspect) awscdk.Stack

// LineStacks returns the pipeline stack and every stack its line ("Line")
// deploys to staging and production.
func LineStacks(t testing.TB, stack awscdk.Stack) []awscdk.Stack {
	t.Helper()
	line, ok := stack.Node().FindChild(jsii.String("Line")).(*pipeline.AssemblyLine)
	if !ok || line.Staging == nil || line.Production == nil {
		t.Fatalf("%s has no complete line", *stack.StackName())
	}
	return append([]awscdk.Stack{stack}, append(stages.Stacks(line.Staging), stages.Stacks(line.Production)...)...)
}

// NagClean checks that cdk-nag's AwsSolutions pack finds no unsuppressed
// error in the example's pipeline stack and the stacks its line deploys.
func NagClean(t *testing.T, newStack PipelineStackFunc, id string, wantStacks int) {
	t.Helper()
	app := awscdk.NewApp(nil)
	nag := cdktest.Nag()
	awscdk.Aspects_Of(app).Add(nag, nil)
	all := LineStacks(t, newStack(app, id, nag))
	if len(all) != wantStacks {
		t.Fatalf("%d stacks, want %d", len(all), wantStacks)
	}
	if errs := cdktest.NagErrors(t, all...); len(errs) > 0 {
		t.Errorf("%d cdk-nag errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// Golden compares the templates of the pipeline stack (testdata/<id>.json)
// and of every stage stack (testdata/<stack name>.json) with the golden
// files; normalize, when not nil, rewrites a template first (for values that
// change with every build, beyond the asset hashes cdktest.Golden handles).
func Golden(t *testing.T, newStack PipelineStackFunc, id string, normalize func(map[string]interface{})) {
	t.Helper()
	GoldenIn(t, "", newStack, id, normalize)
}

// GoldenIn is Golden with the golden files in testdata/<dir>/, for a
// second variant of an example whose stage stacks have the same names.
func GoldenIn(t *testing.T, dir string, newStack PipelineStackFunc, id string, normalize func(map[string]interface{})) {
	t.Helper()
	for i, s := range LineStacks(t, newStack(awscdk.NewApp(nil), id)) {
		tpl := cdktest.JSON(t, cdktest.Template(t, s))
		if normalize != nil {
			normalize(tpl)
		}
		name := *s.StackName()
		if i == 0 {
			name = id
		}
		cdktest.Golden(t, path.Join(dir, name), tpl)
	}
}
