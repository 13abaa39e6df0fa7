package stages

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
)

// LineStep is the contract every built-in step of the line keeps besides
// the deploys: it checks its settings, then adds itself to the plan of the
// line. The pipeline package validates every step before it builds
// anything, then hands each the same Plan in line order (source, build,
// acceptance tests, approval, security checks). A new built-in step is
// therefore one file in this package, its settings with Validate and AddTo,
// plus its test, and the Props field that holds it with its entry in the
// pipeline package's list of steps (Props.lineSteps).
type LineStep interface {
	// Validate reports every invalid setting as one error joining a
	// Problem per setting (Problems.Err), nil when all are valid.
	Validate() error
	// AddTo adds the step to the line: it creates its constructs in
	// plan.Scope, fills the parts of the plan it owns, and registers what
	// must wait for the staging stage or for the CodePipeline.
	AddTo(plan *Plan)
}

// Plan is the line while its steps add themselves to it. The pipeline
// package creates it, calls each step's AddTo through Add, and then reads
// it: Synth becomes the CDK Pipelines synth step, StagingPreSteps and
// StagingSteps the steps before and after the staging deploy, and Wire
// runs, with the Built pipeline, what the steps registered with
// OnPipeline.
type Plan struct {
	// Scope is where the steps create their constructs.
	Scope constructs.Construct
	// Line is what the line shares with its steps: key, logs, artifacts.
	Line *Line
	// Source is the source step's output (set by the Source step): the
	// input of the build and of the acceptance tests. (The security checks
	// read the source action's artifact from the built pipeline.)
	Source pipelines.CodePipelineSource
	// Build is the build's settings and Synth its step (set by the Build
	// step): Synth writes the cloud assembly.
	Build *Build
	Synth pipelines.CodeBuildStep
	// PipelineChanged names the variable the Build job exports to tell
	// whether the pipeline changed (PipelineChangedVariable), for the
	// UpdatePipeline stage's entry condition; "" when the line always
	// updates itself.
	PipelineChanged string
	// AssetsPublished names the variable the Build job exports when it
	// has published the stages' file assets itself (AssetsPublishedVariable),
	// for the Assets stage's entry condition; "" when it never does.
	AssetsPublished string

	// prop is the prop of the step being added, for its problems.
	prop         string
	afterStaging []stagingHook
	// beforeStaging are the hooks of steps that run before the staging
	// deploy.
	beforeStaging []stagingHook
	onPipeline    []func(Built)
}

// Built is the line once CDK Pipelines has built its CodePipeline: what
// the steps that wait for it (OnPipeline) add their actions and stages to.
type Built struct {
	// Pipeline is the line's CodePipeline, every stage in place.
	Pipeline awscodepipeline.Pipeline
	// FirstProduction is the pipeline stage of the first production wave;
	// nil when the line ends at staging.
	FirstProduction awscodepipeline.IStage
	// SourceOutput is the artifact the Source stage hands on: every job the
	// line adds to the pipeline takes it as its input. (Read once: each
	// read of an action's properties is some twenty jsii round trips.)
	SourceOutput awscodepipeline.Artifact
}

// NewBuilt returns what the steps see of the built pipeline.
func NewBuilt(pipeline awscodepipeline.Pipeline, firstProduction awscodepipeline.IStage) Built {
	source := (*PipelineStage(pipeline, "Source").Actions())[0].ActionProperties().Outputs
	if source == nil || len(*source) == 0 {
		panic("velocity: the source action has no output artifact")
	}
	return Built{Pipeline: pipeline, FirstProduction: firstProduction, SourceOutput: (*source)[0]}
}

type stagingHook struct {
	prop string
	step func(staging awscdk.Stage) (pipelines.Step, error)
}

// NewPlan returns the plan of a line whose steps create their constructs
// in scope.
func NewPlan(scope constructs.Construct, line *Line) *Plan {
	return &Plan{Scope: scope, Line: line}
}

// Add adds step, set by the prop named prop, to the plan.
func (p *Plan) Add(prop string, step LineStep) {
	p.prop = prop
	step.AddTo(p)
	p.prop = ""
}

// AfterStaging registers a step that runs after the staging deploy, next
// to the other post steps; step gets the deployed stage (to read its
// outputs) and may report problems.
func (p *Plan) AfterStaging(step func(staging awscdk.Stage) (pipelines.Step, error)) {
	p.afterStaging = append(p.afterStaging, stagingHook{p.prop, step})
}

// BeforeStaging registers a step that runs in the staging stage before its
// deploy, before the team's own Staging.Pre steps; step gets the complete
// stage (for example to read its assets) and may report problems, or
// return a nil step to add none.
func (p *Plan) BeforeStaging(step func(staging awscdk.Stage) (pipelines.Step, error)) {
	p.beforeStaging = append(p.beforeStaging, stagingHook{p.prop, step})
}

// OnPipeline registers what a step adds once the CodePipeline is built.
func (p *Plan) OnPipeline(f func(Built)) { p.onPipeline = append(p.onPipeline, f) }

// StagingSteps returns the steps registered with AfterStaging for the
// deployed staging stage, and their problems under each step's prop.
func (p *Plan) StagingSteps(staging awscdk.Stage) ([]pipelines.Step, error) {
	return stagingSteps(p.afterStaging, staging)
}

// StagingPreSteps returns the steps registered with BeforeStaging for the
// staging stage, and their problems under each step's prop.
func (p *Plan) StagingPreSteps(staging awscdk.Stage) ([]pipelines.Step, error) {
	return stagingSteps(p.beforeStaging, staging)
}

func stagingSteps(hooks []stagingHook, staging awscdk.Stage) ([]pipelines.Step, error) {
	var steps []pipelines.Step
	var ps Problems
	for _, h := range hooks {
		step, err := h.step(staging)
		ps.NestError(h.prop, err)
		if step != nil {
			steps = append(steps, step)
		}
	}
	return steps, ps.Err()
}

// Wire runs what the steps registered with OnPipeline, in the order they
// were added.
func (p *Plan) Wire(built Built) {
	for _, f := range p.onPipeline {
		f(built)
	}
}

// PipelineStage returns the stage of p named name; it panics when there is
// none, which is a defect of the line, not of the user's props.
func PipelineStage(p awscodepipeline.Pipeline, name string) awscodepipeline.IStage {
	for _, s := range *p.Stages() {
		if *s.StageName() == name {
			return s
		}
	}
	panic("velocity: pipeline has no stage " + name)
}
