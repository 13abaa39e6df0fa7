package serverless_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/serverless"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

func TestNagClean(t *testing.T) {
	app := awscdk.NewApp(nil)
	nag := cdktest.Nag()
	awscdk.Aspects_Of(app).Add(nag, nil)
	stack := serverless.NewPipelineStack(app, "VelocityServerless", nag)
	line := stack.Node().FindChild(jsii.String("Line")).(*pipeline.AssemblyLine)
	all := append([]awscdk.Stack{stack}, append(stages.Stacks(line.Staging), stages.Stacks(line.Production)...)...)
	if len(all) != 3 {
		t.Fatalf("%d stacks, want 3", len(all))
	}
	if errs := cdktest.NagErrors(t, all...); len(errs) > 0 {
		t.Errorf("%d cdk-nag errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}
