package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// AutoScalingThresholds overrides the alarms MonitorAutoScaling creates.
// Every field is optional: 0 (false) keeps the default, so the zero value
// (or a nil *AutoScalingThresholds) is every default.
type AutoScalingThresholds struct {
	// Burstable adds the CPUCreditBalance alarm and graph, for a group of
	// burstable instances (T2, T3, T4g), which are throttled to their
	// baseline CPU when their credits run out. Default: false, no credit
	// alarm (CloudWatch reports no CPUCreditBalance for other instance
	// types, and MonitorAutoScaling cannot see the group's instance type).
	Burstable bool
	// CPUUtilization: the CPUUtilization alarm fires when the average CPU
	// of the group's instances is above this percentage (AWS/EC2
	// CPUUtilization by AutoScalingGroupName, Average over 600 s, 1 of 1).
	// Missing data: not breaching. 0 keeps the default: 80.
	CPUUtilization float64
	// StatusCheckFailed: the StatusCheckFailed alarm fires when more than
	// this is reported (AWS/EC2 StatusCheckFailed, Maximum over 60 s, 2 of
	// 2; 1 means an instance fails a check). Missing data: not breaching.
	// Default: 0.
	StatusCheckFailed float64
	// CPUCreditBalance: the CPUCreditBalance alarm (only with Burstable)
	// fires when an instance's credit balance is below this (AWS/EC2
	// CPUCreditBalance, Minimum over 300 s, 1 of 1). Missing data: not
	// breaching. 0 keeps the default: 20. A balance is never below 0, so
	// there is no threshold that turns the alarm quiet: to have no credit
	// alarm, leave Burstable false.
	CPUCreditBalance float64
}

// Validate reports every invalid threshold, joined into one error
// (errors.As finds each Problem); nil when all are valid or t is nil.
func (t *AutoScalingThresholds) Validate() error { return t.problems().Err() }

func (t *AutoScalingThresholds) problems() problem.List {
	var ps problem.List
	if t == nil {
		return ps
	}
	belowLimit(&ps, "CPUUtilization", t.CPUUtilization)
	atLeastZero(&ps, "StatusCheckFailed", t.StatusCheckFailed)
	atLeastZero(&ps, "CPUCreditBalance", t.CPUCreditBalance)
	return ps
}

// MonitorAutoScaling creates the alarms of an EC2 Auto Scaling group, on
// the AWS/EC2 metrics of its instances (dimension AutoScalingGroupName),
// and adds its graphs (network; status checks; CPU and credits) to the
// dashboard:
//
//   - CPUUtilization: CPUUtilization Average over 600 s > 80%, 1 of 1.
//   - StatusCheckFailed: StatusCheckFailed Maximum over 60 s > 0, 2 of 2.
//   - CPUCreditBalance, only with t.Burstable (T instance types):
//     CPUCreditBalance Minimum over 300 s < 20, 1 of 1. T3/T4g instances
//     in unlimited mode launch with no credits, so expect it briefly
//     after a scale-out, or leave Burstable false to have no credit alarm.
//
// Missing data is not breaching for all of them: a group scaled to zero
// has no metrics and nothing wrong. t says whether the group is burstable
// and overrides thresholds (nil: not burstable, defaults). It returns the
// alarms it created; invalid arguments create nothing and are reported as
// synth errors.
func (m *ServiceMonitor) MonitorAutoScaling(asg awsautoscaling.IAutoScalingGroup, t *AutoScalingThresholds) []awscloudwatch.Alarm {
	var ps problem.List
	ps.Nest("AutoScalingThresholds", t.problems())
	var name string
	if asg == nil {
		ps.Add("asg", "nil", "an awsautoscaling.IAutoScalingGroup")
	} else {
		name = *asg.AutoScalingGroupName()
	}
	scope, label := m.start("MonitorAutoScaling", "AutoScaling", asg, ps)
	if scope == nil {
		return nil
	}
	if t == nil {
		t = &AutoScalingThresholds{}
	}
	ec2 := func(n string) cwMetric {
		return cwMetric{namespace: "AWS/EC2", name: n, dims: []cwDim{{"AutoScalingGroupName", name}}}
	}

	cpu := alarmSpec{
		id: "CPUUtilization", metric: ec2("CPUUtilization"), label: "CPU", statistic: "Average", period: 600,
		evaluationPeriods: 1, datapointsToAlarm: 1, threshold: orDefault(t.CPUUtilization, 80),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	cpu.description = m.describe(
		fmt.Sprintf("The average CPU utilization of the instances of Auto Scaling group %s was above %s%% over 10 minutes: the instances are saturated and requests slow down.", name, fmtNum(cpu.threshold)),
		"Check whether the group is at its maximum capacity and its scaling policy reacts, look for a runaway process, or move to a larger instance type.")
	status := alarmSpec{
		id: "StatusCheckFailed", metric: ec2("StatusCheckFailed"), label: "Status check failed", statistic: "Maximum", period: 60,
		evaluationPeriods: 2, datapointsToAlarm: 2, threshold: orDefault(t.StatusCheckFailed, 0),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	status.description = m.describe(
		fmt.Sprintf("An instance of Auto Scaling group %s failed its EC2 status checks (StatusCheckFailed above %s) %s: the instance or its host is impaired.", name, fmtNum(status.threshold), windowText(60, 2, 2)),
		"The group replaces instances that fail EC2 health checks; if it does not, check the group's health check settings and the instance's system log. If it keeps happening, suspect the AMI or the instance's configuration.")

	alarms := []awscloudwatch.Alarm{m.newAlarm(scope, cpu), m.newAlarm(scope, status)}

	m.addGraph(sigTraffic, graphSpec{title: label + ": network", unit: "Bytes", lines: []graphLine{
		{metric: ec2("NetworkIn"), stat: "Sum", period: 300, label: "Network in"},
		{metric: ec2("NetworkOut"), stat: "Sum", period: 300, label: "Network out"},
	}})
	m.addGraph(sigErrors, alarmGraph(label+": status checks", "Count", status))
	m.addGraph(sigSaturation, alarmGraph(label+": CPU", "%", cpu,
		graphLine{metric: cpu.metric, stat: "Maximum", period: 600, label: "CPU (busiest instance)"}))

	if t.Burstable {
		credits := alarmSpec{
			id: "CPUCreditBalance", metric: ec2("CPUCreditBalance"), label: "CPU credit balance", statistic: "Minimum", period: 300,
			evaluationPeriods: 1, datapointsToAlarm: 1, threshold: orDefault(t.CPUCreditBalance, 20),
			comparison: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		}
		credits.description = m.describe(
			fmt.Sprintf("The CPU credit balance of an instance of Auto Scaling group %s fell below %s over 5 minutes: burstable instances in standard mode are about to be throttled to their baseline CPU, in unlimited mode you start paying for surplus credits.", name, fmtNum(credits.threshold)),
			"Scale out, or move to a larger or non-burstable instance type. Right after a scale-out, T3/T4g instances in unlimited mode start with no credits, so a short alarm then is expected.")
		alarms = append(alarms, m.newAlarm(scope, credits))
		m.addGraph(sigSaturation, alarmGraph(label+": CPU credits", "Credits", credits))
	}
	return alarms
}
