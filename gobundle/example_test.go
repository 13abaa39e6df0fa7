package gobundle_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/gobundle"
)

// A Go Lambda function built at synth with the local Go toolchain: no
// Docker. The package path is relative to the root of the app's Go module,
// or an import path of one of its dependencies.
func ExampleCode() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Service"), nil)
	awslambda.NewFunction(stack, jsii.String("Handler"), &awslambda.FunctionProps{
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(), // what Code builds for
		Handler:      jsii.String("bootstrap"),
		Code:         gobundle.Code("./cmd/lambda"),
	})
}
