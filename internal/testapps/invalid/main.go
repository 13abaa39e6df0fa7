// Command invalid is a CDK app with many mistakes in its line's props. CI
// synthesizes it with the CDK CLI to prove that one `cdk synth` reports every
// problem, each with its construct path, and exits non-zero, with no Go panic
// or jsii stack trace.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Broken"), nil)
	pipeline.New(stack, "Line", &pipeline.Props{
		Source:     stages.GitHub("shop", stages.GitOptions{ConnectionArn: "arn:aws:iam::123456789012:role/x", Branch: "my branch"}),
		Build:      &stages.Build{Job: stages.Job{Env: map[string]string{"DB_PASSWORD": "hunter2"}}},
		Acceptance: &stages.AcceptanceTests{},
		Approval:   &stages.Approval{Emails: []string{"releases-at-example.com"}},
	})
	app.Synth(nil)
}
