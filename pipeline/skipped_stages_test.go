package pipeline_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// A run that does not change the pipeline skips self-mutation: the Build
// job exports whether the pipeline changed, and the UpdatePipeline stage
// is entered unless that variable is exactly "false". UpdatePipeline stays
// before every stage that deploys or publishes, so a change to the pipeline
// always updates it first.
func TestSelfMutationOnlyWhenThePipelineChanged(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{})
	props, stageList := pipelineOf(t, tpl)
	rendered := props["Stages"].([]interface{})
	index := map[string]int{}
	for i, s := range stageList {
		index[s.Name] = i
	}
	update := rendered[index["UpdatePipeline"]].(map[string]interface{})
	want := `{"Conditions":[{"Result":"SKIP","Rules":[{"Configuration":{"Operator":"NE","Value":"false","Variable":"#{VelocityBuild.` +
		stages.PipelineChangedVariable + `}"},"Name":"PipelineChanged","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"VariableCheck","Version":"1"}}]}]}`
	if got := compact(update["BeforeEntry"]); got != want {
		t.Errorf("UpdatePipeline BeforeEntry =\n%s\nwant\n%s", got, want)
	}
	for _, a := range rendered[index["Build"]].(map[string]interface{})["Actions"].([]interface{}) {
		if a := a.(map[string]interface{}); a["Name"] == "Build" && a["Namespace"] != "VelocityBuild" {
			t.Errorf("Build action namespace = %v, want VelocityBuild", a["Namespace"])
		}
	}
	spec := buildSpecOf(t, tpl, "BuildCdkBuildProject")
	for _, want := range []string{`"exported-variables": [` + "\n" + `      "` + stages.PipelineChangedVariable + `"`, "aws cloudformation get-template --stack-name 'Pipe'"} {
		if !strings.Contains(spec, want) {
			t.Errorf("Build buildspec lacks %q:\n%s", want, spec)
		}
	}
	for _, s := range []string{"Assets", "Staging", "Production"} {
		if i, ok := index[s]; !ok || i < index["UpdatePipeline"] {
			t.Errorf("stage %s is not after UpdatePipeline: %s", s, stageNames(stageList))
		}
	}
	has(t, tpl, "AWS::IAM::Policy", map[string]interface{}{"PolicyDocument": assertions.Match_ObjectLike(&map[string]interface{}{
		"Statement": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&map[string]interface{}{
			"Sid": "ComparePipelineTemplate", "Action": "cloudformation:GetTemplate"})}),
	})})
}

// Self-mutation also deploys the stacks the pipeline stack depends on,
// which the Build job does not compare: such a line updates itself on
// every run.
func TestSelfMutationAlwaysWithStacksThePipelineDependsOn(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	stack.AddStackDependency(awscdk.NewStack(app, jsii.String("Network"), nil), nil)
	cdktest.Check(t, func() { pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp}) })
	props, stageList := pipelineOf(t, cdktest.Template(t, stack))
	for i, s := range stageList {
		if s.Name == "UpdatePipeline" {
			if c, ok := props["Stages"].([]interface{})[i].(map[string]interface{})["BeforeEntry"]; ok {
				t.Errorf("UpdatePipeline has an entry condition: %s", compact(c))
			}
		}
	}
}

// A run whose Build job published the stages' file assets skips the Assets
// stage: its entry condition skips only on "true", so a Build job that did
// not publish (container images, a failed upload, commands of the team's
// own) leaves the Assets stage to publish before staging. The job that runs
// the unit tests has none of the rights to publish or deploy.
func TestAssetsStageOnlyWhenTheBuildDidNotPublish(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{App: assetApp})
	props, stageList := pipelineOf(t, tpl)
	index := map[string]int{}
	for i, s := range stageList {
		index[s.Name] = i
	}
	assets, ok := index["Assets"]
	if !ok {
		t.Fatalf("no Assets stage: %s", stageNames(stageList))
	}
	want := `{"Conditions":[{"Result":"SKIP","Rules":[{"Configuration":{"Operator":"NE","Value":"true","Variable":"#{VelocityBuild.` +
		stages.AssetsPublishedVariable + `}"},"Name":"AssetsPublishedByBuild","RuleTypeId":{"Category":"Rule","Owner":"AWS","Provider":"VariableCheck","Version":"1"}}]}]}`
	if got := compact(props["Stages"].([]interface{})[assets].(map[string]interface{})["BeforeEntry"]); got != want {
		t.Errorf("Assets BeforeEntry =\n%s\nwant\n%s", got, want)
	}
	if index["Staging"] < assets {
		t.Errorf("Staging runs before Assets: %s", stageNames(stageList))
	}
	spec := buildSpecOf(t, tpl, "BuildCdkBuildProject")
	for _, want := range []string{`"` + stages.AssetsPublishedVariable + `"`, "cdk-assets --path \\\"$m\\\" publish"} {
		if !strings.Contains(spec, want) {
			t.Errorf("Build buildspec lacks %q:\n%s", want, spec)
		}
	}
	has(t, tpl, "AWS::IAM::Policy", map[string]interface{}{"PolicyDocument": assertions.Match_ObjectLike(&map[string]interface{}{
		"Statement": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&map[string]interface{}{
			"Sid": "PublishFileAssets", "Action": "sts:AssumeRole",
			"Condition": map[string]interface{}{"StringEquals": map[string]interface{}{"iam:ResourceTag/aws-cdk:bootstrap-role": "file-publishing"}},
		})}),
	})})
	for id, p := range cdktest.Resources(t, tpl, "AWS::IAM::Policy") {
		if !strings.Contains(id, "UnitTestsJob") {
			continue
		}
		doc := compact(p["Properties"].(map[string]interface{})["PolicyDocument"])
		for _, right := range []string{"sts:AssumeRole", "cloudformation:", "s3:PutObject\"", "s3:DeleteObject"} {
			if strings.Contains(doc, right) {
				t.Errorf("the UnitTests job's policy %s grants %s: %s", id, right, doc)
			}
		}
	}
}

// assetApp is a stage with one file asset, so the line has an Assets stage.
func assetApp(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	stage := awscdk.NewStage(scope, jsii.String(id), &awscdk.StageProps{Env: env.Env()})
	stack := awscdk.NewStack(stage, jsii.String("Service"), nil)
	awss3assets.NewAsset(stack, jsii.String("Site"), &awss3assets.AssetProps{Path: jsii.String("testdata/notbuilding")})
	return stage
}
