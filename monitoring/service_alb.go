package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// ALBThresholds overrides the alarms MonitorALB creates. Every field is
// optional: 0 keeps the default, so the zero value (or a nil
// *ALBThresholds) is every default.
type ALBThresholds struct {
	// ELB5XXCount: the ELB5XX alarm fires when the load balancer itself
	// returns more than this many 5XX responses (AWS/ApplicationELB
	// HTTPCode_ELB_5XX_Count, Sum over 60 s, 1 of 1). Missing data: not
	// breaching. Default: 0.
	ELB5XXCount float64
	// Target5XXCount: the Target5XX alarm fires when the targets return
	// more than this many 5XX responses (HTTPCode_Target_5XX_Count, Sum
	// over 60 s, 1 of 1). Missing data: not breaching. Default: 0.
	Target5XXCount float64
	// TargetResponseTimeP95: the TargetResponseTimeP95 alarm fires when
	// the p95 of TargetResponseTime (p95 over 60 s) is above this many
	// seconds. Missing data: not breaching. 0 keeps the default: 1
	// (second).
	TargetResponseTimeP95 float64
	// TargetResponseTimeEvaluationPeriods: how many consecutive 60 s
	// periods the p95 must breach. 0 keeps the default: 3 (3 of 3).
	TargetResponseTimeEvaluationPeriods float64
	// UnhealthyHostCount: the UnhealthyHosts alarm fires when the target
	// group has more than this many unhealthy targets (UnHealthyHostCount,
	// Maximum over 60 s, 2 of 2). Missing data: not breaching. Default: 0.
	UnhealthyHostCount float64
	// RejectedConnectionCount: the RejectedConnections alarm fires when
	// the load balancer rejects more than this many connections
	// (RejectedConnectionCount, Sum over 60 s, 1 of 1). Missing data: not
	// breaching. Default: 0.
	RejectedConnectionCount float64
}

// Validate reports every invalid threshold, joined into one error
// (errors.As finds each Problem); nil when all are valid or t is nil.
func (t *ALBThresholds) Validate() error { return t.problems().Err() }

func (t *ALBThresholds) problems() problem.List {
	var ps problem.List
	if t == nil {
		return ps
	}
	atLeastZero(&ps, "ELB5XXCount", t.ELB5XXCount)
	atLeastZero(&ps, "Target5XXCount", t.Target5XXCount)
	atLeastZero(&ps, "TargetResponseTimeP95", t.TargetResponseTimeP95)
	evaluationPeriods(&ps, "TargetResponseTimeEvaluationPeriods", t.TargetResponseTimeEvaluationPeriods, 60)
	atLeastZero(&ps, "UnhealthyHostCount", t.UnhealthyHostCount)
	atLeastZero(&ps, "RejectedConnectionCount", t.RejectedConnectionCount)
	return ps
}

// MonitorALB creates the alarms of an application load balancer and its
// target group, and adds their graphs (requests; 5XX; response time
// p50/p95/p99; hosts and rejected connections) to the dashboard. All
// metrics are AWS/ApplicationELB:
//
//   - ELB5XX: HTTPCode_ELB_5XX_Count Sum over 60 s > 0, 1 of 1.
//   - Target5XX: HTTPCode_Target_5XX_Count Sum over 60 s > 0, 1 of 1.
//   - TargetResponseTimeP95: TargetResponseTime p95 over 60 s > 1 s, 3 of 3.
//   - UnhealthyHosts: UnHealthyHostCount Maximum over 60 s > 0, 2 of 2
//     (only with a target group: the metric needs one).
//   - RejectedConnections: RejectedConnectionCount Sum over 60 s > 0, 1 of 1.
//
// Missing data is not breaching for all of them: no requests is neither an
// error nor slowness. tg is the service's target group; target metrics are
// then those of tg on this load balancer. With a nil tg they cover every
// target of the load balancer and there is no UnhealthyHosts alarm (synth
// warns). t overrides thresholds (nil: defaults). It returns the alarms it
// created; invalid arguments create nothing and are reported as synth
// errors.
func (m *ServiceMonitor) MonitorALB(alb awselasticloadbalancingv2.IApplicationLoadBalancer, tg awselasticloadbalancingv2.IApplicationTargetGroup, t *ALBThresholds) []awscloudwatch.Alarm {
	var ps problem.List
	ps.Nest("ALBThresholds", t.problems())
	var lbName, tgName string
	if alb == nil {
		ps.Add("alb", "nil", "an awselasticloadbalancingv2.IApplicationLoadBalancer")
	} else if err := catchJSII(func() { lbName, tgName = albNames(alb, tg) }); err != nil {
		ps.Add("alb, tg", "imported", "a load balancer and target group whose metrics CDK knows (defined in this app, or imported with its load balancer ARNs): "+firstLine(err.Error()))
	}
	scope, label := m.start("MonitorALB", "ALB", alb, ps)
	if scope == nil {
		return nil
	}
	if t == nil {
		t = &ALBThresholds{}
	}

	lb := []cwDim{{"LoadBalancer", lbName}}
	targets := lb
	if tg != nil {
		targets = []cwDim{{"LoadBalancer", lbName}, {"TargetGroup", tgName}}
	}
	elb := func(n string, dims []cwDim) cwMetric {
		return cwMetric{namespace: "AWS/ApplicationELB", name: n, dims: dims}
	}
	m.recordRequests(elb("RequestCount", lb), true, "load balancer "+lbName)
	count := func(id, n, lbl string, dims []cwDim, threshold float64) alarmSpec {
		return alarmSpec{
			id: id, metric: elb(n, dims), label: lbl, statistic: "Sum", period: 60,
			evaluationPeriods: 1, datapointsToAlarm: 1, threshold: threshold,
			comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		}
	}

	elb5xx := count("ELB5XX", "HTTPCode_ELB_5XX_Count", "ELB 5XX", lb, orDefault(t.ELB5XXCount, 0))
	elb5xx.description = m.describe(
		fmt.Sprintf("Application load balancer %s itself returned more than %s HTTP 5XX responses over 1 minute (HTTPCode_ELB_5XX_Count, Sum): requests failed before a healthy target answered them (502, 503 no healthy targets, 504 timeouts).", lbName, fmtNum(elb5xx.threshold)),
		"Check the target group's healthy hosts and the targets' logs; if a deployment just went out, roll it back.")
	target5xx := count("Target5XX", "HTTPCode_Target_5XX_Count", "Target 5XX", targets, orDefault(t.Target5XXCount, 0))
	target5xx.description = m.describe(
		fmt.Sprintf("The targets behind application load balancer %s returned more than %s HTTP 5XX responses over 1 minute (HTTPCode_Target_5XX_Count, Sum): the service is failing requests.", lbName, fmtNum(target5xx.threshold)),
		"Check the service's logs for the failing requests; if the errors started with a deployment, roll it back.")
	periods := orDefault(t.TargetResponseTimeEvaluationPeriods, 3)
	responseTime := alarmSpec{
		id: "TargetResponseTimeP95", metric: elb("TargetResponseTime", targets), label: "Response time p95", statistic: "p95", period: 60,
		evaluationPeriods: periods, datapointsToAlarm: periods, threshold: orDefault(t.TargetResponseTimeP95, 1),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	responseTime.description = m.describe(
		fmt.Sprintf("The p95 target response time of application load balancer %s was above %s s %s: at least 1 in 20 requests is slow.", lbName, fmtNum(responseTime.threshold), windowText(60, periods, periods)),
		"Check the targets' CPU and memory, slow dependencies (databases, downstream APIs) and recent deployments; scale out if the targets are saturated.")
	rejected := count("RejectedConnections", "RejectedConnectionCount", "Rejected connections", lb, orDefault(t.RejectedConnectionCount, 0))
	rejected.description = m.describe(
		fmt.Sprintf("Application load balancer %s rejected more than %s connections over 1 minute because it reached its maximum number of connections: clients got connection errors.", lbName, fmtNum(rejected.threshold)),
		"Look for a traffic surge or an attack (consider AWS WAF rate rules); if it persists at normal traffic, contact AWS Support.")

	alarms := []awscloudwatch.Alarm{
		m.newAlarm(scope, elb5xx),
		m.newAlarm(scope, target5xx),
		m.newAlarm(scope, responseTime),
	}
	var unhealthy alarmSpec
	if tg != nil {
		unhealthy = alarmSpec{
			id: "UnhealthyHosts", metric: elb("UnHealthyHostCount", targets), label: "Unhealthy hosts", statistic: "Maximum", period: 60,
			evaluationPeriods: 2, datapointsToAlarm: 2, threshold: orDefault(t.UnhealthyHostCount, 0),
			comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		}
		unhealthy.description = m.describe(
			fmt.Sprintf("Target group %s of application load balancer %s had more than %s unhealthy targets %s: targets fail their health checks and get no traffic.", tgName, lbName, fmtNum(unhealthy.threshold), windowText(60, 2, 2)),
			"Check the health check path and port, and the failing targets' logs; the ELB5XX alarm tells whether users are affected.")
		alarms = append(alarms, m.newAlarm(scope, unhealthy))
	} else {
		awscdk.Annotations_Of(m).AddWarningV2(jsii.String("velocity:alb-without-target-group"),
			jsii.String("MonitorALB("+label+"): no target group, so no UnhealthyHosts alarm (UnHealthyHostCount needs a target group). Pass the service's target group to monitor its health."), nil)
	}
	alarms = append(alarms, m.newAlarm(scope, rejected))

	m.addGraph(sigTraffic, graphSpec{title: label + ": requests", unit: "Count", lines: []graphLine{
		{metric: elb("RequestCount", lb), stat: "Sum", period: 60, label: "Requests"},
	}})
	errGraph := alarmGraph(label+": 5XX responses", "Count", elb5xx,
		graphLine{metric: target5xx.metric, stat: "Sum", period: 60, label: target5xx.label},
		graphLine{metric: elb("HTTPCode_Target_4XX_Count", targets), stat: "Sum", period: 60, label: "Target 4XX"})
	if target5xx.threshold != elb5xx.threshold {
		errGraph.annotations = append(errGraph.annotations, thresholdOf(target5xx))
	}
	m.addGraph(sigErrors, errGraph)
	m.addGraph(sigLatency, alarmGraph(label+": response time", "seconds", responseTime,
		graphLine{metric: responseTime.metric, stat: "p50", period: 60, label: "Response time p50"},
		graphLine{metric: responseTime.metric, stat: "p99", period: 60, label: "Response time p99"}))
	if tg != nil {
		m.addGraph(sigSaturation, alarmGraph(label+": hosts", "Count", unhealthy,
			graphLine{metric: elb("HealthyHostCount", targets), stat: "Minimum", period: 60, label: "Healthy hosts"}))
	}
	m.addGraph(sigSaturation, alarmGraph(label+": connections", "Count", rejected,
		graphLine{metric: elb("ActiveConnectionCount", lb), stat: "Sum", period: 60, label: "Active connections"}))
	return alarms
}

// albNames returns the full names CloudWatch uses as the LoadBalancer and
// TargetGroup dimensions ("app/name/id", "targetgroup/name/id"). For an
// imported load balancer or target group it reads them from the metrics
// aws-cdk-lib would use.
func albNames(alb awselasticloadbalancingv2.IApplicationLoadBalancer, tg awselasticloadbalancingv2.IApplicationTargetGroup) (lb, group string) {
	if f, ok := alb.(interface{ LoadBalancerFullName() *string }); ok {
		lb = *f.LoadBalancerFullName()
	} else {
		lb = dimension(alb.Metrics().RequestCount(nil), "LoadBalancer")
	}
	if tg == nil {
		return lb, ""
	}
	if f, ok := tg.(interface{ TargetGroupFullName() *string }); ok {
		group = *f.TargetGroupFullName()
	} else {
		group = dimension(tg.Metrics().HealthyHostCount(nil), "TargetGroup")
	}
	return lb, group
}

// dimension returns the value of one dimension of a metric.
func dimension(x awscloudwatch.Metric, name string) string {
	if d := x.Dimensions(); d != nil {
		if v, ok := (*d)[name].(string); ok {
			return v
		}
	}
	panic(fmt.Sprintf("the metric has no %s dimension", name))
}

// firstLine returns the first line of a (jsii) error message.
func firstLine(s string) string {
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
