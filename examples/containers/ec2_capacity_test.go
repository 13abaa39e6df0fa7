package containers_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/containers"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/internal/exampletest"
	"go.yaml.in/yaml/v3"
)

// ec2Line is the example's line with the tasks on EC2 capacity.
func ec2Line(scope constructs.Construct, id string, aspects ...awscdk.IAspect) awscdk.Stack {
	return containers.NewPipelineStackOn(scope, id, containers.EC2, aspects...)
}

func TestParseCapacity(t *testing.T) {
	for in, want := range map[string]containers.Capacity{"": containers.Fargate, "fargate": containers.Fargate, "ec2": containers.EC2} {
		if got, err := containers.ParseCapacity(in); err != nil || got != want {
			t.Errorf("ParseCapacity(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := containers.ParseCapacity("EC2 "); err == nil || !strings.Contains(err.Error(), "want fargate (the default) or ec2") {
		t.Errorf("ParseCapacity of a typo: %v", err)
	}
}

// TestEc2CapacityZeroDowntime checks what keeps the service up while the
// cluster's instances are replaced: ECS drains an instance before it goes
// (managed draining, with managed termination protection off so that
// CloudFormation updates finish), the service keeps its 100 % minimum
// while its tasks move, CloudFormation replaces one instance at a time,
// keeps two in service and waits for each new one to join the cluster,
// and rolls back when one does not.
func TestEc2CapacityZeroDowntime(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := cdktest.Template(t, containers.NewServiceStackOn(app, "Service", containers.EC2))
	has := func(typ string, props interface{}) {
		t.Helper()
		cdktest.Check(t, func() { tpl.HasResourceProperties(jsii.String(typ), props) })
	}
	has("AWS::ECS::CapacityProvider", map[string]interface{}{"AutoScalingGroupProvider": assertions.Match_ObjectLike(&map[string]interface{}{
		"ManagedDraining":              "ENABLED",
		"ManagedScaling":               map[string]interface{}{"Status": "ENABLED", "TargetCapacity": 100},
		"ManagedTerminationProtection": "DISABLED",
	})})
	cdktest.Check(t, func() {
		tpl.HasResource(jsii.String("AWS::AutoScaling::AutoScalingGroup"), map[string]interface{}{
			"Properties": assertions.Match_ObjectLike(&map[string]interface{}{
				"MinSize": "2", "MaxSize": "8",
				"MetricsCollection": []interface{}{map[string]interface{}{"Granularity": "1Minute"}},
				"VPCZoneIdentifier": assertions.Match_ArrayWith(&[]interface{}{map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("PrivateSubnet1"))}}),
			}),
			"CreationPolicy": map[string]interface{}{"ResourceSignal": map[string]interface{}{"Count": 2, "Timeout": "PT15M"}},
			"UpdatePolicy": assertions.Match_ObjectLike(&map[string]interface{}{"AutoScalingRollingUpdate": assertions.Match_ObjectLike(&map[string]interface{}{
				"MaxBatchSize": 1, "MinInstancesInService": 2, "WaitOnResourceSignals": true, "PauseTime": "PT15M",
			})}),
		})
	})
	if asgs := cdktest.Resources(t, tpl, "AWS::AutoScaling::AutoScalingGroup"); len(asgs) != 1 {
		t.Errorf("%d Auto Scaling groups, want 1", len(asgs))
	} else {
		for _, a := range asgs {
			if _, set := a["Properties"].(map[string]interface{})["DesiredCapacity"]; set {
				t.Error("the group has a DesiredCapacity: managed scaling owns it, and a deploy would reset it")
			}
		}
	}
	has("AWS::ECS::Service", map[string]interface{}{
		"CapacityProviderStrategy": []interface{}{map[string]interface{}{"CapacityProvider": map[string]interface{}{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Capacity"))}, "Weight": 1}},
		"DeploymentConfiguration": assertions.Match_ObjectLike(&map[string]interface{}{
			"DeploymentCircuitBreaker": map[string]interface{}{"Enable": true, "Rollback": true},
			"MinimumHealthyPercent":    100,
			"MaximumPercent":           200,
			"Strategy":                 "CANARY",
		}),
		"PlacementStrategies": []interface{}{
			map[string]interface{}{"Field": "attribute:ecs.availability-zone", "Type": "spread"},
			map[string]interface{}{"Field": "instanceId", "Type": "spread"},
		},
	})
	for _, svc := range cdktest.Resources(t, tpl, "AWS::ECS::Service") {
		deps, _ := json.Marshal(svc["DependsOn"])
		if !strings.Contains(string(deps), `"Cluster3DA9CCBA"`) {
			t.Errorf("the service does not wait for the cluster's capacity provider associations: DependsOn %s", deps)
		}
	}
	has("AWS::ECS::TaskDefinition", map[string]interface{}{
		"NetworkMode":             "awsvpc",
		"RequiresCompatibilities": []interface{}{"EC2"},
		"ContainerDefinitions":    []interface{}{assertions.Match_ObjectLike(&map[string]interface{}{"Cpu": 256, "Memory": 512})},
	})

	// Private instances: IMDSv2 only, an encrypted root volume, no SSH key.
	lts := cdktest.Resources(t, tpl, "AWS::EC2::LaunchTemplate")
	if len(lts) != 1 {
		t.Fatalf("%d launch templates, want 1", len(lts))
	}
	for _, lt := range lts {
		data := lt["Properties"].(map[string]interface{})["LaunchTemplateData"].(map[string]interface{})
		raw, _ := json.Marshal(data)
		doc := string(raw)
		for _, want := range []string{`"HttpTokens":"required"`, `"Encrypted":true`, `"ImageId":{"Fn::GetAtt":["ClusterImage`,
			"ECS_AWSVPC_BLOCK_IMDS=true", "systemd-run --no-block --unit velocity-join-signal", `--resource InstancesASG`, "ContainerInstanceArn"} {
			if !strings.Contains(doc, want) {
				t.Errorf("launch template lacks %s: %s", want, doc)
			}
		}
		if _, key := data["KeyName"]; key {
			t.Error("the instances have an SSH key")
		}
	}
}

// TestEc2CapacityImage checks the baked AMI: the ECS-optimized Amazon
// Linux 2023 for arm64 from AWS's public parameter, resolved by
// CloudFormation at deploy time (no lookup at synth), named after the base
// AMI so that a new one bakes a new image, updated and hardened.
func TestEc2CapacityImage(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := cdktest.JSON(t, cdktest.Template(t, containers.NewServiceStackOn(app, "Service", containers.EC2)))
	var base string
	for id, p := range tpl["Parameters"].(map[string]interface{}) {
		pm := p.(map[string]interface{})
		if pm["Default"] == "/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id" && pm["Type"] == "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>" {
			base = id
		}
	}
	if base == "" {
		t.Fatalf("no parameter for the ECS-optimized AMI: %v", tpl["Parameters"])
	}
	var recipe, component, document string
	for _, r := range tpl["Resources"].(map[string]interface{}) {
		rm := r.(map[string]interface{})
		raw, _ := json.Marshal(rm["Properties"])
		switch rm["Type"] {
		case "AWS::ImageBuilder::ImageRecipe":
			recipe = string(raw)
		case "AWS::ImageBuilder::Component":
			component = string(raw)
			document, _ = rm["Properties"].(map[string]interface{})["Data"].(string)
		}
	}
	// An AWSTOE document Image Builder can run: build, validate and test
	// phases of ExecuteBash steps, each with commands.
	var doc struct {
		SchemaVersion float64 `yaml:"schemaVersion"`
		Phases        []struct {
			Name  string
			Steps []struct {
				Name, Action string
				Inputs       struct{ Commands []string }
			}
		}
	}
	if err := yaml.Unmarshal([]byte(document), &doc); err != nil {
		t.Fatalf("the hardening component is not YAML: %v", err)
	}
	var phases []string
	for _, p := range doc.Phases {
		phases = append(phases, p.Name)
		for _, st := range p.Steps {
			if st.Name == "" || st.Action != "ExecuteBash" || len(st.Inputs.Commands) == 0 {
				t.Errorf("phase %s: step %+v is not a named ExecuteBash step with commands", p.Name, st)
			}
		}
	}
	if doc.SchemaVersion != 1 || strings.Join(phases, ",") != "build,validate,test" {
		t.Errorf("hardening component: schemaVersion %v, phases %v; want 1.0 and build, validate, test", doc.SchemaVersion, phases)
	}
	ref := `{"Ref":"` + base + `"}`
	for _, want := range []string{`"ParentImage":` + ref, `"Name":{"Fn::Join":["",["Service-ecs-",` + ref + `]]}`, "component/update-linux/x.x.x"} {
		if !strings.Contains(recipe, want) {
			t.Errorf("recipe lacks %s: %s", want, recipe)
		}
	}
	for _, want := range []string{"dnf install -y aws-cfn-bootstrap", "systemctl mask sshd.service", "systemctl enable amazon-ssm-agent.service", "rm -rf /var/lib/ecs/data/*", "ss -ltnH"} {
		if !strings.Contains(component, want) {
			t.Errorf("hardening component lacks %q", want)
		}
	}
}

// The cluster's curated alarms are in the service's monitoring, which the
// line's gate watches.
func TestEc2CapacityMonitoring(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := cdktest.Template(t, containers.NewServiceStackOn(app, "Service", containers.EC2))
	var names []string
	for id := range cdktest.Resources(t, tpl, "AWS::CloudWatch::Alarm") {
		names = append(names, id)
	}
	all := strings.Join(names, " ")
	for _, want := range []string{"ClusterPendingTasks", "ClusterContainerInstances", "ClusterDrainingInstances", "ECSServiceRunningTasks"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %s alarm in %v", want, names)
		}
	}

	// The line's gate on the staging stage watches them.
	for _, s := range exampletest.LineStacks(t, ec2Line(awscdk.NewApp(nil), "VelocityContainers")) {
		if *s.StackName() != "Staging-Service" {
			continue
		}
		gates := cdktest.Resources(t, cdktest.Template(t, s), "AWS::CloudWatch::CompositeAlarm")
		raw, _ := json.Marshal(gates)
		for _, want := range []string{"ClusterPendingTasks", "ClusterContainerInstances", "ClusterDrainingInstances"} {
			if !strings.Contains(string(raw), want) {
				t.Errorf("the staging gate does not watch %s: %s", want, raw)
			}
		}
	}
}

// The line of the EC2 capacity rebuilds the same line (its synth gets
// -c capacity=ec2) and runs every week, so a new base AMI reaches the
// cluster even without a change.
func TestEc2CapacityLine(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := cdktest.Template(t, ec2Line(app, "VelocityContainers"))
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]interface{}{
			"ScheduleExpression": "cron(0 6 ? * MON *)",
			"Targets":            assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&map[string]interface{}{"Arn": assertions.Match_AnyValue()})}),
		})
	})
	found := false
	for _, p := range cdktest.Resources(t, tpl, "AWS::CodeBuild::Project") {
		raw, _ := json.Marshal(p)
		if strings.Contains(string(raw), "synth") && strings.Contains(string(raw), "capacity=ec2") {
			found = true
		}
	}
	if !found {
		t.Error("the line's synth does not get -c capacity=ec2: self-mutation would turn the line back to Fargate")
	}
}

// TestEc2CapacityNagClean runs cdk-nag's AwsSolutions checks over the
// line of the EC2 capacity and both stage stacks.
func TestEc2CapacityNagClean(t *testing.T) {
	exampletest.NagClean(t, ec2Line, "VelocityContainers", 3)
}

// TestEc2CapacityGolden keeps the templates of the EC2 capacity under
// review in testdata/ec2/ (the Fargate ones stay in testdata/).
func TestEc2CapacityGolden(t *testing.T) {
	exampletest.GoldenIn(t, "ec2", ec2Line, "VelocityContainers", nil)
}

// The instance's join signal, as the user data writes it, tells
// CloudFormation success once the ECS agent reports a container instance
// ARN, and failure when it never does.
func TestEc2CapacityJoinSignal(t *testing.T) {
	app := awscdk.NewApp(nil)
	tpl := cdktest.Template(t, containers.NewServiceStackOn(app, "Service", containers.EC2))
	var userData string
	for _, lt := range cdktest.Resources(t, tpl, "AWS::EC2::LaunchTemplate") {
		parts := lt["Properties"].(map[string]interface{})["LaunchTemplateData"].(map[string]interface{})["UserData"].(map[string]interface{})["Fn::Base64"].(map[string]interface{})["Fn::Join"].([]interface{})[1].([]interface{})
		for _, p := range parts {
			if s, ok := p.(string); ok {
				userData += s
			} else {
				userData += "TOKEN"
			}
		}
	}
	_, rest, ok := strings.Cut(userData, "cat > /usr/local/bin/velocity-join-signal <<'EOF'\n")
	script, _, ok2 := strings.Cut(rest, "\nEOF\n")
	if !ok || !ok2 {
		t.Fatalf("no join signal script in the user data:\n%s", userData)
	}
	script = strings.ReplaceAll(strings.ReplaceAll(script, "/opt/aws/bin/cfn-signal", "echo cfn-signal"), "sleep 5", "sleep 0")
	for _, c := range []struct {
		name, metadata, want string
		rc                   int
	}{
		{"joined", `{"Cluster":"c","ContainerInstanceArn":"arn:aws:ecs:eu-west-1:111111111111:container-instance/c/0123","Version":"Amazon ECS Agent - v1.90.0"}`, `--exit-code 0 --reason the instance joined the ECS cluster --stack TOKEN --resource InstancesASG`, 0},
		{"not registered", `{"Cluster":"c","Version":"Amazon ECS Agent - v1.90.0"}`, `--exit-code 1 --reason the ECS agent did not register`, 1},
	} {
		dir := t.TempDir()
		curl := "#!/bin/sh\nprintf '%s' '" + c.metadata + "'\n"
		if err := os.WriteFile(filepath.Join(dir, "curl"), []byte(curl), 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("bash", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		rc := 0
		if err != nil {
			rc = cmd.ProcessState.ExitCode()
		}
		if rc != c.rc || !strings.Contains(string(out), c.want) {
			t.Errorf("%s: exit %d, output %q; want %d and %q", c.name, rc, out, c.rc, c.want)
		}
	}
}
