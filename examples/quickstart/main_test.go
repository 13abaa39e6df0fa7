package main

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/velocity-cdk/velocity/internal/cdktest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// The README's quick start is this file, and it synthesizes a line.
func TestQuickStart(t *testing.T) {
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	cdktest.EmbeddedBlock(t, "../../README.md", "quickstart", "```go\n"+string(src)+"```\n")
	var stack awscdk.Stack
	cdktest.Check(t, func() { stack = newLine(awscdk.NewApp(nil)) })
	if errs := cdktest.Errors(t, stack); len(errs) > 0 {
		t.Errorf("the quick start does not synthesize: %v", errs)
	}
	if n := len(cdktest.Resources(t, cdktest.Template(t, stack), "AWS::CodePipeline::Pipeline")); n != 1 {
		t.Errorf("%d pipelines, want 1", n)
	}
}
