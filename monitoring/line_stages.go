package monitoring

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// stageNamePattern is what CodePipeline takes as a stage name.
var stageNamePattern = regexp.MustCompile(`^[A-Za-z0-9.@_-]{1,100}$`)

// stageNameProblems checks the names LineMonitorProps gives for the
// pipeline's stages against CodePipeline's rules; lineStages checks, at
// synth, that the pipeline has them.
func stageNameProblems(production string, stages []string) []Problem {
	var ps []Problem
	if !stageNamePattern.MatchString(production) {
		ps = append(ps, Problem{Prop: "ProductionStage", Value: production, Want: "a CodePipeline stage name: 1 to 100 letters, digits, . @ - _"})
	}
	for i, s := range stages {
		if !stageNamePattern.MatchString(s) {
			ps = append(ps, Problem{Prop: fmt.Sprintf("Stages[%d]", i), Value: s, Want: "a CodePipeline stage name: 1 to 100 letters, digits, . @ - _"})
		}
	}
	return ps
}

// lineStages is an aspect that reports, on the monitor, the stage names
// of LineMonitorProps that a pipeline of this app does not have: the DORA
// function would never see production deploy, and a graph would stay
// empty. It runs at synth, once every stage is added (CDK Pipelines adds
// its stages late); a pipeline imported by ARN cannot be checked.
type lineStages struct {
	monitor    *LineMonitor
	pipeline   awscodepipeline.Pipeline
	production string
	stages     []string
	done       bool
}

func (a *lineStages) Visit(constructs.IConstruct) {
	if a.done {
		return
	}
	a.done = true
	have := map[string]bool{}
	var names []string
	for _, s := range *a.pipeline.Stages() {
		have[*s.StageName()] = true
		names = append(names, *s.StageName())
	}
	report := func(prop, name string) {
		awscdk.Annotations_Of(a.monitor).AddError(jsii.String(Problem{Prop: prop, Value: name,
			Want: "the name of a stage of the pipeline, which has " + strings.Join(names, ", ")}.Error()))
	}
	if a.production != "" && !have[a.production] {
		report("ProductionStage", a.production)
	}
	for i, s := range a.stages {
		if !have[s] {
			report(fmt.Sprintf("Stages[%d]", i), s)
		}
	}
}

// checkStagesAtSynth adds lineStages to m when the pipeline is defined in
// this app.
func (m *LineMonitor) checkStagesAtSynth(p awscodepipeline.IPipeline, production string, stages []string) {
	if pipeline, ok := p.(awscodepipeline.Pipeline); ok {
		// On a construct of its own, without children: an aspect is called
		// back from the jsii kernel once per construct under it.
		at := constructs.NewConstruct(m, jsii.String("StageNames"))
		awscdk.Aspects_Of(at).Add(&lineStages{monitor: m, pipeline: pipeline, production: production, stages: stages}, nil)
	}
}
