// Package criticalpath measures the critical path of a synthesized
// CodePipeline: the actions that run one after the other from source to
// production. Stages run in sequence; inside a stage, actions with the same
// run order run in parallel, and run orders run in sequence.
package criticalpath

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
	stages, err := pipelineStages(template)
	if err != nil {
		return Path{}, err
	}
	path := Path{Stages: len(stages)}
	resources, _ := template["Resources"].(map[string]interface{})
	for _, r := range resources {
		if res, _ := r.(map[string]interface{}); res["Type"] == "AWS::CodeBuild::Project" {
			path.CodeBuildProjects++
		}
	}
	for _, s := range stages {
		stage, _ := s.(map[string]interface{})
		for _, order := range runOrders(stage) {
			providers := map[string]bool{}
			waits := 0
			for _, a := range order {
				providers[a.provider] = true
				if a.analysisMinutes > 0 {
					waits++
				}
			}
			// A run order of canary analyses only is a wait on purpose,
			// like the bake after it: the lead-time model lists both apart.
			if waits < len(order) {
				path.Steps++
			}
			if providers["CodeBuild"] {
				path.CodeBuildJobs++
			}
			if providers["CloudFormation"] {
				path.CloudFormationActions++
			}
			if providers["Manual"] {
				path.ManualSteps++
			}
		}
	}
	return path, nil
}
