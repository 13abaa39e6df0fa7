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
	// nil when the line ends at staging.
	Staging, Production awscdk.Stage
}

// New creates an assembly line in scope. Invalid props do not panic: every
// problem is attached to the construct as an error, and `cdk synth` fails
// listing all of them with the construct path.
func New(scope constructs.Construct, id string, props *Props) *AssemblyLine {
	line := &AssemblyLine{}
	// Registers line itself as the jsii construct, so it can be the scope
	// of its children and be found in the construct tree.
	constructs.NewConstruct_Override(line, scope, jsii.String(id))
	// S3 delivers the line's access logs under a bucket policy rather than
	// the legacy log-delivery ACL, whatever the app's feature flags say.
	line.Node().SetContext(jsii.String("@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"), true)
	// A problem in the props is the user's, not the code's: report it
	// without the jsii runtime's JavaScript stack frame.
	line.Node().SetContext(jsii.String("aws:cdk:disable-stack-trace"), true)

	if props == nil {
		props = &Props{}
	}
	p := props.withDefaults()
	problems := p.problems()
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
	l.Key = newKey(l)
	logs := newAccessLogsBucket(l)
	l.ArtifactBucket = newArtifactBucket(l, l.Key, logs)
	shared := &stages.Line{Key: l.Key, AccessLogs: logs, ArtifactBucket: l.ArtifactBucket}

	source := p.Source.Produce(l, shared)
	build := p.Build.Step(l, shared, source)

	pipelineProps := &awscodepipeline.PipelineProps{
		PipelineType:             awscodepipeline.PipelineType_V2,
		ExecutionMode:            p.ExecutionMode,
		RestartExecutionOnUpdate: jsii.Bool(true),
		ArtifactBucket:           l.ArtifactBucket,
	}
	if p.PipelineName != "" {
		pipelineProps.PipelineName = jsii.String(p.PipelineName)
	}
	l.Pipeline = awscodepipeline.NewPipeline(l, jsii.String("Pipeline"), pipelineProps)
	l.CDKPipeline = pipelines.NewCodePipeline(l, jsii.String("Line"), &pipelines.CodePipelineProps{
		CodePipeline: l.Pipeline,
		Synth:        build,
		SelfMutation: jsii.Bool(true),
		// Pinned, so self-mutation and asset publishing run the same tools
		// on every run instead of whatever npm calls latest that day.
		CliVersion:          jsii.String(stages.CDKCLIVersion),
		CdkAssetsCliVersion: jsii.String(stages.CDKAssetsVersion),
		// Change sets let CloudFormation validate a whole stack update
		// before it touches anything.
		UseChangeSets: jsii.Bool(true),
	})

	var problems stages.Problems
	l.Staging, problems = l.deploy("Staging", p, p.Staging, false)
	l.report(problems)
	post := p.Staging.Post
	if p.Acceptance != nil && l.Staging != nil {
		tests, problems := p.Acceptance.Step(l, source, l.Staging)
		l.report(nestProblems("Acceptance", problems))
		post = append([]pipelines.Step{tests}, post...)
	} else if p.Acceptance == nil {
		awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:no-acceptance-tests"),
			jsii.String("The line has no acceptance tests: changes reach production untested against staging. Set Props.Acceptance."), nil)
	}
	if l.Staging != nil {
		l.CDKPipeline.AddStage(l.Staging, &pipelines.AddStageOpts{Pre: steps(p.Staging.Pre), Post: steps(post)})
	}
	if p.Production != nil {
		l.Production, problems = l.deploy("Production", p, p.Production, true)
		l.report(problems)
		if l.Production != nil {
			l.CDKPipeline.AddStage(l.Production, &pipelines.AddStageOpts{Pre: steps(p.Production.Pre), Post: steps(p.Production.Post)})
		}
	}

	l.CDKPipeline.BuildPipeline()
	p.Source.Connect(l, l.Pipeline, (*stage(l.Pipeline, "Source").Actions())[0])
	if p.Approval != nil && l.Production != nil {
		l.Pipeline.AddStage(&awscodepipeline.StageOptions{
			StageName: jsii.String("Approval"),
			Placement: &awscodepipeline.StagePlacement{RightBefore: stage(l.Pipeline, *l.Production.StageName())},
			Actions:   &[]awscodepipeline.IAction{p.Approval.Action(l, shared)},
		})
	}
	suppressPipelineFindings(l)
}

// deploy creates the team's stage for one environment.
func (l *AssemblyLine) deploy(prop string, p Props, d *stages.Deploy, production bool) (awscdk.Stage, stages.Problems) {
	var ps stages.Problems
	stage := p.App(l, d.Name, d.Environment)
	if stage == nil {
		ps.Add("App", "nil stage", "App to return the awscdk.Stage it created for "+prop)
		return nil, ps
	}
	for _, a := range p.StageAspects {
		awscdk.Aspects_Of(stage).Add(a, nil)
	}
	stacks := stages.Stacks(stage)
	if len(stacks) == 0 {
		ps.Add("App", *stage.StageName(), "a stage with at least one stack for "+prop)
		return nil, ps
	}
	protect := production
	if d.TerminationProtection != nil {
		protect = *d.TerminationProtection
	}
	if protect {
		for _, s := range stacks {
			stages.ProtectFromTermination(s)
		}
	}
	return stage, ps
}

func nestProblems(prefix string, ps stages.Problems) stages.Problems {
	var out stages.Problems
	out.Nest(prefix, ps)
	return out
}

func steps(s []pipelines.Step) *[]pipelines.Step {
	if len(s) == 0 {
		return nil
	}
	return &s
}

// stage returns the pipeline stage with the given name; BuildPipeline has
// created it.
func stage(p awscodepipeline.Pipeline, name string) awscodepipeline.IStage {
	for _, s := range *p.Stages() {
		if *s.StageName() == name {
			return s
		}
	}
	panic("velocity: pipeline has no stage " + name)
}

// ToString returns the construct path of the line. (Defining one method of
// Construct is also what lets the jsii runtime register AssemblyLine itself
// as a construct, so it can be used as a scope like any other.)
func (l *AssemblyLine) ToString() *string { return l.Node().Path() }
