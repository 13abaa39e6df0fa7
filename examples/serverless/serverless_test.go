package serverless_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/serverless"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func TestNagClean(t *testing.T) {
	app := awscdk.NewApp(nil)
	nag := cdktest.Nag()
	awscdk.Aspects_Of(app).Add(nag, nil)
	stack := serverless.NewPipelineStack(app, "VelocityServerless", nag)
	line := stack.Node().FindChild(jsii.String("Line")).(*pipeline.AssemblyLine)
	all := append([]awscdk.Stack{stack}, append(stages.Stacks(line.Staging), stages.Stacks(line.Production)...)...)
	if len(all) != 3 {
		t.Fatalf("%d stacks, want 3", len(all))
	}
	if errs := cdktest.NagErrors(t, all...); len(errs) > 0 {
		t.Errorf("%d cdk-nag errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}

// TestGolden keeps the synthesized templates of the example under review:
// any change to what the line or the service deploys shows up as a diff of
// testdata/. Run `go test ./examples/serverless -update` to accept one.
func TestGolden(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := serverless.NewPipelineStack(app, "VelocityServerless")
	line := stack.Node().FindChild(jsii.String("Line")).(*pipeline.AssemblyLine)
	cdktest.Golden(t, "VelocityServerless", cdktest.JSON(t, cdktest.Template(t, stack)))
	for _, stage := range []awscdk.Stage{line.Staging, line.Production} {
		for _, s := range stages.Stacks(stage) {
			cdktest.Golden(t, *s.StackName(), cdktest.JSON(t, cdktest.Template(t, s)))
		}
	}
}

// TestDefaultExampleShape checks what issue #2 promises of the default
// example's pipeline: one V2 pipeline, Source first, a Build action, staging
// deploys then acceptance tests, then production deploys.
func TestDefaultExampleShape(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := serverless.NewPipelineStack(app, "VelocityServerless")
	tpl := cdktest.Template(t, stack)
	pipes := cdktest.Resources(t, tpl, "AWS::CodePipeline::Pipeline")
	if len(pipes) != 1 {
		t.Fatalf("%d pipelines, want 1", len(pipes))
	}
	var order []string
	for _, p := range pipes {
		props := p["Properties"].(map[string]interface{})
		if props["PipelineType"] != "V2" {
			t.Errorf("PipelineType = %v", props["PipelineType"])
		}
		for _, s := range props["Stages"].([]interface{}) {
			sm := s.(map[string]interface{})
			for _, a := range sm["Actions"].([]interface{}) {
				am := a.(map[string]interface{})
				order = append(order, sm["Name"].(string)+":"+am["ActionTypeId"].(map[string]interface{})["Provider"].(string))
			}
		}
	}
	got := strings.Join(order, " ")
	want := "Source:S3 Build:CodeBuild UpdatePipeline:CodeBuild"
	if !strings.HasPrefix(got, want) || !strings.Contains(got, "Staging:CloudFormation Staging:CloudFormation Staging:CodeBuild Production:CloudFormation") {
		t.Errorf("actions = %s", got)
	}
}
