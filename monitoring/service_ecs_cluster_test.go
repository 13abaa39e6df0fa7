package monitoring_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
)

func TestMonitorECSClusterAlarms(t *testing.T) {
	_, stack := newStack()
	m, topic := svcMonitor(stack)
	cluster := awsecs.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &awsecs.ClusterAttributes{
		ClusterName: jsii.String("main"), Vpc: svcVpc(stack, "ClusterVpc"),
	})
	asg := awsautoscaling.AutoScalingGroup_FromAutoScalingGroupName(stack, jsii.String("Hosts"), jsii.String("main-hosts"))
	if got := len(m.MonitorECSCluster(cluster, asg, 2, &monitoring.ECSClusterThresholds{DrainMinutes: 45})); got != 3 {
		t.Fatalf("MonitorECSCluster returned %d alarms, want 3", got)
	}
	tpl := cdktest.Template(t, stack)
	svcAlarmCount(t, tpl, 3+svcAlertsAlarm)
	d := svcDims("ClusterName", "main")
	svcAssertAlarms(t, tpl, topic(), []svcWantAlarm{
		// 15 minutes of tasks that cannot be placed.
		{"PendingTaskCount", "ECS/ContainerInsights", "Minimum", 300, 3, 3, 0, svcGT, svcNotBreaching, d},
		// Missing data: no instance reports.
		{"ContainerInstanceCount", "ECS/ContainerInsights", "Maximum", 300, 1, 1, 2, svcLT, svcBreaching, d},
		// A drain held 45 minutes.
		{"GroupTerminatingInstances", "AWS/AutoScaling", "Minimum", 300, 9, 9, 0, svcGT, svcNotBreaching, svcDims("AutoScalingGroupName", "main-hosts")},
	})
}

func TestMonitorECSClusterInvalidArguments(t *testing.T) {
	_, stack := newStack()
	m, _ := svcMonitor(stack)
	var created int
	cdktest.Check(t, func() {
		created += len(m.MonitorECSCluster(nil, nil, 0, &monitoring.ECSClusterThresholds{PendingTasks: -1, DrainMinutes: 7}))
	})
	if created != 0 {
		t.Fatalf("%d alarms created from invalid arguments, want 0", created)
	}
	joined := strings.Join(cdktest.Errors(t, stack), "\n")
	for _, want := range []string{
		`MonitorECSCluster(nil): ECSClusterThresholds.PendingTasks: "-1" is invalid`,
		`MonitorECSCluster(nil): ECSClusterThresholds.DrainMinutes: "7" is invalid; want a whole multiple of 5 minutes from 5 to 120`,
		`MonitorECSCluster(nil): minInstances: "0" is invalid`,
		`MonitorECSCluster(nil): cluster: "nil" is invalid`,
		`MonitorECSCluster(nil): asg: "nil" is invalid`,
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors:\n%s\nwant one containing %q", joined, want)
		}
	}
	if err := (&monitoring.ECSClusterThresholds{DrainMinutes: 125}).Validate(); err == nil {
		t.Error("DrainMinutes 125 is valid, want an error")
	}
	if err := (&monitoring.ECSClusterThresholds{DrainMinutes: 60, PendingTasks: 2}).Validate(); err != nil {
		t.Errorf("valid thresholds: %v", err)
	}
}
