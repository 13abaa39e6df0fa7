package pipeline

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/nag"
	"github.com/velocity-cdk/velocity/stages"
)

// Default bake times: how long the service's alarms must stay OK after a
// deploy before the line moves on.
const (
	StagingBakeTime    = 5 * time.Minute
	ProductionBakeTime = 15 * time.Minute
)

func defaultBakeTime(production bool) time.Duration {
	if production {
		return ProductionBakeTime
	}
	return StagingBakeTime
}

// gateAlarm is the composite alarm that gates one environment.
type gateAlarm struct {
	name    string
	account string // empty: the pipeline's account
	region  string // empty: the pipeline's region
	// bakeName is the alarm the bake watches: name, or with
	// Gate.MinRequests a composite of name and the traffic alarm.
	bakeName string
	// readerRole is the role the pipeline assumes to read an alarm in
	// another account; empty in the pipeline's own account.
	readerRole string
}

// newGateAlarm creates one composite alarm over every CloudWatch alarm of
// the stage (but those marked monitoring.NotAGate) and the extra named alarms: the stage's gate is a single alarm,
// in ALARM when any of them is. It is created in the stage's last stack
// that holds an alarm, with a fixed name so the pipeline can refer to it.
//
// With gate.MinRequests and a bake time, the bake watches a second
// composite alarm, "<gate>-bake": the gate or the traffic alarm of the
// stage's first monitoring.ServiceMonitor (too few requests in the bake
// time). The entry gate watches the first alone: an idle environment is
// not an unhealthy one.
func (l *AssemblyLine) newGateAlarm(stage awscdk.Stage, stacks []awscdk.Stack, env stages.Environment, gate stages.Gate, bake time.Duration) gateAlarm {
	var rules []awscloudwatch.IAlarmRule
	var monitor *monitoring.ServiceMonitor
	var endpoint awscdk.CfnOutput
	endpointDepth := 0
	home := stacks[len(stacks)-1]
	for _, c := range *stage.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if m, ok := c.(*monitoring.ServiceMonitor); ok && monitor == nil {
			monitor = m
		}
		// The team's Endpoint output, the one nearest its stack (as the
		// acceptance tests take it).
		if out, ok := c.(awscdk.CfnOutput); ok && *out.Node().Id() == "Endpoint" {
			if depth := strings.Count(*out.Node().Path(), "/"); endpoint == nil || depth < endpointDepth {
				endpoint, endpointDepth = out, depth
			}
		}
		if _, isAlarm := c.(awscloudwatch.IAlarm); isAlarm && !monitoring.IsGate(c) {
			continue
		}
		switch a := c.(type) {
		case awscloudwatch.Alarm:
			rules = append(rules, a)
			home = awscdk.Stack_Of(a)
		case awscloudwatch.CompositeAlarm:
			rules = append(rules, a)
			home = awscdk.Stack_Of(a)
		}
	}
	if !gate.Synthetic.Off && endpoint != nil {
		for _, a := range l.newSyntheticTraffic(endpoint, monitor, gate.Synthetic, env) {
			rules = append(rules, a)
		}
	}
	for i, name := range gate.Alarms {
		imported := awscloudwatch.Alarm_FromAlarmName(home, jsii.String("VelocityGateAlarm"+strconv.Itoa(i)), jsii.String(string(name)))
		rules = append(rules, awscloudwatch.AlarmRule_FromAlarm(imported, awscloudwatch.AlarmState_ALARM))
	}
	if len(rules) == 0 {
		awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:no-gate-alarms"),
			jsii.String("Stage "+env.Name+" has no CloudWatch alarms, so its bake time gates on nothing. Add alarms to the stage (see the monitoring package) or set Gate.Alarms."), nil)
		return gateAlarm{}
	}
	pipelineStack := awscdk.Stack_Of(l)
	g := gateAlarm{name: *pipelineStack.StackName() + "-" + env.Name + "-gate", account: env.Account, region: env.Region}
	g.bakeName = g.name
	health := awscloudwatch.NewCompositeAlarm(home, jsii.String("VelocityGate"), &awscloudwatch.CompositeAlarmProps{
		CompositeAlarmName: jsii.String(g.name),
		AlarmRule:          awscloudwatch.AlarmRule_AnyOf(rules...),
		AlarmDescription: jsii.String("Gate of the Velocity line " + *pipelineStack.StackName() + " for " + env.Name +
			": in ALARM when any alarm of the deployed service is. Before a deploy, ALARM holds the stage back (it fails if the alarm does not clear in time); while a deploy bakes, ALARM fails the stage (and rolls it back where rollback is on)."),
	})
	if bake > 0 && gate.MinRequests > 0 {
		g.bakeName = l.newBakeGate(home, env, g.name, health, monitor, bake, gate.MinRequests)
	}
	if env.Account != "" && env.Account != *pipelineStack.Account() {
		sum := sha256.Sum256([]byte(g.name))
		roleName := "velocity-gate-reader-" + hex.EncodeToString(sum[:6])
		role := awsiam.NewRole(home, jsii.String("VelocityGateReader"), &awsiam.RoleProps{
			RoleName:    jsii.String(roleName),
			Description: jsii.String("Lets the Velocity line " + *pipelineStack.StackName() + " read its gate alarm"),
			AssumedBy:   awsiam.NewAccountPrincipal(pipelineStack.Account()),
		})
		readable := []*string{awscdk.Stack_Of(home).FormatArn(alarmArn(g.name, "", ""))}
		if g.bakeName != g.name {
			readable = append(readable, awscdk.Stack_Of(home).FormatArn(alarmArn(g.bakeName, "", "")))
		}
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("cloudwatch:DescribeAlarms"),
			Resources: &readable,
		}))
		if gate.AnalysisWindowOr() > 0 {
			// The canary analysis reads the alarms under the gate (the
			// team's, by names it does not know) and their metrics.
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("cloudwatch:DescribeAlarms"),
				Resources: jsii.Strings(*awscdk.Stack_Of(home).FormatArn(alarmArn("*", "", ""))),
			}))
			role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("cloudwatch:GetMetricData"), Resources: jsii.Strings("*"),
			}))
			nag.Suppress(role, true, nag.Rule{ID: "AwsSolutions-IAM5",
				AppliesTo: []string{"Resource::*", nag.Regex(`^Resource::arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:\*$`)},
				Reason:    "The line's canary analysis reads the alarms under the gate, whose names are the team's, and their metrics (cloudwatch:GetMetricData has no resource-level permissions)."})
		}
		g.readerRole = fmt.Sprintf("arn:%s:iam::%s:role/%s", *awscdk.Aws_PARTITION(), env.Account, roleName)
	}
	return g
}

// newSyntheticTraffic sends the line's own requests to the stage's
// endpoint: a canary in the endpoint's stack, watched by the stage's
// service monitor, whose alarms it returns for the gate.
func (l *AssemblyLine) newSyntheticTraffic(endpoint awscdk.CfnOutput, monitor *monitoring.ServiceMonitor, s stages.SyntheticTraffic, env stages.Environment) []awscloudwatch.Alarm {
	url, ok := endpoint.Value().(string)
	if !ok {
		awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:synthetic-traffic-endpoint"),
			jsii.String("The Endpoint output of stage "+env.Name+" is not a string, so the line sends it no synthetic traffic; set Gate.Synthetic.Off to say so."), nil)
		return nil
	}
	canary := monitoring.NewSyntheticTraffic(awscdk.Stack_Of(endpoint), "VelocitySyntheticTraffic", &monitoring.SyntheticTrafficProps{
		Endpoint: jsii.String(url), Paths: s.Paths, Every: s.Every})
	if canary == nil {
		return nil // reported by NewSyntheticTraffic
	}
	waitForTheService(canary)
	if monitor == nil {
		awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:synthetic-traffic-unwatched"),
			jsii.String("Stage "+env.Name+" gets synthetic traffic but has no monitoring.ServiceMonitor, so no alarm watches the canary and its failures do not hold up a deploy."), nil)
		return nil
	}
	return monitor.MonitorCanary(canary, nil)
}

// waitForTheService makes the canary start only once the compute of its
// stack (ECS services, Auto Scaling groups, EC2 instances, Lambda functions
// and aliases) is in place: on a first deploy, runs against a service that
// is not up yet would put the gate in ALARM before the bake began.
func waitForTheService(canary constructs.IConstruct) {
	for _, c := range *awscdk.Stack_Of(canary).Node().Children() {
		switch c.(type) {
		case awsecs.BaseService, awsautoscaling.AutoScalingGroup, awsec2.Instance, awslambda.IFunction:
			canary.Node().AddDependency(c)
		}
	}
}

// newBakeGate creates the composite alarm a bake by data watches: the
// health gate, or too little traffic in the bake time. It returns its
// name, or the health gate's (gate, its fixed name: the pipeline stack may
// not refer to the stage's tokens) when the stage has no monitor that
// counts requests (a synth error).
func (l *AssemblyLine) newBakeGate(home awscdk.Stack, env stages.Environment, gate string, health awscloudwatch.CompositeAlarm, monitor *monitoring.ServiceMonitor, bake time.Duration, minRequests float64) string {
	name := gate + "-bake"
	if monitor == nil {
		awscdk.Annotations_Of(l).AddError(jsii.String("velocity: Gate.MinRequests of stage " + env.Name +
			" needs a monitoring.ServiceMonitor in the stage that watches an API, a load balancer or a Lambda function: it counts the requests"))
		return gate
	}
	traffic := monitor.NewTrafficAlarm("VelocityTraffic", bake, minRequests)
	if traffic == nil {
		return gate // reported on the monitor
	}
	awscloudwatch.NewCompositeAlarm(home, jsii.String("VelocityBakeGate"), &awscloudwatch.CompositeAlarmProps{
		CompositeAlarmName: jsii.String(name),
		AlarmRule:          awscloudwatch.AlarmRule_AnyOf(awscloudwatch.AlarmRule_FromAlarm(health, awscloudwatch.AlarmState_ALARM), traffic),
		AlarmDescription: jsii.String("Bake of the Velocity line " + *awscdk.Stack_Of(l).StackName() + " for " + env.Name +
			": in ALARM when the gate is, or when the service served fewer than " + strconv.FormatFloat(minRequests, 'f', -1, 64) +
			" requests in the bake time (" + strconv.Itoa(int(bake.Minutes())) + " minutes): a bake passes on data, not on silence."),
	})
	return name
}

func alarmArn(name, account, region string) *awscdk.ArnComponents {
	arn := &awscdk.ArnComponents{
		Service:      jsii.String("cloudwatch"),
		Resource:     jsii.String("alarm"),
		ResourceName: jsii.String(name),
		ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
	}
	if account != "" {
		arn.Account = jsii.String(account)
	}
	if region != "" {
		arn.Region = jsii.String(region)
	}
	return arn
}

// addConditions renders the stage conditions of CodePipeline V2: for each
// deploy stage the bake-time gate (OnSuccess), rollback (OnFailure), and the
// deployment window and the entry gate, which waits for environments in
// alarm (BeforeEntry), and the skip of the stages the Build
// job made needless. CDK Pipelines creates the stages, so they
// go onto the CfnPipeline as property overrides.
func (l *AssemblyLine) addConditions(deploys []*lineStage, plan *stages.Plan) {
	conditions := &stageConditions{pipeline: l.Pipeline}
	awscdk.Aspects_Of(l.Pipeline).Add(conditions, nil)
	skipStagesTheBuildMadeNeedless(conditions, plan)
	readable := map[string]bool{}
	for _, ls := range deploys {
		set := func(condition string, value interface{}) { conditions.add(ls.name, condition, value) }
		rollback := ls.gate.Rollback.Or(ls.production)
		bake := ls.gate.BakeTimeOr(defaultBakeTime(ls.production))
		entry := ls.gate.EntryWaitOr()
		var rules, entryRules []interface{}
		for _, d := range ls.envs {
			if d.alarm.name == "" {
				continue
			}
			if bake > 0 {
				rules = append(rules, l.alarmRule("Bake-"+d.env.Name, d.alarm.bakeName, d.alarm, bake, readable))
			}
			if entry > 0 {
				entryRules = append(entryRules, l.alarmRule("Healthy-"+d.env.Name, d.alarm.name, d.alarm, entry, readable))
			}
		}
		if len(rules) > 0 {
			result := "FAIL"
			if rollback {
				result = "ROLLBACK"
			}
			set("OnSuccess", map[string]interface{}{
				"Conditions": []interface{}{map[string]interface{}{"Result": result, "Rules": rules}},
			})
		}
		if rollback {
			set("OnFailure", map[string]interface{}{"Result": "ROLLBACK"})
		}
		if w := ls.gate.Window; w != nil {
			config := map[string]interface{}{"Cron": w.Cron}
			if w.TimeZone != "" {
				config["TimeZone"] = w.TimeZone
			}
			entryRules = append([]interface{}{map[string]interface{}{
				"Name": "DeploymentWindow", "RuleTypeId": ruleType("DeploymentWindow"), "Configuration": config,
			}}, entryRules...)
		}
		if len(entryRules) > 0 {
			set("BeforeEntry", map[string]interface{}{
				"Conditions": []interface{}{map[string]interface{}{"Result": "FAIL", "Rules": entryRules}},
			})
		}
	}
}

// alarmRule is a CloudWatchAlarm rule on the alarm named alarmName of one
// environment's gate (its health or its bake alarm): it fails when the
// alarm is in ALARM and does not leave it within wait. The pipeline's role
// may read the alarm (readable records the alarms it already may), in
// another account through the gate's reader role.
func (l *AssemblyLine) alarmRule(name, alarmName string, alarm gateAlarm, wait time.Duration, readable map[string]bool) map[string]interface{} {
	rule := map[string]interface{}{
		"Name":       name,
		"RuleTypeId": ruleType("CloudWatchAlarm"),
		"Configuration": map[string]interface{}{
			"AlarmName": alarmName,
			"WaitTime":  strconv.Itoa(int(wait.Minutes())),
		},
	}
	if alarm.region != "" {
		rule["Region"] = alarm.region
	}
	if alarm.readerRole != "" {
		rule["RoleArn"] = alarm.readerRole
	}
	if readable[alarmName] {
		return rule
	}
	readable[alarmName] = true
	if alarm.readerRole != "" {
		l.Pipeline.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("sts:AssumeRole"), Resources: jsii.Strings(alarm.readerRole),
		}))
	} else {
		l.Pipeline.Role().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("cloudwatch:DescribeAlarms"),
			Resources: jsii.Strings(*awscdk.Stack_Of(l).FormatArn(alarmArn(alarmName, alarm.account, alarm.region))),
		}))
	}
	return rule
}

func ruleType(provider string) map[string]interface{} {
	return map[string]interface{}{"Category": "Rule", "Owner": "AWS", "Provider": provider, "Version": "1"}
}

// stageConditions holds the stage conditions by stage name until synth,
// when it writes them onto the CfnPipeline: the stages are addressed there
// by position, and a stage a team adds through AssemblyLine.Pipeline after
// New would move every later one.
type stageConditions struct {
	pipeline awscodepipeline.Pipeline
	byStage  map[string]map[string]interface{}
	order    []string
	done     bool
	// prepare run first at synth, for conditions that need the rendered
	// pipeline.
	prepare []func(cfn awscodepipeline.CfnPipeline)
}

func (c *stageConditions) add(stage, condition string, value interface{}) {
	if c.byStage == nil {
		c.byStage = map[string]map[string]interface{}{}
	}
	if _, ok := c.byStage[stage]; !ok {
		c.byStage[stage] = map[string]interface{}{}
		c.order = append(c.order, stage)
	}
	c.byStage[stage][condition] = value
}

// Visit writes the conditions when the aspects reach the CfnPipeline.
func (c *stageConditions) Visit(node constructs.IConstruct) {
	cfn, ok := node.(awscodepipeline.CfnPipeline)
	if !ok || c.done {
		return
	}
	c.done = true
	for _, f := range c.prepare {
		f(cfn)
	}
	index := map[string]int{}
	var names []string
	for i, s := range *c.pipeline.Stages() {
		index[*s.StageName()] = i
		names = append(names, *s.StageName())
	}
	for _, stage := range c.order {
		i, ok := index[stage]
		if !ok {
			awscdk.Annotations_Of(c.pipeline).AddError(jsii.String("velocity: the pipeline no longer has the stage " + stage +
				" that its conditions (bake time, rollback, window) are for; it has " + strings.Join(names, ", ")))
			continue
		}
		conditions := c.byStage[stage]
		for _, condition := range []string{"BeforeEntry", "OnSuccess", "OnFailure"} {
			if v, ok := conditions[condition]; ok {
				cfn.AddPropertyOverride(jsii.String(fmt.Sprintf("Stages.%d.%s", i, condition)), v)
			}
		}
	}
}
