package containers_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/containers"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/internal/exampletest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// TestZeroDowntime checks what keeps a deploy from dropping requests, and a
// bad one from reaching every user: ECS's own canary deploy at full
// capacity (10 % of the traffic for 5 minutes, then a bake of 5) over two
// target groups behind one listener rule, rolled back by the load
// balancer's error and latency alarms or the circuit breaker; health checks
// in the container and on the load balancer, draining shorter than the stop
// timeout, and auto scaling.
func TestZeroDowntime(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := cdktest.Template(t, containers.NewServiceStack(app, "Service"))
	has := func(typ string, props interface{}) {
		t.Helper()
		cdktest.Check(t, func() { tpl.HasResourceProperties(jsii.String(typ), props) })
	}

	has("AWS::ECS::Service", map[string]interface{}{
		"LaunchType": "FARGATE",
		"DeploymentConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{
			"DeploymentCircuitBreaker": map[string]interface{}{"Enable": true, "Rollback": true},
			"MinimumHealthyPercent":    100,
			"MaximumPercent":           200,
			"Strategy":                 "CANARY",
			"CanaryConfiguration":      map[string]interface{}{"CanaryPercent": 10, "CanaryBakeTimeInMinutes": 5},
			"BakeTimeInMinutes":        5,
			"Alarms": map[string]interface{}{"Enable": true, "Rollback": true,
				"AlarmNames": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("ELB5XX"))})})},
		}),
		"LoadBalancers": []interface{}{assertions.Match_ObjectLike(&map[string]interface{}{
			"AdvancedConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{
				"AlternateTargetGroupArn": map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ServiceGreen"))},
				"ProductionListenerRule":  map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ServiceRule"))},
			}),
			"TargetGroupArn": map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ServiceBlue"))},
		})},
		"HealthCheckGracePeriodSeconds": 30,
	})
	has("AWS::ElasticLoadBalancingV2::ListenerRule", map[string]interface{}{
		"Priority": 1,
		"Actions": []interface{}{assertions.Match_ObjectLike(&map[string]interface{}{"Type": "forward",
			"ForwardConfig": assertions.Match_ObjectLike(&map[string]interface{}{"TargetGroups": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Weight": 100}), assertions.Match_ObjectLike(&map[string]interface{}{"Weight": 0})})})})},
	})
	has("AWS::ECS::TaskDefinition", map[string]interface{}{
		"Cpu":                     "256",
		"Memory":                  "512",
		"RuntimePlatform":         map[string]interface{}{"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
		"RequiresCompatibilities": []interface{}{"FARGATE"},
		"ContainerDefinitions": []interface{}{assertions.Match_ObjectLike(&map[string]interface{}{
			"HealthCheck": map[string]interface{}{
				"Command":     []interface{}{"CMD", "/server", "-healthcheck"},
				"Interval":    10,
				"Timeout":     5,
				"Retries":     3,
				"StartPeriod": 10,
			},
			"StopTimeout":  30,
			"PortMappings": []interface{}{map[string]interface{}{"ContainerPort": 8080, "Protocol": "tcp"}},
			"Environment": assertions.Match_ArrayWith(&[]interface{}{
				map[string]interface{}{"Name": "PORT", "Value": "8080"},
				map[string]interface{}{"Name": "SHUTDOWN_TIMEOUT", "Value": "20s"},
			}),
			"LogConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{"LogDriver": "awslogs"}),
		})},
	})
	has("AWS::ElasticLoadBalancingV2::TargetGroup", map[string]interface{}{
		"HealthCheckPath":            "/health",
		"Matcher":                    map[string]interface{}{"HttpCode": "200"},
		"HealthCheckIntervalSeconds": 10,
		"HealthyThresholdCount":      2,
		"UnhealthyThresholdCount":    3,
		"TargetType":                 "ip",
		"TargetGroupAttributes": assertions.Match_ArrayWith(&[]interface{}{
			map[string]interface{}{"Key": "deregistration_delay.timeout_seconds", "Value": "25"},
		}),
	})
	has("AWS::ApplicationAutoScaling::ScalableTarget", map[string]interface{}{
		"MinCapacity": 2,
		"MaxCapacity": 6,
	})
	// On CPU only: requests per target would follow the target group
	// that no longer serves production after a deploy.
	cdktest.Check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), jsii.Number(1)) })
	cdktest.Check(t, func() { tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), jsii.Number(2)) })
	for _, metric := range []string{"ECSServiceAverageCPUUtilization"} {
		has("AWS::ApplicationAutoScaling::ScalingPolicy", map[string]interface{}{
			"PolicyType": "TargetTrackingScaling",
			"TargetTrackingScalingPolicyConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{
				"PredefinedMetricSpecification": assertions.Match_ObjectLike(&map[string]interface{}{"PredefinedMetricType": metric}),
			}),
		})
	}

	// The load balancer drains a task before ECS stops it, and the server
	// finishes in-flight requests before ECS kills it.
	var stop float64
	for _, td := range cdktest.Resources(t, tpl, "AWS::ECS::TaskDefinition") {
		c := td["Properties"].(map[string]interface{})["ContainerDefinitions"].([]interface{})[0].(map[string]interface{})
		stop = c["StopTimeout"].(float64)
	}
	for id, tg := range cdktest.Resources(t, tpl, "AWS::ElasticLoadBalancingV2::TargetGroup") {
		var drain float64
		for _, a := range tg["Properties"].(map[string]interface{})["TargetGroupAttributes"].([]interface{}) {
			if a := a.(map[string]interface{}); a["Key"] == "deregistration_delay.timeout_seconds" {
				var err error
				if drain, err = strconv.ParseFloat(a["Value"].(string), 64); err != nil {
					t.Fatal(err)
				}
			}
		}
		if !(drain > 0 && drain < stop && 20 < stop) {
			t.Errorf("%s: deregistration delay %vs, stop timeout %vs: want 0 < delay < stop timeout and SHUTDOWN_TIMEOUT (20s) < stop timeout", id, drain, stop)
		}
	}

	// No DesiredCount: a count in the template would reset auto scaling on
	// every deploy.
	for id, s := range cdktest.Resources(t, tpl, "AWS::ECS::Service") {
		if n, ok := s["Properties"].(map[string]interface{})["DesiredCount"]; ok {
			t.Errorf("%s: DesiredCount = %v, want none (auto scaling owns it)", id, n)
		}
	}
}

// TestWhatIsDeployed checks the rest of the service stack: the network, the
// cluster, the load balancer with its access logs, and the Endpoint output
// the acceptance tests read.
func TestWhatIsDeployed(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := cdktest.Template(t, containers.NewServiceStack(app, "Service"))
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(1))
		tpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(4))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), map[string]interface{}{
			"ResourceType": "VPC", "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
		})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), map[string]interface{}{
			"ClusterSettings": []interface{}{map[string]interface{}{"Name": "containerInsights", "Value": "enhanced"}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), map[string]interface{}{
			"Scheme": "internet-facing",
			"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]interface{}{
				map[string]interface{}{"Key": "access_logs.s3.enabled", "Value": "true"},
			}),
		})
		tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), map[string]interface{}{
			"Port": 80, "Protocol": "HTTP",
		})
		tpl.HasResource(jsii.String("AWS::S3::Bucket"), map[string]interface{}{
			"DeletionPolicy": "Retain",
			"Properties": assertions.Match_ObjectLike(&map[string]interface{}{
				"BucketEncryption": map[string]interface{}{"ServerSideEncryptionConfiguration": []interface{}{
					map[string]interface{}{"ServerSideEncryptionByDefault": map[string]interface{}{"SSEAlgorithm": "AES256"}},
				}},
				"PublicAccessBlockConfiguration": map[string]interface{}{
					"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
				},
			}),
		})
		tpl.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), map[string]interface{}{"RetentionInDays": 365})
		tpl.HasOutput(jsii.String("Endpoint"), map[string]interface{}{
			"Value": map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
				"http://", map[string]interface{}{"Fn::GetAtt": assertions.Match_ArrayWith(&[]interface{}{"DNSName"})}, "/",
			}}},
		})
	})
}

// TestImageAsset checks that the image is built from the repository root
// for arm64 by asset publishing, and that only go.mod, go.sum and the
// service's code are staged as its build context, not the repository.
func TestImageAsset(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := containers.NewServiceStack(app, "Service")
	var dir string
	cdktest.Check(t, func() { dir = *app.Synth(nil).Directory() })
	raw, err := os.ReadFile(filepath.Join(dir, *stack.ArtifactId()+".assets.json"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		DockerImages map[string]struct {
			Source struct {
				Directory, DockerFile, Platform string
			}
		}
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		t.Fatal(err)
	}
	if len(manifest.DockerImages) != 1 {
		t.Fatalf("%d image assets, want 1", len(manifest.DockerImages))
	}
	for _, img := range manifest.DockerImages {
		if img.Source.DockerFile != "examples/service/Dockerfile" || img.Source.Platform != "linux/arm64" {
			t.Errorf("image source = %+v, want examples/service/Dockerfile for linux/arm64", img.Source)
		}
		context := filepath.Join(dir, img.Source.Directory)
		var files []string
		err := filepath.WalkDir(context, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(context, path)
				files = append(files, filepath.ToSlash(rel))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{"go.mod": true, "go.sum": true, "examples/service/Dockerfile": true, "examples/service/cmd/server/main.go": true}
		for _, f := range files {
			delete(want, f)
			if f != "go.mod" && f != "go.sum" && !strings.HasPrefix(f, "examples/service/") ||
				strings.HasSuffix(f, "_test.go") || strings.Contains(f, "/testdata/") {
				t.Errorf("build context has %s; want only go.mod, go.sum and the service's code", f)
			}
		}
		if len(want) > 0 {
			t.Errorf("build context lacks %v; it has %v", want, files)
		}
	}
}

// TestNagClean runs cdk-nag's AwsSolutions checks over the pipeline stack
// and both stage stacks: every finding is fixed or suppressed with a reason.
func TestNagClean(t *testing.T) {
	exampletest.NagClean(t, containers.NewPipelineStack, "VelocityContainers", 3)
}

// TestGolden keeps the synthesized templates of the example under review:
// any change to what the line or the service deploys shows up as a diff of
// testdata/. Run `go test ./examples/containers -run Golden -update` to
// accept one.
func TestGolden(t *testing.T) {
	exampletest.Golden(t, containers.NewPipelineStack, "VelocityContainers", nil)
}

// The app's container image is built and pushed by the Build job, so a
// change to the app skips the Assets stage: the Build job, and only it, has
// a Docker daemon and may assume the bootstrap image-publishing roles. The
// UnitTests job beside it has neither.
func TestBuildJobPublishesTheImage(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := cdktest.Template(t, containers.NewPipelineStack(app, "VelocityContainers"))
	for id, p := range cdktest.Resources(t, tpl, "AWS::CodeBuild::Project") {
		privileged, _ := p["Properties"].(map[string]interface{})["Environment"].(map[string]interface{})["PrivilegedMode"].(bool)
		switch {
		case strings.Contains(id, "BuildCdkBuildProject") && !privileged:
			t.Errorf("the Build job %s has no Docker daemon (PrivilegedMode false)", id)
		case strings.Contains(id, "UnitTestsJob") && privileged:
			t.Errorf("the UnitTests job %s runs privileged", id)
		}
	}
	found := false
	for id, p := range cdktest.Resources(t, tpl, "AWS::IAM::Policy") {
		raw, _ := json.Marshal(p["Properties"])
		doc := string(raw)
		images := strings.Contains(doc, `"iam:ResourceTag/aws-cdk:bootstrap-role":"image-publishing"`)
		switch {
		case strings.Contains(id, "BuildCdkBuildProject"):
			found = images
		case strings.Contains(id, "UnitTestsJob") && (images || strings.Contains(doc, "sts:AssumeRole")):
			t.Errorf("the UnitTests job may assume roles: %s", doc)
		}
	}
	if !found {
		t.Error("the Build job may not assume the image-publishing roles")
	}
}
