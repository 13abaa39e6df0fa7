package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/stages"
)

// SecurityProjects returns the CodeBuild projects of the line's security
// checks by check: escape hatches, for example to add permissions a custom
// check needs. Checks that do not run are absent.
func (l *AssemblyLine) SecurityProjects() map[stages.CheckKind]awscodebuild.PipelineProject {
	out := map[stages.CheckKind]awscodebuild.PipelineProject{}
	scope := l.Node().TryFindChild(jsii.String(stages.SecurityScope))
	if scope == nil {
		return out
	}
	for _, check := range stages.CheckKinds {
		if c := scope.Node().TryFindChild(jsii.String(string(check))); c != nil {
			if p, ok := c.(awscodebuild.PipelineProject); ok {
				out[check] = p
			}
		}
	}
	return out
}
