package monitoring

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// ECSThresholds overrides the alarms MonitorECS creates. Every field is
// optional: 0 keeps the default, so the zero value (or a nil
// *ECSThresholds) is every default. The running-tasks threshold is the
// desired argument of MonitorECS.
type ECSThresholds struct {
	// CPUUtilization: the CPUUtilization alarm fires when the service's
	// average CPU is above this percentage of what its tasks reserve
	// (AWS/ECS CPUUtilization, Average over 300 s, 1 of 1). Missing data:
	// not breaching. 0 keeps the default: 80.
	CPUUtilization float64
	// MemoryUtilization: the MemoryUtilization alarm fires when the
	// service's average memory is above this percentage (AWS/ECS
	// MemoryUtilization, Average over 300 s, 1 of 1). Missing data: not
	// breaching. 0 keeps the default: 80.
	MemoryUtilization float64
}

// Validate reports every invalid threshold, joined into one error
// (errors.As finds each Problem); nil when all are valid or t is nil.
func (t *ECSThresholds) Validate() error { return t.problems().Err() }

func (t *ECSThresholds) problems() problem.List {
	var ps problem.List
	if t == nil {
		return ps
	}
	percent(&ps, "CPUUtilization", t.CPUUtilization)
	percent(&ps, "MemoryUtilization", t.MemoryUtilization)
	return ps
}

// MonitorECS creates the alarms of an ECS service (Fargate or EC2) and
// adds its graphs (CPU and memory; running tasks) to the dashboard:
//
//   - CPUUtilization: AWS/ECS CPUUtilization Average over 300 s > 80%, 1
//     of 1, missing data not breaching.
//   - MemoryUtilization: AWS/ECS MemoryUtilization Average over 300 s >
//     80%, 1 of 1, not breaching.
//   - RunningTasks: ECS/ContainerInsights RunningTaskCount Maximum over
//     300 s < desired, 1 of 1: the service ran fewer tasks than desired
//     during 5 whole minutes. Missing data is BREACHING: no data means the
//     service or its metrics are gone. This metric exists only with
//     Container Insights on the cluster (awsecs.ClusterProps
//     ContainerInsightsV2); without it the alarm stays in ALARM.
//
// desired is the fewest tasks the service should ever run: its desired
// count, or its minimum capacity when it auto-scales; at least 1. t
// overrides the CPU and memory thresholds (nil: defaults). It returns the
// alarms it created; invalid arguments create nothing and are reported as
// synth errors.
func (m *ServiceMonitor) MonitorECS(svc awsecs.IBaseService, desired int, t *ECSThresholds) []awscloudwatch.Alarm {
	var ps problem.List
	ps.Nest("ECSThresholds", t.problems())
	if desired < 1 {
		ps.Add("desired", strconv.Itoa(desired), "the service's desired count or minimum capacity, at least 1")
	}
	var service, cluster string
	if svc == nil {
		ps.Add("svc", "nil", "an awsecs.IBaseService")
	} else if err := catchJSII(func() { service, cluster = *svc.ServiceName(), *svc.Cluster().ClusterName() }); err != nil {
		ps.Add("svc", "imported", "a service with a cluster: "+firstLine(err.Error()))
	}
	scope, label := m.start("MonitorECS", "ECS", svc, ps)
	if scope == nil {
		return nil
	}
	if t == nil {
		t = &ECSThresholds{}
	}
	dims := []cwDim{{"ClusterName", cluster}, {"ServiceName", service}}
	ecs := func(n string) cwMetric { return cwMetric{namespace: "AWS/ECS", name: n, dims: dims} }
	utilization := func(id, lbl string, threshold float64, consequence, todo string) alarmSpec {
		s := alarmSpec{
			id: id, metric: ecs(id), label: lbl, statistic: "Average", period: 300,
			evaluationPeriods: 1, datapointsToAlarm: 1, threshold: threshold,
			comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
		}
		s.description = m.describe(
			fmt.Sprintf("The average %s utilization of ECS service %s in cluster %s was above %s%% over 5 minutes: %s", lbl, service, cluster, fmtNum(threshold), consequence), todo)
		return s
	}
	cpu := utilization("CPUUtilization", "CPU", orDefault(t.CPUUtilization, 80),
		"its tasks are saturated and requests slow down.",
		"Check whether service auto scaling is at its maximum task count, look for runaway work in the tasks' logs, or give the task definition more CPU.")
	memory := utilization("MemoryUtilization", "memory", orDefault(t.MemoryUtilization, 80),
		"its tasks risk being stopped out of memory (exit code 137).",
		"Look for a memory leak in the tasks' logs and metrics, scale out, or give the task definition more memory.")
	running := alarmSpec{
		id: "RunningTasks", metric: cwMetric{namespace: "ECS/ContainerInsights", name: "RunningTaskCount", dims: dims},
		label: "Running tasks", statistic: "Maximum", period: 300,
		evaluationPeriods: 1, datapointsToAlarm: 1, threshold: float64(desired),
		comparison: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_BREACHING,
	}
	running.description = m.describe(
		fmt.Sprintf("ECS service %s in cluster %s ran fewer than %d tasks during 5 whole minutes (Container Insights RunningTaskCount, Maximum), or reported no data: capacity is lost or the service is down.", service, cluster, desired),
		"Read the service's events and the stopped reasons of its tasks in the ECS console (failing health checks, image pull errors, out of memory, no capacity). Missing data counts as breaching, so the cluster needs Container Insights.")

	alarms := []awscloudwatch.Alarm{m.newAlarm(scope, cpu), m.newAlarm(scope, memory), m.newAlarm(scope, running)}

	use := alarmGraph(label+": CPU and memory", "%", cpu, graphLine{metric: memory.metric, stat: "Average", period: 300, label: "Memory"})
	if memory.threshold != cpu.threshold {
		use.annotations = append(use.annotations, thresholdOf(memory))
	}
	m.addGraph(sigSaturation, use)
	m.addGraph(sigSaturation, alarmGraph(label+": running tasks", "Count", running,
		graphLine{metric: cwMetric{namespace: "ECS/ContainerInsights", name: "DesiredTaskCount", dims: dims}, stat: "Maximum", period: 300, label: "Desired tasks"}))
	return alarms
}
