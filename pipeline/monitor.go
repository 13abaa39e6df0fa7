package pipeline

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/velocity-cdk/velocity/monitoring"
)

// monitor watches the built line: its CodeBuild projects (for builds that
// fail outside the pipeline), its stages (for the duration graph) and the
// production stage (for the DORA metrics). A line that ends at staging
// delivers its changes there, so its DORA metrics measure that stage.
func (l *AssemblyLine) monitor(steps []*lineStage) {
	var projects []awscodebuild.IProject
	for _, c := range *l.CDKPipeline.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if p, ok := c.(awscodebuild.IProject); ok {
			projects = append(projects, p)
		}
	}
	var names []string
	for _, s := range l.renderedStages() {
		names = append(names, s.Name)
	}
	delivered := firstProduction(steps)
	if delivered == nil && len(steps) > 0 {
		delivered = steps[len(steps)-1]
	}
	if delivered != nil && !slices.Contains(names, delivered.name) {
		delivered = nil // its App failed, which is reported already
	}
	props := &monitoring.LineMonitorProps{
		Pipeline: l.Pipeline,
		Alerts:   l.Alerts,
		Projects: projects,
		Stages:   names,
		NoDORA:   delivered == nil,
	}
	if delivered != nil {
		props.ProductionStage = delivered.name
	}
	l.Monitor = monitoring.NewLineMonitor(l, "Monitoring", props)
}
