package containers

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/config"
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/nag"
)

// The EC2 capacity's instances.
const (
	// instanceType is a Graviton instance with 2 vCPU and 4 GiB. In awsvpc
	// network mode each task takes one of its network interfaces: 2 tasks
	// per instance besides its own, which managed scaling counts in.
	instanceType = "t4g.medium"
	// minInstances is one instance per Availability Zone; maxInstances
	// leaves room for the service's 6 tasks at twice the count while a
	// canary deploy runs both revisions.
	minInstances = 2
	maxInstances = 8
	// signalTimeoutMinutes bounds how long CloudFormation waits for a new
	// instance to join the cluster, at creation and for each instance of a
	// rolling update. The instance gives up after 10 minutes.
	signalTimeoutMinutes = 15
)

// newEc2Service runs the task on the cluster's own instances:
//
//   - an Auto Scaling group of 2 to 8 t4g.medium instances in the private
//     subnets, from an AMI baked during the deploy (newClusterImage), with
//     IMDSv2 only, an encrypted root volume, Session Manager instead of SSH
//     (the image has no SSH server), detailed monitoring, and notifications
//     of every launch and termination;
//   - an ECS capacity provider that scales the group to the tasks' needs
//     (managed scaling, target 100 %) and drains an instance before it
//     terminates (managed draining: ECS starts the instance's tasks
//     elsewhere, keeping the service's minimum healthy percent, before the
//     instance goes, whether scaling in, replacing an unhealthy one, or
//     rolling a new AMI). Managed termination protection is off: it would
//     protect every instance from scale-in and can keep a CloudFormation
//     update from finishing, while draining already keeps the tasks;
//   - rolling updates when the AMI or the launch template changes: one
//     instance at a time, at least 2 in service, each new instance joining
//     the cluster (its ECS agent registered) before an old one drains; a
//     new instance that does not join within 15 minutes fails the update,
//     and CloudFormation rolls back to the previous AMI;
//   - the service spread over Availability Zones, then instances, and the
//     cluster's monitoring: pending tasks, container instances, drains that
//     hang, CPU and memory reserved and used.
func newEc2Service(stack awscdk.Stack, vpc awsec2.IVpc, cluster awsecs.Cluster, task awsecs.TaskDefinition, rollout awsecs.BaseServiceOptions, monitor *monitoring.ServiceMonitor) awsecs.BaseService {
	image := newClusterImage(stack, "ClusterImage", vpc)

	role := awsiam.NewRole(stack, jsii.String("InstanceRole"), &awsiam.RoleProps{
		Description: jsii.String("Container instances of the factorial service's ECS cluster"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
	})
	config.AllowSessionManager(stack, role)
	// The instances take no traffic themselves: each task has its own
	// network interface and security group.
	instanceSG := awsec2.NewSecurityGroup(stack, jsii.String("InstanceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Container instances of the factorial service: no inbound; outbound for ECS, ECR and Systems Manager"),
		AllowAllOutbound: jsii.Bool(true),
	})
	userData := awsec2.UserData_ForLinux(nil)
	launchTemplate := config.LaunchTemplate(stack, config.Instances{
		Type: instanceType, ImageID: image.AttrImageId(), UserData: userData,
		Role: role, SecurityGroup: instanceSG, RootVolumeGiB: 30,
	})
	notifications := config.ScalingEvents(stack, "Factorial service: container instance launches and terminations")
	signals, rollingUpdate := config.OneAtATime(minInstances, awscdk.Duration_Minutes(jsii.Number(signalTimeoutMinutes)))
	asg := awsautoscaling.NewAutoScalingGroup(stack, jsii.String("Instances"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:            vpc,
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		LaunchTemplate: launchTemplate,
		// No DesiredCapacity: managed scaling owns it.
		MinCapacity:  jsii.Number(minInstances),
		MaxCapacity:  jsii.Number(maxInstances),
		Signals:      signals,
		UpdatePolicy: rollingUpdate,
		// The group's metrics, for the cluster monitor's draining alarm.
		GroupMetrics:  &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
		Notifications: &[]*awsautoscaling.NotificationConfiguration{{Topic: notifications}},
	})

	provider := awsecs.NewAsgCapacityProvider(stack, jsii.String("Capacity"), &awsecs.AsgCapacityProviderProps{
		AutoScalingGroup:                   asg,
		EnableManagedScaling:               jsii.Bool(true),
		TargetCapacityPercent:              jsii.Number(100),
		EnableManagedDraining:              jsii.Bool(true),
		EnableManagedTerminationProtection: jsii.Bool(false),
		MachineImageType:                   awsecs.MachineImageType_AMAZON_LINUX_2, // Amazon Linux 2023 too: ECS_CLUSTER in /etc/ecs/ecs.config
	})
	// Registers the instances with the cluster (the user data above it)
	// and gives their role what the ECS agent needs.
	cluster.AddAsgCapacityProvider(provider, &awsecs.AddAutoScalingGroupCapacityOptions{
		MachineImageType: awsecs.MachineImageType_AMAZON_LINUX_2,
	})
	// Tasks get their own role's credentials, never the instance's.
	userData.AddCommands(jsii.String("echo ECS_AWSVPC_BLOCK_IMDS=true >> /etc/ecs/ecs.config"))
	userData.AddCommands(jsii.String(joinSignal(*stack.GetLogicalId(asg.Node().DefaultChild().(awscdk.CfnElement)))))

	service := awsecs.NewEc2Service(stack, jsii.String("Service"), &awsecs.Ec2ServiceProps{
		Cluster:                    cluster,
		TaskDefinition:             task,
		CapacityProviderStrategies: &[]*awsecs.CapacityProviderStrategy{{CapacityProvider: provider.CapacityProviderName(), Weight: jsii.Number(1)}},
		PlacementStrategies: &[]awsecs.PlacementStrategy{
			awsecs.PlacementStrategy_SpreadAcross(awsecs.BuiltInAttributes_AVAILABILITY_ZONE()),
			awsecs.PlacementStrategy_SpreadAcrossInstances(),
		},
		MinHealthyPercent:      rollout.MinHealthyPercent,
		MaxHealthyPercent:      rollout.MaxHealthyPercent,
		DeploymentStrategy:     rollout.DeploymentStrategy,
		CanaryConfiguration:    rollout.CanaryConfiguration,
		BakeTime:               rollout.BakeTime,
		DeploymentAlarms:       rollout.DeploymentAlarms,
		CircuitBreaker:         rollout.CircuitBreaker,
		HealthCheckGracePeriod: rollout.HealthCheckGracePeriod,
		VpcSubnets:             &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		AssignPublicIp:         jsii.Bool(false),
	})
	// The service may only start once its capacity provider belongs to
	// the cluster. aws-cdk-lib adds the cluster's capacity provider
	// associations at synth (an aspect), so the dependency is on the
	// cluster, which covers them then.
	service.Node().AddDependency(cluster)
	monitor.MonitorECSCluster(cluster, asg, minInstances, nil)

	nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{"Resource::*", "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*", "Action::ecs:Submit*"},
		Reason:    "aws-cdk-lib's grants for the ECS agent: its calls without resource-level permissions (ecs:DiscoverPollEndpoint, ecr:GetAuthorizationToken, logs; ecs:Poll and ecs:StartTelemetrySession limited to this cluster by condition) and ecs:Submit* (the agent's state reports) on this cluster only; Session Manager's ssmmessages channels support no resource-level permissions, and ssm:UpdateInstanceInformation is limited to the account's instances."})
	return service
}

// joinSignal is the end of the instances' user data: it starts, in the
// background, a unit that waits until the ECS agent has registered the
// instance with the cluster (its introspection API reports a container
// instance ARN), then tells CloudFormation with cfn-signal (installed in
// the image), or reports failure after 10 minutes. In the background,
// because the ECS agent starts only after cloud-init has run the user
// data: waiting here would wait forever. During a rolling update
// CloudFormation drains and terminates an old instance only after the new
// one's success signal. (Instances launched later by scaling send a signal
// nobody waits for; cfn-signal then fails harmlessly.)
func joinSignal(asgLogicalID string) string {
	return fmt.Sprintf(`cat > /usr/local/bin/velocity-join-signal <<'EOF'
#!/bin/bash
signal() {
  /opt/aws/bin/cfn-signal --exit-code "$1" --reason "$2" --stack %[1]s --resource %[2]s --region %[3]s
  exit "$1"
}
for i in $(seq 120); do
  if curl -sf http://localhost:51678/v1/metadata | grep -Eq '"ContainerInstanceArn": ?"arn:'; then
    signal 0 "the instance joined the ECS cluster"
  fi
  sleep 5
done
signal 1 "the ECS agent did not register the instance with the cluster within 10 minutes"
EOF
chmod 0755 /usr/local/bin/velocity-join-signal
systemd-run --no-block --unit velocity-join-signal /usr/local/bin/velocity-join-signal`,
		*awscdk.Aws_STACK_NAME(), asgLogicalID, *awscdk.Aws_REGION())
}
