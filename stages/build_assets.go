package stages

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/jsii-runtime-go"
)

// AssetsPublishedVariable is the CodePipeline variable the Build job
// exports once it has published every asset of the stages it synthesized:
// "true" lets the line skip CDK Pipelines' Assets stage, a job less on the
// way to staging. Anything else (container images without a Docker daemon,
// a failed upload) leaves the Assets stage to run, as on every line before.
// The pipeline package turns it into the Assets stage's entry condition.
const AssetsPublishedVariable = "VELOCITY_ASSETS_PUBLISHED"

// noContainerImages is the Node.js program that exits 0 when no asset
// manifest of the stages under the cloud assembly directory argv[1] lists a
// container image. No single quote, so the shell passes it as it is.
const noContainerImages = `const fs = require("fs"), path = require("path"); const dir = process.argv[1];` +
	` const images = fs.readdirSync(dir).filter((d) => d.startsWith("assembly-")).flatMap((d) =>` +
	` fs.readdirSync(path.join(dir, d)).filter((f) => f.endsWith(".assets.json")).map((f) =>` +
	` Object.keys(JSON.parse(fs.readFileSync(path.join(dir, d, f), "utf8")).dockerImages || {}).length));` +
	` process.exit(images.some((n) => n > 0) ? 1 : 0);`

// publishAssetsCommands are the Build job's commands, after the synth, that
// publish the assets of every stage of the cloud assembly in outDir
// (relative to the source root) with the cdk-assets command of the asset
// jobs (CDKAssetsInstall), and set AssetsPublishedVariable: "true" only
// when at least one manifest was found and every one was published. They
// never fail the job: whatever goes wrong, the Assets stage publishes
// instead.
func publishAssetsCommands(outDir string) []string {
	v := AssetsPublishedVariable
	dir := `"$CODEBUILD_SRC_DIR/` + outDir + `"`
	return []string{
		"export " + v + "=false",
		// Container images need a Docker daemon: the job has one when the
		// app has images (enableImagePublishing).
		`if node -e '` + noContainerImages + `' ` + dir + ` || docker info >/dev/null 2>&1; then` +
			// set -e does not hold in an if condition: each failure exits
			// the subshell itself.
			` if ( npm install -g --no-fund --no-audit cdk-assets@` + CDKAssetsInstall + ` >/dev/null && ` + installCDKAssetsCommand + ` &&` +
			` found=0 && for m in ` + dir + `/assembly-*/*.assets.json; do [ -e "$m" ] || continue; found=1; cdk-assets --path "$m" publish || exit 1; done && [ "$found" = 1 ] ); then export ` + v + `=true;` +
			` else echo "velocity: the Build job could not publish the assets; the Assets stage publishes them"; fi;` +
			` else echo "velocity: the app has container images and this job has no Docker daemon: the Assets stage builds and publishes them"; fi`,
		`echo "velocity: assets published by the Build job: $` + v + ` (true skips the Assets stage)"`,
	}
}

// publishingRoles lets the Build job assume the bootstrap publishing roles
// of one kind ("file" or "image") of the accounts it deploys to, and no
// other role: the same roles, told by the same tag, that CDK Pipelines'
// asset jobs use.
func publishingRoles(kind string) awsiam.PolicyStatement {
	sid := map[string]string{"file": "PublishFileAssets", "image": "PublishImageAssets"}[kind]
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(sid),
		Actions:    jsii.Strings("sts:AssumeRole"),
		Resources:  jsii.Strings("arn:" + *awscdk.Aws_PARTITION() + ":iam::*:role/*"),
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"iam:ResourceTag/aws-cdk:bootstrap-role": kind + "-publishing"}},
	})
}

// publishesImages says whether CDK Pipelines gave the pipeline an image
// job in its Assets stage: the app has container images.
func publishesImages(pipeline awscodepipeline.IPipeline) bool {
	p, ok := pipeline.(awscodepipeline.Pipeline)
	if !ok {
		return false
	}
	for _, s := range *p.Stages() {
		if *s.StageName() != "Assets" {
			continue
		}
		for _, a := range *s.Actions() {
			if strings.Contains(*a.ActionProperties().ActionName, "Docker") {
				return true
			}
		}
	}
	return false
}

// enableImagePublishing lets the Build job build and push the app's
// container images as well: a Docker daemon (privileged mode, as the
// Assets stage's image job has, and as CDK Pipelines' dockerEnabledForSynth
// gives) and the bootstrap image-publishing roles. The UnitTests job gets
// neither.
func enableImagePublishing(step pipelines.CodeBuildStep) {
	project, ok := step.Project().(awscodebuild.Project)
	if !ok {
		return
	}
	cfn := project.Node().DefaultChild().(awscodebuild.CfnProject)
	cfn.AddPropertyOverride(jsii.String("Environment.PrivilegedMode"), true)
	project.AddToRolePolicy(publishingRoles("image"))
}
