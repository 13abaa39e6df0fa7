package monitoring

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring/dora"
)

// LineMonitorProps configures the monitoring of an assembly line.
type LineMonitorProps struct {
	// Pipeline is the CodePipeline to watch. Required.
	Pipeline awscodepipeline.IPipeline
	// Alerts receives the line's alerts and notifications. Required.
	Alerts *Alerts
	// Projects are the line's CodeBuild projects: a build of theirs that
	// fails outside the pipeline (started by hand, say) is an alert too.
	// Builds the pipeline started are not, so a failure alerts once.
	Projects []awscodebuild.IProject
	// ProductionStage names the pipeline stage that deploys production, for
	// the DORA metrics. Default: "Production".
	ProductionStage string
	// Stages are the pipeline's stage names, for the duration-per-stage
	// graph of the dashboard. Default: none graphed.
	Stages []string
	// NoDORA turns off the DORA metrics function and its table.
	NoDORA bool
}

// LineMonitor watches an assembly line: EventBridge rules that alert on
// failed executions, stages and actions and notify on successes, the four
// DORA metrics, a "line is red" alarm that stays in ALARM from a failed
// execution until the next success, and a dashboard of the line.
type LineMonitor struct {
	constructs.Construct
	// LineRed is in ALARM from a failed execution until the next success.
	LineRed awscloudwatch.Alarm
	// DORA computes the DORA metrics; nil with NoDORA.
	DORA *DORAFunction
	// Dashboard shows executions, stage durations and the DORA metrics.
	Dashboard awscloudwatch.Dashboard
}

// ToString returns the construct path (and lets the jsii runtime register
// LineMonitor as a construct).
func (m *LineMonitor) ToString() *string { return m.Node().Path() }

// NewLineMonitor watches the line in props.Pipeline.
func NewLineMonitor(scope constructs.Construct, id string, props *LineMonitorProps) *LineMonitor {
	m := &LineMonitor{}
	idProblem := register(m, scope, id, "NewLineMonitor")
	ps := idProblems(idProblem, nil)
	if props == nil || props.Pipeline == nil || props.Alerts == nil || props.Alerts.Topic == nil {
		ps = append(ps, Problem{Prop: "Pipeline/Alerts", Value: "nil", Want: "the pipeline to watch and the Alerts to notify"})
	}
	production := "Production"
	if props != nil && props.ProductionStage != "" {
		production = props.ProductionStage
	}
	if props != nil {
		ps = append(ps, stageNameProblems(production, props.Stages)...)
	}
	if report(m, ps) {
		return m
	}
	doraStage := production
	if props.NoDORA {
		doraStage = "" // nothing reads the production stage
	}
	m.checkStagesAtSynth(props.Pipeline, doraStage, props.Stages)
	name := props.Pipeline.PipelineName()
	m.addRules(props, name)
	if !props.NoDORA {
		m.DORA = NewDORAFunction(m, "DORA", props.Pipeline, production)
		// A lost or failed event must reach a person.
		for _, a := range m.DORA.Alarms() {
			props.Alerts.Watch(a)
		}
	}
	m.LineRed = awscloudwatch.NewAlarm(m, jsii.String("LineRed"), &awscloudwatch.AlarmProps{
		Metric:             lineMetric(dora.MetricLineRed, name, "Maximum", nil),
		Threshold:          jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		// Missing data keeps the state: red from a failure to the next
		// success, whatever time passes between them.
		TreatMissingData: awscloudwatch.TreatMissingData_IGNORE,
		AlarmDescription: jsii.String("The assembly line is red: its last execution failed. Open the pipeline, find the failed action, fix forward or revert; the alarm clears on the next successful execution."),
	})
	props.Alerts.Watch(m.LineRed)
	m.Dashboard = newLineDashboard(m, name, props.Stages, m.LineRed)
	return m
}

// The line's failure and success notifications, as EventBridge patterns.
// They are plain values so tests can match them against sample events.
func failedExecutionPattern(pipeline string) map[string]interface{} {
	return codePipelinePattern(pipeline, dora.DetailTypePipeline, dora.StateFailed)
}

func succeededExecutionPattern(pipeline string) map[string]interface{} {
	return codePipelinePattern(pipeline, dora.DetailTypePipeline, dora.StateSucceeded)
}

func failedStageOrActionPattern(pipeline string) map[string]interface{} {
	return codePipelinePattern(pipeline, dora.DetailTypeStage, dora.StateFailed, dora.DetailTypeAction)
}

func codePipelinePattern(pipeline, detailType, state string, moreTypes ...string) map[string]interface{} {
	return map[string]interface{}{
		"source":      []interface{}{dora.Source},
		"detail-type": append([]interface{}{detailType}, toInterfaces(moreTypes)...),
		"detail":      map[string]interface{}{"pipeline": []interface{}{pipeline}, "state": []interface{}{state}},
	}
}

// failedBuildOutsidePipelinePattern matches failed builds of the projects
// that the pipeline did not start (CodePipeline starts builds as initiator
// "codepipeline/<pipeline>"), so a failure in the line alerts once.
func failedBuildOutsidePipelinePattern(projects []string) map[string]interface{} {
	return map[string]interface{}{
		"source":      []interface{}{"aws.codebuild"},
		"detail-type": []interface{}{"CodeBuild Build State Change"},
		"detail": map[string]interface{}{
			"build-status": []interface{}{"FAILED", "FAULT", "TIMED_OUT"},
			"project-name": toInterfaces(projects),
			"additional-information": map[string]interface{}{
				"initiator": []interface{}{map[string]interface{}{"anything-but": map[string]interface{}{"prefix": "codepipeline/"}}},
			},
		},
	}
}

func toInterfaces(s []string) []interface{} {
	out := make([]interface{}, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func (m *LineMonitor) addRules(props *LineMonitorProps, pipeline *string) {
	topic := props.Alerts.EventTarget()
	rule := func(id, description string, pattern map[string]interface{}) {
		awsevents.NewRule(m, jsii.String(id), &awsevents.RuleProps{
			Description:  jsii.String(description),
			EventPattern: eventPattern(pattern),
			Targets:      &[]awsevents.IRuleTarget{topic},
		})
	}
	rule("ExecutionFailed", "Alert: an execution of the line failed", failedExecutionPattern(*pipeline))
	rule("ExecutionSucceeded", "Notification: an execution of the line succeeded", succeededExecutionPattern(*pipeline))
	rule("StageOrActionFailed", "Alert: a stage or action of the line failed", failedStageOrActionPattern(*pipeline))
	if len(props.Projects) > 0 {
		var names []string
		for _, p := range props.Projects {
			names = append(names, *p.ProjectName())
		}
		rule("BuildFailedOutsidePipeline", "Alert: a build of the line's CodeBuild projects, started outside the pipeline, failed",
			failedBuildOutsidePipelinePattern(names))
	}
}

// eventPattern turns a plain pattern into CDK's EventPattern.
func eventPattern(p map[string]interface{}) *awsevents.EventPattern {
	ep := &awsevents.EventPattern{}
	if v, ok := p["source"].([]interface{}); ok {
		ep.Source = interfacesToStrings(v)
	}
	if v, ok := p["detail-type"].([]interface{}); ok {
		ep.DetailType = interfacesToStrings(v)
	}
	if v, ok := p["detail"].(map[string]interface{}); ok {
		ep.Detail = &v
	}
	return ep
}

func interfacesToStrings(v []interface{}) *[]*string {
	out := make([]*string, len(v))
	for i, s := range v {
		str := s.(string)
		out[i] = &str
	}
	return &out
}

// lineMetric is one of the metrics the DORA function publishes for a
// pipeline (namespace Velocity/Line).
func lineMetric(name string, pipeline *string, statistic string, extra map[string]*string) awscloudwatch.Metric {
	dims := map[string]interface{}{"Pipeline": pipeline}
	for k, v := range extra {
		dims[k] = v
	}
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(dora.DefaultNamespace),
		MetricName:    jsii.String(name),
		DimensionsMap: toDimensions(dims),
		Statistic:     jsii.String(statistic),
		Period:        awscdk.Duration_Minutes(jsii.Number(1)),
	})
}

func toDimensions(d map[string]interface{}) *map[string]*string {
	out := map[string]*string{}
	for k, v := range d {
		out[k] = v.(*string)
	}
	return &out
}
