// Package criticalpath measures the critical path of a synthesized
// CodePipeline: the actions that run one after the other from source to
// production. Stages run in sequence; inside a stage, actions with the same
// run order run in parallel, and run orders run in sequence.
package criticalpath

import (
	"fmt"
	"sort"
)

// CodeBuildStartup is the published fixed cost of starting one CodeBuild
// job in a pipeline: about 20 seconds of provisioning before the first
// command runs (aws-cdk issue #14158, "CDK Pipelines: each CodeBuild action
// takes ~20s to start").
const CodeBuildStartup = 20 // seconds

// Path is what a pipeline's critical path holds.
type Path struct {
	// Stages is the number of stages.
	Stages int
	// Steps is the number of sequential steps: one per run order of each
	// stage (parallel actions count once).
	Steps int
	// CodeBuildJobs is the number of steps that run at least one CodeBuild
	// job: jobs that must start one after the other.
	CodeBuildJobs int
	// CloudFormationActions is the number of steps that deploy stacks.
	CloudFormationActions int
	// ManualSteps is the number of steps that wait for a person (or, for the
	// permissions check, for an automatic approval).
	ManualSteps int
	// CodeBuildProjects is the number of CodeBuild projects in the template
	// (each is a resource to create, update and pay attention to).
	CodeBuildProjects int
}

// ModeledOverhead is the fixed cost of the path's CodeBuild jobs, from the
// published per-job startup time; it excludes the work each job does.
func (p Path) ModeledOverhead() int { return p.CodeBuildJobs * CodeBuildStartup }

// Of measures the critical path of the one CodePipeline in template (a
// CloudFormation template as decoded from JSON).
func Of(template map[string]interface{}) (Path, error) {
	resources, _ := template["Resources"].(map[string]interface{})
	var path Path
	pipelines := 0
	for _, r := range resources {
		res, _ := r.(map[string]interface{})
		switch res["Type"] {
		case "AWS::CodeBuild::Project":
			path.CodeBuildProjects++
		case "AWS::CodePipeline::Pipeline":
			pipelines++
			props, _ := res["Properties"].(map[string]interface{})
			stages, _ := props["Stages"].([]interface{})
			path.Stages = len(stages)
			for _, s := range stages {
				addStage(&path, s)
			}
		}
	}
	if pipelines != 1 {
		return Path{}, fmt.Errorf("criticalpath: %d pipelines in the template, want 1", pipelines)
	}
	return path, nil
}

func addStage(path *Path, s interface{}) {
	stage, _ := s.(map[string]interface{})
	actions, _ := stage["Actions"].([]interface{})
	providers := map[int]map[string]bool{}
	for _, a := range actions {
		action, _ := a.(map[string]interface{})
		order := 1
		if ro, ok := action["RunOrder"].(float64); ok {
			order = int(ro)
		}
		typ, _ := action["ActionTypeId"].(map[string]interface{})
		provider, _ := typ["Provider"].(string)
		if providers[order] == nil {
			providers[order] = map[string]bool{}
		}
		providers[order][provider] = true
	}
	var orders []int
	for o := range providers {
		orders = append(orders, o)
	}
	sort.Ints(orders)
	for _, o := range orders {
		path.Steps++
		p := providers[o]
		if p["CodeBuild"] {
			path.CodeBuildJobs++
		}
		if p["CloudFormation"] {
			path.CloudFormationActions++
		}
		if p["Manual"] {
			path.ManualSteps++
		}
	}
}
