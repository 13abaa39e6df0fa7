// Command examples is the CDK app behind the repository's cdk.json: it
// synthesizes one of Velocity's example lines, chosen with
// `-c example=serverless` (the default), `-c example=containers` (on
// AWS Fargate; `-c capacity=ec2` for an ECS cluster of EC2 instances) or
// `-c example=ec2`.
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/containers"
	"github.com/velocity-cdk/velocity/examples/ec2"
	"github.com/velocity-cdk/velocity/examples/serverless"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	example, _ := app.Node().TryGetContext(jsii.String("example")).(string)
	capacity, _ := app.Node().TryGetContext(jsii.String("capacity")).(string)
	if capacity != "" && example != "containers" {
		fmt.Fprintf(os.Stderr, "-c capacity=%s is a setting of -c example=containers only\n", capacity)
		os.Exit(1)
	}
	switch example {
	case "", "serverless":
		serverless.NewPipelineStack(app, "VelocityServerless")
	case "containers":
		c, err := containers.ParseCapacity(capacity)
		if err != nil {
			fmt.Fprintln(os.Stderr, "-c capacity: "+err.Error())
			os.Exit(1)
		}
		containers.NewPipelineStackOn(app, "VelocityContainers", c)
	case "ec2":
		ec2.NewPipelineStack(app, "VelocityEc2")
	default:
		fmt.Fprintf(os.Stderr, "unknown example %q: want serverless, containers or ec2\n", example)
		os.Exit(1)
	}
	app.Synth(nil)
}
