package pipeline

import (
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/stages"
)

// canaryAnalysisAction names the analysis action of a stage; in a wave of
// several environments, one per environment, named after it.
const canaryAnalysisAction = "CanaryAnalysis"

// addCanaryAnalysis puts a canary analysis action at the end of every
// deploy stage whose gate has it (the default), one per environment with a
// gate alarm, after the stage's deploys and tests: the analysis compares
// what they left running with what ran before. One function serves the
// whole line.
func (l *AssemblyLine) addCanaryAnalysis(deploys []*lineStage) {
	lastRunOrder := map[string]int{}
	for _, s := range l.renderedStages() {
		for _, a := range s.Actions {
			order := 1 // CodePipeline's default
			if a.RunOrder != nil {
				order = *a.RunOrder
			}
			lastRunOrder[s.Name] = max(lastRunOrder[s.Name], order)
		}
	}
	for _, ls := range deploys {
		window := ls.gate.AnalysisWindowOr()
		if window == 0 {
			continue
		}
		for _, d := range ls.envs {
			if d.alarm.name == "" {
				continue
			}
			if l.Analysis == nil {
				l.Analysis = monitoring.NewCanaryAnalysis(l, "CanaryAnalysis", l.Pipeline)
				if l.Alerts != nil {
					l.Alerts.Watch(l.Analysis.ErrorsAlarm)
				}
			}
			name := canaryAnalysisAction
			if len(ls.envs) > 1 {
				name += "-" + d.env.Name
			}
			l.Analysis.Analyze(stages.PipelineStage(l.Pipeline, ls.name), name, float64(lastRunOrder[ls.name]+1), int(window.Minutes()),
				monitoring.AnalysisTarget{Alarm: d.alarm.name, Account: d.alarm.account, Region: d.alarm.region, RoleArn: d.alarm.readerRole})
		}
	}
}
