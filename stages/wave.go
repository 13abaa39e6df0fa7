package stages

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
)

// Wave is one step of a production rollout: the app is deployed to all of
// its environments (accounts and/or regions) at the same time, and the wave
// must pass its gate (bake time over each environment's alarms) before the
// next wave starts. Waves are production: termination protection, rollback
// and the permissions-broadening check are on unless turned off.
type Wave struct {
	// Name names the wave's pipeline stage, e.g. "Production-EU". (A wave
	// of one environment is a stage named after that environment: CDK
	// Pipelines names it so.)
	Name string
	// Environments are deployed in parallel; at most 5 (a CodePipeline
	// condition holds at most 5 rules, one per environment's alarms).
	Environments []Environment
	// Pre runs before the wave's deploys, Post after all of them.
	Pre, Post []pipelines.Step
	// PostWithOutputs, when set, returns more post steps for each
	// environment once its stage's stacks exist, given their CfnOutputs
	// by construct id (see Deploy.PostWithOutputs). They run after that
	// environment's deploy; in a wave of several environments the actions
	// are named Environment.Id, so each environment may use the same ids.
	PostWithOutputs func(outputs Outputs) []pipelines.Step
	// TerminationProtection for the wave's stacks. Default: on.
	TerminationProtection Setting
	// Gate holds the wave's bake time (default 15 minutes), rollback
	// (default on) and deployment window.
	Gate
}

// maxConditionRules is the most rules a CodePipeline condition holds.
const maxConditionRules = 5

// maxWaveEnvironments: the bake condition holds one rule per environment.
const maxWaveEnvironments = maxConditionRules

// Validate reports every invalid setting of the wave, joined into one
// error (nil when there is none; errors.As finds each Problem).
func (w *Wave) Validate() error {
	var ps Problems
	if !validName(w.Name) {
		ps.Add("Name", w.Name, "a name of letters, digits and hyphens starting with a letter, at most 50 characters, e.g. \"Production-EU\"")
	}
	if len(w.Environments) == 0 {
		ps.Add("Environments", "[]", "at least one environment: an empty wave deploys nothing")
	}
	if len(w.Environments) > maxWaveEnvironments {
		ps.Add("Environments", fmt.Sprintf("%d environments", len(w.Environments)), "at most 5 environments per wave; split it into more waves")
	}
	if n := w.Gate.entryRules(len(w.Environments)); len(w.Environments) <= maxWaveEnvironments && n > maxConditionRules {
		ps.Add("Environments", fmt.Sprintf("%d environments", len(w.Environments)),
			"at most 4 environments in a wave with a Window and the entry gate (a CodePipeline condition holds at most 5 rules: the window and one per environment's alarm); split the wave, or set EntryWait to stages.NoEntryGate")
	}
	for i, env := range w.Environments {
		var eps Problems
		env.validate(&eps)
		ps.Nest(fmt.Sprintf("Environments[%d]", i), eps)
	}
	validateRollout(&ps, w.Pre, w.Post, w.TerminationProtection, w.Gate)
	return ps.Err()
}

// PostSteps returns the post steps of one environment's stage: those
// PostWithOutputs returns for it (none without PostWithOutputs).
func (w *Wave) PostSteps(stage awscdk.Stage) ([]pipelines.Step, error) {
	steps, ps := postSteps(w.Post, w.PostWithOutputs, stage)
	if len(ps) > 0 {
		return nil, ps.Err()
	}
	return steps[len(w.Post):], nil
}
