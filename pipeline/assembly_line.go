// Package pipeline provides the AssemblyLine construct: the whole software
// assembly line (source → build → staging → acceptance tests → approval →
// production) as one CDK construct, built on CDK Pipelines and a CodePipeline
// V2 that Velocity configures itself.
package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/gobundle"
	"github.com/velocity-cdk/velocity/internal/constructid"
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/monitoring/dora"
	"github.com/velocity-cdk/velocity/stages"
)

// AssemblyLine is a deployed software assembly line. Its fields are the
// escape hatches to the underlying constructs; they are nil when the props
// were invalid (synth then fails with the problems).
type AssemblyLine struct {
	constructs.Construct
	// Pipeline is the CodePipeline (V2) that runs the line.
	Pipeline awscodepipeline.Pipeline
	// CDKPipeline is the CDK Pipelines construct that fills Pipeline with
	// self-mutation, asset publishing and the CloudFormation deploy actions.
	// BuildPipeline has already been called.
	CDKPipeline pipelines.CodePipeline
	// ArtifactBucket stores the pipeline's artifacts.
	ArtifactBucket awss3.Bucket
	// Key encrypts the artifacts, the source bucket and the line's topics.
	Key awskms.Key
	// Staging and Production are the stages the line deploys; Production is
	// nil when the line ends at staging. With waves, Production is the
	// first environment of the first wave.
	Staging, Production awscdk.Stage
	// Alerts receives the line's alerts; nil with NoMonitoring.
	Alerts *monitoring.Alerts
	// Monitor watches the line; nil with NoMonitoring.
	Monitor *monitoring.LineMonitor
	// Analysis is the canary analysis of the deploy stages; nil when no
	// stage has it (Gate.CanaryAnalysis).
	Analysis *monitoring.CanaryAnalysis

	diagram string
	// environments are the places the line deploys to, for the checks of
	// other lines in the same app.
	environments []stages.Environment
}

// New creates an assembly line in scope. Invalid props do not panic: every
// problem is attached to the construct as an error, and `cdk synth` fails
// listing all of them with the construct path.
func New(scope constructs.Construct, id string, props *Props) *AssemblyLine {
	line := &AssemblyLine{}
	// Registers line itself as the jsii construct, so it can be the scope
	// of its children and be found in the construct tree.
	id, idProblem := constructid.Usable(scope, id, "pipeline.New")
	constructs.NewConstruct_Override(line, scope, jsii.String(id))
	// S3 delivers the line's access logs under a bucket policy rather than
	// the legacy log-delivery ACL, whatever the app's feature flags say.
	line.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	// A problem in the props is the user's, not the code's: report it
	// without the jsii runtime's JavaScript stack frame.
	line.Node().SetContext(jsii.String("aws:cdk:disable-stack-trace"), true)

	if idProblem != nil {
		line.report(stages.Problems{*idProblem})
		return line
	}
	if !inStack(line) {
		line.report(stages.Problems{{Prop: "scope", Value: *scope.Node().Path(),
			Want: "a construct inside an awscdk.Stack (the line's pipeline stack), e.g. pipeline.New(stack, \"Line\", props)"}})
		return line
	}
	if props == nil {
		props = &Props{}
	}
	p := props.withDefaults()
	freeze, problems := line.changeFreeze(p)
	p.ChangeFreeze = freeze
	problems = append(problems, p.problems()...)
	if len(problems) == 0 {
		problems = environmentProblems(line, p)
	}
	if len(problems) > 0 {
		line.report(problems)
		return line
	}
	line.build(p)
	return line
}

// report attaches problems to the line as synth errors.
func (l *AssemblyLine) report(problems stages.Problems) {
	for _, problem := range problems {
		awscdk.Annotations_Of(l).AddError(jsii.String(problem.Error()))
	}
}

func (l *AssemblyLine) build(p Props) {
	for _, env := range deployEnvironments(p) {
		l.environments = append(l.environments, env.Environment)
	}
	l.Key = newKey(l)
	logs := newAccessLogsBucket(l)
	l.ArtifactBucket = newArtifactBucket(l, l.Key, logs)
	shared := &stages.Line{Key: l.Key, AccessLogs: logs, ArtifactBucket: l.ArtifactBucket}

	if !p.NoMonitoring {
		// The DORA function is built late in the line; its go list can
		// run meanwhile.
		gobundle.Prefetch(dora.HandlerPackage)
		l.Alerts = p.Alerts
		if l.Alerts == nil {
			l.Alerts = monitoring.NewAlerts(l, "Alerts", &monitoring.AlertsProps{Emails: p.AlertEmails, Key: l.Key,
				DisplayName: "Velocity line " + *awscdk.Stack_Of(l).StackName()})
		}
	}
	plan := stages.NewPlan(l, shared)
	for _, s := range p.lineSteps() {
		plan.Add(s.prop, s.step)
	}

	pipelineProps := &awscodepipeline.PipelineProps{
		PipelineType:             awscodepipeline.PipelineType_V2,
		ExecutionMode:            p.ExecutionMode,
		RestartExecutionOnUpdate: jsii.Bool(true),
		ArtifactBucket:           l.ArtifactBucket,
	}
	if p.PipelineName != "" {
		pipelineProps.PipelineName = jsii.String(p.PipelineName)
	}
	if crossAccount(l, p) {
		pipelineProps.CrossAccountKeys = jsii.Bool(true)
		pipelineProps.EnableKeyRotation = jsii.Bool(true)
	}
	l.Pipeline = awscodepipeline.NewPipeline(l, jsii.String("Pipeline"), pipelineProps)
	l.CDKPipeline = pipelines.NewCodePipeline(l, jsii.String("Line"), &pipelines.CodePipelineProps{
		CodePipeline: l.Pipeline,
		Synth:        plan.Synth,
		SelfMutation: jsii.Bool(true),
		// Pinned, so self-mutation and asset publishing run the same tools
		// on every run instead of whatever npm calls latest that day.
		CliVersion:          jsii.String(stages.CDKCLIVersion),
		CdkAssetsCliVersion: jsii.String(stages.CDKAssetsInstall),
		// Node.js 22 for the CDK CLI, and an asset publisher that reads
		// the cloud assembly aws-cdk-lib writes.
		SelfMutationCodeBuildDefaults:    stages.SelfMutationDefaults(),
		AssetPublishingCodeBuildDefaults: stages.AssetPublishingDefaults(),
		// One CloudFormation action per stack instead of two (create, then
		// execute a change set): nothing reviews the change set in between,
		// and CloudFormation rolls a failed update back either way.
		UseChangeSets: jsii.Bool(false),
		// One asset-publishing job per asset type rather than per asset:
		// the same critical path, far fewer CodeBuild projects.
		PublishAssetsInParallel: jsii.Bool(false),
	})

	// Every stage is created first: the staging stage runs the checks of
	// the production stages.
	staging := l.planStaging(p)
	production := l.planProduction(p)
	var steps []*lineStage
	if staging != nil {
		steps = append(steps, staging)
		l.addStaging(p, plan, staging, l.permissionsChecks(p, production))
	}
	steps = append(steps, production...)
	l.addProduction(production)

	l.CDKPipeline.BuildPipeline()
	for _, path := range stages.PinPermissionsChecks(l) {
		awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:permissions-check-unpinned"), jsii.String(
			"Could not pin the CDK CLI of the permissions check "+path+": it installs the latest aws-cdk on Node.js 18"), nil)
	}
	for _, ls := range steps {
		ls.resolveName(l)
	}
	var firstStage awscodepipeline.IStage
	first := firstProduction(steps)
	if first != nil {
		firstStage = stages.PipelineStage(l.Pipeline, first.name)
	}
	built := stages.NewBuilt(l.Pipeline, firstStage)
	plan.Wire(built)
	l.addCanaryAnalysis(steps)
	l.addConditions(steps, plan)
	if !p.NoMonitoring {
		l.monitor(steps)
	}
	if p.ChangeFreeze != "" && first != nil {
		l.freeze(first.name, p.ChangeFreeze)
	}
	// One walk for both: the log groups explicitLogs adds are no roles or
	// policies, so the suppressions need not see them.
	own := l.ownConstructs()
	l.explicitLogs(own)
	suppressPipelineFindings(l, own)
	l.diagram = l.describeLine(steps, p, plan)
	l.writeDiagram()
}

// lineStage is one pipeline stage that deploys the app: staging, or one
// wave of the production rollout.
type lineStage struct {
	name       string
	production bool
	gate       stages.Gate
	protection stages.Setting
	envs       []*deployed
	pre, post  []pipelines.Step
}

// deployed is the app deployed to one environment.
type deployed struct {
	env   stages.Environment
	stage awscdk.Stage
	// post are the steps that run after this environment's deploy (the
	// wave's PostWithOutputs).
	post []pipelines.Step
	// alarm is the gate's composite alarm, empty without a gate.
	alarm gateAlarm
}

// resolveName settles the pipeline stage name once the pipeline is built:
// CDK Pipelines names a wave of one stage after the stage, not the wave.
// A wave of one is named after its environment: the line says so at synth
// when the wave has a name of its own.
func (ls *lineStage) resolveName(l *AssemblyLine) {
	p := l.Pipeline
	for _, s := range *p.Stages() {
		if *s.StageName() == ls.name {
			return
		}
	}
	if len(ls.envs) == 1 {
		awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:wave-of-one"), jsii.String(
			"Wave "+ls.name+" has one environment, so CDK Pipelines names its pipeline stage "+ls.envs[0].env.Name+
				" after the environment; the line's conditions, diagram and monitoring use that name"), nil)
		ls.name = ls.envs[0].env.Name
	}
}

func firstProduction(steps []*lineStage) *lineStage {
	for _, s := range steps {
		if s.production {
			return s
		}
	}
	return nil
}

// planStaging creates the staging stage; it is added to the pipeline by
// addStaging, once the production stages exist.
func (l *AssemblyLine) planStaging(p Props) *lineStage {
	if p.Staging == nil {
		return nil
	}
	d := p.Staging
	ls := &lineStage{name: d.Name, gate: d.Gate, protection: d.TerminationProtection, pre: d.Pre}
	env := l.deploy(p, ls, "Staging", d.Environment)
	if env == nil {
		return nil
	}
	l.Staging = env.stage
	post, err := d.PostSteps(env.stage)
	l.reportError("Staging", err)
	ls.post, ls.envs = post, []*deployed{env}
	return ls
}

// planProduction creates the production stages: one per wave of the
// rollout, each deploying its environments in parallel.
func (l *AssemblyLine) planProduction(p Props) []*lineStage {
	var out []*lineStage
	for _, w := range p.rollout() {
		ls := &lineStage{name: w.Name, production: true, gate: w.Gate,
			protection: w.TerminationProtection, pre: w.Pre, post: w.Post}
		for j, e := range w.Environments {
			env := l.deploy(p, ls, w.envProps[j], e)
			if env == nil {
				continue
			}
			post, err := w.PostSteps(env.stage)
			l.reportError(w.prop, err)
			env.post = post
			ls.envs = append(ls.envs, env)
			if l.Production == nil {
				l.Production = env.stage
			}
		}
		if len(ls.envs) > 0 {
			out = append(out, ls)
		}
	}
	return out
}

// permissionsChecks returns one permissions-broadening check per production
// environment. They run in the staging stage, in parallel with the
// acceptance tests, rather than in front of each production deploy: the
// check only diffs the production stacks, so it need not wait, and the line
// gets no longer. A change that widens permissions still pauses the line
// before production, for a person to approve.
func (l *AssemblyLine) permissionsChecks(p Props, production []*lineStage) []pipelines.Step {
	if p.AllowPermissionsBroadening {
		return nil
	}
	var envs []*deployed
	for _, ls := range production {
		envs = append(envs, ls.envs...)
	}
	var checks []pipelines.Step
	for _, env := range envs {
		id := "PermissionsCheck"
		if len(envs) > 1 {
			id += "-" + env.env.Name
		}
		props := &pipelines.PermissionsBroadeningCheckProps{Stage: env.stage}
		if l.Alerts != nil {
			props.NotificationTopic = l.Alerts.Topic
		}
		checks = append(checks, pipelines.NewConfirmPermissionsBroadening(jsii.String(id), props))
	}
	return checks
}

// addStaging adds the staging stage: its deploy, then the steps that run
// after it (the acceptance tests), the permissions checks and the team's
// post steps, in parallel.
func (l *AssemblyLine) addStaging(p Props, plan *stages.Plan, staging *lineStage, checks []pipelines.Step) {
	post, err := plan.StagingSteps(l.Staging)
	l.reportError("", err)
	if p.Acceptance == nil {
		awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:no-acceptance-tests"),
			jsii.String("The line has no acceptance tests: changes reach production untested against staging. Set Props.Acceptance."), nil)
	}
	post = append(append(post, checks...), staging.post...)
	// The line's own steps before the deploy (the image scan) come before
	// the team's. They read the complete stage, so they are made last.
	pre, err := plan.StagingPreSteps(l.Staging)
	l.reportError("", err)
	pre = append(pre, staging.pre...)
	if err := uniqueStepIDs("Staging", pre, post); err != nil {
		l.reportError("", err)
		return
	}
	l.CDKPipeline.AddStage(l.Staging, &pipelines.AddStageOpts{Pre: stepList(pre), Post: stepList(post)})
}

// addProduction adds one pipeline stage per production wave.
func (l *AssemblyLine) addProduction(production []*lineStage) {
	for _, ls := range production {
		if len(ls.envs) == 1 {
			// A wave of one is its stage: Pre and Post run with the
			// stage's own steps, Post in parallel with PostWithOutputs'.
			env := ls.envs[0]
			l.CDKPipeline.AddWave(jsii.String(ls.name), nil).AddStage(env.stage, &pipelines.AddStageOpts{
				Pre: stepList(ls.pre), Post: stepList(append(append([]pipelines.Step{}, ls.post...), env.post...))})
			continue
		}
		wave := l.CDKPipeline.AddWave(jsii.String(ls.name), &pipelines.WaveOptions{Pre: stepList(ls.pre), Post: stepList(ls.post)})
		for _, env := range ls.envs {
			wave.AddStage(env.stage, &pipelines.AddStageOpts{Post: stepList(env.post)})
		}
	}
}

// deploy creates the team's stage for one environment of ls, with
// termination protection and the gate's composite alarm. Both must exist
// before CDK Pipelines synthesizes the stage, which it does when the stage
// is added. envProp is the prop that sets the environment.
func (l *AssemblyLine) deploy(p Props, ls *lineStage, envProp string, env stages.Environment) *deployed {
	var ps stages.Problems
	defer func() { l.report(ps) }()
	stage, problem := l.buildStage(p, envProp, env)
	if stage == nil {
		ps.Add("App", env.Name, problem)
		return nil
	}
	for _, a := range p.StageAspects {
		awscdk.Aspects_Of(stage).Add(a, nil)
	}
	stacks := stages.Stacks(stage)
	if len(stacks) == 0 {
		ps.Add("App", *stage.StageName(), "a stage with at least one stack for "+envProp)
		return nil
	}
	if ls.protection.Or(ls.production) {
		for _, s := range stacks {
			stages.ProtectFromTermination(s)
		}
	}
	d := &deployed{env: env, stage: stage}
	if bake := ls.gate.BakeTimeOr(defaultBakeTime(ls.production)); bake > 0 || ls.gate.EntryWaitOr() > 0 {
		d.alarm = l.newGateAlarm(stage, stacks, env, ls.gate, bake)
	}
	return d
}

// reportError attaches the problems of a nested Validate's error under
// prefix.
func (l *AssemblyLine) reportError(prefix string, err error) {
	var ps stages.Problems
	ps.NestError(prefix, err)
	l.report(ps)
}

func stepList(s []pipelines.Step) *[]pipelines.Step {
	if len(s) == 0 {
		return nil
	}
	return &s
}

// ToString returns the construct path of the line. (Defining one method of
// Construct is also what lets the jsii runtime register AssemblyLine itself
// as a construct, so it can be used as a scope like any other.)
func (l *AssemblyLine) ToString() *string { return l.Node().Path() }
