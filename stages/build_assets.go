package stages

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// AssetsPublishedVariable is the CodePipeline variable the Build job
// exports once it has published every file asset of the stages it
// synthesized: "true" lets the line skip CDK Pipelines' Assets stage, a job
// less on the way to staging. Anything else (an app with container images,
// which need Docker; a failed upload) leaves the Assets stage to run, as on
// every line before. The pipeline package turns it into the Assets stage's
// entry condition.
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
// publish the file assets of every stage of the cloud assembly in outDir
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
		`if node -e '` + noContainerImages + `' ` + dir + `; then` +
			// set -e does not hold in an if condition: each failure exits
			// the subshell itself.
			` if ( npm install -g --no-fund --no-audit cdk-assets@` + CDKAssetsInstall + ` >/dev/null && ` + installCDKAssetsCommand + ` &&` +
			` found=0 && for m in ` + dir + `/assembly-*/*.assets.json; do [ -e "$m" ] || continue; found=1; cdk-assets --path "$m" publish || exit 1; done && [ "$found" = 1 ] ); then export ` + v + `=true;` +
			` else echo "velocity: the Build job could not publish the assets; the Assets stage publishes them"; fi;` +
			` else echo "velocity: the app has container images, which need Docker: the Assets stage builds and publishes them"; fi`,
		`echo "velocity: assets published by the Build job: $` + v + ` (true skips the Assets stage)"`,
	}
}

// publishingRoles lets the Build job assume the bootstrap file-publishing
// roles of the accounts it deploys to, and no other role: the same roles,
// told by the same tag, that CDK Pipelines' asset jobs use.
func publishingRoles() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("PublishFileAssets"),
		Actions:    jsii.Strings("sts:AssumeRole"),
		Resources:  jsii.Strings("arn:" + *awscdk.Aws_PARTITION() + ":iam::*:role/*"),
		Conditions: &map[string]interface{}{"StringEquals": map[string]interface{}{"iam:ResourceTag/aws-cdk:bootstrap-role": "file-publishing"}},
	})
}
