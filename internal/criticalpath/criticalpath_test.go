package criticalpath_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/containers"
	"github.com/velocity-cdk/velocity/examples/ec2"
	"github.com/velocity-cdk/velocity/examples/serverless"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/internal/criticalpath"
	"github.com/velocity-cdk/velocity/stages"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func TestOfCountsParallelActionsOnce(t *testing.T) {
	tpl := map[string]interface{}{"Resources": map[string]interface{}{
		"P": map[string]interface{}{"Type": "AWS::CodePipeline::Pipeline", "Properties": map[string]interface{}{"Stages": []interface{}{
			map[string]interface{}{"Actions": []interface{}{action("CodeBuild", 1), action("CodeBuild", 1)}},
			map[string]interface{}{"Actions": []interface{}{action("CloudFormation", 1), action("CodeBuild", 2), action("Manual", 3)}},
		}}},
		"J": map[string]interface{}{"Type": "AWS::CodeBuild::Project"},
	}}
	got, err := criticalpath.Of(tpl)
	if err != nil {
		t.Fatal(err)
	}
	want := criticalpath.Path{Stages: 2, Steps: 4, CodeBuildJobs: 2, CloudFormationActions: 1, ManualSteps: 1, CodeBuildProjects: 1}
	if got != want {
		t.Errorf("Of = %+v, want %+v", got, want)
	}
	if _, err := criticalpath.Of(map[string]interface{}{}); err == nil {
		t.Error("no error for a template without a pipeline")
	}
}

func action(provider string, order int) map[string]interface{} {
	return map[string]interface{}{"RunOrder": float64(order), "ActionTypeId": map[string]interface{}{"Provider": provider}}
}

// example is one of Velocity's example apps.
type example struct {
	name     string
	pipeline func(app awscdk.App) awscdk.Stack
	stage    stages.StageFunc
}

var examples = []example{
	{"serverless", func(app awscdk.App) awscdk.Stack { return serverless.NewPipelineStack(app, "Velocity") }, serverless.NewServiceStage},
	{"containers", func(app awscdk.App) awscdk.Stack { return containers.NewPipelineStack(app, "Velocity") }, containers.NewServiceStage},
	{"ec2", func(app awscdk.App) awscdk.Stack { return ec2.NewPipelineStack(app, "Velocity") }, ec2.NewServiceStage},
}

// cdkPipelinesDefaults is the same app on CDK Pipelines with its default
// settings: the same source, a build that runs the same commands, the same
// staging and production stages, and the same acceptance tests after
// staging; asset publishing per asset and change sets, as CDK Pipelines
// does by default.
func cdkPipelinesDefaults(app awscdk.App, stage stages.StageFunc) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("CdkPipelines"), nil)
	bucket := awss3.NewBucket(stack, jsii.String("Source"), &awss3.BucketProps{Versioned: jsii.Bool(true)})
	source := pipelines.CodePipelineSource_S3(bucket, jsii.String("source.zip"), nil)
	cp := pipelines.NewCodePipeline(stack, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		Synth: pipelines.NewShellStep(jsii.String("Synth"), &pipelines.ShellStepProps{
			Input: source, Commands: jsii.Strings("go vet ./...", "go test ./...", "cdk synth"),
		}),
	})
	staging := stage(stack, "Staging", stages.Environment{Name: "Staging"})
	cp.AddStage(staging, &pipelines.AddStageOpts{Post: &[]pipelines.Step{pipelines.NewShellStep(jsii.String("AcceptanceTests"), &pipelines.ShellStepProps{
		Input: source, Commands: jsii.Strings("go test -tags acceptance ./examples/service/acceptance/..."),
	})}})
	cp.AddStage(stage(stack, "Production", stages.Environment{Name: "Production"}), nil)
	return stack
}

// TestVelocityLineIsShorter compares, for every example, Velocity's line
// with the same app on CDK Pipelines' defaults, and writes the comparison
// into BENCHMARKS.md (go test -update).
func TestVelocityLineIsShorter(t *testing.T) {
	var table strings.Builder
	table.WriteString("| Example | Line | Sequential steps | CodeBuild jobs on the path | CloudFormation steps | Waits (approvals) | CodeBuild projects | Modeled CodeBuild startup on the path |\n|---|---|---|---|---|---|---|---|\n")
	for _, ex := range examples {
		velocity := pathOf(t, ex.pipeline(awscdk.NewApp(nil)))
		defaults := pathOf(t, cdkPipelinesDefaults(awscdk.NewApp(nil), ex.stage))
		for _, row := range []struct {
			name string
			p    criticalpath.Path
		}{{"Velocity", velocity}, {"CDK Pipelines defaults", defaults}} {
			fmt.Fprintf(&table, "| %s | %s | %d | %d | %d | %d | %d | %d s |\n", ex.name, row.name, row.p.Steps, row.p.CodeBuildJobs,
				row.p.CloudFormationActions, row.p.ManualSteps, row.p.CodeBuildProjects, row.p.ModeledOverhead())
		}
		if velocity.Steps >= defaults.Steps || velocity.CodeBuildJobs > defaults.CodeBuildJobs {
			t.Errorf("%s: Velocity's path %+v is not shorter than CDK Pipelines' defaults %+v", ex.name, velocity, defaults)
		}
	}
	t.Log("\n" + table.String())
	if _, err := os.Stat("../../BENCHMARKS.md"); err == nil {
		cdktest.EmbeddedBlock(t, "../../BENCHMARKS.md", "critical-path", table.String())
	}
}

func pathOf(t *testing.T, stack awscdk.Stack) criticalpath.Path {
	t.Helper()
	tpl := cdktest.JSON(t, cdktest.Template(t, stack))
	raw, _ := json.Marshal(tpl)
	var generic map[string]interface{}
	_ = json.Unmarshal(raw, &generic)
	p, err := criticalpath.Of(generic)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
