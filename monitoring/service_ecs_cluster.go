package monitoring

import (
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// ECSClusterThresholds overrides the alarms MonitorECSCluster creates.
// Every field is optional: 0 keeps the default, so the zero value (or a nil
// *ECSClusterThresholds) is every default. The container-instance
// threshold is the minInstances argument of MonitorECSCluster.
type ECSClusterThresholds struct {
	// PendingTasks: the PendingTasks alarm fires when more tasks than this
	// waited to be placed during 15 whole minutes (Container Insights
	// PendingTaskCount, Minimum over 300 s, 3 of 3). Default: 0, any task
	// that cannot be placed for that long.
	PendingTasks float64
	// DrainMinutes is how long an instance may stay in Terminating:Wait,
	// where ECS's managed draining holds it while its tasks move, before
	// the DrainingInstances alarm fires: a whole multiple of 5 from 5 to
	// 120. 0 keeps the default: 30.
	DrainMinutes float64
}

// Validate reports every invalid threshold, joined into one error
// (errors.As finds each Problem); nil when all are valid or t is nil.
func (t *ECSClusterThresholds) Validate() error { return t.problems().Err() }

func (t *ECSClusterThresholds) problems() problem.List {
	var ps problem.List
	if t == nil {
		return ps
	}
	atLeastZero(&ps, "PendingTasks", t.PendingTasks)
	if d := t.DrainMinutes; d != 0 && (!isFinite(d) || d < 5 || d > 120 || d != float64(int(d/5))*5) {
		ps.Add("DrainMinutes", fmtNum(d), "a whole multiple of 5 minutes from 5 to 120 (0 keeps the default, 30)")
	}
	return ps
}

// MonitorECSCluster creates the alarms of an ECS cluster whose capacity is
// an Auto Scaling group of EC2 instances (an ECS capacity provider), and
// adds its graphs (CPU and memory, reserved and used; container instances
// and tasks) to the dashboard:
//
//   - PendingTasks: ECS/ContainerInsights PendingTaskCount Minimum over
//     300 s > 0, 3 of 3: tasks waited 15 minutes for an instance to place
//     them on, so the capacity provider is not adding capacity (the group
//     is at its maximum, or new instances do not join the cluster).
//   - ContainerInstances: ECS/ContainerInsights ContainerInstanceCount
//     Maximum over 300 s < minInstances, 1 of 1: fewer instances are
//     registered than the group's minimum during 5 whole minutes. Missing
//     data is BREACHING: no data means no instance reports.
//   - DrainingInstances: AWS/AutoScaling GroupTerminatingInstances Minimum
//     over 300 s > 0, for 30 minutes: an instance has been draining that
//     long, so a task cannot move (no room elsewhere, or a service whose
//     minimum healthy percent cannot be kept). The group must publish its
//     group metrics (awsautoscaling.GroupMetrics_All() in its props).
//
// CPU and memory reservation (AWS/ECS CPUReservation, MemoryReservation)
// and utilization (CPUUtilization, MemoryUtilization) by cluster are
// graphs, not alarms: a capacity provider that packs instances tightly
// keeps reservation high on purpose, and tasks that cannot be placed show
// as PendingTasks. Missing data is not breaching except where said. The
// metrics of Container Insights exist only with it on (awsecs.ClusterProps
// ContainerInsightsV2).
//
// minInstances is the fewest instances the cluster should have: the
// group's minimum capacity, at least 1. t overrides thresholds (nil:
// defaults). It returns the alarms it created; invalid arguments create
// nothing and are reported as synth errors.
func (m *ServiceMonitor) MonitorECSCluster(cluster awsecs.ICluster, asg awsautoscaling.IAutoScalingGroup, minInstances int, t *ECSClusterThresholds) []awscloudwatch.Alarm {
	var ps problem.List
	ps.Nest("ECSClusterThresholds", t.problems())
	if minInstances < 1 {
		ps.Add("minInstances", strconv.Itoa(minInstances), "the group's minimum capacity, at least 1")
	}
	var clusterName, group string
	if cluster == nil {
		ps.Add("cluster", "nil", "an awsecs.ICluster")
	} else {
		clusterName = *cluster.ClusterName()
	}
	if asg == nil {
		ps.Add("asg", "nil", "the awsautoscaling.IAutoScalingGroup of the cluster's capacity provider")
	} else {
		group = *asg.AutoScalingGroupName()
	}
	scope, label := m.start("MonitorECSCluster", "ECSCluster", cluster, ps)
	if scope == nil {
		return nil
	}
	if t == nil {
		t = &ECSClusterThresholds{}
	}
	dims := []cwDim{{"ClusterName", clusterName}}
	insights := func(n string) cwMetric { return cwMetric{namespace: "ECS/ContainerInsights", name: n, dims: dims} }
	ecs := func(n string) cwMetric { return cwMetric{namespace: "AWS/ECS", name: n, dims: dims} }

	pending := alarmSpec{
		id: "PendingTasks", metric: insights("PendingTaskCount"), label: "Pending tasks", statistic: "Minimum", period: 300,
		evaluationPeriods: 3, datapointsToAlarm: 3, threshold: orDefault(t.PendingTasks, 0),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	pending.description = m.describe(
		fmt.Sprintf("More than %s tasks of ECS cluster %s waited to be placed %s: the cluster has no room for them and its capacity provider does not add any.", fmtNum(pending.threshold), clusterName, windowText(300, 3, 3)),
		fmt.Sprintf("Check whether Auto Scaling group %s is at its maximum capacity, whether its new instances register with the cluster (the ECS agent's log on the instance, /var/log/ecs), and the services' events for the reason ECS gives (no instance with enough CPU, memory or network interfaces).", group))
	instances := alarmSpec{
		id: "ContainerInstances", metric: insights("ContainerInstanceCount"), label: "Container instances", statistic: "Maximum", period: 300,
		evaluationPeriods: 1, datapointsToAlarm: 1, threshold: float64(minInstances),
		comparison: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_BREACHING,
	}
	instances.description = m.describe(
		fmt.Sprintf("Fewer than %d container instances were registered with ECS cluster %s during 5 whole minutes, or none reported: the cluster lost capacity.", minInstances, clusterName),
		fmt.Sprintf("Look at Auto Scaling group %s's activity for failed launches, and on a new instance at the ECS agent's log (/var/log/ecs) for why it does not register: often the AMI, the instance role or no route to the ECS endpoints.", group))
	drainPeriods := orDefault(t.DrainMinutes, 30) / 5
	draining := alarmSpec{
		id: "DrainingInstances", metric: cwMetric{namespace: "AWS/AutoScaling", name: "GroupTerminatingInstances", dims: []cwDim{{"AutoScalingGroupName", group}}},
		label: "Draining instances", statistic: "Minimum", period: 300,
		evaluationPeriods: drainPeriods, datapointsToAlarm: drainPeriods, threshold: 0,
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	draining.description = m.describe(
		fmt.Sprintf("An instance of Auto Scaling group %s (ECS cluster %s) has been terminating %s: ECS's managed draining cannot move its tasks.", group, clusterName, windowText(300, drainPeriods, drainPeriods)),
		"Read the cluster's services' events: a task that cannot be placed elsewhere (no room, a placement constraint) or a minimum healthy percent the service cannot keep holds the instance. Add capacity or fix the service; the drain then goes on by itself.")

	alarms := []awscloudwatch.Alarm{m.newAlarm(scope, pending), m.newAlarm(scope, instances), m.newAlarm(scope, draining)}

	use := func(kind, reserved, used string) graphSpec {
		return graphSpec{title: label + ": " + kind + " reserved and used", unit: "%", max: 100, lines: []graphLine{
			{metric: ecs(reserved), stat: "Average", period: 300, label: kind + " reserved"},
			{metric: ecs(used), stat: "Average", period: 300, label: kind + " used"},
		}}
	}
	m.addGraph(sigSaturation, use("CPU", "CPUReservation", "CPUUtilization"))
	m.addGraph(sigSaturation, use("memory", "MemoryReservation", "MemoryUtilization"))
	m.addGraph(sigSaturation, alarmGraph(label+": container instances", "Count", instances,
		graphLine{metric: draining.metric, stat: "Maximum", period: 300, label: "Draining instances"}))
	m.addGraph(sigSaturation, alarmGraph(label+": pending tasks", "Count", pending,
		graphLine{metric: insights("RunningTaskCount"), stat: "Maximum", period: 300, label: "Running tasks"}))
	return alarms
}
