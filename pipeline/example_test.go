package pipeline_test

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// The team's app: a function from an environment to a CDK stage. The line
// calls it for staging and for production.
func teamApp(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	stage := awscdk.NewStage(scope, jsii.String(id), &awscdk.StageProps{Env: env.Env()})
	stack := awscdk.NewStack(stage, jsii.String("Service"), nil)
	bucket := awss3.NewBucket(stack, jsii.String("Data"), nil)
	awscdk.NewCfnOutput(stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{Value: bucket.BucketWebsiteUrl()})
	return stage
}

// A complete line from a GitHub repository to production, with a team step
// after the production deploy.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	// Deploying to other accounts needs the pipeline's own account and
	// region at synth.
	stack := awscdk.NewStack(app, jsii.String("Delivery"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("000000000000"), Region: jsii.String("eu-west-1")},
	})

	line := pipeline.New(stack, "Line", &pipeline.Props{
		Source: stages.GitHub("acme/shop", stages.GitOptions{
			ConnectionArn: "arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d",
		}),
		App:        teamApp,
		Acceptance: stages.GoAcceptanceTests("./acceptance/..."),
		Approval:   &stages.Approval{Emails: []string{"releases@example.com"}},
		Production: &stages.Deploy{
			Environment: stages.Environment{Name: "Production", Account: "222222222222", Region: "eu-west-1"},
			Post: []pipelines.Step{pipelines.NewShellStep(jsii.String("AnnounceRelease"), &pipelines.ShellStepProps{
				Commands: jsii.Strings("echo shipped"),
			})},
		},
		Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging", Account: "111111111111", Region: "eu-west-1"}},
	})

	for _, s := range *line.Pipeline.Stages() {
		fmt.Println(*s.StageName())
	}
	// Output:
	// Source
	// Build
	// UpdatePipeline
	// Assets
	// Staging
	// Approval
	// Production
}

// Production one box first: a wave of one small environment that takes a
// slice of the traffic and bakes longer, with a longer canary analysis,
// then the rest of production in a wave. (With a monitoring.ServiceMonitor
// in the app, Gate.MinRequests also makes the one box's bake wait for
// traffic.)
func Example_oneBox() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Delivery"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("000000000000"), Region: jsii.String("eu-west-1")},
	})
	line := pipeline.New(stack, "Line", &pipeline.Props{
		Source:  stages.GitHub("acme/shop", stages.GitOptions{ConnectionArn: "arn:aws:codeconnections:eu-west-1:123456789012:connection/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"}),
		App:     teamApp,
		Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging", Account: "111111111111", Region: "eu-west-1"}},
		Waves: []*stages.Wave{
			{Name: "OneBox", Environments: []stages.Environment{{Name: "OneBox", Account: "222222222222", Region: "eu-west-1"}},
				Gate: stages.Gate{BakeTime: time.Hour, AnalysisWindow: 30 * time.Minute}},
			{Name: "Production", Environments: []stages.Environment{
				{Name: "EU", Account: "333333333333", Region: "eu-west-1"},
				{Name: "US", Account: "333333333333", Region: "us-east-1"},
			}},
		},
	})
	for _, s := range *line.Pipeline.Stages() {
		fmt.Println(*s.StageName())
	}
	// Output:
	// Source
	// Build
	// UpdatePipeline
	// Assets
	// Staging
	// OneBox
	// Production
}
