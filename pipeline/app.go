package pipeline

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/velocity-cdk/velocity/internal/problem"
	"github.com/velocity-cdk/velocity/stages"
)

// buildStage calls the team's App for one environment and checks what it
// returns: a stage created in the line's scope with the id it was given,
// so that each environment gets a stage of its own where CDK Pipelines
// looks for it. A panic in App (the team's code, or aws-cdk-lib refusing
// something in it) is reported as a problem that names App and the
// environment, with the panic's first line and no stack dump.
func (l *AssemblyLine) buildStage(p Props, envProp string, env stages.Environment) (stage awscdk.Stage, want string) {
	where := envProp
	if env.Name != envProp {
		where += " (" + env.Name + ")"
	}
	defer func() {
		if r := recover(); r != nil {
			stage, want = nil, fmt.Sprintf("App to build the stage for %s without a panic; it panicked: %s", where, problem.PanicMessage(r))
		}
	}()
	stage = p.App(l, env.Name, env)
	if stage == nil {
		return nil, "App to return the awscdk.Stage it created for " + where
	}
	path := *l.Node().Path() + "/" + env.Name
	if got := *stage.Node().Path(); got != path {
		return nil, fmt.Sprintf("App to create the stage for %s in the scope it is given, with the id it is given (%s), not at %s", where, path, got)
	}
	return stage, ""
}
