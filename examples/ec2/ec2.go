// Package ec2 is the EC2 example: the factorial service on an Auto Scaling
// group of Graviton instances behind an Application Load Balancer, shipped by
// a Velocity assembly line. Each change bakes a new AMI with EC2 Image
// Builder during the deploy and rolls it out one instance at a time: an old
// instance goes only after a new one has signalled that it is healthy behind
// the load balancer. The service's logs go to CloudWatch Logs.
package ec2

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/config"
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/nag"
	"github.com/velocity-cdk/velocity/stages"
)

// Capacity and rollout settings of the Auto Scaling group.
const (
	minInstances = 2
	maxInstances = 4
	// signalTimeoutMinutes bounds how long CloudFormation waits for a new instance
	// to signal, at creation and for each batch of a rolling update. The
	// user data gives up well before: 5 minutes for the service, 5 for the
	// load balancer.
	signalTimeoutMinutes = 15
)

// NewPipelineStack creates the stack that holds the assembly line. Deploy it
// once with `cdk deploy`; from then on the line bakes the image and deploys the service.
//
// aspects are applied to every stage the line deploys (see
// pipeline.Props.StageAspects); tests pass cdk-nag here.
func NewPipelineStack(scope constructs.Construct, id string, aspects ...awscdk.IAspect) awscdk.Stack {
	return config.PipelineStack(scope, id, "ec2", "Velocity assembly line for the factorial service on EC2", NewServiceStage, aspects...)
}

// NewServiceStage is the app the line deploys: the same code for staging and
// for production.
func NewServiceStage(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	return config.ServiceStage(NewServiceStack)(scope, id, env)
}

// NewServiceStack creates the factorial service on EC2:
//
//   - a new VPC (2 Availability Zones, public and private subnets, one NAT
//     gateway, flow logs to CloudWatch Logs);
//   - an AMI built during the deploy by EC2 Image Builder from the latest
//     Amazon Linux 2023 for arm64, with the server (built at synth by the
//     local Go toolchain) installed as a systemd service, the CloudWatch
//     agent and cfn-signal;
//   - an Auto Scaling group of 2 to 4 t4g.micro instances from that AMI in
//     the private subnets (IMDSv2 only, encrypted root volume), scaling on
//     CPU (60%) and on requests per instance, with notifications of every
//     launch and termination on an encrypted SNS topic;
//   - rolling updates that replace one instance at a time and keep 2 in
//     service: CloudFormation waits for each new instance to signal that the
//     service answers its health check and that the load balancer routes to
//     it before it terminates an old one, and rolls back if it does not;
//   - a public Application Load Balancer on HTTP port 80, health checks on
//     /health, access logs to S3;
//   - alarms on 5XX answers and on fewer than 2 healthy instances, and the
//     curated alarms of the ALB and Auto Scaling monitors, which the
//     line's bake time gates on;
//   - the service's logs in CloudWatch Logs, and an output named Endpoint.
func NewServiceStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Description: jsii.String("Factorial service on an EC2 Auto Scaling group behind an Application Load Balancer"),
	})

	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)},
		},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"FlowLogs": {
				TrafficType: awsec2.FlowLogTrafficType_ALL,
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(
					awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{Retention: awslogs.RetentionDays_ONE_YEAR}), nil),
			},
		},
	})

	image := newServiceImage(stack, "ServiceImage", vpc)

	serviceLogs := awslogs.NewLogGroup(stack, jsii.String("ServiceLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_YEAR,
	})

	role := awsiam.NewRole(stack, jsii.String("InstanceRole"), &awsiam.RoleProps{
		Description: jsii.String("Instances of the factorial service"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("CloudWatchAgentServerPolicy")),
		},
	})
	config.AllowSessionManager(stack, role)
	// The user data waits until the load balancer routes to the instance.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("elasticloadbalancing:DescribeTargetHealth"),
		Resources: jsii.Strings("*"),
	}))

	instanceSG := awsec2.NewSecurityGroup(stack, jsii.String("InstanceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Factorial service instances: the service port from the load balancer only"),
		AllowAllOutbound: jsii.Bool(true),
	})
	userData := awsec2.UserData_ForLinux(nil)
	launchTemplate := config.LaunchTemplate(stack, config.Instances{
		Type: "t4g.micro", ImageID: image.image.AttrImageId(), UserData: userData,
		Role: role, SecurityGroup: instanceSG, RootVolumeGiB: 10,
	})

	notifications := config.ScalingEvents(stack, "Factorial service: instance launches and terminations")

	signals, rollingUpdate := config.OneAtATime(minInstances, awscdk.Duration_Minutes(jsii.Number(signalTimeoutMinutes)))
	asg := awsautoscaling.NewAutoScalingGroup(stack, jsii.String("Instances"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:                   vpc,
		VpcSubnets:            &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		LaunchTemplate:        launchTemplate,
		MinCapacity:           jsii.Number(minInstances),
		MaxCapacity:           jsii.Number(maxInstances),
		DefaultInstanceWarmup: awscdk.Duration_Minutes(jsii.Number(2)),
		HealthChecks: awsautoscaling.HealthChecks_WithAdditionalChecks(&awsautoscaling.AdditionalHealthChecksOptions{
			AdditionalTypes: &[]awsautoscaling.AdditionalHealthCheckType{awsautoscaling.AdditionalHealthCheckType_ELB},
			GracePeriod:     awscdk.Duration_Minutes(jsii.Number(5)),
		}),
		Signals:       signals,
		UpdatePolicy:  rollingUpdate,
		Notifications: &[]*awsautoscaling.NotificationConfiguration{{Topic: notifications}},
	})

	alb := config.PublicLoadBalancer(stack, vpc)
	listener := alb.AddListener(jsii.String("Http"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port: jsii.Number(80),
		Open: jsii.Bool(true),
	})
	targets := listener.AddTargets(jsii.String("Service"), &awselasticloadbalancingv2.AddApplicationTargetsProps{
		Port:     jsii.Number(servicePort),
		Protocol: awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		Targets:  &[]awselasticloadbalancingv2.IApplicationLoadBalancerTarget{asg},
		HealthCheck: &awselasticloadbalancingv2.HealthCheck{
			Path:                    jsii.String("/health"),
			HealthyHttpCodes:        jsii.String("200"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(10)),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
			HealthyThresholdCount:   jsii.Number(2),
			UnhealthyThresholdCount: jsii.Number(3),
		},
		// Longer than any request takes, shorter than the server's graceful
		// shutdown plus systemd's stop timeout.
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(30)),
	})
	// Health checks (and so the signals) need the target group attached to
	// the load balancer before the first instances start.
	asg.Node().AddDependency(listener.Node().DefaultChild())
	nag.Suppress((*alb.Connections().SecurityGroups())[0], false, nag.Rule{ID: "AwsSolutions-EC23",
		Reason: "The load balancer is the service's public endpoint: it accepts HTTP on port 80 from anywhere, and nothing else."})

	asg.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsautoscaling.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(60),
	})
	asg.ScaleOnRequestCount(jsii.String("Requests"), &awsautoscaling.RequestCountScalingProps{
		TargetRequestsPerMinute: jsii.Number(3000),
	})

	newAlarms(stack, alb, targets, asg)

	userData.AddCommands(jsii.String(bootScript(
		*serviceLogs.LogGroupName(),
		*targets.TargetGroupArn(),
		*stack.GetLogicalId(asg.Node().DefaultChild().(awscdk.CfnElement)),
	)))

	nag.Suppress(role, true,
		nag.Rule{ID: "AwsSolutions-IAM4",
			AppliesTo: []string{
				"Policy::arn:<AWS::Partition>:iam::aws:policy/CloudWatchAgentServerPolicy",
			},
			Reason: "AWS's managed policy for the CloudWatch agent writing the service's logs and metrics (its only parameter reads are AmazonCloudWatch-*); AWS keeps it in step with the agent."},
		nag.Rule{ID: "AwsSolutions-IAM5",
			AppliesTo: []string{"Resource::*", "Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:instance/*"},
			Reason:    "elasticloadbalancing:DescribeTargetHealth and Session Manager's ssmmessages channels support no resource-level permissions; ssm:UpdateInstanceInformation is limited to the account's instances. The instance only reads whether the load balancer routes to it, and opens Session Manager channels."},
	)

	awscdk.NewCfnOutput(stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the factorial service"),
		Value:       awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("http://"), alb.LoadBalancerDnsName(), jsii.String("/")}),
	})
	return stack
}

// newAlarms watches what users of the service see: the curated alarms of
// the load balancer and the instances, plus one for this service's own
// promise (the rolling update keeps minInstances in service). The line's
// bake time after each deploy gates on every alarm of the stage, so a
// change that breaks the service stops the line before production.
func newAlarms(stack awscdk.Stack, alb awselasticloadbalancingv2.ApplicationLoadBalancer, targets awselasticloadbalancingv2.ApplicationTargetGroup, asg awsautoscaling.AutoScalingGroup) {
	monitor := config.Monitor(stack, "factorial-ec2")
	monitor.MonitorALB(alb, targets, nil)
	monitor.MonitorAutoScaling(asg, &monitoring.AutoScalingThresholds{Burstable: true}) // t4g instances are burstable
	awscloudwatch.NewAlarm(stack, jsii.String("HealthyInstances"), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(fmt.Sprintf("Fewer than %d instances have been healthy behind the load balancer for 3 minutes; rolling updates keep %d in service, so this is an outage in the making. Check the target group's health and the service's logs.", minInstances, minInstances)),
		Metric:             targets.Metrics().HealthyHostCount(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Minimum")}),
		Threshold:          jsii.Number(minInstances),
		ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(3),
		// The load balancer reports the count every minute, 0 included:
		// missing data is not an outage, and must not fail a bake.
		TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
}

// bootScript is the user data of every instance, run once at first boot. It
// points the CloudWatch agent (installed in the image) at the log group,
// waits up to 5 minutes for the service to answer `server -healthcheck`,
// then up to 5 minutes for the load balancer to report the instance
// healthy, and tells CloudFormation the outcome with cfn-signal. During a
// rolling update CloudFormation terminates an old instance only after that
// success signal; a failure signal, or none within the timeout, rolls the
// update back. (Instances launched later by scaling send a signal nobody
// waits for; cfn-signal then fails harmlessly.)
func bootScript(logGroup, targetGroupArn, asgLogicalID string) string {
	return fmt.Sprintf(`set -u
signal() {
  /opt/aws/bin/cfn-signal --exit-code "$1" --reason "$2" --stack %[1]s --resource %[2]s --region %[3]s
  exit "$1"
}

# 1. Ship the service's log file to CloudWatch Logs.
cat > /opt/aws/amazon-cloudwatch-agent/etc/velocity.json <<'EOF'
{"agent": {"run_as_user": "cwagent"},
 "logs": {"logs_collected": {"files": {"collect_list": [
   {"file_path": "%[4]s", "log_group_name": "%[5]s", "log_stream_name": "{instance_id}"}]}}}}
EOF
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/velocity.json || signal 1 "the CloudWatch agent did not start"

# 2. Wait for the service to answer its health check on this instance.
healthy=false
for i in $(seq 60); do
  if %[6]s -healthcheck; then healthy=true; break; fi
  sleep 5
done
$healthy || signal 1 "the service did not answer /health within 5 minutes"

# 3. Wait for the load balancer to route to this instance.
token=$(curl -sf -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" http://169.254.169.254/latest/api/token)
instance=$(curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id)
routed=false
for i in $(seq 60); do
  state=$(aws elbv2 describe-target-health --region %[3]s --target-group-arn %[7]s \
    --targets Id="$instance",Port=%[8]d --query 'TargetHealthDescriptions[0].TargetHealth.State' --output text || true)
  if [ "$state" = healthy ]; then routed=true; break; fi
  sleep 5
done
$routed || signal 1 "the load balancer did not report the instance healthy within 5 minutes"

signal 0 "the service is healthy behind the load balancer"`,
		*awscdk.Aws_STACK_NAME(), asgLogicalID, *awscdk.Aws_REGION(),
		logFile, logGroup, serverBinary, targetGroupArn, servicePort)
}
