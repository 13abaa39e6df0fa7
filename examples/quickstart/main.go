// Command quickstart is the README's quick start, as a file that compiles:
// a team's CDK app that puts its service on a Velocity line.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	newLine(app)
	app.Synth(nil)
}

// newLine is the line: the stack that holds the pipeline.
func newLine(app awscdk.App) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String("ShopDelivery"), nil)
	pipeline.New(stack, "Line", &pipeline.Props{
		Source: stages.GitHub("acme/shop", stages.GitOptions{
			// Created once in the console: a person authorizes it.
			ConnectionArn: "arn:aws:codeconnections:eu-west-1:123456789012:connection/0f7e8d6c-5b4a-4392-8170-6e5d4c3b2a19",
		}),
		// The same function builds staging and production.
		App: func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
			stage := awscdk.NewStage(scope, jsii.String(id), &awscdk.StageProps{Env: env.Env()})
			newServiceStack(stage, "Service")
			return stage
		},
		Acceptance: stages.GoAcceptanceTests("./acceptance/..."),
		Approval:   &stages.Approval{Emails: []string{"releases@example.com"}},
	})
	return stack
}

// newServiceStack stands for your service's stacks. A CfnOutput named
// "Endpoint" reaches the acceptance tests as $ENDPOINT.
func newServiceStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), nil)
	site := awss3.NewBucket(stack, jsii.String("Site"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
	})
	awscdk.NewCfnOutput(stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{Value: site.BucketWebsiteUrl()})
	return stack
}
