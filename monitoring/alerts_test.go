package monitoring_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

var testEnv = &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-1")}

// newStack returns a fresh app and stack; each test uses its own.
func newStack() (awscdk.App, awscdk.Stack) {
	app := awscdk.NewApp(nil)
	return app, awscdk.NewStack(app, jsii.String("Monitoring"), &awscdk.StackProps{Env: testEnv})
}

func fullProps() *monitoring.AlertsProps {
	return &monitoring.AlertsProps{
		Emails:         []string{"team@example.com", "lead@example.com"},
		HTTPSEndpoints: []string{"https://hooks.example.com/alerts"},
		FallbackEmails: []string{"pager@example.com"},
		Slack:          &monitoring.SlackProps{WorkspaceID: "T0123ABCD", ChannelID: "C0123ABCD"},
	}
}

// ref returns the logical id of the only resource of typ whose properties
// match props.
func ref(t *testing.T, tpl assertions.Template, typ string, props map[string]interface{}) string {
	t.Helper()
	var found *map[string]*map[string]interface{}
	cdktest.Check(t, func() {
		found = tpl.FindResources(jsii.String(typ), map[string]interface{}{"Properties": props})
	})
	if len(*found) != 1 {
		t.Fatalf("%d resources of type %s match %v, want 1", len(*found), typ, props)
	}
	for id := range *found {
		return id
	}
	return ""
}

func TestAlertsTopicEncryptedWithRetainedRotatingKey(t *testing.T) {
	_, stack := newStack()
	monitoring.NewAlerts(stack, "Alerts", fullProps())
	tpl := cdktest.Template(t, stack)

	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(1))
		tpl.HasResource(jsii.String("AWS::KMS::Key"), map[string]interface{}{
			"Properties":          map[string]interface{}{"EnableKeyRotation": true},
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
		})
	})
	key := ref(t, tpl, "AWS::KMS::Key", map[string]interface{}{"EnableKeyRotation": true})
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::SNS::Topic"), jsii.Number(2))
		// Both topics: the main one and the fallback.
		tpl.AllResourcesProperties(jsii.String("AWS::SNS::Topic"), map[string]interface{}{
			"KmsMasterKeyId": map[string]interface{}{"Fn::GetAtt": []interface{}{key, "Arn"}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), map[string]interface{}{"DisplayName": monitoring.DefaultAlertsDisplayName})
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]interface{}{
			"KeyPolicy": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{
					"Effect":    "Allow",
					"Principal": map[string]interface{}{"Service": []interface{}{"cloudwatch.amazonaws.com", "events.amazonaws.com"}},
					"Action":    []interface{}{"kms:Decrypt", "kms:GenerateDataKey*"},
					"Resource":  "*",
					"Condition": map[string]interface{}{"ArnLike": map[string]interface{}{
						"kms:EncryptionContext:aws:sns:topicArn": assertions.Match_AnyValue(),
					}},
				}),
			})},
		})
	})
	// No statement lets a service publish or use the key unconditioned.
	doc := cdktest.JSON(t, tpl)
	for id, r := range doc["Resources"].(map[string]interface{}) {
		props, _ := r.(map[string]interface{})["Properties"].(map[string]interface{})
		for _, field := range []string{"KeyPolicy", "PolicyDocument"} {
			policy, _ := props[field].(map[string]interface{})
			statements, _ := policy["Statement"].([]interface{})
			for _, st := range statements {
				st := st.(map[string]interface{})
				principal, _ := st["Principal"].(map[string]interface{})
				if _, service := principal["Service"]; service && st["Effect"] == "Allow" && st["Condition"] == nil {
					t.Errorf("%s grants %v to %v without a condition", id, st["Action"], principal["Service"])
				}
			}
		}
	}
}

func TestAlertsTopicPolicyAllowsAlarmsAndEventsOverTLS(t *testing.T) {
	_, stack := newStack()
	alerts := monitoring.NewAlerts(stack, "Alerts", fullProps())
	tpl := cdktest.Template(t, stack)
	topic := *stack.GetLogicalId(alerts.Topic.Node().DefaultChild().(awscdk.CfnElement))
	fallback := *stack.GetLogicalId(alerts.Fallback.Node().DefaultChild().(awscdk.CfnElement))

	publish := func(topic string, services interface{}) map[string]interface{} {
		return map[string]interface{}{
			"Topics": []interface{}{map[string]interface{}{"Ref": topic}},
			"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{
					"Effect": "Deny", "Action": "sns:Publish", "Principal": "*",
					"Condition": map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}},
				}),
				assertions.Match_ObjectLike(&map[string]interface{}{
					"Effect": "Allow", "Action": "sns:Publish", "Resource": map[string]interface{}{"Ref": topic},
					"Principal": map[string]interface{}{"Service": services},
					"Condition": map[string]interface{}{"StringEquals": map[string]interface{}{"aws:SourceAccount": "123456789012"}},
				}),
			})},
		}
	}
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::SNS::TopicPolicy"), jsii.Number(2))
		tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"),
			publish(topic, []interface{}{"cloudwatch.amazonaws.com", "events.amazonaws.com"}))
		// Only CloudWatch (the NotificationsFailed alarm) publishes to the
		// fallback.
		tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), publish(fallback, "cloudwatch.amazonaws.com"))
	})
}

func TestAlertsSubscriptions(t *testing.T) {
	_, stack := newStack()
	alerts := monitoring.NewAlerts(stack, "Alerts", fullProps())
	tpl := cdktest.Template(t, stack)
	topic := *stack.GetLogicalId(alerts.Topic.Node().DefaultChild().(awscdk.CfnElement))
	fallback := *stack.GetLogicalId(alerts.Fallback.Node().DefaultChild().(awscdk.CfnElement))

	sub := func(topic, protocol, endpoint string) map[string]interface{} {
		return map[string]interface{}{"TopicArn": map[string]interface{}{"Ref": topic}, "Protocol": protocol, "Endpoint": endpoint}
	}
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(4))
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), sub(topic, "email", "team@example.com"))
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), sub(topic, "email", "lead@example.com"))
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), sub(topic, "https", "https://hooks.example.com/alerts"))
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), sub(fallback, "email", "pager@example.com"))
	})
}

func TestAlertsFallbackEmailsDefaultToEmails(t *testing.T) {
	_, stack := newStack()
	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
	tpl := cdktest.Template(t, stack)
	fallback := *stack.GetLogicalId(alerts.Fallback.Node().DefaultChild().(awscdk.CfnElement))
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::SNS::Subscription"), jsii.Number(2))
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]interface{}{
			"TopicArn": map[string]interface{}{"Ref": fallback}, "Protocol": "email", "Endpoint": "team@example.com",
		})
		tpl.ResourceCountIs(jsii.String("AWS::Chatbot::SlackChannelConfiguration"), jsii.Number(0))
	})
}

func TestAlertsSlack(t *testing.T) {
	_, stack := newStack()
	props := fullProps()
	props.Slack.ConfigurationName = "team-alerts"
	alerts := monitoring.NewAlerts(stack, "Alerts", props)
	if alerts.Slack == nil || *alerts.Slack.Node().Id() != "Slack" {
		t.Fatal("Alerts.Slack is not the construct with id Slack")
	}
	tpl := cdktest.Template(t, stack)
	topic := *stack.GetLogicalId(alerts.Topic.Node().DefaultChild().(awscdk.CfnElement))
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::Chatbot::SlackChannelConfiguration"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::Chatbot::SlackChannelConfiguration"), map[string]interface{}{
			"ConfigurationName": "team-alerts",
			"SlackWorkspaceId":  "T0123ABCD",
			"SlackChannelId":    "C0123ABCD",
			"SnsTopicArns":      []interface{}{map[string]interface{}{"Ref": topic}},
			"GuardrailPolicies": []interface{}{map[string]interface{}{"Fn::Join": []interface{}{"", []interface{}{
				"arn:", map[string]interface{}{"Ref": "AWS::Partition"}, ":iam::aws:policy/CloudWatchReadOnlyAccess",
			}}}},
		})
		// The channel role may be assumed by Chatbot and has no policy.
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), map[string]interface{}{
			"AssumeRolePolicyDocument": map[string]interface{}{"Statement": []interface{}{
				map[string]interface{}{"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]interface{}{"Service": "chatbot.amazonaws.com"}},
			}},
			"ManagedPolicyArns": assertions.Match_Absent(),
			"Policies":          assertions.Match_Absent(),
		})
		tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))
	})
}

func TestAlertsSlackDefaultConfigurationName(t *testing.T) {
	_, stack := newStack()
	monitoring.NewAlerts(stack, "Alerts", fullProps())
	tpl := cdktest.Template(t, stack)
	for _, r := range cdktest.Resources(t, tpl, "AWS::Chatbot::SlackChannelConfiguration") {
		name, _ := r["Properties"].(map[string]interface{})["ConfigurationName"].(string)
		if name == "" || len(name) > 128 || strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			t.Fatalf("ConfigurationName = %q, want 1-128 letters, digits, - or _", name)
		}
		return
	}
	t.Fatal("no Slack channel configuration")
}

// Chatbot configuration names are unique in an account: a second Alerts of
// the app with the same name would fail at deploy, so it fails at synth;
// in another account the name is free.
func TestAlertsSlackConfigurationNameOncePerAccount(t *testing.T) {
	named := func() *monitoring.AlertsProps {
		p := fullProps()
		p.Slack.ConfigurationName = "team-alerts"
		return p
	}
	app, stack := newStack()
	monitoring.NewAlerts(stack, "Alerts", named())
	elsewhere := awscdk.NewStack(app, jsii.String("OtherAccount"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("999999999999"), Region: testEnv.Region}})
	monitoring.NewAlerts(elsewhere, "Alerts", named())
	second := awscdk.NewStack(app, jsii.String("SameAccount"), &awscdk.StackProps{Env: testEnv})
	monitoring.NewAlerts(second, "Alerts", named())

	if errs := cdktest.Errors(t, elsewhere); len(errs) > 0 {
		t.Errorf("the same name in another account: errors %q, want none", errs)
	}
	errs := strings.Join(cdktest.Errors(t, second), "\n")
	if !strings.Contains(errs, `Slack.ConfigurationName: "team-alerts" is invalid`) || !strings.Contains(errs, "Monitoring/Alerts/Slack") {
		t.Errorf("the same name twice in an account: errors %q, want one naming the other configuration", errs)
	}
}

func TestAlertsNotificationsFailedAlarm(t *testing.T) {
	_, stack := newStack()
	alerts := monitoring.NewAlerts(stack, "Alerts", fullProps())
	tpl := cdktest.Template(t, stack)
	topic := *stack.GetLogicalId(alerts.Topic.Node().DefaultChild().(awscdk.CfnElement))
	fallback := *stack.GetLogicalId(alerts.Fallback.Node().DefaultChild().(awscdk.CfnElement))
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::CloudWatch::Alarm"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"MetricName":         "NumberOfNotificationsFailed",
			"Namespace":          "AWS/SNS",
			"Dimensions":         []interface{}{map[string]interface{}{"Name": "TopicName", "Value": map[string]interface{}{"Fn::GetAtt": []interface{}{topic, "TopicName"}}}},
			"Statistic":          "Sum",
			"Period":             300,
			"EvaluationPeriods":  1,
			"DatapointsToAlarm":  1,
			"Threshold":          0,
			"ComparisonOperator": "GreaterThanThreshold",
			"TreatMissingData":   "notBreaching",
			"AlarmActions":       []interface{}{map[string]interface{}{"Ref": fallback}},
			"OKActions":          []interface{}{map[string]interface{}{"Ref": fallback}},
			"AlarmDescription":   assertions.Match_AnyValue(),
		})
	})
	for _, r := range cdktest.Resources(t, tpl, "AWS::CloudWatch::Alarm") {
		desc := strings.ToLower(toJSON(t, r["Properties"].(map[string]interface{})["AlarmDescription"]))
		for _, want := range []string{"failed to deliver", "subscriptions", "kms key policy"} {
			if !strings.Contains(desc, want) {
				t.Errorf("AlarmDescription %s does not say %q", desc, want)
			}
		}
	}
}

func TestAlertsWatch(t *testing.T) {
	_, stack := newStack()
	alerts := monitoring.NewAlerts(stack, "Alerts", fullProps())
	errorsMetric := awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/Lambda"), MetricName: jsii.String("Errors"), Statistic: jsii.String("Sum"),
	})
	alarm := errorsMetric.CreateAlarm(stack, jsii.String("Errors"), &awscloudwatch.CreateAlarmOptions{
		Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
	})
	alerts.Watch(alarm)
	imported := awscloudwatch.Alarm_FromAlarmArn(stack, jsii.String("Imported"), jsii.String("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:other"))
	alerts.Watch(imported)

	tpl := cdktest.Template(t, stack)
	topic := *stack.GetLogicalId(alerts.Topic.Node().DefaultChild().(awscdk.CfnElement))
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"MetricName":   "Errors",
			"AlarmActions": []interface{}{map[string]interface{}{"Ref": topic}},
			"OKActions":    []interface{}{map[string]interface{}{"Ref": topic}},
		})
		assertions.Annotations_FromStack(stack).HasWarning(jsii.String("/Monitoring/Alerts"),
			assertions.Match_StringLikeRegexp(jsii.String("Monitoring/Imported is an imported alarm")))
	})
	if errs := cdktest.Errors(t, stack); len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
}

func TestAlertsAlarmAction(t *testing.T) {
	_, stack := newStack()
	alerts := monitoring.NewAlerts(stack, "Alerts", nil)
	alarm := awscloudwatch.NewAlarm(stack, jsii.String("Latency"), &awscloudwatch.AlarmProps{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/ApiGateway"), MetricName: jsii.String("Latency"),
		}),
		Threshold: jsii.Number(1000), EvaluationPeriods: jsii.Number(3),
	})
	alarm.AddAlarmAction(alerts.AlarmAction())
	tpl := cdktest.Template(t, stack)
	topic := *stack.GetLogicalId(alerts.Topic.Node().DefaultChild().(awscdk.CfnElement))
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"MetricName":   "Latency",
			"AlarmActions": []interface{}{map[string]interface{}{"Ref": topic}},
			"OKActions":    assertions.Match_Absent(),
		})
		// No subscriber at all: a warning, not an error.
		assertions.Annotations_FromStack(stack).HasWarning(jsii.String("/Monitoring/Alerts"),
			assertions.Match_StringLikeRegexp(jsii.String("no subscriber")))
	})
}

func TestAlertsWithGivenKey(t *testing.T) {
	_, stack := newStack()
	key := awskms.NewKey(stack, jsii.String("TeamKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Key: key, Emails: []string{"team@example.com"}})
	if alerts.Key != key {
		t.Fatal("Alerts.Key is not the given key")
	}
	tpl := cdktest.Template(t, stack)
	keyID := *stack.GetLogicalId(key.Node().DefaultChild().(awscdk.CfnElement))
	cdktest.Check(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(1))
		tpl.AllResourcesProperties(jsii.String("AWS::SNS::Topic"), map[string]interface{}{
			"KmsMasterKeyId": map[string]interface{}{"Fn::GetAtt": []interface{}{keyID, "Arn"}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]interface{}{
			"KeyPolicy": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{
					"Principal": map[string]interface{}{"Service": []interface{}{"cloudwatch.amazonaws.com", "events.amazonaws.com"}},
				}),
			})},
		})
	})
}

func TestAlertsWithImportedKeyWarns(t *testing.T) {
	_, stack := newStack()
	key := awskms.Key_FromKeyArn(stack, jsii.String("Shared"), jsii.String("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"))
	monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Key: key, Emails: []string{"team@example.com"}})
	cdktest.Check(t, func() {
		assertions.Annotations_FromStack(stack).HasWarning(jsii.String("/Monitoring/Alerts"),
			assertions.Match_StringLikeRegexp(jsii.String("cannot change its key policy")))
	})
}

// TestValidate checks one invalid prop at a time: each must yield a
// Problem naming the prop, echoing the value and saying what is valid.
func TestValidate(t *testing.T) {
	slack := func(workspace, channel, name string) *monitoring.AlertsProps {
		return &monitoring.AlertsProps{Slack: &monitoring.SlackProps{WorkspaceID: workspace, ChannelID: channel, ConfigurationName: name}}
	}
	cases := []struct {
		name  string
		props *monitoring.AlertsProps
		prop  string
		value string
	}{
		{"email without @", &monitoring.AlertsProps{Emails: []string{"team-at-example.com"}}, "Emails[0]", "team-at-example.com"},
		{"email without domain dot", &monitoring.AlertsProps{Emails: []string{"ok@example.com", "team@localhost"}}, "Emails[1]", "team@localhost"},
		{"empty email", &monitoring.AlertsProps{Emails: []string{""}}, "Emails[0]", ""},
		{"email with space", &monitoring.AlertsProps{Emails: []string{"my team@example.com"}}, "Emails[0]", "my team@example.com"},
		{"duplicate email", &monitoring.AlertsProps{Emails: []string{"team@example.com", "team@example.com"}}, "Emails[1]", "team@example.com"},
		{"http endpoint", &monitoring.AlertsProps{HTTPSEndpoints: []string{"http://hooks.example.com/alerts"}}, "HTTPSEndpoints[0]", "http://hooks.example.com/alerts"},
		{"uppercase scheme", &monitoring.AlertsProps{HTTPSEndpoints: []string{"HTTPS://hooks.example.com"}}, "HTTPSEndpoints[0]", "HTTPS://hooks.example.com"},
		{"endpoint without host", &monitoring.AlertsProps{HTTPSEndpoints: []string{"https:///alerts"}}, "HTTPSEndpoints[0]", "https:///alerts"},
		{"relative endpoint", &monitoring.AlertsProps{HTTPSEndpoints: []string{"hooks.example.com/alerts"}}, "HTTPSEndpoints[0]", "hooks.example.com/alerts"},
		{"endpoint with credentials", &monitoring.AlertsProps{HTTPSEndpoints: []string{"https://user:pw@hooks.example.com"}}, "HTTPSEndpoints[0]", "https://user:pw@hooks.example.com"},
		{"duplicate endpoint", &monitoring.AlertsProps{HTTPSEndpoints: []string{"https://a.example.com", "https://a.example.com"}}, "HTTPSEndpoints[1]", "https://a.example.com"},
		{"bad fallback email", &monitoring.AlertsProps{FallbackEmails: []string{"pager"}}, "FallbackEmails[0]", "pager"},
		{"empty slack workspace", slack("", "C0123ABCD", ""), "Slack.WorkspaceID", ""},
		{"lowercase slack workspace", slack("t0123abcd", "C0123ABCD", ""), "Slack.WorkspaceID", "t0123abcd"},
		{"empty slack channel", slack("T0123ABCD", "", ""), "Slack.ChannelID", ""},
		{"slack channel name instead of id", slack("T0123ABCD", "#alerts", ""), "Slack.ChannelID", "#alerts"},
		{"bad configuration name", slack("T0123ABCD", "C0123ABCD", "team alerts"), "Slack.ConfigurationName", "team alerts"},
		{"long display name", &monitoring.AlertsProps{DisplayName: strings.Repeat("x", 101)}, "DisplayName", strings.Repeat("x", 101)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.props.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want a problem with %s", c.prop)
			}
			var p monitoring.Problem
			if !errors.As(err, &p) {
				t.Fatalf("Validate() = %v, want a Problem", err)
			}
			if p.Prop != c.prop || p.Value != c.value || p.Want == "" {
				t.Fatalf("problem = %+v, want Prop %q, Value %q and a Want", p, c.prop, c.value)
			}
			if !strings.Contains(err.Error(), c.prop+": ") {
				t.Fatalf("message %q does not name %s", err, c.prop)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for name, props := range map[string]*monitoring.AlertsProps{
		"nil":                                nil,
		"zero":                               {},
		"full":                               fullProps(),
		"tokens":                             {Emails: []string{"${Token[TOKEN.123]}"}, HTTPSEndpoints: []string{"${Token[TOKEN.124]}"}},
		"endpoint with port, path and query": {HTTPSEndpoints: []string{"https://hooks.example.com:8443/a/b?token=x"}},
	} {
		if err := props.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", name, err)
		}
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	props := &monitoring.AlertsProps{
		Emails:         []string{"a", "b"},
		HTTPSEndpoints: []string{"http://x"},
		Slack:          &monitoring.SlackProps{},
	}
	err := props.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 5 {
		t.Fatalf("Validate() = %v, want 5 problems joined", err)
	}
}

func TestInvalidPropsAreSynthErrors(t *testing.T) {
	_, stack := newStack()
	var alerts *monitoring.Alerts
	cdktest.Check(t, func() {
		alerts = monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{
			Emails:         []string{"team-at-example.com"},
			HTTPSEndpoints: []string{"http://hooks.example.com"},
			Slack:          &monitoring.SlackProps{WorkspaceID: "T0123ABCD"},
		})
		// Watch and AlarmAction on invalid alerts do nothing.
		alerts.Watch(awscloudwatch.Alarm_FromAlarmArn(stack, jsii.String("Other"), jsii.String("arn:aws:cloudwatch:eu-west-1:123456789012:alarm:x")))
	})
	if alerts.Topic != nil || alerts.Fallback != nil || alerts.AlarmAction() != nil {
		t.Fatal("invalid props created resources")
	}
	errs := cdktest.Errors(t, stack)
	if len(errs) != 3 {
		t.Fatalf("errors = %q, want 3", errs)
	}
	joined := strings.Join(errs, "\n")
	for _, want := range []string{`Emails[0]: "team-at-example.com" is invalid`, `HTTPSEndpoints[0]: "http://hooks.example.com" is invalid`, `Slack.ChannelID: "" is invalid`} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors %q do not contain %q", errs, want)
		}
	}
	tpl := cdktest.Template(t, stack)
	if res, _ := cdktest.JSON(t, tpl)["Resources"].(map[string]interface{}); len(res) != 0 {
		t.Fatalf("%d resources synthesized, want 0", len(res))
	}
}

func TestAlertsNagClean(t *testing.T) {
	app, stack := newStack()
	awscdk.Aspects_Of(app).Add(cdktest.Nag(), nil)
	alerts := monitoring.NewAlerts(stack, "Alerts", fullProps())
	alerts.Watch(awscloudwatch.NewAlarm(stack, jsii.String("Errors"), &awscloudwatch.AlarmProps{
		Metric:    awscloudwatch.NewMetric(&awscloudwatch.MetricProps{Namespace: jsii.String("AWS/Lambda"), MetricName: jsii.String("Errors")}),
		Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
	}))
	cdktest.Template(t, stack)
	if errs := cdktest.NagErrors(t, stack); len(errs) != 0 {
		t.Fatalf("cdk-nag errors:\n%s", strings.Join(errs, "\n"))
	}
}

func toJSON(t *testing.T, v interface{}) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAlertsWithoutSubscriberWarnsUnlessAcknowledged: one warning per
// Alerts that tells nobody, with an id an app that means it acknowledges.
func TestAlertsWithoutSubscriberWarnsUnlessAcknowledged(t *testing.T) {
	warnings := func(stack awscdk.Stack) int {
		var n int
		cdktest.Check(t, func() {
			n = len(*assertions.Annotations_FromStack(stack).FindWarning(jsii.String("*"),
				assertions.Match_StringLikeRegexp(jsii.String(`no subscriber.*\[ack: `+monitoring.NoSubscribersWarning+`\]`))))
		})
		return n
	}
	_, stack := newStack()
	monitoring.NewAlerts(stack, "Alerts", nil)
	monitoring.NewAlerts(stack, "More", &monitoring.AlertsProps{DisplayName: "more"})
	monitoring.NewAlerts(stack, "Told", &monitoring.AlertsProps{HTTPSEndpoints: []string{"https://hooks.example.com/alerts"}})
	if n := warnings(stack); n != 2 {
		t.Errorf("%d no-subscriber warnings, want one per Alerts without subscriber (2)", n)
	}

	_, stack = newStack()
	awscdk.Annotations_Of(stack).AcknowledgeWarning(jsii.String(monitoring.NoSubscribersWarning), jsii.String("a trial"))
	monitoring.NewAlerts(stack, "Alerts", nil)
	if n := warnings(stack); n != 0 {
		t.Errorf("%d no-subscriber warnings after the app acknowledged them, want 0", n)
	}
}
