package monitoring_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
)

// TestTrafficAlarm checks the bake's data alarm: it counts the front door
// (here the load balancer, monitored after the function), sums it over the
// window, breaches on missing data, has no actions and stays out of the
// gate.
func TestTrafficAlarm(t *testing.T) {
	_, stack := newStack()
	m, _ := svcMonitor(stack)
	m.MonitorLambda(svcFunction(stack, awscdk.Duration_Seconds(jsii.Number(10))), nil, nil)
	alb, tg := svcALB(stack)
	m.MonitorALB(alb, tg, nil)
	alarm := m.NewTrafficAlarm("Traffic", 15*time.Minute, 40)
	if alarm == nil {
		t.Fatal("NewTrafficAlarm returned nil")
	}
	if monitoring.IsGate(alarm) {
		t.Error("the traffic alarm is part of the gate; want it marked NotAGate")
	}
	tpl := cdktest.Template(t, stack)
	for _, r := range cdktest.Resources(t, tpl, "AWS::CloudWatch::Alarm") {
		p := r["Properties"].(map[string]interface{})
		if p["MetricName"] != "RequestCount" || p["Statistic"] != "Sum" {
			continue
		}
		if p["Period"] != 900.0 || p["Threshold"] != 40.0 || p["ComparisonOperator"] != "LessThanThreshold" || p["TreatMissingData"] != "breaching" {
			t.Errorf("traffic alarm = %v", p)
		}
		if _, ok := p["AlarmActions"]; ok {
			t.Errorf("traffic alarm has actions: a quiet night is not an incident")
		}
		return
	}
	t.Error("no alarm on the load balancer's RequestCount")
}

func TestTrafficAlarmErrors(t *testing.T) {
	_, stack := newStack()
	m, _ := svcMonitor(stack)
	if m.NewTrafficAlarm("Idle", 5*time.Minute, 10) != nil {
		t.Error("a monitor that watches nothing made a traffic alarm")
	}
	m.MonitorLambda(svcFunction(stack, awscdk.Duration_Seconds(jsii.Number(10))), nil, nil)
	if m.NewTrafficAlarm("Bad", 90*time.Second, 0.5) != nil {
		t.Error("invalid arguments made a traffic alarm")
	}
	errs := strings.Join(cdktest.Errors(t, stack), "\n")
	for _, want := range []string{"watches nothing that serves requests", "window 1m30s", "minRequests 0.5"} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors lack %q:\n%s", want, errs)
		}
	}
}
