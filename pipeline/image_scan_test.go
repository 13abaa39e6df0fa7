package pipeline_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// imageApp is bucketApp with a container image (built at deploy time by
// asset publishing; synth only stages its directory).
func imageApp(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	stage := bucketApp(scope, id, env)
	stack := stage.Node().FindChild(jsii.String("Service")).(awscdk.Stack)
	awsecrassets.NewDockerImageAsset(stack, jsii.String("Image"), &awsecrassets.DockerImageAssetProps{Directory: jsii.String("testdata/image")})
	return stage
}

// imageScanProject returns the environment variables and the role's policy
// statements of the ImageScan job, as JSON.
func imageScanProject(t *testing.T, tpl assertions.Template) (env, policy string) {
	t.Helper()
	for id, p := range cdktest.Resources(t, tpl, "AWS::CodeBuild::Project") {
		if strings.Contains(id, "ImageScan") {
			raw, _ := json.Marshal(p["Properties"].(map[string]interface{})["Environment"].(map[string]interface{})["EnvironmentVariables"])
			env = string(raw)
		}
	}
	for id, p := range cdktest.Resources(t, tpl, "AWS::IAM::Policy") {
		if strings.Contains(id, "ImageScan") {
			raw, _ := json.Marshal(p["Properties"])
			policy = string(raw)
		}
	}
	if env == "" {
		t.Fatal("no ImageScan project")
	}
	return env, policy
}

// The staging stage scans the app's container images before it deploys
// them, with the source checks' thresholds and suppressions.
func TestImageScanGatesStaging(t *testing.T) {
	tpl, line, _ := synth(t, pipeline.Props{App: imageApp, Security: &stages.SecurityChecks{Threshold: "MEDIUM"}})
	_, sts := pipelineOf(t, tpl)
	staging := findStage(t, sts, "Staging")
	scan, deploy := findAction(t, staging, "ImageScan"), findAction(t, staging, "Service.Deploy")
	if scan.Provider != "CodeBuild" || scan.RunOrder != 1 || deploy.RunOrder != 2 {
		t.Errorf("ImageScan %+v, deploy run order %d: want the scan first, then the deploy", scan, deploy.RunOrder)
	}
	spec := specOf(t, tpl, "ImageScan")
	for _, want := range []string{"velocity-image-scan \"$VELOCITY_IMAGE_1\" \"$VELOCITY_OUT/ecr-1.json\"",
		"-tool ecr -input \"$VELOCITY_OUT/ecr-1.json\" -threshold MEDIUM", "-junit \"$REPORTS_DIR/ecr-1.xml\"", `"golang": "1.`} {
		if !strings.Contains(spec, want) {
			t.Errorf("ImageScan buildspec lacks %s:\n%s", want, spec)
		}
	}
	env, policy := imageScanProject(t, tpl)
	if !strings.Contains(env, `"Name":"VELOCITY_IMAGE_1"`) || !strings.Contains(env, `${AWS::Region},cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region},`) || !strings.Contains(env, `,-"}`) {
		t.Errorf("ImageScan environment = %s, want the image in the pipeline's account, read with the job's role", env)
	}
	if !strings.Contains(policy, `"ecr:DescribeImageScanFindings","ecr:StartImageScan"`) ||
		!strings.Contains(policy, `repository/cdk-hnb659fds-container-assets-${AWS::AccountId}-${AWS::Region}`) || strings.Contains(policy, "sts:AssumeRole") {
		t.Errorf("ImageScan policy = %s, want scans of the assets repository only", policy)
	}
	if got := securityMetadata(t, line, stages.SecurityCheckMetadata); !strings.Contains(strings.Join(got, "\n"), "ImageScan: Amazon ECR image scan MEDIUM") {
		t.Errorf("security metadata = %v, want the image scan", got)
	}
}

// An app without images has no image scan; a team can turn it off, with a
// reason the line records.
func TestImageScanOnlyForImages(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{})
	_, sts := pipelineOf(t, tpl)
	for _, a := range findStage(t, sts, "Staging").Actions {
		if a.Name == "ImageScan" {
			t.Errorf("an app without container images has an image scan")
		}
	}
	tpl, line, _ := synth(t, pipeline.Props{App: imageApp, Security: &stages.SecurityChecks{Images: stages.Off("scanned by the registry's own gate")}})
	_, sts = pipelineOf(t, tpl)
	for _, a := range findStage(t, sts, "Staging").Actions {
		if a.Name == "ImageScan" {
			t.Errorf("the image scan runs while off")
		}
	}
	if got := securityMetadata(t, line, stages.SecurityCheckDisabledMetadata); strings.Join(got, "\n") != "ImageScan: scanned by the registry's own gate" {
		t.Errorf("disabled checks = %v", got)
	}
}

// Images of a staging account other than the pipeline's are read as that
// account's bootstrap lookup role.
func TestImageScanOfAnotherAccount(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &map[string]interface{}{"@aws-cdk/aws-codepipeline:crossAccountKeysDefaultValueToFalse": true}})
	stack := awscdk.NewStack(app, jsii.String("Pipe"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")}})
	cdktest.Check(t, func() {
		pipeline.New(stack, "Line", &pipeline.Props{App: imageApp,
			Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging", Account: "222222222222"}}})
	})
	if errs := cdktest.Errors(t, stack); len(errs) > 0 {
		t.Fatalf("synth errors: %v", errs)
	}
	env, policy := imageScanProject(t, cdktest.Template(t, stack))
	role := "arn:${AWS::Partition}:iam::222222222222:role/cdk-hnb659fds-lookup-role-222222222222-${AWS::Region}"
	if !strings.Contains(env, "${AWS::Region},cdk-hnb659fds-container-assets-222222222222-${AWS::Region},") || !strings.Contains(env, ","+role) {
		t.Errorf("ImageScan environment = %s, want the staging account's image and lookup role", env)
	}
	if !strings.Contains(policy, `"sts:AssumeRole"`) || !strings.Contains(policy, "lookup-role-222222222222-${AWS::Region}") || strings.Contains(policy, "ecr:StartImageScan") {
		t.Errorf("ImageScan policy = %s, want to assume the lookup role only", policy)
	}
}
