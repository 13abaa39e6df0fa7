// Command floor is the floor of the synth benchmark (benchmarks/synth.sh):
// the smallest useful Go CDK app, one stack with one S3 bucket. Its synth
// time is what any Go CDK app pays before it builds anything: starting the
// jsii runtime (Node.js), loading aws-cdk-lib, and writing a cloud assembly.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Floor"), nil)
	awss3.NewBucket(stack, jsii.String("Bucket"), nil)
	app.Synth(nil)
}
