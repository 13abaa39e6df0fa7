package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssynthetics"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// CanaryThresholds overrides the alarm MonitorCanary creates. Every field
// is optional: 0 keeps the default, so the zero value (or a nil
// *CanaryThresholds) is every default.
type CanaryThresholds struct {
	// SuccessPercent: the SuccessPercent alarm fires when the canary's
	// success rate is below this percentage (CloudWatchSynthetics
	// SuccessPercent, Average over 300 s). 0 keeps the default: 100 (any
	// failed run).
	SuccessPercent float64
	// EvaluationPeriods: how many consecutive 300 s periods must breach.
	// 0 keeps the default: 2 (2 of 2).
	EvaluationPeriods float64
}

// Validate reports every invalid threshold, joined into one error
// (errors.As finds each Problem); nil when all are valid or t is nil.
func (t *CanaryThresholds) Validate() error { return t.problems().Err() }

func (t *CanaryThresholds) problems() problem.List {
	var ps problem.List
	if t == nil {
		return ps
	}
	percent(&ps, "SuccessPercent", t.SuccessPercent)
	evaluationPeriods(&ps, "EvaluationPeriods", t.EvaluationPeriods, 300)
	return ps
}

// MonitorCanary creates the alarm of a CloudWatch Synthetics canary, for
// example the one probing the acceptance or production endpoint, and adds
// its graphs (success percent; run duration) to the dashboard:
//
//   - SuccessPercent: CloudWatchSynthetics SuccessPercent (dimension
//     CanaryName) Average over 300 s < 100, 2 of 2. Missing data is
//     BREACHING: a canary that does not run checks nothing, so it must
//     alarm. Run the canary at least every 5 minutes (the Canary default).
//
// canary is a Canary of this app, or one defined elsewhere imported with
// awssynthetics.Canary_FromCanaryName. t overrides thresholds (nil:
// defaults). It returns the alarm it created; invalid arguments create
// nothing and are reported as synth errors.
func (m *ServiceMonitor) MonitorCanary(canary awssynthetics.ICanary, t *CanaryThresholds) []awscloudwatch.Alarm {
	var ps problem.List
	ps.Nest("CanaryThresholds", t.problems())
	var name string
	if canary == nil {
		ps.Add("canary", "nil", "an awssynthetics.ICanary")
	} else {
		name = *canary.CanaryName()
	}
	scope, label := m.start("MonitorCanary", "Canary", canary, ps)
	if scope == nil {
		return nil
	}
	if t == nil {
		t = &CanaryThresholds{}
	}
	dims := []cwDim{{"CanaryName", name}}
	periods := orDefault(t.EvaluationPeriods, 2)
	success := alarmSpec{
		id: "SuccessPercent", metric: cwMetric{namespace: "CloudWatchSynthetics", name: "SuccessPercent", dims: dims},
		label: "Success", statistic: "Average", period: 300,
		evaluationPeriods: periods, datapointsToAlarm: periods, threshold: orDefault(t.SuccessPercent, 100),
		comparison: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_BREACHING,
	}
	success.description = m.describe(
		fmt.Sprintf("Synthetics canary %s succeeded in less than %s%% of its runs %s, or did not run: the endpoint it checks is failing or unreachable for users.", name, fmtNum(success.threshold), windowText(300, periods, periods)),
		"Open the canary's runs in the CloudWatch Synthetics console (screenshots, HAR files, logs) to see which step fails; missing data counts as breaching, so a stopped canary alarms too.")

	alarms := []awscloudwatch.Alarm{m.newAlarm(scope, success)}
	m.addGraph(sigErrors, alarmGraph(label+": success", "%", success))
	m.addGraph(sigLatency, graphSpec{title: label + ": run duration", unit: "ms", lines: []graphLine{
		{metric: cwMetric{namespace: "CloudWatchSynthetics", name: "Duration", dims: dims}, stat: "Average", period: 300, label: "Duration"},
	}})
	return alarms
}
