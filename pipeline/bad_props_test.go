package pipeline_test

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/pipeline"
)

// outcome is what a synth of a line with one mistake in its props did.
type outcome struct {
	clear, silent, panicked int
}

// synthWithMistake synthesizes a whole line from props, as `cdk synth`
// would, and returns its errors, or the panic that escaped.
func synthWithMistake(props pipeline.Props) (errs []string, panicked string) {
	defer func() {
		if r := recover(); r != nil {
			panicked = fmt.Sprint(r)
		}
	}()
	shared = nil
	root = awscdk.NewApp(nil)
	stack := awscdk.NewStack(root, jsii.String("Pipe"), nil)
	pipeline.New(stack, "Line", &props)
	root.Synth(nil)
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		for _, e := range *c.Node().Metadata() {
			if *e.Type == "aws:cdk:error" {
				errs = append(errs, fmt.Sprint(e.Data))
			}
		}
	}
	return errs, ""
}

// TestBadPropsCorpus synthesizes a whole line for every mistake the
// validation and build tests know (one mistake each) and sorts what
// happened: a clear error (names the prop and the value, no stack), a
// mistake accepted silently, or a panic. Only the first is allowed; the
// README's security table quotes the count.
func TestBadPropsCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes a line per case")
	}
	var got outcome
	judge := func(name string, props pipeline.Props, want ...string) {
		if props.App == nil {
			props.App = bucketApp
		}
		errs, panicked := synthWithMistake(props)
		all := strings.Join(errs, "\n")
		switch {
		case panicked != "":
			got.panicked++
			t.Errorf("%s: synth panicked: %s", name, firstLine(panicked))
		case len(errs) == 0:
			got.silent++
			t.Errorf("%s: accepted silently", name)
		case !containsAll(all, want) || strings.Contains(all, "program.js") || strings.Contains(all, "goroutine "):
			got.silent++
			t.Errorf("%s: the errors do not name %q, or carry a stack:\n%s", name, want, all)
		default:
			got.clear++
		}
	}
	for _, c := range rejectCases() {
		if c.prop == "App" {
			continue // no App at all: nothing to synthesize; TestValidateRejects has it
		}
		props := *c.props
		props.App = bucketApp // the mistake is elsewhere; let the stages build
		judge(c.name, props, c.prop+": ", strconv.Quote(c.value))
	}
	for _, c := range buildCases() {
		judge(c.name, c.props, c.want...)
	}
	total := got.clear + got.silent + got.panicked
	t.Logf("%d bad props tried: %d clear errors, %d accepted silently or unclear, %d panics", total, got.clear, got.silent, got.panicked)

	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`bad props[^|]*\| \*\*0\*\* of ([0-9]+) `).FindSubmatch(readme)
	if m == nil {
		t.Fatal(`README.md has no row "bad props … | **0** of N …" in its security table`)
	}
	if n, _ := strconv.Atoi(string(m[1])); n != total {
		t.Errorf("README.md says %d bad props; the corpus tries %d", n, total)
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
