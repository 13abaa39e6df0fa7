// Package validated synthesizes the default example with aws-cdk-lib's
// template validator on (the other test packages turn it off for speed), so
// a template CloudFormation would reject fails the tests, not a deploy.
package validated

import (
	"os"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/serverless"
	"github.com/velocity-cdk/velocity/internal/cdktest"
)

func TestMain(m *testing.M) {
	os.Setenv("CDK_VALIDATION", "true")
	cdktest.Main(m)
}

func TestDefaultExampleValidates(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir: jsii.String(t.TempDir()),
		// Findings of the validator are errors, not warnings.
		Context: &map[string]interface{}{"@aws-cdk/core:validateAgainstDefaultRules": true},
	})
	serverless.NewPipelineStack(app, "VelocityServerless")
	cdktest.Check(t, func() { app.Synth(nil) })
}
