package monitoring

import (
	"fmt"
	"math"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// This file is the single alarm factory of the service monitors, and the
// plain-Go checks of their thresholds. A metric is described once, in Go,
// and used twice: for the alarm (one awscloudwatch.Metric, one
// awscloudwatch.Alarm) and for the dashboard widgets, which are rendered in
// Go without any jsii call (dashboard.go).

// cwDim is one CloudWatch metric dimension. Its value is often a CDK token
// (a function name, a load balancer's full name).
type cwDim struct{ name, value string }

// cwMetric identifies one CloudWatch metric: namespace, name and dimensions.
// Statistic and period belong to each use of it (an alarm, a graph line).
type cwMetric struct {
	namespace string
	name      string
	dims      []cwDim
}

// cwMath is a metric math expression over named metrics (ids m1, m2,
// ...), which all use the alarm's statistic and period.
type cwMath struct {
	expression string
	using      []cwMathInput
}

// cwMathInput is one metric a cwMath expression refers to by id.
type cwMathInput struct {
	id     string
	metric cwMetric
}

// alarmSpec is everything one CloudWatch alarm of a service monitor needs.
// Every alarm states its missing-data treatment and what to do when it
// fires; its name is left to CloudFormation (so a stack deployed to staging
// and production in one account never collides).
type alarmSpec struct {
	// id is the construct id of the alarm inside the monitored resource's
	// scope.
	id string
	// metric is what the alarm watches, unless math is set.
	metric cwMetric
	// math, when set, is a metric math expression the alarm watches
	// instead of metric.
	math *cwMath
	// label names the metric on graphs, and the metric math expression in
	// the alarm.
	label string
	// statistic is "Sum", "Average", "Minimum", "Maximum" or a percentile
	// like "p95" (synthesized as ExtendedStatistic).
	statistic string
	// period is the length of one evaluation period, in seconds.
	period float64
	// evaluationPeriods and datapointsToAlarm: the alarm fires when
	// datapointsToAlarm of the last evaluationPeriods periods breach.
	evaluationPeriods float64
	datapointsToAlarm float64
	threshold         float64
	comparison        awscloudwatch.ComparisonOperator
	treatMissingData  awscloudwatch.TreatMissingData
	// description says what the alarm means and what to do; at most 1024
	// characters once tokens are resolved.
	description string
	// notAGate, when set, keeps the alarm out of a line's bake-time gate
	// and says why (see NotAGate).
	notAGate string
}

// newAlarm creates the alarm of spec in scope: one Metric (or
// MathExpression) and one Alarm constructor call, plus the alerts action
// for ALARM and OK when the monitor has one. The alarm is recorded for
// Alarms() and, when the monitor has a dashboard, for its alarm-status
// widget.
func (m *ServiceMonitor) newAlarm(scope constructs.Construct, s alarmSpec) awscloudwatch.Alarm {
	alarm := awscloudwatch.NewAlarm(scope, jsii.String(s.id), &awscloudwatch.AlarmProps{
		Metric:             m.alarmMetric(s),
		Threshold:          jsii.Number(s.threshold),
		ComparisonOperator: s.comparison,
		EvaluationPeriods:  jsii.Number(s.evaluationPeriods),
		DatapointsToAlarm:  jsii.Number(s.datapointsToAlarm),
		TreatMissingData:   s.treatMissingData,
		AlarmDescription:   jsii.String(s.description),
	})
	if m.action != nil {
		alarm.AddAlarmAction(m.action)
		alarm.AddOkAction(m.action)
	}
	if s.notAGate != "" {
		NotAGate(alarm, s.notAGate)
	}
	m.alarms = append(m.alarms, alarm)
	if m.layout != nil {
		m.layout.alarms = append(m.layout.alarms, *alarm.AlarmArn())
	}
	return alarm
}

// alarmMetric builds the jsii metric of s: one constructor call for a
// metric, one per input plus one for metric math.
func (m *ServiceMonitor) alarmMetric(s alarmSpec) awscloudwatch.IMetric {
	if s.math == nil {
		return m.newMetric(s.metric, s.statistic, s.period)
	}
	using := make(map[string]awscloudwatch.IMetric, len(s.math.using))
	for _, in := range s.math.using {
		using[in.id] = m.newMetric(in.metric, s.statistic, s.period)
	}
	return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
		Expression:   jsii.String(s.math.expression),
		UsingMetrics: &using,
		Period:       m.seconds(s.period),
		Label:        jsii.String(s.label),
	})
}

// newMetric builds a jsii metric. It has no label: a labelled metric would
// make aws-cdk-lib synthesize the alarm as a metric math query (Metrics)
// instead of the plain MetricName/Namespace/Statistic form.
func (m *ServiceMonitor) newMetric(x cwMetric, statistic string, period float64) awscloudwatch.Metric {
	var dims *map[string]*string
	if len(x.dims) > 0 {
		d := make(map[string]*string, len(x.dims))
		for _, v := range x.dims {
			d[v.name] = jsii.String(v.value)
		}
		dims = &d
	}
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(x.namespace),
		MetricName:    jsii.String(x.name),
		DimensionsMap: dims,
		Statistic:     jsii.String(statistic),
		Period:        m.seconds(period),
	})
}

// seconds returns a Duration of n seconds, creating each distinct one once
// per monitor.
func (m *ServiceMonitor) seconds(n float64) awscdk.Duration {
	if d, ok := m.durations[n]; ok {
		return d
	}
	d := awscdk.Duration_Seconds(jsii.Number(n))
	m.durations[n] = d
	return d
}

// describe renders an alarm description: the monitor's name, what the
// alarm means, then what to do.
func (m *ServiceMonitor) describe(what, todo string) string {
	return fmt.Sprintf("[%s] %s %s", m.name, what, todo)
}

// windowText renders the evaluation window of an alarm for descriptions:
// "over 1 minute" for one period, "in 3 of 3 consecutive periods of 1
// minute" for more.
func windowText(period, datapoints, evaluation float64) string {
	unit := fmt.Sprintf("%g seconds", period)
	switch {
	case period == 60:
		unit = "1 minute"
	case math.Mod(period, 60) == 0:
		unit = fmt.Sprintf("%g minutes", period/60)
	}
	if evaluation == 1 {
		return "over " + unit
	}
	return fmt.Sprintf("in %g of %g consecutive periods of %s", datapoints, evaluation, unit)
}

// orDefault returns v, or def when v is 0: the zero value of a threshold
// keeps its default.
func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// maxDay is the longest an alarm may look back: CloudWatch allows at most
// one day for evaluation periods times period.
const maxDay = 86400

// Threshold checks, shared by every Thresholds struct: plain functions that
// record what is wrong in ps. 0 is the default and always valid.

// atLeastZero checks a threshold that may be any number from 0 up.
func atLeastZero(ps *problem.List, prop string, v float64) {
	if !isFinite(v) || v < 0 {
		ps.Add(prop, fmtNum(v), "a number >= 0 (0 keeps the default)")
	}
}

// percent checks a percentage (0 keeps the default, so a percentage where
// 0 would make no sense, like a share of a timeout, is checked the same).
func percent(ps *problem.List, prop string, v float64) {
	if !isFinite(v) || v < 0 || v > 100 {
		ps.Add(prop, fmtNum(v), "a percentage from 0 to 100 (0 keeps the default)")
	}
}

// belowLimit checks the percentage of a limit that a metric cannot exceed
// (a timeout, a quota, all requests, all CPU): an alarm above 100% of it
// could never fire, so 100 is refused too.
func belowLimit(ps *problem.List, prop string, v float64) {
	if !isFinite(v) || v < 0 || v >= 100 {
		ps.Add(prop, fmtNum(v), "a percentage from 0 to below 100: the metric cannot exceed its limit, so an alarm at 100 could never fire (0 keeps the default)")
	}
}

// evaluationPeriods checks a number of evaluation periods of period
// seconds each: a whole number from 1 to one day's worth, or 0.
func evaluationPeriods(ps *problem.List, prop string, v float64, period float64) {
	most := math.Floor(maxDay / period)
	if v != 0 && (!isFinite(v) || v < 1 || v != math.Trunc(v) || v > most) {
		ps.Add(prop, fmtNum(v), fmt.Sprintf("a whole number of evaluation periods from 1 to %g (at most one day of %g-second periods), or 0 for the default", most, period))
	}
}

// atLeastOne checks a whole count that must be positive, or 0.
func atLeastOne(ps *problem.List, prop string, v float64) {
	if v != 0 && (!isFinite(v) || v < 1 || v != math.Trunc(v)) {
		ps.Add(prop, fmtNum(v), "a whole number >= 1, or 0 for the default")
	}
}

func isFinite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func fmtNum(f float64) string { return strings.TrimSuffix(fmt.Sprintf("%g", f), ".0") }
