package ec2_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/velocity-cdk/velocity/examples/ec2"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/internal/exampletest"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// only returns the single resource of the given type.
func only(t *testing.T, resources map[string]map[string]interface{}, typ string) (string, map[string]interface{}) {
	t.Helper()
	if len(resources) != 1 {
		t.Fatalf("%d resources of type %s, want 1", len(resources), typ)
	}
	for id, r := range resources {
		return id, r
	}
	return "", nil
}

// flat renders a template value (often an Fn::Join of strings and
// references) as one JSON string, for substring checks.
func flat(t *testing.T, v interface{}) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// Undo the JSON escaping of newlines and quotes so scripts read as such.
	return strings.NewReplacer(`\n`, "\n", `\"`, `"`).Replace(string(b))
}

// TestZeroDowntime checks what makes a deploy free of downtime: a new AMI
// per change, rolled out one instance at a time, each new instance signalling
// that it is healthy behind the load balancer before an old one goes.
func TestZeroDowntime(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := ec2.NewServiceStack(app, "Service")
	tpl := cdktest.Template(t, stack)

	// Rolling update and creation policy.
	_, asg := only(t, cdktest.Resources(t, tpl, "AWS::AutoScaling::AutoScalingGroup"), "AWS::AutoScaling::AutoScalingGroup")
	update, _ := asg["UpdatePolicy"].(map[string]interface{})
	rolling, ok := update["AutoScalingRollingUpdate"].(map[string]interface{})
	if !ok {
		t.Fatalf("no UpdatePolicy.AutoScalingRollingUpdate: %v", asg["UpdatePolicy"])
	}
	if rolling["WaitOnResourceSignals"] != true {
		t.Errorf("WaitOnResourceSignals = %v, want true", rolling["WaitOnResourceSignals"])
	}
	if rolling["MinInstancesInService"] != float64(2) {
		t.Errorf("MinInstancesInService = %v, want 2", rolling["MinInstancesInService"])
	}
	if rolling["MaxBatchSize"] != float64(1) {
		t.Errorf("MaxBatchSize = %v, want 1", rolling["MaxBatchSize"])
	}
	if p, _ := rolling["PauseTime"].(string); !regexp.MustCompile(`^PT\d+M$`).MatchString(p) {
		t.Errorf("PauseTime = %v, want minutes such as PT15M", rolling["PauseTime"])
	}
	props := asg["Properties"].(map[string]interface{})
	if props["MinSize"] != "2" || props["MaxSize"] != "4" || props["DesiredCapacity"] != nil {
		t.Errorf("MinSize, MaxSize, DesiredCapacity = %v, %v, %v; want 2, 4, unset", props["MinSize"], props["MaxSize"], props["DesiredCapacity"])
	}
	if props["HealthCheckType"] != "ELB" || props["HealthCheckGracePeriod"] == nil {
		t.Errorf("HealthCheckType, HealthCheckGracePeriod = %v, %v; want ELB with a grace period", props["HealthCheckType"], props["HealthCheckGracePeriod"])
	}
	creation, _ := asg["CreationPolicy"].(map[string]interface{})
	signal, _ := creation["ResourceSignal"].(map[string]interface{})
	if signal["Count"] != float64(2) || signal["Timeout"] == nil {
		t.Errorf("CreationPolicy.ResourceSignal = %v, want Count 2 and a Timeout", creation["ResourceSignal"])
	}

	// The launch template runs the AMI that Image Builder builds.
	imageID, _ := only(t, cdktest.Resources(t, tpl, "AWS::ImageBuilder::Image"), "AWS::ImageBuilder::Image")
	_, lt := only(t, cdktest.Resources(t, tpl, "AWS::EC2::LaunchTemplate"), "AWS::EC2::LaunchTemplate")
	data := lt["Properties"].(map[string]interface{})["LaunchTemplateData"].(map[string]interface{})
	if got, want := flat(t, data["ImageId"]), `{"Fn::GetAtt":["`+imageID+`","ImageId"]}`; got != want {
		t.Errorf("launch template ImageId = %s, want %s", got, want)
	}
	if got := flat(t, data["MetadataOptions"]); !strings.Contains(got, `"HttpTokens":"required"`) {
		t.Errorf("MetadataOptions = %s, want IMDSv2 required", got)
	}
	if got := flat(t, data["BlockDeviceMappings"]); !strings.Contains(got, `"Encrypted":true`) {
		t.Errorf("BlockDeviceMappings = %s, want an encrypted root volume", got)
	}
	if got := flat(t, data["InstanceType"]); got != `"t4g.micro"` {
		t.Errorf("InstanceType = %s, want t4g.micro", got)
	}

	// Image Builder: component, recipe, infrastructure, image.
	for _, typ := range []string{"AWS::ImageBuilder::Component", "AWS::ImageBuilder::ImageRecipe", "AWS::ImageBuilder::InfrastructureConfiguration"} {
		only(t, cdktest.Resources(t, tpl, typ), typ)
	}
	_, component := only(t, cdktest.Resources(t, tpl, "AWS::ImageBuilder::Component"), "AWS::ImageBuilder::Component")
	_, recipe := only(t, cdktest.Resources(t, tpl, "AWS::ImageBuilder::ImageRecipe"), "AWS::ImageBuilder::ImageRecipe")
	cprops := component["Properties"].(map[string]interface{})
	rprops := recipe["Properties"].(map[string]interface{})
	version, _ := cprops["Version"].(string)
	if !regexp.MustCompile(`^1\.0\.\d+$`).MatchString(version) || rprops["Version"] != version {
		t.Errorf("component version %v, recipe version %v; want the same 1.0.n", cprops["Version"], rprops["Version"])
	}
	if got := flat(t, rprops["ParentImage"]); !strings.Contains(got, "aws:image/amazon-linux-2023-arm64/x.x.x") {
		t.Errorf("recipe ParentImage = %s, want Amazon Linux 2023 arm64", got)
	}
	doc := flat(t, cprops["Data"])
	for _, want := range []string{
		"aws s3 cp", "/usr/local/bin/server", "/etc/systemd/system/factorial.service",
		"systemctl enable factorial.service", "amazon-cloudwatch-agent", "aws-cfn-bootstrap", "useradd --system",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("component document lacks %q:\n%s", want, doc)
		}
	}

	// User data: health check, then the load balancer, then cfn-signal.
	script := flat(t, data["UserData"])
	health := strings.Index(script, "/usr/local/bin/server -healthcheck")
	routed := strings.Index(script, "describe-target-health")
	success := strings.LastIndex(script, `signal 0 `)
	if health < 0 || routed < health || success < routed || !strings.Contains(script, "/opt/aws/bin/cfn-signal") {
		t.Errorf("user data must run cfn-signal after the health check and the load balancer check:\n%s", script)
	}
	for _, want := range []string{"amazon-cloudwatch-agent-ctl", `"log_group_name"`, "--resource"} {
		if !strings.Contains(script, want) {
			t.Errorf("user data lacks %q:\n%s", want, script)
		}
	}

	// Load balancer: health checks on /health, the service port.
	_, tg := only(t, cdktest.Resources(t, tpl, "AWS::ElasticLoadBalancingV2::TargetGroup"), "AWS::ElasticLoadBalancingV2::TargetGroup")
	tgProps := tg["Properties"].(map[string]interface{})
	if tgProps["HealthCheckPath"] != "/health" || tgProps["Port"] != float64(8080) {
		t.Errorf("target group HealthCheckPath, Port = %v, %v; want /health, 8080", tgProps["HealthCheckPath"], tgProps["Port"])
	}
	_, lb := only(t, cdktest.Resources(t, tpl, "AWS::ElasticLoadBalancingV2::LoadBalancer"), "AWS::ElasticLoadBalancingV2::LoadBalancer")
	if got := flat(t, lb["Properties"]); !strings.Contains(got, `{"Key":"access_logs.s3.enabled","Value":"true"}`) {
		t.Errorf("load balancer attributes lack access logs: %s", got)
	}

	// Auto scaling on CPU and on requests per target.
	metrics := map[string]bool{}
	for _, p := range cdktest.Resources(t, tpl, "AWS::AutoScaling::ScalingPolicy") {
		cfg, _ := p["Properties"].(map[string]interface{})["TargetTrackingConfiguration"].(map[string]interface{})
		spec, _ := cfg["PredefinedMetricSpecification"].(map[string]interface{})
		if m, ok := spec["PredefinedMetricType"].(string); ok {
			metrics[m] = true
			if m == "ASGAverageCPUUtilization" && cfg["TargetValue"] != float64(60) {
				t.Errorf("CPU target = %v, want 60", cfg["TargetValue"])
			}
		}
	}
	if !metrics["ASGAverageCPUUtilization"] || !metrics["ALBRequestCountPerTarget"] {
		t.Errorf("target tracking metrics = %v, want ASGAverageCPUUtilization and ALBRequestCountPerTarget", metrics)
	}

	// Alarms the line's bake time gates on.
	alarmed := map[string]bool{}
	for _, a := range cdktest.Resources(t, tpl, "AWS::CloudWatch::Alarm") {
		alarmed[a["Properties"].(map[string]interface{})["MetricName"].(string)] = true
	}
	for _, m := range []string{"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "HealthyHostCount"} {
		if !alarmed[m] {
			t.Errorf("no alarm on %s; alarms on %v", m, alarmed)
		}
	}

	outputs := cdktest.JSON(t, tpl)["Outputs"].(map[string]interface{})
	endpoint, ok := outputs["Endpoint"].(map[string]interface{})
	if !ok || !strings.Contains(flat(t, endpoint["Value"]), `"http://"`) {
		t.Errorf("output Endpoint = %v, want http:// and the load balancer's DNS name", outputs["Endpoint"])
	}
}

// TestLineSynthesizesThisExample checks that the line's build synthesizes
// the EC2 example (`-c example=ec2`): the repository's CDK app synthesizes
// the serverless example by default, and the line's self-update would not
// find the VelocityEc2 stack in that cloud assembly.
func TestLineSynthesizesThisExample(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := ec2.NewPipelineStack(app, "VelocityEc2")
	tpl := cdktest.Template(t, stack)
	found := false
	for _, p := range cdktest.Resources(t, tpl, "AWS::CodeBuild::Project") {
		if strings.Contains(flat(t, p["Properties"]), "cdk synth -c 'example=ec2'") {
			found = true
		}
	}
	if !found {
		t.Errorf("no CodeBuild project of the line runs `cdk synth -c example=ec2`")
	}
}

func TestNagClean(t *testing.T) { exampletest.NagClean(t, ec2.NewPipelineStack, "VelocityEc2", 3) }

// imageVersion matches the versions derived from the server bundle, which
// change whenever the server is rebuilt differently (another Go release, a
// change to the service); golden files compare without them, as they do
// without asset hashes.
var imageVersion = regexp.MustCompile(`^1\.0\.\d+$`)

// withoutImageVersions replaces the Version of Image Builder components and
// recipes with "<version>".
func withoutImageVersions(template map[string]interface{}) map[string]interface{} {
	resources, _ := template["Resources"].(map[string]interface{})
	for _, r := range resources {
		res, _ := r.(map[string]interface{})
		switch res["Type"] {
		case "AWS::ImageBuilder::Component", "AWS::ImageBuilder::ImageRecipe":
			props := res["Properties"].(map[string]interface{})
			if v, ok := props["Version"].(string); ok && imageVersion.MatchString(v) {
				props["Version"] = "<version>"
			}
		}
	}
	return template
}

// TestGolden keeps the synthesized templates of the example under review:
// any change to what the line or the service deploys shows up as a diff of
// testdata/. Run `go test ./examples/ec2 -run Golden -update` to accept one.
func TestGolden(t *testing.T) {
	exampletest.Golden(t, ec2.NewPipelineStack, "VelocityEc2", func(tpl map[string]interface{}) { withoutImageVersions(tpl) })
}
