package stages

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// PipelineChangedVariable is the CodePipeline variable the Build job
// exports to tell whether the line must update itself. It is "false" only
// when the pipeline stack the job synthesized is, resource for resource,
// the one deployed; the line then skips its UpdatePipeline stage, and a run
// that changes only the app saves a CodeBuild job. It is "true" whenever the
// job cannot tell: no deployed stack yet, no permission, a template that is
// not JSON. The pipeline package turns it into the UpdatePipeline stage's
// entry condition.
const PipelineChangedVariable = "VELOCITY_PIPELINE_CHANGED"

// comparePipelineTemplates is the Node.js program that exits 0 when the
// deployed template (the AWS CLI prints a JSON template as an object, and
// any other as a string) equals the synthesized one. No single quote, so
// the shell passes it as it is.
const comparePipelineTemplates = `const fs = require("fs"), util = require("util");` +
	` let deployed = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));` +
	` if (typeof deployed === "string") deployed = JSON.parse(deployed);` +
	` const synthesized = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));` +
	` process.exit(util.isDeepStrictEqual(deployed, synthesized) ? 0 : 1);`

// pipelineChangedCommands are the Build job's last commands: they set
// PipelineChangedVariable by comparing the synthesized template of the
// pipeline stack (at template, relative to the source root) with the one
// CloudFormation has for stackName (`cdk deploy` deploys the JSON file
// itself, through the bootstrap bucket). They never fail the job: any
// error leaves the variable "true", so the line updates itself.
func pipelineChangedCommands(stackName, template string) []string {
	v := PipelineChangedVariable
	return []string{
		"export " + v + "=true",
		`if aws cloudformation get-template --stack-name ` + shellQuote(stackName) +
			` --template-stage Original --query TemplateBody --output json > /tmp/velocity-deployed-pipeline.json 2>/dev/null` +
			` && node -e '` + comparePipelineTemplates + `' /tmp/velocity-deployed-pipeline.json "$CODEBUILD_SRC_DIR/` + template + `" 2>/dev/null;` +
			` then export ` + v + `=false; fi`,
		`echo "velocity: pipeline stack ` + strings.ReplaceAll(stackName, `"`, ``) + ` changed: $` + v + ` (false skips the UpdatePipeline stage)"`,
	}
}

// pipelineTemplateReader lets the Build job read the deployed template of
// the pipeline stack, and nothing else.
func pipelineTemplateReader(stack awscdk.Stack) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:     jsii.String("ComparePipelineTemplate"),
		Actions: jsii.Strings("cloudformation:GetTemplate"),
		Resources: jsii.Strings(*stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("cloudformation"),
			Resource:     jsii.String("stack"),
			ResourceName: jsii.String(*stack.StackName() + "/*"),
			ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		})),
	})
}
