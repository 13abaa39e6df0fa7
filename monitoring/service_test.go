package monitoring_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssynthetics"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
)

// Fixtures: the resources a service monitor watches. Imported resources
// keep synth fast and give concrete dimension values.

func svcFunction(stack awscdk.Stack, timeout awscdk.Duration) awslambda.Function {
	return awslambda.NewFunction(stack, jsii.String("Handler"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({ statusCode: 200 });")),
		Timeout: timeout,
	})
}

// svcVpc imports a VPC as id.
func svcVpc(stack awscdk.Stack, id string) awsec2.IVpc {
	return awsec2.Vpc_FromVpcAttributes(stack, jsii.String(id), &awsec2.VpcAttributes{
		VpcId:                     jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:         jsii.Strings("eu-west-1a", "eu-west-1b"),
		PublicSubnetIds:           jsii.Strings("subnet-0123456789abcdef0", "subnet-0123456789abcdef1"),
		PublicSubnetRouteTableIds: jsii.Strings("rtb-0123456789abcdef0", "rtb-0123456789abcdef1"),
	})
}

func svcALB(stack awscdk.Stack) (awselasticloadbalancingv2.ApplicationLoadBalancer, awselasticloadbalancingv2.ApplicationTargetGroup) {
	vpc := svcVpc(stack, "Vpc")
	alb := awselasticloadbalancingv2.NewApplicationLoadBalancer(stack, jsii.String("LB"), &awselasticloadbalancingv2.ApplicationLoadBalancerProps{
		Vpc: vpc, InternetFacing: jsii.Bool(true),
	})
	tg := awselasticloadbalancingv2.NewApplicationTargetGroup(stack, jsii.String("Targets"), &awselasticloadbalancingv2.ApplicationTargetGroupProps{
		Vpc: vpc, Port: jsii.Number(8080), Protocol: awselasticloadbalancingv2.ApplicationProtocol_HTTP, TargetType: awselasticloadbalancingv2.TargetType_IP,
	})
	alb.AddListener(jsii.String("Http"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port: jsii.Number(80), DefaultTargetGroups: &[]awselasticloadbalancingv2.IApplicationTargetGroup{tg},
	})
	return alb, tg
}

func svcRestAPI(stack awscdk.Stack) awsapigateway.RestApi {
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), &awsapigateway.RestApiProps{RestApiName: jsii.String("orders-api")})
	api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
	return api
}

func svcCanary(stack awscdk.Stack) awssynthetics.Canary {
	return awssynthetics.NewCanary(stack, jsii.String("Probe"), &awssynthetics.CanaryProps{
		CanaryName: jsii.String("orders-probe"),
		Runtime:    awssynthetics.Runtime_SYNTHETICS_NODEJS_PUPPETEER_9_1(),
		Test: awssynthetics.Test_Custom(&awssynthetics.CustomTestOptions{
			Code:    awssynthetics.Code_FromInline(jsii.String("exports.handler = async () => {};")),
			Handler: jsii.String("index.handler"),
		}),
	})
}

func svcECS(stack awscdk.Stack) awsecs.IBaseService {
	cluster := awsecs.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awsecs.ClusterAttributes{
		ClusterName: jsii.String("main"), Vpc: svcVpc(stack, "ClusterVpc"),
	})
	return awsecs.FargateService_FromFargateServiceAttributes(stack, jsii.String("Service"), &awsecs.FargateServiceAttributes{
		Cluster: cluster, ServiceName: jsii.String("orders"),
	})
}

// svcMonitor returns a monitor named "orders" whose alarms notify a new
// Alerts, and the logical id of the alerts topic.
func svcMonitor(stack awscdk.Stack) (*monitoring.ServiceMonitor, func() string) {
	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders", Alerts: alerts})
	return m, func() string { return svcLogicalID(stack, alerts.Topic) }
}

func svcLogicalID(stack awscdk.Stack, c constructs.IConstruct) string {
	return *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// svcWantAlarm is what one alarm must synthesize to.
type svcWantAlarm struct {
	metric, namespace string
	// stat is a statistic (Sum, Average, ...) or a percentile (p95).
	stat                                  string
	period, evaluation, datapoints, limit float64
	comparison, missing                   string
	// dims are the exact Dimensions; nil means none.
	dims []interface{}
}

func svcDims(kv ...interface{}) []interface{} {
	var out []interface{}
	for i := 0; i < len(kv); i += 2 {
		out = append(out, map[string]interface{}{"Name": kv[i], "Value": kv[i+1]})
	}
	return out
}

func svcRef(id string) map[string]interface{} { return map[string]interface{}{"Ref": id} }

func svcGetAtt(id, attr string) map[string]interface{} {
	return map[string]interface{}{"Fn::GetAtt": []interface{}{id, attr}}
}

// svcAssertAlarms checks that every wanted alarm exists exactly once, notifies
// topic (a logical id; "" for no actions), and that its description starts
// with the monitor's name and says what to do.
func svcAssertAlarms(t *testing.T, tpl assertions.Template, topic string, want []svcWantAlarm) {
	t.Helper()
	for _, w := range want {
		props := map[string]interface{}{
			"MetricName":         w.metric,
			"Namespace":          w.namespace,
			"Period":             w.period,
			"EvaluationPeriods":  w.evaluation,
			"DatapointsToAlarm":  w.datapoints,
			"Threshold":          w.limit,
			"ComparisonOperator": w.comparison,
			"TreatMissingData":   w.missing,
			"Dimensions":         assertions.Match_Absent(),
		}
		if w.dims != nil {
			props["Dimensions"] = w.dims
		}
		if strings.HasPrefix(w.stat, "p") {
			props["ExtendedStatistic"], props["Statistic"] = w.stat, assertions.Match_Absent()
		} else {
			props["Statistic"], props["ExtendedStatistic"] = w.stat, assertions.Match_Absent()
		}
		if topic != "" {
			props["AlarmActions"] = []interface{}{svcRef(topic)}
			props["OKActions"] = []interface{}{svcRef(topic)}
		} else {
			props["AlarmActions"], props["OKActions"] = assertions.Match_Absent(), assertions.Match_Absent()
		}
		var found *map[string]*map[string]interface{}
		cdktest.Check(t, func() {
			found = tpl.FindResources(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{"Properties": props})
		})
		if len(*found) != 1 {
			t.Errorf("%d alarms on %s %s (%s, %gs, %g of %g, %s %g, %s), want 1", len(*found), w.namespace, w.metric,
				w.stat, w.period, w.datapoints, w.evaluation, w.comparison, w.limit, w.missing)
			continue
		}
		for id, r := range *found {
			desc := svcFlatten((*r)["Properties"].(map[string]interface{})["AlarmDescription"])
			if !strings.HasPrefix(desc, "[orders] ") || len(desc) < 150 || len(desc) > 1024 {
				t.Errorf("%s: AlarmDescription %q should start with [orders] and say in 150-1024 characters what to do", id, desc)
			}
		}
	}
}

// svcFlatten renders a template value as a string: Fn::Join parts joined,
// Ref as REF(id), Fn::GetAtt as ATT(id.attr).
func svcFlatten(v interface{}) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	case map[string]interface{}:
		if j, ok := x["Fn::Join"].([]interface{}); ok {
			var b strings.Builder
			for i, p := range j[1].([]interface{}) {
				if i > 0 {
					b.WriteString(j[0].(string))
				}
				b.WriteString(svcFlatten(p))
			}
			return b.String()
		}
		if r, ok := x["Ref"].(string); ok {
			return "REF(" + r + ")"
		}
		if a, ok := x["Fn::GetAtt"].([]interface{}); ok {
			return fmt.Sprintf("ATT(%v.%v)", a[0], a[1])
		}
	}
	return fmt.Sprint(v)
}

func svcAlarmCount(t *testing.T, tpl assertions.Template, n int) {
	t.Helper()
	cdktest.Check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(n)) })
}

const (
	svcGT           = "GreaterThanThreshold"
	svcLT           = "LessThanThreshold"
	svcNotBreaching = "notBreaching"
	svcBreaching    = "breaching"
	svcAlertsAlarm  = 1 // Alerts' own NotificationsFailed alarm
)

func TestMonitorLambdaAlarms(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	fn := svcFunction(stack, awscdk.Duration_Seconds(jsii.Number(10)))
	alarms := m.MonitorLambda(fn, nil, nil)
	if len(alarms) != 4 {
		t.Fatalf("MonitorLambda returned %d alarms, want 4", len(alarms))
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 4+svcAlertsAlarm)
	f := svcDims("FunctionName", svcRef(svcLogicalID(stack, fn)))
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		{"Errors", "AWS/Lambda", "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, f},
		{"Throttles", "AWS/Lambda", "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, f},
		// 80% of the function's 10 s timeout, read from the Function.
		{"Duration", "AWS/Lambda", "p99", 60, 3, 3, 8000, svcGT, svcNotBreaching, f},
		{"ConcurrentExecutions", "AWS/Lambda", "Maximum", 60, 3, 3, 800, svcGT, svcNotBreaching, nil},
	})
}

func TestMonitorLambdaOverridesAndExplicitTimeout(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	// The timeout given is the function's own.
	fn := svcFunction(stack, awscdk.Duration_Minutes(jsii.Number(1)))
	m.MonitorLambda(fn, awscdk.Duration_Seconds(jsii.Number(60)), &monitoring.LambdaThresholds{
		Errors:                      5,
		Throttles:                   2,
		DurationPercentOfTimeout:    50,
		DurationEvaluationPeriods:   5,
		ConcurrentExecutionsPercent: 90,
		AccountConcurrencyLimit:     3000,
	})
	// A second function: the account-level alarm is not repeated, and
	// other settings for it are a warning.
	other := awslambda.Function_FromFunctionName(stack, jsii.String("Other"), jsii.String("billing"))
	if got := len(m.MonitorLambda(other, nil, nil)); got != 3 {
		t.Fatalf("second MonitorLambda returned %d alarms, want 3 (no second account alarm)", got)
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 4+3+svcAlertsAlarm)
	f := svcDims("FunctionName", svcRef(svcLogicalID(stack, fn)))
	// An imported function's name is a token (Fn::Select over its ARN).
	billing := svcDims("FunctionName", assertions.Match_AnyValue())
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		{"Errors", "AWS/Lambda", "Sum", 60, 1, 1, 5, svcGT, svcNotBreaching, f},
		{"Throttles", "AWS/Lambda", "Sum", 60, 1, 1, 2, svcGT, svcNotBreaching, f},
		{"Duration", "AWS/Lambda", "p99", 60, 5, 5, 30000, svcGT, svcNotBreaching, f},
		{"ConcurrentExecutions", "AWS/Lambda", "Maximum", 60, 3, 3, 2700, svcGT, svcNotBreaching, nil},
		// An imported function: Lambda's default timeout of 3 s.
		{"Errors", "AWS/Lambda", "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, billing},
		{"Throttles", "AWS/Lambda", "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, billing},
		{"Duration", "AWS/Lambda", "p99", 60, 3, 3, 2400, svcGT, svcNotBreaching, billing},
	})
	cdktest.Check(t, func() {
		assertions.Annotations_FromStack(stack).HasWarning(jsii.String("/Monitoring/Orders"),
			assertions.Match_StringLikeRegexp(jsii.String("account concurrency alarm was created by an earlier call")))
	})
}

func TestMonitorALBAlarms(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	alb, tg := svcALB(stack)
	if got := len(m.MonitorALB(alb, tg, nil)); got != 5 {
		t.Fatalf("MonitorALB returned %d alarms, want 5", got)
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 5+svcAlertsAlarm)
	lbID, tgID := svcLogicalID(stack, alb), svcLogicalID(stack, tg)
	lb := svcDims("LoadBalancer", svcGetAtt(lbID, "LoadBalancerFullName"))
	targets := svcDims("LoadBalancer", svcGetAtt(lbID, "LoadBalancerFullName"), "TargetGroup", svcGetAtt(tgID, "TargetGroupFullName"))
	const ns = "AWS/ApplicationELB"
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		{"HTTPCode_ELB_5XX_Count", ns, "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, lb},
		{"HTTPCode_Target_5XX_Count", ns, "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, targets},
		{"TargetResponseTime", ns, "p95", 60, 3, 3, 1, svcGT, svcNotBreaching, targets},
		{"UnHealthyHostCount", ns, "Maximum", 60, 2, 2, 0, svcGT, svcNotBreaching, targets},
		{"RejectedConnectionCount", ns, "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, lb},
	})
}

func TestMonitorALBOverridesWithoutTargetGroup(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders"})
	alb, _ := svcALB(stack)
	alarms := m.MonitorALB(alb, nil, &monitoring.ALBThresholds{
		ELB5XXCount:                         10,
		Target5XXCount:                      20,
		TargetResponseTimeP95:               0.5,
		TargetResponseTimeEvaluationPeriods: 5,
		RejectedConnectionCount:             1,
	})
	if len(alarms) != 4 {
		t.Fatalf("MonitorALB without a target group returned %d alarms, want 4", len(alarms))
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 4)
	lb := svcDims("LoadBalancer", svcGetAtt(svcLogicalID(stack, alb), "LoadBalancerFullName"))
	const ns = "AWS/ApplicationELB"
	// No Alerts: no actions.
	svcAssertAlarms(t, tpl, "", []svcWantAlarm{
		{"HTTPCode_ELB_5XX_Count", ns, "Sum", 60, 1, 1, 10, svcGT, svcNotBreaching, lb},
		{"HTTPCode_Target_5XX_Count", ns, "Sum", 60, 1, 1, 20, svcGT, svcNotBreaching, lb},
		{"TargetResponseTime", ns, "p95", 60, 5, 5, 0.5, svcGT, svcNotBreaching, lb},
		{"RejectedConnectionCount", ns, "Sum", 60, 1, 1, 1, svcGT, svcNotBreaching, lb},
	})
	cdktest.Check(t, func() {
		assertions.Annotations_FromStack(stack).HasWarning(jsii.String("/Monitoring/Orders"),
			assertions.Match_StringLikeRegexp(jsii.String("no target group, so no UnhealthyHosts alarm")))
	})
}

func TestMonitorAutoScalingAlarms(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	web := awsautoscaling.AutoScalingGroup_FromAutoScalingGroupName(stack, jsii.String("Web"), jsii.String("web-asg"))
	workers := awsautoscaling.AutoScalingGroup_FromAutoScalingGroupName(stack, jsii.String("Workers"), jsii.String("workers-asg"))
	if got := len(m.MonitorAutoScaling(web, &monitoring.AutoScalingThresholds{Burstable: true})); got != 3 {
		t.Fatalf("burstable MonitorAutoScaling returned %d alarms, want 3", got)
	}
	if got := len(m.MonitorAutoScaling(workers, &monitoring.AutoScalingThresholds{
		CPUUtilization: 60, StatusCheckFailed: 1, CPUCreditBalance: 50,
	})); got != 2 {
		t.Fatalf("MonitorAutoScaling returned %d alarms, want 2 (no credit alarm when not burstable)", got)
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 5+svcAlertsAlarm)
	w, k := svcDims("AutoScalingGroupName", "web-asg"), svcDims("AutoScalingGroupName", "workers-asg")
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		{"CPUUtilization", "AWS/EC2", "Average", 600, 1, 1, 80, svcGT, svcNotBreaching, w},
		{"StatusCheckFailed", "AWS/EC2", "Maximum", 60, 2, 2, 0, svcGT, svcNotBreaching, w},
		{"CPUCreditBalance", "AWS/EC2", "Minimum", 300, 1, 1, 20, svcLT, svcNotBreaching, w},
		{"CPUUtilization", "AWS/EC2", "Average", 600, 1, 1, 60, svcGT, svcNotBreaching, k},
		{"StatusCheckFailed", "AWS/EC2", "Maximum", 60, 2, 2, 1, svcGT, svcNotBreaching, k},
	})
}

func TestMonitorECSAlarms(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	svc := svcECS(stack)
	if got := len(m.MonitorECS(svc, 2, &monitoring.ECSThresholds{MemoryUtilization: 90})); got != 3 {
		t.Fatalf("MonitorECS returned %d alarms, want 3", got)
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 3+svcAlertsAlarm)
	d := svcDims("ClusterName", "main", "ServiceName", "orders")
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		{"CPUUtilization", "AWS/ECS", "Average", 300, 1, 1, 80, svcGT, svcNotBreaching, d},
		{"MemoryUtilization", "AWS/ECS", "Average", 300, 1, 1, 90, svcGT, svcNotBreaching, d},
		// Missing data: the service is gone (or Container Insights off).
		{"RunningTaskCount", "ECS/ContainerInsights", "Maximum", 300, 1, 1, 2, svcLT, svcBreaching, d},
	})
}

func TestMonitorAPIGatewayAlarms(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	api := svcRestAPI(stack)
	if got := len(m.MonitorAPIGateway(api, "", &monitoring.APIGatewayThresholds{LatencyP99: 500})); got != 3 {
		t.Fatalf("MonitorAPIGateway returned %d alarms, want 3", got)
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 3+svcAlertsAlarm)
	// The default stage of a RestApi is prod.
	d := svcDims("ApiName", "orders-api", "Stage", svcRef(svcLogicalID(stack, api.DeploymentStage())))
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		{"5XXError", "AWS/ApiGateway", "Sum", 60, 1, 1, 0, svcGT, svcNotBreaching, d},
		{"Latency", "AWS/ApiGateway", "p99", 60, 3, 3, 500, svcGT, svcNotBreaching, d},
	})
	// The 4XX rate is metric math: 100 * 4XXError / Count over 5 minutes.
	svcAPIRate(t, tpl, topic(), "4XXError", d, 5)
}

func TestMonitorAPIGatewayExplicitStage(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders", NoDashboard: true})
	api := awsapigateway.RestApi_FromRestApiId(stack, jsii.String("Imported"), jsii.String("abc123"))
	m.MonitorAPIGateway(api, "live", nil)
	tpl := cdktest.Template(t, stack)
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"MetricName": "5XXError",
			"Dimensions": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Name": "Stage", "Value": "live"}}),
		})
		tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(0))
	})
}

func TestMonitorCanaryAlarm(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	canary := svcCanary(stack)
	if got := len(m.MonitorCanary(canary, nil)); got != 1 {
		t.Fatalf("MonitorCanary returned %d alarms, want 1", got)
	}
	imported := awssynthetics.Canary_FromCanaryName(stack, jsii.String("Elsewhere"), jsii.String("checkout-probe"))
	m.MonitorCanary(imported, &monitoring.CanaryThresholds{SuccessPercent: 90, EvaluationPeriods: 3})
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 2+svcAlertsAlarm)
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		// Missing data: the canary did not run, so nothing is checked.
		{"SuccessPercent", "CloudWatchSynthetics", "Average", 300, 2, 2, 100, svcLT, svcBreaching, svcDims("CanaryName", svcRef(svcLogicalID(stack, canary)))},
		{"SuccessPercent", "CloudWatchSynthetics", "Average", 300, 3, 3, 90, svcLT, svcBreaching, svcDims("CanaryName", "checkout-probe")},
	})
}

func TestServiceMonitorAlarms(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders"})
	fn := m.MonitorLambda(svcFunction(stack, nil), nil, nil)
	svc := m.MonitorECS(svcECS(stack), 1, nil)
	all := m.Alarms()
	if len(all) != len(fn)+len(svc) {
		t.Fatalf("Alarms() has %d alarms, want %d", len(all), len(fn)+len(svc))
	}
	for i, a := range append(fn, svc...) {
		if all[i] != a {
			t.Fatalf("Alarms()[%d] is not the %d-th alarm returned", i, i)
		}
	}
	all[0] = nil
	if m.Alarms()[0] == nil {
		t.Fatal("Alarms() returned the monitor's own slice, want a copy")
	}
}

func TestServiceMonitorDuplicateResourceIDs(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders"})
	// Two functions with the same construct id in different scopes.
	for _, scope := range []string{"A", "B"} {
		fn := awslambda.Function_FromFunctionName(constructs.NewConstruct(stack, jsii.String(scope)), jsii.String("Handler"), jsii.String("fn-"+scope))
		m.MonitorLambda(fn, nil, nil)
	}
	if got := len(m.Alarms()); got != 7 {
		t.Fatalf("%d alarms, want 7", got)
	}
	if errs := cdktest.Errors(t, stack); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
}

func TestServiceMonitorInvalidPropsAreSynthErrors(t *testing.T) {
	_, stack := newStack()
	var alarms []awscloudwatch.Alarm
	cdktest.Check(t, func() {
		m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders api"})
		alarms = m.MonitorLambda(svcFunction(stack, nil), nil, nil)
		if m.Dashboard != nil {
			t.Error("invalid props created a dashboard")
		}
		monitoring.NewServiceMonitor(stack, "Nil", nil)
	})
	if alarms != nil {
		t.Fatalf("MonitorLambda on an invalid monitor returned %d alarms, want none", len(alarms))
	}
	errs := cdktest.Errors(t, stack)
	if len(errs) != 2 || !strings.Contains(errs[0]+errs[1], `Name: "orders api" is invalid`) {
		t.Fatalf("errors = %q, want 2 naming Name", errs)
	}
	tpl := cdktest.Template(t, stack)
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Dashboard"), jsii.Number(0))
	})
}

func TestInvalidThresholdsAreSynthErrors(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders"})
	alb, tg := svcALB(stack)
	var created int
	cdktest.Check(t, func() {
		created += len(m.MonitorLambda(svcFunction(stack, nil), awscdk.Duration_Minutes(jsii.Number(20)), &monitoring.LambdaThresholds{
			Errors: -1, DurationPercentOfTimeout: 120,
		}))
		created += len(m.MonitorALB(alb, tg, &monitoring.ALBThresholds{TargetResponseTimeEvaluationPeriods: 1.5}))
		created += len(m.MonitorECS(svcECS(stack), 0, &monitoring.ECSThresholds{CPUUtilization: 101}))
		created += len(m.MonitorCanary(nil, &monitoring.CanaryThresholds{SuccessPercent: 101}))
		created += len(m.MonitorAPIGateway(nil, "prod", nil))
		created += len(m.MonitorAutoScaling(nil, nil))
	})
	if created != 0 {
		t.Fatalf("%d alarms created from invalid thresholds, want 0", created)
	}
	errs := cdktest.Errors(t, stack)
	joined := strings.Join(errs, "\n")
	for _, want := range []string{
		`MonitorLambda(Handler): LambdaThresholds.Errors: "-1" is invalid; want a number >= 0`,
		`MonitorLambda(Handler): LambdaThresholds.DurationPercentOfTimeout: "120" is invalid`,
		`MonitorLambda(Handler): timeout: "1200000 ms" is invalid; want a Lambda timeout from 1 ms to 15 minutes`,
		`MonitorLambda(Handler): timeout: "1200000 ms" is invalid; want the function's own timeout (3000 ms), or nil to read it from the function`,
		`MonitorALB(LB): ALBThresholds.TargetResponseTimeEvaluationPeriods: "1.5" is invalid`,
		`MonitorECS(Service): ECSThresholds.CPUUtilization: "101" is invalid; want a percentage from 0 to 100`,
		`MonitorECS(Service): desired: "0" is invalid`,
		`MonitorCanary(nil): CanaryThresholds.SuccessPercent: "101" is invalid`,
		`MonitorCanary(nil): canary: "nil" is invalid; want an awssynthetics.ICanary`,
		`MonitorAPIGateway(nil): api: "nil" is invalid`,
		`MonitorAutoScaling(nil): asg: "nil" is invalid`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors do not contain %q:\n%s", want, joined)
		}
	}
	if len(errs) != 11 {
		t.Errorf("%d errors, want 11:\n%s", len(errs), joined)
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 0)
}

func TestServiceMonitorNagClean(t *testing.T) {
	app, stack := newStack()
	awscdk.Aspects_Of(app).Add(cdktest.Nag(), nil)
	m, _ := svcMonitor(stack)
	m.MonitorLambda(svcFunction(stack, nil), nil, nil)
	alb, tg := svcALB(stack)
	m.MonitorALB(alb, tg, nil)
	cdktest.Template(t, stack)
	var mine []string
	all := cdktest.NagErrors(t, stack)
	t.Logf("%d cdk-nag errors in the stack, on the resources monitored", len(all))
	for _, e := range all {
		if strings.HasPrefix(e, "/Monitoring/Orders/") || strings.HasPrefix(e, "/Monitoring/Alerts/") {
			mine = append(mine, e)
		}
	}
	if len(mine) != 0 {
		t.Fatalf("cdk-nag errors in the monitoring resources:\n%s", strings.Join(mine, "\n"))
	}
}

func TestMonitorALBImported(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders", NoDashboard: true})
	const lbArn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/shared/50dc6c495c0c9188"
	alb := awselasticloadbalancingv2.ApplicationLoadBalancer_FromApplicationLoadBalancerAttributes(stack, jsii.String("Shared"), &awselasticloadbalancingv2.ApplicationLoadBalancerAttributes{
		LoadBalancerArn: jsii.String(lbArn), SecurityGroupId: jsii.String("sg-0123456789abcdef0"),
	})
	tg := awselasticloadbalancingv2.ApplicationTargetGroup_FromTargetGroupAttributes(stack, jsii.String("SharedTargets"), &awselasticloadbalancingv2.TargetGroupAttributes{
		TargetGroupArn:   jsii.String("arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/orders/73e2d6bc24d8a067"),
		LoadBalancerArns: jsii.String(lbArn),
	})
	if got := len(m.MonitorALB(alb, tg, nil)); got != 5 {
		t.Fatalf("MonitorALB returned %d alarms, want 5", got)
	}
	tpl := cdktest.Template(t, stack)
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"MetricName": "UnHealthyHostCount",
			"Dimensions": svcDims("LoadBalancer", "app/shared/50dc6c495c0c9188", "TargetGroup", "targetgroup/orders/73e2d6bc24d8a067"),
		})
	})
	if errs := cdktest.Errors(t, stack); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
}

// A stage the API of this app does not have would have no metrics: its
// alarms could never fire, so it is a synth error. A stage created apart
// from the API (awsapigateway.NewStage) counts.
func TestMonitorAPIGatewayStageMustBeTheAPIs(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders", NoDashboard: true})
	api := svcRestAPI(stack)
	awsapigateway.NewStage(stack, jsii.String("Canary"), &awsapigateway.StageProps{
		Deployment: awsapigateway.NewDeployment(stack, jsii.String("CanaryDeployment"), &awsapigateway.DeploymentProps{Api: api}),
		StageName:  jsii.String("canary"),
	})
	var found, missing int
	cdktest.Check(t, func() {
		found = len(m.MonitorAPIGateway(api, "canary", nil))
		missing = len(m.MonitorAPIGateway(api, "live", nil))
	})
	if found != 3 || missing != 0 {
		t.Errorf("alarms: %d for the stage it has, %d for one it lacks; want 3 and 0", found, missing)
	}
	errs := strings.Join(cdktest.Errors(t, stack), "\n")
	if want := `MonitorAPIGateway(Api): stage: "live" is invalid; want a stage of the API, which has prod, canary`; !strings.Contains(errs, want) {
		t.Errorf("errors %q, want %q", errs, want)
	}
}
