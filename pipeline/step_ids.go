package pipeline

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/velocity-cdk/velocity/stages"
)

// uniqueStepIDs checks that no two steps of a stage share an id, the team's
// and the line's own (AcceptanceTests, PermissionsCheck) alike: CDK
// Pipelines would fail on the second with a construct-name clash deep in
// jsii.
func uniqueStepIDs(stage string, lists ...[]pipelines.Step) error {
	var ps stages.Problems
	seen := map[string]bool{}
	for _, list := range lists {
		for _, s := range list {
			id := *s.Id()
			if seen[id] {
				ps.Add(stage, id, "a step id that no other step of "+stage+" uses; "+builtIn(id)+"rename the team's step")
			}
			seen[id] = true
		}
	}
	return ps.Err()
}

// builtIn says which of the line's own steps has id, if one does.
func builtIn(id string) string {
	switch {
	case id == "AcceptanceTests":
		return "the line's acceptance tests are AcceptanceTests: "
	case strings.HasPrefix(id, "PermissionsCheck"):
		return "the line's permissions checks are PermissionsCheck[-<environment>]: "
	}
	return ""
}
