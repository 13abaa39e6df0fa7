package stages

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// Environment is one place the app is deployed to.
type Environment struct {
	// Name names the environment everywhere: the CDK stage, the pipeline
	// stage and the prefix of its CloudFormation stack names. Letters,
	// digits and hyphens, starting with a letter, at most 50 characters.
	Name string
	// Account is the 12-digit AWS account. Default: the pipeline's account.
	Account string
	// Region is the AWS region, e.g. "eu-west-1". Default: the pipeline's
	// region.
	Region string
}

// Env returns the environment as a CDK environment; unset fields stay
// unset, so the stacks are deployed where the pipeline is.
func (e Environment) Env() *awscdk.Environment {
	env := &awscdk.Environment{}
	if e.Account != "" {
		env.Account = &e.Account
	}
	if e.Region != "" {
		env.Region = &e.Region
	}
	return env
}

func (e Environment) validate(ps *Problems) {
	if !validName(e.Name) {
		ps.Add("Name", e.Name, "a name of letters, digits and hyphens starting with a letter, at most 50 characters, e.g. \"Staging\"")
	}
	if e.Account != "" && !accountPattern.MatchString(e.Account) {
		ps.Add("Account", e.Account, "a 12-digit AWS account ID")
	}
	if e.Region != "" && !knownRegion(e.Region) {
		ps.Add("Region", e.Region, fmt.Sprintf(`an AWS region, such as "eu-west-1" (aws-cdk-lib knows %d; this is none of them)`, len(knownRegions)))
	}
}

// StageFunc builds the team's application for one environment: it creates
// an awscdk.Stage under scope with the given id (pass env.Env() to it) and
// adds the app's stacks. The line calls it once per environment, so staging
// and production run the same code.
type StageFunc func(scope constructs.Construct, id string, env Environment) awscdk.Stage

// Deploy is a deploy step of the line: step 3 (staging), or step 5
// (production) to one environment. CDK Pipelines deploys the stage's stacks
// in dependency order, one CloudFormation action per stack. A production
// Deploy is a rollout of one wave of one environment (see Wave): the line
// plans, checks, gates and monitors it as such.
type Deploy struct {
	Environment
	// Pre runs before the stacks are deployed, for example a check.
	Pre []pipelines.Step
	// Post runs after the stacks are deployed, in parallel with the other
	// post steps; any failure stops the line.
	Post []pipelines.Step
	// PostWithOutputs, when set, returns more post steps once the stage's
	// stacks exist, given their CfnOutputs by construct id: the way for a
	// step to read what the stage deployed, for example a load test that
	// needs the Endpoint through pipelines.ShellStepProps.EnvFromCfnOutputs
	// (the acceptance tests get every output without it).
	PostWithOutputs func(outputs Outputs) []pipelines.Step
	// TerminationProtection turns CloudFormation termination protection on
	// or off for every stack of the stage. Default: on in production, off
	// in staging.
	TerminationProtection Setting
	// Gate holds the bake time, alarm gate, rollback and deployment
	// windows of the stage.
	Gate
}

// Wave returns the production rollout that deploys d: one wave, named
// after the environment, of that one environment.
func (d *Deploy) Wave() *Wave {
	return &Wave{Name: d.Name, Environments: []Environment{d.Environment}, Pre: d.Pre, Post: d.Post,
		PostWithOutputs: d.PostWithOutputs, TerminationProtection: d.TerminationProtection, Gate: d.Gate}
}

// Outputs are the CfnOutputs of a deployed stage, by construct id.
type Outputs map[string]awscdk.CfnOutput

// StageOutputs returns the CfnOutputs of the stage's stacks by construct id.
func StageOutputs(stage awscdk.Stage) Outputs { return cfnOutputs(stage) }

// PostSteps returns Post and, with PostWithOutputs, the steps it returns
// for stage, checked like Post.
func (d *Deploy) PostSteps(stage awscdk.Stage) ([]pipelines.Step, error) {
	steps, ps := postSteps(d.Post, d.PostWithOutputs, stage)
	return steps, ps.Err()
}

// postSteps returns post and the steps more returns for stage, or post
// alone with the problems of the steps more returns.
func postSteps(post []pipelines.Step, more func(Outputs) []pipelines.Step, stage awscdk.Stage) ([]pipelines.Step, Problems) {
	if more == nil {
		return post, nil
	}
	var ps Problems
	extra, panicked := callPostWithOutputs(more, stage)
	if panicked != "" {
		ps.Add("PostWithOutputs", *stage.StageName(), "a function that returns the post steps without a panic; it panicked: "+panicked)
		return post, ps
	}
	validateSteps(&ps, namedSteps{"Post", post}, namedSteps{"PostWithOutputs", extra})
	if len(ps) > 0 {
		return post, ps // synth fails with the problems; nothing invalid reaches CDK Pipelines
	}
	return append(append([]pipelines.Step{}, post...), extra...), nil
}

// callPostWithOutputs calls the team's function with the stage's outputs,
// and returns the first line of its panic, if it panics: a step built from
// an output the stage does not have (a nil CfnOutput) panics in jsii.
func callPostWithOutputs(more func(Outputs) []pipelines.Step, stage awscdk.Stage) (steps []pipelines.Step, panicked string) {
	defer func() {
		if r := recover(); r != nil {
			outputs := sortedKeys(StageOutputs(stage))
			steps, panicked = nil, problem.PanicMessage(r)+" (the stage's outputs are "+strings.Join(outputs, ", ")+")"
		}
	}()
	return more(StageOutputs(stage)), ""
}

// Validate reports every invalid setting of the deploy step, joined into
// one error (nil when there is none; errors.As finds each Problem).
func (d *Deploy) Validate() error {
	var ps Problems
	d.Environment.validate(&ps)
	validateRollout(&ps, d.Pre, d.Post, d.TerminationProtection, d.Gate)
	return ps.Err()
}

// validateRollout checks the settings every deploy stage has, staging,
// production or a wave.
func validateRollout(ps *Problems, pre, post []pipelines.Step, protection Setting, gate Gate) {
	gate.validate(ps)
	protection.validate("TerminationProtection", ps)
	validateSteps(ps, namedSteps{"Pre", pre}, namedSteps{"Post", post})
}

// namedSteps is a list of steps and the prop that holds it.
type namedSteps struct {
	prop  string
	steps []pipelines.Step
}

// validateSteps checks that steps are non-nil and have valid ids, unique
// across all the lists.
func validateSteps(ps *Problems, lists ...namedSteps) {
	seen := map[string]bool{}
	for _, list := range lists {
		for i, s := range list.steps {
			prop := fmt.Sprintf("%s[%d]", list.prop, i)
			if s == nil {
				ps.Add(prop, "nil", "a pipelines.Step")
				continue
			}
			id := *s.Id()
			if !validActionName(id) {
				ps.Add(prop, id, "a step id of letters, digits and . @ _ - (it names a CodePipeline action)")
			}
			if seen[id] {
				ps.Add(prop, id, "a step id unique within the stage")
			}
			seen[id] = true
		}
	}
}

// Stacks returns the stacks of stage (nested stacks included), in
// construct tree order. It tells stacks by their Go type, which needs no
// round trip to the jsii kernel (awscdk.Stack_IsStack would be one per
// construct).
func Stacks(stage awscdk.Stage) []awscdk.Stack {
	var stacks []awscdk.Stack
	for _, c := range *stage.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if s, ok := c.(awscdk.Stack); ok {
			stacks = append(stacks, s)
		}
	}
	return stacks
}
