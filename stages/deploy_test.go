package stages_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/stages"
)

// teamStack is a stack type of a team's own: a Go struct that extends
// awscdk.Stack (the jsii runtime wants at least one method of its own).
type teamStack struct {
	awscdk.Stack
}

func (s *teamStack) ToString() *string { return s.Node().Path() }

func newTeamStack(scope constructs.Construct, id string) *teamStack {
	s := &teamStack{}
	awscdk.NewStack_Override(s, scope, jsii.String(id), nil)
	return s
}

func TestStacksFindsEveryKindOfStackInTreeOrder(t *testing.T) {
	app := awscdk.NewApp(nil)
	stage := awscdk.NewStage(app, jsii.String("Staging"), nil)
	api := awscdk.NewStack(stage, jsii.String("Api"), nil)
	awss3.NewBucket(api, jsii.String("Bucket"), nil)
	awscdk.NewNestedStack(api, jsii.String("Nested"), nil)
	newTeamStack(stage, "Team")
	constructs.NewConstruct(stage, jsii.String("NotAStack"))

	var ids []string
	for _, s := range stages.Stacks(stage) {
		ids = append(ids, *s.Node().Id())
	}
	if got, want := strings.Join(ids, " "), "Api Nested Team"; got != want {
		t.Errorf("Stacks: got %q, want %q", got, want)
	}
}
