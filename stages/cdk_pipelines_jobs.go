package stages

import (
	_ "embed"
	"encoding/base64"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// This file configures the CodeBuild jobs that CDK Pipelines creates for
// the line: self-mutation, asset publishing and the permissions-broadening
// check. Left alone they run on the image's Node.js 18, and two of them
// install tools that cannot read what aws-cdk-lib 2.276 writes.

// CDKAssetsLibVersion is the version of @aws-cdk/cdk-assets-lib that
// publishes the line's assets. The cdk-assets CLI that CDK Pipelines
// installs by default cannot be used: its newest release (4.7.3) reads cloud
// assembly schema 54 at most, and aws-cdk-lib 2.276 writes 55. The library
// reads 55; a small cdk-assets command on top of it (cdkassets/cdk-assets.js)
// takes the commands CDK Pipelines writes.
const CDKAssetsLibVersion = "1.5.0"

// CDKAssetsInstall is what CDK Pipelines' asset jobs install in place of the
// cdk-assets CLI (its CdkAssetsCliVersion): the library, under the name
// cdk-assets, so that `npm install -g cdk-assets@<this>` installs it.
const CDKAssetsInstall = "npm:@aws-cdk/cdk-assets-lib@" + CDKAssetsLibVersion

//go:embed cdkassets/cdk-assets.js
var cdkAssetsCommand []byte

// installCDKAssetsCommand writes the cdk-assets command next to npm's
// global binaries. It is base64 so that no shell quoting can change it.
var installCDKAssetsCommand = `export VELOCITY_CDK_ASSETS_LIB="$(npm root -g)/cdk-assets" && mkdir -p "$(npm prefix -g)/bin" && ` +
	`echo ` + base64.StdEncoding.EncodeToString(cdkAssetsCommand) + ` | base64 -d > "$(npm prefix -g)/bin/cdk-assets" && ` +
	`chmod +x "$(npm prefix -g)/bin/cdk-assets"`

// nodeJobSpec is the partial buildspec of a CDK Pipelines job that runs on
// Node.js: it pins NodeRuntime, and runs build commands before the job's own.
func nodeJobSpec(build ...string) awscodebuild.BuildSpec {
	spec := map[string]interface{}{
		"version": "0.2",
		"phases": map[string]interface{}{
			"install": map[string]interface{}{"runtime-versions": Runtimes{"nodejs": NodeRuntime}.object()},
		},
	}
	if len(build) > 0 {
		spec["phases"].(map[string]interface{})["build"] = map[string]interface{}{"commands": build}
	}
	return awscodebuild.BuildSpec_FromObject(&spec)
}

// SelfMutationDefaults are the line's options for CDK Pipelines'
// self-mutation job (CodePipelineProps.SelfMutationCodeBuildDefaults): the
// line's image and Node.js 22 for the CDK CLI.
func SelfMutationDefaults() *pipelines.CodeBuildOptions {
	return &pipelines.CodeBuildOptions{
		BuildEnvironment: &awscodebuild.BuildEnvironment{BuildImage: BuildImage()},
		PartialBuildSpec: nodeJobSpec(),
	}
}

// AssetPublishingDefaults are the line's options for CDK Pipelines' asset
// jobs (CodePipelineProps.AssetPublishingCodeBuildDefaults): the line's
// image, Node.js 22, and the cdk-assets command that reads the cloud
// assembly (see CDKAssetsLibVersion). Set CdkAssetsCliVersion to
// CDKAssetsInstall with them.
func AssetPublishingDefaults() *pipelines.CodeBuildOptions {
	return &pipelines.CodeBuildOptions{
		BuildEnvironment: &awscodebuild.BuildEnvironment{BuildImage: BuildImage()},
		PartialBuildSpec: nodeJobSpec(installCDKAssetsCommand),
	}
}

// The text of CDK Pipelines' permissions-check buildspec that
// PinPermissionsChecks changes (aws-cdk-lib 2.276, JSON with two-space
// indentation).
const (
	permissionsCheckInstall = `"npm install -g aws-cdk",`
	permissionsCheckPhases  = "\"phases\": {\n    \"build\": {"
)

// PinPermissionsChecks pins the CDK CLI and Node.js of every
// permissions-broadening check under scope (CDK Pipelines'
// ConfirmPermissionsBroadening). CDK Pipelines installs whatever npm calls
// the latest aws-cdk there, on the image's Node.js 18; a CLI that cannot
// read the assembly makes `cdk diff --fail` fail, and the check then asks
// for a manual approval on every change. It returns the paths of the checks
// it could not pin (CDK Pipelines changed its buildspec); call it after
// BuildPipeline.
func PinPermissionsChecks(scope constructs.Construct) (unpinned []string) {
	for _, c := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		project, ok := c.(awscodebuild.Project)
		if !ok || *c.Node().Id() != "CDKSecurityCheck" {
			continue
		}
		if !pinPermissionsCheck(project) {
			unpinned = append(unpinned, *c.Node().Path())
		}
	}
	return unpinned
}

func pinPermissionsCheck(project awscodebuild.Project) bool {
	cfn, ok := project.Node().DefaultChild().(awscodebuild.CfnProject)
	if !ok {
		return false
	}
	source, ok := awscdk.Stack_Of(project).Resolve(cfn.Source()).(map[string]interface{})
	if !ok {
		return false
	}
	pinned := func(text string) (string, bool) {
		if !strings.Contains(text, permissionsCheckInstall) || !strings.Contains(text, permissionsCheckPhases) {
			return text, false
		}
		text = strings.Replace(text, permissionsCheckInstall, `"npm install -g aws-cdk@`+CDKCLIVersion+`",`, 1)
		return strings.Replace(text, permissionsCheckPhases,
			"\"phases\": {\n    \"install\": {\n      \"runtime-versions\": {\n        \"nodejs\": \""+NodeRuntime+"\"\n      }\n    },\n    \"build\": {", 1), true
	}
	var spec interface{}
	done := false
	// Resolving the L1 property gives its jsii (camelCase) field names.
	switch b := source["buildSpec"].(type) {
	case string:
		spec, done = pinned(b)
	case map[string]interface{}:
		join, _ := b["Fn::Join"].([]interface{})
		if len(join) != 2 {
			return false
		}
		parts, _ := join[1].([]interface{})
		out := make([]interface{}, len(parts))
		for i, part := range parts {
			out[i] = part
			if text, ok := part.(string); ok && !done {
				out[i], done = pinned(text)
			}
		}
		spec = map[string]interface{}{"Fn::Join": []interface{}{join[0], out}}
	}
	if done {
		cfn.AddPropertyOverride(jsii.String("Source.BuildSpec"), spec)
	}
	return done
}
