package criticalpath

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Figure is one duration of the lead-time model and where it comes from:
// a published measurement, or a stated assumption where none exists.
type Figure struct {
	// Name says what the figure is, for the table of figures.
	Name string
	// Seconds is the duration.
	Seconds float64
	// Source cites the measurement, or says "assumption:" and why.
	Source string
}

// The figures of the model. Every line pays the same figure for the same
// kind of action, so the comparison depends on the pipelines' shapes, not
// on the figures' precision.
var (
	// CodeBuildStart is the time from a CodeBuild action's start to its
	// first command: queueing, provisioning, source download.
	CodeBuildStart = Figure{"CodeBuild job start", CodeBuildStartup,
		"aws-cdk#14158 (about 20 s of provisioning per job in a pipeline); cloudonaut.io, \"Migrating CodePipeline to GitHub Actions\" (2022), measured 60 s of queueing plus 10 s of provisioning, and aws-codebuild-docker-images#526 more than 90 s per run: 20 s is the lowest published figure"}
	// SelfMutationWork is the self-mutation job's own work when the
	// pipeline is unchanged: installing the CDK CLI, then `cdk deploy` of
	// the pipeline stack, which publishes its assets and finds no change.
	SelfMutationWork = Figure{"self-mutation work (pipeline unchanged)", 60,
		"assumption: no published figure; about 20 s for `npm install -g aws-cdk` and 40 s for a `cdk deploy` that finds nothing to change"}
	// AssetPublishingWork is an asset job's own work: installing
	// cdk-assets and uploading the asset.
	AssetPublishingWork = Figure{"asset publishing work", 15,
		"assumption: no published figure; `npm install` of cdk-assets and one S3 upload of a few MB"}
	// PermissionsCheckWork is the permissions-broadening check's own work:
	// installing the CDK CLI and running `cdk diff --security-only`.
	PermissionsCheckWork = Figure{"permissions check work", 40,
		"assumption: no published figure; `npm install -g aws-cdk` and one `cdk diff` against the deployed production stacks"}
	// ChangeSetCreation is CloudFormation creating a change set, the step
	// CDK Pipelines' default (UseChangeSets) runs before each deploy.
	ChangeSetCreation = Figure{"change set creation", 15,
		"assumption: no published figure; CloudFormation's CreateChangeSet for a stack of tens of resources"}
	// AutoApproval is CDK Pipelines' auto-approve function confirming a
	// permissions check that found nothing to review.
	AutoApproval = Figure{"automatic approval of a clean permissions check", 5,
		"assumption: one Lambda invocation and PutApprovalResult"}
	// ConditionCheck is CodePipeline evaluating an entry condition: a
	// stage it skips costs this and nothing else, a stage it lets in (an
	// environment whose gate alarm is OK, a deploy window that is open)
	// costs this before its actions.
	ConditionCheck = Figure{"entry condition check (VariableCheck; CloudWatchAlarm on a healthy environment)", 5,
		"assumption: no published figure for rule evaluation"}
	// StageTransition is CodePipeline moving an execution to the next
	// stage.
	StageTransition = Figure{"stage transition", 2,
		"assumption: no published figure; CodePipeline's transitions are not metered"}

	// The team's own work, the same in both lines: it is not overhead, but
	// it decides which of two parallel actions is the slower one.
	TeamSynthWork = Figure{"the team's synth (compile, `cdk synth`)", 60,
		"assumption: a small service"}
	TeamTestWork = Figure{"the team's static analysis and unit tests", 120,
		"assumption: a small service; the default example's Build job, both parts, takes about 3 minutes under `velocity local`"}
	TeamAcceptanceWork = Figure{"the team's acceptance tests", 60,
		"assumption: a small suite against one endpoint"}
	TeamDeployWork = Figure{"the team's CloudFormation deploy of one stage", 120,
		"assumption: an update of a stack of tens of resources, a Lambda function or an ECS service among them"}
)

// Figures lists the model's figures, for BENCHMARKS.md.
func Figures() []Figure {
	return []Figure{CodeBuildStart, SelfMutationWork, AssetPublishingWork, PermissionsCheckWork, ChangeSetCreation, AutoApproval, ConditionCheck, StageTransition,
		TeamSynthWork, TeamTestWork, TeamAcceptanceWork, TeamDeployWork}
}

// Scenario is what changed in the commit the model follows.
type Scenario struct {
	// PipelineChanged: the commit changes the pipeline itself, so every
	// line updates itself; otherwise a stage that runs only when the
	// pipeline changed is skipped.
	PipelineChanged bool
}

// AppChangeOnly is the common case: a change to the app's code only,
// which changes an asset and not the pipeline.
var AppChangeOnly = Scenario{}

// Estimate is the modeled lead time of one commit through a pipeline. Its
// fixed overhead is the lead time less the team's own work on the critical
// path (its build, tests and CloudFormation deploys, the same in every
// line), bake times and waits for a person apart.
type Estimate struct {
	// LeadTime is the critical path in seconds, bake times and waits for a
	// person apart.
	LeadTime float64
	// Overhead is the part of LeadTime that is not the team's own work.
	Overhead float64
	// CodeBuildJobs is the number of CodeBuild jobs on the critical path.
	CodeBuildJobs int
	// BakeMinutes is the bake time of the stages' OnSuccess alarm rules,
	// listed apart: it is the time the line watches a deploy on purpose.
	BakeMinutes float64
	// Approvals counts the steps that wait for a person.
	Approvals int
	// Path names the steps of the critical path with their seconds.
	Path []string
}

// LeadTime models the lead time of a commit in scenario through the one
// CodePipeline in template. Stages run one after the other; in a stage, run
// orders one after the other, and the actions of a run order in parallel,
// so a run order takes as long as its slowest action.
func LeadTime(template map[string]interface{}, scenario Scenario) (Estimate, error) {
	stages, err := pipelineStages(template)
	if err != nil {
		return Estimate{}, err
	}
	var e Estimate
	docker := buildHasDocker(template, stages)
	for i, s := range stages {
		stage, _ := s.(map[string]interface{})
		name, _ := stage["Name"].(string)
		if i > 0 {
			e.Overhead += StageTransition.Seconds
			e.LeadTime += StageTransition.Seconds
		}
		if skipped(stage, scenario, docker) {
			e.Overhead += ConditionCheck.Seconds
			e.LeadTime += ConditionCheck.Seconds
			e.Path = append(e.Path, fmt.Sprintf("%s skipped (%gs)", name, ConditionCheck.Seconds))
			continue
		}
		if len(rulesOf(stage, "BeforeEntry", "")) > 0 {
			e.Overhead += ConditionCheck.Seconds
			e.LeadTime += ConditionCheck.Seconds
			e.Path = append(e.Path, fmt.Sprintf("%s entry check (%gs)", name, ConditionCheck.Seconds))
		}
		e.BakeMinutes += bakeMinutes(stage)
		orders := runOrders(stage)
		testsBeside := false
		for _, order := range orders {
			for _, a := range order {
				testsBeside = testsBeside || a.name == "UnitTests"
			}
		}
		for _, order := range orders {
			var slowest cost
			slowestName, approvals, bake := "", 0, 0.0
			for _, a := range order {
				c := actionCost(name, a, testsBeside)
				bake = max(bake, c.bake)
				if c.total() > slowest.total() || slowestName == "" {
					slowest, slowestName = c, a.name
				}
				if c.approval {
					approvals = 1
				}
			}
			e.LeadTime += slowest.total()
			e.Overhead += slowest.overhead
			if slowest.job {
				e.CodeBuildJobs++
			}
			e.Approvals += approvals
			e.BakeMinutes += bake / 60
			e.Path = append(e.Path, fmt.Sprintf("%s/%s (%gs, %gs overhead)", name, slowestName, slowest.total(), slowest.overhead))
		}
	}
	return e, nil
}

func pipelineStages(template map[string]interface{}) ([]interface{}, error) {
	resources, _ := template["Resources"].(map[string]interface{})
	var found []interface{}
	pipelines := 0
	for _, r := range resources {
		res, _ := r.(map[string]interface{})
		if res["Type"] == "AWS::CodePipeline::Pipeline" {
			pipelines++
			props, _ := res["Properties"].(map[string]interface{})
			found, _ = props["Stages"].([]interface{})
		}
	}
	if pipelines != 1 {
		return nil, fmt.Errorf("criticalpath: %d pipelines in the template, want 1", pipelines)
	}
	return found, nil
}

// rulesOf returns the rules of the stage's conditions in slot
// ("BeforeEntry", "OnSuccess"), of those whose result is result, or of all
// when result is "".
func rulesOf(stage map[string]interface{}, slot, result string) []map[string]interface{} {
	var out []map[string]interface{}
	entry, _ := stage[slot].(map[string]interface{})
	conditions, _ := entry["Conditions"].([]interface{})
	for _, c := range conditions {
		condition, _ := c.(map[string]interface{})
		if result != "" && condition["Result"] != result {
			continue
		}
		rules, _ := condition["Rules"].([]interface{})
		for _, r := range rules {
			rule, _ := r.(map[string]interface{})
			out = append(out, rule)
		}
	}
	return out
}

// skipped says whether the stage's entry condition skips it in scenario.
// The line's UpdatePipeline stage checks a variable that says the pipeline
// changed; its Assets stage one that says the Build job published the
// assets, which it does unless the app has container images and the Build
// job has no Docker daemon (buildDocker).
func skipped(stage map[string]interface{}, scenario Scenario, buildDocker bool) bool {
	for _, rule := range rulesOf(stage, "BeforeEntry", "SKIP") {
		typ, _ := rule["RuleTypeId"].(map[string]interface{})
		config, _ := rule["Configuration"].(map[string]interface{})
		variable, _ := config["Variable"].(string)
		switch {
		case typ["Provider"] != "VariableCheck":
		case strings.Contains(variable, "PIPELINE_CHANGED"):
			return !scenario.PipelineChanged
		case strings.Contains(variable, "ASSETS_PUBLISHED"):
			return buildDocker || !publishesImages(stage)
		}
	}
	return false
}

// buildHasDocker says whether the Build stage's Build action runs on a
// CodeBuild project in privileged mode, which has a Docker daemon.
func buildHasDocker(template map[string]interface{}, stages []interface{}) bool {
	resources, _ := template["Resources"].(map[string]interface{})
	for _, s := range stages {
		stage, _ := s.(map[string]interface{})
		if stage["Name"] != "Build" {
			continue
		}
		actions, _ := stage["Actions"].([]interface{})
		for _, a := range actions {
			action, _ := a.(map[string]interface{})
			config, _ := action["Configuration"].(map[string]interface{})
			ref, _ := config["ProjectName"].(map[string]interface{})
			name, _ := ref["Ref"].(string)
			if action["Name"] != "Build" || name == "" {
				continue
			}
			project, _ := resources[name].(map[string]interface{})
			props, _ := project["Properties"].(map[string]interface{})
			env, _ := props["Environment"].(map[string]interface{})
			privileged, _ := env["PrivilegedMode"].(bool)
			return privileged
		}
	}
	return false
}

// publishesImages says whether an Assets stage has a container image job.
func publishesImages(stage map[string]interface{}) bool {
	actions, _ := stage["Actions"].([]interface{})
	for _, a := range actions {
		action, _ := a.(map[string]interface{})
		if name, _ := action["Name"].(string); strings.Contains(name, "Docker") || strings.Contains(name, "Image") {
			return true
		}
	}
	return false
}

// bakeMinutes is the longest wait of the stage's OnSuccess alarm rules.
func bakeMinutes(stage map[string]interface{}) float64 {
	longest := 0.0
	for _, rule := range rulesOf(stage, "OnSuccess", "") {
		config, _ := rule["Configuration"].(map[string]interface{})
		if w, ok := config["WaitTime"].(string); ok {
			if m, err := strconv.ParseFloat(w, 64); err == nil && m > longest {
				longest = m
			}
		}
	}
	return longest
}

// pipelineAction is what the model reads of one action.
type pipelineAction struct {
	name, category, provider, mode string
	// analysisMinutes is the window of a canary analysis action.
	analysisMinutes float64
}

// analysisWindow finds the windowMinutes of a canary analysis action's
// UserParameters (a JSON string, or one CloudFormation joins).
var analysisWindow = regexp.MustCompile(`windowMinutes\\?":\s*(\d+)`)

// runOrders returns the stage's actions grouped by run order, in order.
func runOrders(stage map[string]interface{}) [][]pipelineAction {
	actions, _ := stage["Actions"].([]interface{})
	byOrder := map[int][]pipelineAction{}
	for _, a := range actions {
		action, _ := a.(map[string]interface{})
		order := 1
		if ro, ok := action["RunOrder"].(float64); ok {
			order = int(ro)
		}
		typ, _ := action["ActionTypeId"].(map[string]interface{})
		config, _ := action["Configuration"].(map[string]interface{})
		pa := pipelineAction{}
		pa.name, _ = action["Name"].(string)
		pa.category, _ = typ["Category"].(string)
		pa.provider, _ = typ["Provider"].(string)
		pa.mode, _ = config["ActionMode"].(string)
		if raw, err := json.Marshal(config["UserParameters"]); err == nil {
			if m := analysisWindow.FindSubmatch(raw); m != nil {
				pa.analysisMinutes, _ = strconv.ParseFloat(string(m[1]), 64)
			}
		}
		byOrder[order] = append(byOrder[order], pa)
	}
	var orders []int
	for o := range byOrder {
		orders = append(orders, o)
	}
	sort.Ints(orders)
	out := make([][]pipelineAction, len(orders))
	for i, o := range orders {
		out[i] = byOrder[o]
	}
	return out
}

// cost is what one action adds to the lead time: its overhead, the
// team's own work, and whether it is a CodeBuild job or waits for a person.
type cost struct {
	overhead, work float64
	// bake is a wait on purpose, listed apart: the canary analysis window.
	bake          float64
	job, approval bool
}

func (c cost) total() float64 { return c.overhead + c.work }

// actionCost models one action. The line's own jobs are told by the names
// CDK Pipelines gives them; testsBeside says that the stage runs the unit
// tests in a job of their own (Velocity's UnitTests), beside a Build job
// that synthesizes and publishes the assets.
func actionCost(stage string, a pipelineAction, testsBeside bool) cost {
	start := CodeBuildStart.Seconds
	switch a.provider {
	case "CodeBuild":
		switch {
		case a.name == "SelfMutate":
			return cost{overhead: start + SelfMutationWork.Seconds, job: true}
		case stage == "Assets":
			return cost{overhead: start + AssetPublishingWork.Seconds, job: true}
		case strings.HasPrefix(a.name, "PermissionsCheck") || strings.HasSuffix(a.name, "SecurityCheck"):
			return cost{overhead: start + PermissionsCheckWork.Seconds, job: true}
		case stage == "Build" && a.name == "UnitTests":
			return cost{overhead: start, work: TeamTestWork.Seconds, job: true}
		case stage == "Build" && (a.name == "Build" || a.name == "Synth") && testsBeside:
			return cost{overhead: start + AssetPublishingWork.Seconds, work: TeamSynthWork.Seconds, job: true}
		case stage == "Build" && (a.name == "Build" || a.name == "Synth"):
			return cost{overhead: start, work: TeamSynthWork.Seconds + TeamTestWork.Seconds, job: true}
		case a.category == "Test" || stage == "Build":
			// The security checks beside the build: static analysis, the
			// team's build work, shorter than the build itself.
			return cost{overhead: start, job: true}
		}
		// The team's tests after a deploy.
		return cost{overhead: start, work: TeamAcceptanceWork.Seconds, job: true}
	case "CloudFormation":
		if a.mode == "CHANGE_SET_REPLACE" {
			return cost{overhead: ChangeSetCreation.Seconds}
		}
		return cost{work: TeamDeployWork.Seconds}
	case "Lambda":
		if strings.HasPrefix(a.name, "CanaryAnalysis") {
			return cost{bake: a.analysisMinutes * 60}
		}
		return cost{}
	case "Manual":
		if strings.HasPrefix(a.name, "PermissionsCheck") || strings.HasSuffix(a.name, "SecurityCheck") {
			return cost{overhead: AutoApproval.Seconds} // approved by CDK Pipelines when nothing broadens
		}
		return cost{approval: true}
	}
	return cost{} // the source: the same trigger in every line
}
