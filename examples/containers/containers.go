// Package containers is the containers example: the factorial service as a
// container on Amazon ECS (AWS Fargate, arm64) behind an Application Load
// Balancer, shipped by a Velocity assembly line with canary deploys by ECS
// that drop no requests and roll back on the load balancer's alarms.
package containers

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecrassets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/config"
	"github.com/velocity-cdk/velocity/gobundle"
	"github.com/velocity-cdk/velocity/nag"
	"github.com/velocity-cdk/velocity/stages"
)

// The service's timing, which the deploy settings below depend on.
const (
	// containerPort is where the server listens ($PORT).
	containerPort = 8080
	// shutdownTimeout is how long the server lets in-flight requests finish
	// after SIGTERM ($SHUTDOWN_TIMEOUT). It must stay below stopTimeout.
	shutdownTimeout = 20
	// stopTimeout is how long ECS waits after SIGTERM before it kills the
	// container.
	stopTimeout = 30
	// deregistrationDelay is how long the load balancer keeps serving the
	// requests already sent to a task it is draining, before ECS stops
	// the task.
	deregistrationDelay = 25
)

// dockerfile is the image's Dockerfile, relative to the repository root,
// which is the build context.
const dockerfile = "examples/service/Dockerfile"

// imageContext is what the image build may see of the repository root, as
// .dockerignore patterns: go.mod, go.sum and the service's Go code. Nothing
// else is copied into cdk.out, and only a change to these files builds and
// deploys a new image.
var imageContext = []string{
	"*",
	"!go.mod",
	"!go.sum",
	"!examples/service/**",
	"examples/service/**/*_test.go",
	"examples/service/**/testdata",
	"examples/service/**/*.md",
	"examples/service/**/*.sh",
}

// NewPipelineStack creates the stack that holds the assembly line. Deploy it
// once with `cdk deploy`; from then on the line builds the image and deploys the service.
//
// aspects are applied to every stage the line deploys (see
// pipeline.Props.StageAspects); tests pass cdk-nag here.
func NewPipelineStack(scope constructs.Construct, id string, aspects ...awscdk.IAspect) awscdk.Stack {
	return NewPipelineStackOn(scope, id, Fargate, aspects...)
}

// NewPipelineStackOn is NewPipelineStack with the service's tasks on
// capacity. The line's own synth gets `-c capacity=...`, so that it
// rebuilds the same line.
func NewPipelineStackOn(scope constructs.Construct, id string, capacity Capacity, aspects ...awscdk.IAspect) awscdk.Stack {
	if capacity == EC2 {
		stack, line := config.PipelineStackWithContext(scope, id, "containers", map[string]string{"capacity": string(EC2)},
			"Velocity assembly line for the containerized factorial service on an ECS cluster of EC2 instances", NewServiceStageOn(EC2), aspects...)
		// A run a week, change or not: each deploy resolves the latest
		// ECS-optimized AMI, and a new one is baked and rolled out.
		awsevents.NewRule(stack, jsii.String("WeeklyRun"), &awsevents.RuleProps{
			Description: jsii.String("Runs the line every Monday at 06:00 UTC, so the cluster gets AWS's newest ECS-optimized AMI within a week"),
			Schedule:    awsevents.Schedule_Cron(&awsevents.CronOptions{WeekDay: jsii.String("MON"), Hour: jsii.String("6"), Minute: jsii.String("0")}),
			Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewCodePipeline(line.Pipeline, nil)},
		})
		return stack
	}
	return config.PipelineStack(scope, id, "containers", "Velocity assembly line for the containerized factorial service", NewServiceStage, aspects...)
}

// minTasks is the fewest tasks the service runs: one per Availability Zone.
const minTasks = 2

// NewServiceStage is the app the line deploys: the same code for staging and
// for production.
func NewServiceStage(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
	return config.ServiceStage(NewServiceStack)(scope, id, env)
}

// NewServiceStageOn is NewServiceStage with the tasks on capacity.
func NewServiceStageOn(capacity Capacity) stages.StageFunc {
	return config.ServiceStage(func(scope constructs.Construct, id string) awscdk.Stack {
		return NewServiceStackOn(scope, id, capacity)
	})
}

// NewServiceStack creates the factorial service: a new VPC (two
// Availability Zones, one NAT gateway, flow logs), an ECS cluster with
// Container Insights, and a Fargate service on arm64 behind a public
// Application Load Balancer on HTTP port 80, with ECS canary deploys at full
// capacity over two target groups, rolled back by the load balancer's
// alarms or the circuit breaker, and auto scaling from 2 to 6 tasks. Its output Endpoint is the service's base
// URL.
//
// The listener is plain HTTP because an example has no domain and no
// certificate. To serve HTTPS, add a certificate from AWS Certificate
// Manager for a domain you own: listen on 443 with
// Protocol: awselasticloadbalancingv2.ApplicationProtocol_HTTPS and
// Certificates set, redirect port 80 to it, and point the domain at the
// load balancer.
func NewServiceStack(scope constructs.Construct, id string) awscdk.Stack {
	return NewServiceStackOn(scope, id, Fargate)
}

// NewServiceStackOn is NewServiceStack with the tasks on capacity. On EC2
// the cluster has its own instances (see newEc2Service): an Auto Scaling
// group of Graviton instances from an AMI the deploy bakes, behind an ECS
// capacity provider that scales it and drains an instance before it goes.
// Everything else is the same: the task, the load balancer, the canary
// deploys and the alarms.
func NewServiceStackOn(scope constructs.Construct, id string, capacity Capacity) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Description: jsii.String("Factorial service on Amazon ECS (" + capacity.title() + ") behind an Application Load Balancer"),
	})

	vpc := newVpc(stack)
	cluster := awsecs.NewCluster(stack, jsii.String("Cluster"), &awsecs.ClusterProps{
		Vpc:                 vpc,
		ContainerInsightsV2: awsecs.ContainerInsights_ENHANCED,
	})

	task := newTaskDefinition(stack, capacity)
	lb := config.PublicLoadBalancer(stack, vpc)
	// Two target groups: ECS deploys a new revision into the one that
	// serves no traffic, shifts traffic to it through the listener rule,
	// and swaps their roles on every deploy.
	blue, green := newTargetGroup(stack, vpc, "ServiceBlue"), newTargetGroup(stack, vpc, "ServiceGreen")
	// Plain HTTP: see the doc comment for HTTPS.
	listener := lb.AddListener(jsii.String("Http"), &awselasticloadbalancingv2.BaseApplicationListenerProps{
		Port:          jsii.Number(80),
		Protocol:      awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		Open:          jsii.Bool(true),
		DefaultAction: awselasticloadbalancingv2.ListenerAction_FixedResponse(jsii.Number(404), nil),
	})
	production := awselasticloadbalancingv2.NewApplicationListenerRule(stack, jsii.String("ServiceRule"), &awselasticloadbalancingv2.ApplicationListenerRuleProps{
		Listener:   listener,
		Priority:   jsii.Number(1),
		Conditions: &[]awselasticloadbalancingv2.ListenerCondition{awselasticloadbalancingv2.ListenerCondition_PathPatterns(jsii.Strings("/*"))},
		Action: awselasticloadbalancingv2.ListenerAction_WeightedForward(&[]*awselasticloadbalancingv2.WeightedTargetGroup{
			{TargetGroup: blue, Weight: jsii.Number(100)}, {TargetGroup: green, Weight: jsii.Number(0)},
		}, nil),
	})

	// Golden signals and curated alarms for the load balancer and the
	// service; the line's bake-time gate watches them after each deploy,
	// and ECS watches the ones that mean users see errors while it shifts
	// traffic. The load balancer's alarms are on its own metrics, not a
	// target group's: the target group that serves production changes
	// with every deploy.
	monitor := config.Monitor(stack, "factorial-containers")
	lbAlarms := monitor.MonitorALB(lb, nil, nil)
	awscdk.Annotations_Of(monitor).AcknowledgeWarning(jsii.String("velocity:alb-without-target-group"), jsii.String(
		"The service's target groups take turns serving production, so an unhealthy-host alarm on either would watch an idle group half the time; "+
			"tasks that fail their health checks show as the load balancer's 503s (ELB5XX), as fewer running tasks (RunningTasks), and stop a deploy through ECS's circuit breaker."))

	rollout := deploySettings(lbAlarms)
	var service awsecs.BaseService
	if capacity == EC2 {
		service = newEc2Service(stack, vpc, cluster, task, rollout, monitor)
	} else {
		service = awsecs.NewFargateService(stack, jsii.String("Service"), &awsecs.FargateServiceProps{
			Cluster:                cluster,
			TaskDefinition:         task,
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
	}
	service.LoadBalancerTarget(&awsecs.LoadBalancerTargetOptions{
		ContainerName: jsii.String("Server"),
		ContainerPort: jsii.Number(containerPort),
		AlternateTarget: awsecs.NewAlternateTarget(jsii.String("Green"), &awsecs.AlternateTargetProps{
			AlternateTargetGroup: green,
			ProductionListener:   awsecs.ListenerRuleConfiguration_ApplicationListenerRule(production),
		}),
	}).AttachToApplicationTargetGroup(blue)
	service.Connections().AllowFrom(lb, awsec2.Port_Tcp(jsii.Number(containerPort)), jsii.String("the load balancer"))
	if role := service.Node().TryFindChild(jsii.String("GreenRole")); role != nil {
		nag.Suppress(role, false, nag.Rule{ID: "AwsSolutions-IAM4",
			AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"},
			Reason:    "The role ECS assumes to shift traffic between the service's two target groups during a canary deploy; AWS's managed policy for it is the documented one, kept current by AWS as ECS's needs change."})
	}

	scaling := service.AutoScaleTaskCount(&awsapplicationautoscaling.EnableScalingProps{
		MinCapacity: jsii.Number(minTasks),
		MaxCapacity: jsii.Number(6),
	})
	// On CPU, not on requests per target: the target group that serves
	// production changes with every deploy.
	scaling.ScaleOnCpuUtilization(jsii.String("Cpu"), &awsecs.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(60),
		ScaleOutCooldown:         awscdk.Duration_Seconds(jsii.Number(60)),
		ScaleInCooldown:          awscdk.Duration_Seconds(jsii.Number(300)),
	})
	monitor.MonitorECS(service, minTasks, nil)

	nag.Suppress((*lb.Connections().SecurityGroups())[0], false,
		nag.Rule{ID: "AwsSolutions-EC23", Reason: "The load balancer of a public web service accepts HTTP on port 80 from anywhere by design; the tasks accept traffic only from the load balancer."})

	awscdk.NewCfnOutput(stack, jsii.String("Endpoint"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the factorial service"),
		Value:       jsii.String("http://" + *lb.LoadBalancerDnsName() + "/"),
	})
	return stack
}

// deploySettings is how ECS deploys a new revision of the service, on
// either capacity.
//
// No DesiredCount: auto scaling owns it. A count in the template would be
// written back on every deploy and scale the service in under load;
// CloudFormation starts a new service with one task and auto scaling raises
// it to MinCapacity.
//
// A canary deploy by ECS itself: the new revision starts at full size
// beside the old one (up to 200 %; the old one never goes below 100 %),
// takes 10 % of the traffic for 5 minutes, then all of it, and the old
// revision stays ready for 5 more minutes. Any of the alarms in ALARM
// during the deploy, or tasks that never get healthy, and ECS shifts the
// traffic back: the deploy fails, CloudFormation rolls the stack back and
// the line stops. The minimum of 100 % also holds when an instance of the
// EC2 capacity drains: ECS starts the replacements elsewhere before it
// stops the instance's tasks.
func deploySettings(lbAlarms []awscloudwatch.Alarm) awsecs.BaseServiceOptions {
	return awsecs.BaseServiceOptions{
		MinHealthyPercent:   jsii.Number(100),
		MaxHealthyPercent:   jsii.Number(200),
		DeploymentStrategy:  awsecs.DeploymentStrategy_CANARY,
		CanaryConfiguration: &awsecs.TrafficShiftConfig{StepPercent: jsii.Number(10), StepBakeTime: awscdk.Duration_Minutes(jsii.Number(5))},
		BakeTime:            awscdk.Duration_Minutes(jsii.Number(5)),
		DeploymentAlarms: &awsecs.DeploymentAlarmConfig{
			AlarmNames: alarmNames(lbAlarms, "ELB5XX", "Target5XX", "TargetResponseTimeP95"),
			Behavior:   awsecs.AlarmBehavior_ROLLBACK_ON_ALARM,
		},
		CircuitBreaker: &awsecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		// Time for a new task to pass its first load balancer health
		// checks before ECS counts failed ones.
		HealthCheckGracePeriod: awscdk.Duration_Seconds(jsii.Number(30)),
	}
}

// newVpc creates the service's network: public subnets for the load
// balancer and the NAT gateway, private subnets with egress for the tasks,
// in two Availability Zones. One NAT gateway keeps the cost down; with one
// per zone the tasks would keep pulling images when a zone fails.
func newVpc(stack awscdk.Stack) awsec2.Vpc {
	flowLogs := awslogs.NewLogGroup(stack, jsii.String("VpcFlowLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_YEAR,
	})
	return awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)},
		},
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"FlowLogs": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			},
		},
	})
}

// newTaskDefinition creates the task: the server's image, built from
// examples/service/Dockerfile for linux/arm64 at deploy time (asset
// publishing; synth only stages the build context), on 0.25 vCPU and 512
// MiB. On Fargate the task reserves them; on EC2 the container does, in the
// same awsvpc network mode (one network interface per task, so the load
// balancer's IP target groups serve both).
func newTaskDefinition(stack awscdk.Stack, capacity Capacity) awsecs.TaskDefinition {
	root, err := gobundle.ModuleRoot()
	if err != nil {
		panic(err)
	}
	var task awsecs.TaskDefinition
	var cpu, memory *float64
	if capacity == EC2 {
		task = awsecs.NewEc2TaskDefinition(stack, jsii.String("Task"), &awsecs.Ec2TaskDefinitionProps{
			NetworkMode: awsecs.NetworkMode_AWS_VPC,
		})
		cpu, memory = jsii.Number(256), jsii.Number(512)
	} else {
		task = awsecs.NewFargateTaskDefinition(stack, jsii.String("Task"), &awsecs.FargateTaskDefinitionProps{
			Cpu:            jsii.Number(256),
			MemoryLimitMiB: jsii.Number(512),
			RuntimePlatform: &awsecs.RuntimePlatform{
				CpuArchitecture:       awsecs.CpuArchitecture_ARM64(),
				OperatingSystemFamily: awsecs.OperatingSystemFamily_LINUX(),
			},
		})
	}
	logs := awslogs.NewLogGroup(stack, jsii.String("ServiceLogs"), &awslogs.LogGroupProps{
		Retention: awslogs.RetentionDays_ONE_YEAR,
	})
	task.AddContainer(jsii.String("Server"), &awsecs.ContainerDefinitionOptions{
		Image: awsecs.ContainerImage_FromAsset(jsii.String(root), &awsecs.AssetImageProps{
			File:       jsii.String(dockerfile),
			Platform:   awsecrassets.Platform_LINUX_ARM64(),
			Exclude:    jsii.Strings(imageContext...),
			IgnoreMode: awscdk.IgnoreMode_DOCKER,
		}),
		Cpu:            cpu,
		MemoryLimitMiB: memory,
		PortMappings:   &[]*awsecs.PortMapping{{ContainerPort: jsii.Number(containerPort), Protocol: awsecs.Protocol_TCP}},
		Environment: &map[string]*string{
			"PORT":             jsii.String(strconv.Itoa(containerPort)),
			"SHUTDOWN_TIMEOUT": jsii.String(strconv.Itoa(shutdownTimeout) + "s"),
		},
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			StreamPrefix: jsii.String("server"),
			LogGroup:     logs,
		}),
		// The image has no shell and no curl: the server checks itself.
		HealthCheck: &awsecs.HealthCheck{
			Command:     jsii.Strings("CMD", "/server", "-healthcheck"),
			Interval:    awscdk.Duration_Seconds(jsii.Number(10)),
			Timeout:     awscdk.Duration_Seconds(jsii.Number(5)),
			Retries:     jsii.Number(3),
			StartPeriod: awscdk.Duration_Seconds(jsii.Number(10)),
		},
		// SIGTERM, then up to 30 s for the server's 20 s graceful shutdown
		// before SIGKILL.
		StopTimeout:            awscdk.Duration_Seconds(jsii.Number(stopTimeout)),
		ReadonlyRootFilesystem: jsii.Bool(true),
	})
	nag.Suppress(task, false,
		nag.Rule{ID: "AwsSolutions-ECS2", Reason: "The environment holds only PORT and SHUTDOWN_TIMEOUT, plain settings of the server; the service has no secrets."})
	nag.Suppress(task.ObtainExecutionRole(), true,
		nag.Rule{ID: "AwsSolutions-IAM5", AppliesTo: []string{"Resource::*"},
			Reason: "ecr:GetAuthorizationToken, which ECS needs to pull the image, cannot be scoped to a resource; the pull actions are scoped to the image's repository."})
	return task
}

// newTargetGroup is one of the service's two target groups.
func newTargetGroup(stack awscdk.Stack, vpc awsec2.IVpc, id string) awselasticloadbalancingv2.ApplicationTargetGroup {
	return awselasticloadbalancingv2.NewApplicationTargetGroup(stack, jsii.String(id), &awselasticloadbalancingv2.ApplicationTargetGroupProps{
		Vpc:        vpc,
		Port:       jsii.Number(containerPort),
		Protocol:   awselasticloadbalancingv2.ApplicationProtocol_HTTP,
		TargetType: awselasticloadbalancingv2.TargetType_IP,
		// A new task gets traffic after 2 good answers (20 s); a broken
		// one is taken out after 3 bad ones (30 s).
		HealthCheck: &awselasticloadbalancingv2.HealthCheck{
			Path:                    jsii.String("/health"),
			HealthyHttpCodes:        jsii.String("200"),
			Interval:                awscdk.Duration_Seconds(jsii.Number(10)),
			Timeout:                 awscdk.Duration_Seconds(jsii.Number(5)),
			HealthyThresholdCount:   jsii.Number(2),
			UnhealthyThresholdCount: jsii.Number(3),
		},
		// A task being replaced first leaves the load balancer: it gets no
		// new requests and has this long to answer the ones it has. Only
		// then does ECS send SIGTERM; the server drains what is left within
		// SHUTDOWN_TIMEOUT, below the container's stop timeout.
		DeregistrationDelay: awscdk.Duration_Seconds(jsii.Number(deregistrationDelay)),
	})
}

// alarmNames returns the names of the alarms with these construct ids.
func alarmNames(alarms []awscloudwatch.Alarm, ids ...string) *[]*string {
	var names []*string
	for _, a := range alarms {
		for _, id := range ids {
			if *a.Node().Id() == id {
				names = append(names, a.AlarmName())
			}
		}
	}
	return &names
}
