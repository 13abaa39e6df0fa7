package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/velocity-cdk/velocity/monitoring"
)

// monitor watches the built line: its CodeBuild projects (for builds that
// fail outside the pipeline), its stages (for the duration graph) and the
// production stage (for the DORA metrics).
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
	production := "Production"
	if p := firstProduction(steps); p != nil {
		production = p.name
	}
	l.Monitor = monitoring.NewLineMonitor(l, "Monitoring", &monitoring.LineMonitorProps{
		Pipeline:        l.Pipeline,
		Alerts:          l.Alerts,
		Projects:        projects,
		ProductionStage: production,
		Stages:          names,
	})
}
