package monitoring

import (
	"fmt"
	"math"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
)

// requestsMetric is the metric that counts the requests of a service.
type requestsMetric struct {
	metric cwMetric
	// front: the requests reach the service here first (an API or a load
	// balancer), rather than at one of its functions.
	front bool
	where string
}

// recordRequests keeps the first front door the monitor watches, or else
// the first function, as the service's count of requests.
func (m *ServiceMonitor) recordRequests(x cwMetric, front bool, where string) {
	if m.requests == nil || front && !m.requests.front {
		m.requests = &requestsMetric{metric: x, front: front, where: where}
	}
}

// NewTrafficAlarm creates an alarm that is in ALARM while the service has
// served fewer than minRequests requests in the last window: the count of
// its front door (the first API Gateway REST or HTTP API or load balancer
// the monitor watches; without one, its first Lambda function's
// invocations), Sum over window < minRequests, 1 of 1, missing data
// BREACHING (no requests at all is the idlest service there is).
//
// It is the data half of a bake (a Velocity line's Gate.MinRequests uses
// it): an idle service must not pass its bake because nothing happened.
// So it is not part of the monitor's alarms: it has no actions and no
// place on the dashboard (a quiet night is not an incident), and it is
// marked NotAGate, so that the entry gate, which asks whether an
// environment is healthy, does not wait on it. window is whole minutes, at
// most a day; minRequests a whole number from 1. It returns nil, and
// reports a synth error on the monitor, when the monitor watches nothing
// that serves requests or the arguments are invalid.
func (m *ServiceMonitor) NewTrafficAlarm(id string, window time.Duration, minRequests float64) awscloudwatch.Alarm {
	var problems []string
	if window < time.Minute || window > 24*time.Hour || window%time.Minute != 0 {
		problems = append(problems, fmt.Sprintf("window %v: want whole minutes from 1m to 24h", window))
	}
	if math.IsNaN(minRequests) || minRequests < 1 || minRequests != math.Trunc(minRequests) {
		problems = append(problems, fmt.Sprintf("minRequests %v: want a whole number from 1", minRequests))
	}
	if m.ok && m.requests == nil {
		problems = append(problems, "the monitor watches nothing that serves requests: monitor an API, a load balancer or a Lambda function first")
	}
	for _, p := range problems {
		awscdk.Annotations_Of(m).AddError(jsii.String("NewTrafficAlarm: " + p))
	}
	if len(problems) > 0 || !m.ok {
		return nil
	}
	period := window.Seconds()
	alarm := awscloudwatch.NewAlarm(m, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             m.newMetric(m.requests.metric, "Sum", period),
		Threshold:          jsii.Number(minRequests),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
		AlarmDescription: jsii.String(m.describe(
			fmt.Sprintf("%s served fewer than %s requests %s: too little traffic to tell a good deploy from a bad one.", m.requests.where, fmtNum(minRequests), windowText(period, 1, 1)),
			"A bake that needs traffic waits for this alarm to be OK. Send traffic (synthetic requests, a canary) or lower the gate's MinRequests.")),
	})
	NotAGate(alarm, "the bake's data requirement: a quiet environment is not an unhealthy one")
	return alarm
}
