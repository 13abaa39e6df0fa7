package monitoring

import (
	"fmt"
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// Defaults of LambdaThresholds.
const (
	// DefaultLambdaAccountConcurrencyLimit is the default Lambda
	// concurrency quota of an AWS account in a region.
	DefaultLambdaAccountConcurrencyLimit = 1000
	// lambdaDefaultTimeoutMs is Lambda's timeout when none is configured.
	lambdaDefaultTimeoutMs = 3000
	// lambdaMaxTimeoutMs is the longest timeout Lambda allows (15 minutes).
	lambdaMaxTimeoutMs = 900000
)

// LambdaThresholds overrides the alarms MonitorLambda creates. Every field
// is optional: 0 keeps the default, so the zero value (or a nil
// *LambdaThresholds) is every default.
type LambdaThresholds struct {
	// Errors: the Errors alarm fires when the function reports more than
	// this many errors (AWS/Lambda Errors, Sum over 60 s, 1 of 1
	// periods). Timeouts count as errors. Missing data: not breaching.
	// Default: 0.
	Errors float64
	// Throttles: the Throttles alarm fires when more than this many
	// invocations are throttled (AWS/Lambda Throttles, Sum over 60 s, 1 of
	// 1). Missing data: not breaching. Default: 0.
	Throttles float64
	// DurationPercentOfTimeout: the DurationP99 alarm fires when the p99
	// duration (AWS/Lambda Duration, p99 over 60 s) is above this
	// percentage of the function's timeout. Missing data: not breaching.
	// 0 keeps the default: 80.
	DurationPercentOfTimeout float64
	// DurationEvaluationPeriods: how many consecutive 60 s periods the p99
	// duration must breach. 0 keeps the default: 3 (3 of 3).
	DurationEvaluationPeriods float64
	// ConcurrentExecutionsPercent: the account-level alarm fires when the
	// account's concurrent executions (AWS/Lambda ConcurrentExecutions
	// without dimensions, Maximum over 60 s, 3 of 3) are above this
	// percentage of AccountConcurrencyLimit. Missing data: not breaching.
	// 0 keeps the default: 80.
	ConcurrentExecutionsPercent float64
	// AccountConcurrencyLimit is the account's Lambda concurrency quota in
	// the region (Service Quotas, "Concurrent executions"). 0 keeps the
	// default: DefaultLambdaAccountConcurrencyLimit (1000).
	AccountConcurrencyLimit float64
}

// Validate reports every invalid threshold, joined into one error
// (errors.As finds each Problem); nil when all are valid or t is nil.
func (t *LambdaThresholds) Validate() error { return t.problems().Err() }

func (t *LambdaThresholds) problems() problem.List {
	var ps problem.List
	if t == nil {
		return ps
	}
	atLeastZero(&ps, "Errors", t.Errors)
	atLeastZero(&ps, "Throttles", t.Throttles)
	belowLimit(&ps, "DurationPercentOfTimeout", t.DurationPercentOfTimeout)
	evaluationPeriods(&ps, "DurationEvaluationPeriods", t.DurationEvaluationPeriods, 60)
	belowLimit(&ps, "ConcurrentExecutionsPercent", t.ConcurrentExecutionsPercent)
	atLeastOne(&ps, "AccountConcurrencyLimit", t.AccountConcurrencyLimit)
	return ps
}

// MonitorLambda creates the alarms of a Lambda function and adds its
// graphs (invocations; errors and throttles; duration p50/p99;
// concurrency) to the dashboard:
//
//   - Errors: Errors Sum over 60 s > 0, 1 of 1, missing data not breaching.
//   - Throttles: Throttles Sum over 60 s > 0, 1 of 1, not breaching.
//   - DurationP99: Duration p99 over 60 s > 80% of timeout (in ms), 3 of
//     3, not breaching (no invocations is not slowness; timeouts are
//     errors).
//   - AccountConcurrentExecutions (once per monitor, created by the first
//     MonitorLambda call, directly in the monitor): the account-level
//     ConcurrentExecutions Maximum over 60 s > 80% of 1000, 3 of 3, not
//     breaching. Later calls with a different limit or percentage get a
//     warning and keep the first alarm.
//
// timeout is the function's configured timeout; nil reads it from fn when
// fn is an awslambda.Function defined in this app, and otherwise uses
// Lambda's default of 3 seconds. t overrides thresholds (nil: defaults).
// It returns the alarms it created; invalid arguments create nothing and
// are reported as synth errors.
func (m *ServiceMonitor) MonitorLambda(fn awslambda.IFunction, timeout awscdk.Duration, t *LambdaThresholds) []awscloudwatch.Alarm {
	var ps problem.List
	ps.Nest("LambdaThresholds", t.problems())
	if fn == nil {
		ps.Add("fn", "nil", "an awslambda.IFunction")
	}
	var timeoutMs float64
	var name string
	if fn != nil {
		timeoutMs = lambdaTimeout(&ps, fn, timeout)
		name = *fn.FunctionName()
	}
	scope, label := m.start("MonitorLambda", "Lambda", fn, ps)
	if scope == nil {
		return nil
	}
	if t == nil {
		t = &LambdaThresholds{}
	}

	fnMetric := func(n string) cwMetric {
		return cwMetric{namespace: "AWS/Lambda", name: n, dims: []cwDim{{"FunctionName", name}}}
	}
	m.recordRequests(fnMetric("Invocations"), false, "function "+name)
	errorsSpec := alarmSpec{
		id: "Errors", metric: fnMetric("Errors"), label: "Errors", statistic: "Sum", period: 60,
		evaluationPeriods: 1, datapointsToAlarm: 1, threshold: orDefault(t.Errors, 0),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	errorsSpec.description = m.describe(
		fmt.Sprintf("Lambda function %s reported more than %s errors over 1 minute (Errors, Sum): invocations are failing, timeouts and crashes included.", name, fmtNum(errorsSpec.threshold)),
		"Open the function's CloudWatch Logs (and X-Ray traces, if enabled) for the failing invocations; if a deployment just went out, roll it back.")
	throttlesSpec := alarmSpec{
		id: "Throttles", metric: fnMetric("Throttles"), label: "Throttles", statistic: "Sum", period: 60,
		evaluationPeriods: 1, datapointsToAlarm: 1, threshold: orDefault(t.Throttles, 0),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	throttlesSpec.description = m.describe(
		fmt.Sprintf("Lambda function %s was throttled more than %s times over 1 minute: invocations were rejected because the function reached its reserved concurrency or the account's concurrency limit.", name, fmtNum(throttlesSpec.threshold)),
		"Raise the function's reserved concurrency, request a higher account limit in Service Quotas, or smooth the traffic (queues, retries with backoff).")
	pct := orDefault(t.DurationPercentOfTimeout, 80)
	periods := orDefault(t.DurationEvaluationPeriods, 3)
	durationSpec := alarmSpec{
		id: "DurationP99", metric: fnMetric("Duration"), label: "Duration p99", statistic: "p99", period: 60,
		evaluationPeriods: periods, datapointsToAlarm: periods, threshold: math.Round(timeoutMs*pct) / 100,
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	durationSpec.description = m.describe(
		fmt.Sprintf("The p99 duration of Lambda function %s was above %s ms (%s%% of its %s ms timeout) %s: invocations are close to timing out.",
			name, fmtNum(durationSpec.threshold), fmtNum(pct), fmtNum(timeoutMs), windowText(60, periods, periods)),
		"Look for slow downstream calls and cold starts in its logs and traces; raise the timeout, or the memory size (which adds CPU), if the work is legitimately slower.")

	alarms := []awscloudwatch.Alarm{
		m.newAlarm(scope, errorsSpec),
		m.newAlarm(scope, throttlesSpec),
		m.newAlarm(scope, durationSpec),
	}
	account := m.lambdaAccountConcurrency(t)
	if account.alarm != nil {
		alarms = append(alarms, account.alarm)
	}

	m.addGraph(sigTraffic, graphSpec{title: label + ": invocations", unit: "Count", lines: []graphLine{
		{metric: fnMetric("Invocations"), stat: "Sum", period: 60, label: "Invocations"},
	}})
	errGraph := alarmGraph(label+": errors and throttles", "Count", errorsSpec,
		graphLine{metric: throttlesSpec.metric, stat: "Sum", period: 60, label: "Throttles"})
	if throttlesSpec.threshold != errorsSpec.threshold {
		errGraph.annotations = append(errGraph.annotations, thresholdOf(throttlesSpec))
	}
	m.addGraph(sigErrors, errGraph)
	m.addGraph(sigLatency, alarmGraph(label+": duration", "ms", durationSpec,
		graphLine{metric: fnMetric("Duration"), stat: "p50", period: 60, label: "Duration p50"}))
	m.addGraph(sigSaturation, graphSpec{
		title: label + ": concurrent executions", unit: "Count",
		lines: []graphLine{
			{metric: fnMetric("ConcurrentExecutions"), stat: "Maximum", period: 60, label: "Function"},
			{metric: account.spec.metric, stat: "Maximum", period: 60, label: "Account"},
		},
		annotations: []graphAnnotation{thresholdOf(account.spec)},
	})
	return alarms
}

// lambdaTimeout returns fn's timeout in milliseconds: timeout when given,
// else the one fn is defined with in this app, else Lambda's default. A
// timeout that differs from the one fn is defined with is a problem: the
// duration alarm would watch for the wrong limit.
func lambdaTimeout(ps *problem.List, fn awslambda.IFunction, timeout awscdk.Duration) float64 {
	ms := func(d awscdk.Duration) (float64, bool) {
		if d == nil {
			return lambdaDefaultTimeoutMs, true
		}
		var v float64
		err := catchJSII(func() { v = *d.ToMilliseconds(nil) })
		return v, err == nil
	}
	// One round trip for the function's own timeout, read only for a
	// function of this app.
	var own awscdk.Duration
	defined, inApp := fn.(awslambda.Function)
	if inApp {
		own = defined.Timeout()
	}
	if timeout == nil {
		timeout = own
	}
	timeoutMs, concrete := ms(timeout)
	if !concrete {
		ps.Add("timeout", "a token", "a concrete awscdk.Duration like awscdk.Duration_Seconds(jsii.Number(10))")
		return lambdaDefaultTimeoutMs
	}
	if timeoutMs <= 0 || timeoutMs > lambdaMaxTimeoutMs {
		ps.Add("timeout", fmt.Sprintf("%.0f ms", timeoutMs), "a Lambda timeout from 1 ms to 15 minutes")
	}
	if inApp {
		if ownMs, ok := ms(own); ok && ownMs != timeoutMs {
			ps.Add("timeout", fmt.Sprintf("%.0f ms", timeoutMs), fmt.Sprintf("the function's own timeout (%.0f ms), or nil to read it from the function", ownMs))
		}
	}
	return timeoutMs
}

// createdAlarm is an alarm and its spec; alarm is nil when an earlier call
// created it.
type createdAlarm struct {
	alarm awscloudwatch.Alarm
	spec  alarmSpec
}

// lambdaAccountConcurrency creates the account-level concurrency alarm on
// the first call, and warns when a later call asks for other settings.
func (m *ServiceMonitor) lambdaAccountConcurrency(t *LambdaThresholds) createdAlarm {
	limit := orDefault(t.AccountConcurrencyLimit, DefaultLambdaAccountConcurrencyLimit)
	pct := orDefault(t.ConcurrentExecutionsPercent, 80)
	if m.accountConcurrency != nil {
		first := m.accountLimit
		if first != [2]float64{limit, pct} {
			awscdk.Annotations_Of(m).AddWarningV2(jsii.String("velocity:lambda-account-concurrency"), jsii.String(fmt.Sprintf(
				"MonitorLambda: the account concurrency alarm was created by an earlier call with AccountConcurrencyLimit %s and ConcurrentExecutionsPercent %s; this call's %s and %s are ignored. Use the same values in every MonitorLambda call of a monitor.",
				fmtNum(first[0]), fmtNum(first[1]), fmtNum(limit), fmtNum(pct))), nil)
		}
		return createdAlarm{spec: accountConcurrencySpec(m, first[0], first[1])}
	}
	spec := accountConcurrencySpec(m, limit, pct)
	m.accountLimit = [2]float64{limit, pct}
	m.accountConcurrency = m.newAlarm(m, spec)
	return createdAlarm{alarm: m.accountConcurrency, spec: spec}
}

func accountConcurrencySpec(m *ServiceMonitor, limit, pct float64) alarmSpec {
	s := alarmSpec{
		id: "AccountConcurrentExecutions", metric: cwMetric{namespace: "AWS/Lambda", name: "ConcurrentExecutions"},
		notAGate: "account-wide: other functions of the account move it",
		label:    "Account concurrent executions", statistic: "Maximum", period: 60,
		evaluationPeriods: 3, datapointsToAlarm: 3, threshold: math.Round(limit*pct) / 100,
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	s.description = m.describe(
		fmt.Sprintf("Lambda concurrent executions in this account and region were above %s (%s%% of the account limit of %s) %s: every function of the account will soon be throttled.",
			fmtNum(s.threshold), fmtNum(pct), fmtNum(limit), windowText(60, 3, 3)),
		"Find the functions using the concurrency (ConcurrentExecutions by function), cap noisy ones with reserved concurrency, or request a higher limit in Service Quotas. If the account's limit is not "+fmtNum(limit)+", set LambdaThresholds.AccountConcurrencyLimit.")
	return s
}
