package monitoring_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
	"github.com/velocity-cdk/velocity/monitoring/dora"
)

// TestDORAFunctionDeliversEveryEvent: what EventBridge and Lambda give up
// on lands in an encrypted dead-letter queue, within the time the metrics
// wait for late events; alarms go off on dead letters, errors and events
// lost on the way to the queue; a schedule ticks the function.
func TestDORAFunctionDeliversEveryEvent(t *testing.T) {
	stack, m := lineStack(t)
	if m.DORA == nil || m.DORA.DeadLetters == nil || len(m.DORA.Alarms()) != 3 {
		t.Fatal("no dead letters or alarms")
	}
	for _, a := range m.DORA.Alarms() {
		if a == nil {
			t.Fatal("nil alarm")
		}
	}
	tpl := cdktest.Template(t, stack)
	queues := cdktest.Resources(t, tpl, "AWS::SQS::Queue")
	if len(queues) != 1 {
		t.Fatalf("queues: %v", queues)
	}
	var queueID string
	for id, q := range queues {
		queueID = id
		props := q["Properties"].(map[string]interface{})
		if props["SqsManagedSseEnabled"] != true || props["MessageRetentionPeriod"] != float64(14*24*3600) {
			t.Errorf("queue properties: %v", props)
		}
	}
	queueArn := map[string]interface{}{"Fn::GetAtt": []interface{}{queueID, "Arn"}}

	var ages time.Duration
	cdktest.Check(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]interface{}{
			"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Deny",
					"Condition": map[string]interface{}{"Bool": map[string]interface{}{"aws:SecureTransport": "false"}}}),
				assertions.Match_ObjectLike(&map[string]interface{}{"Effect": "Allow", "Action": "sqs:SendMessage",
					"Principal": map[string]interface{}{"Service": "events.amazonaws.com"}}),
			})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::EventInvokeConfig"), map[string]interface{}{
			"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 1800,
			"DestinationConfig": map[string]interface{}{"OnFailure": map[string]interface{}{"Destination": queueArn}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]interface{}{
			"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
				assertions.Match_ObjectLike(&map[string]interface{}{"Action": assertions.Match_ArrayWith(&[]interface{}{"sqs:SendMessage"}), "Resource": queueArn}),
			})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"Namespace": "AWS/SQS", "MetricName": "ApproximateNumberOfMessagesVisible", "Statistic": "Maximum",
			"Threshold": 0, "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
		})
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 900,
			"Threshold": 0, "ComparisonOperator": "GreaterThanThreshold",
		})
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), map[string]interface{}{
			"Metrics": assertions.Match_ArrayWith(&[]interface{}{assertions.Match_ObjectLike(&map[string]interface{}{
				"Expression": "FILL(lambda, 0) + FILL(rule0, 0) + FILL(rule1, 0)"})}),
			"Threshold": 0, "ComparisonOperator": "GreaterThanThreshold",
		})
	})

	// Both rules (events and tick) retry within their age, then send to
	// the queue; EventBridge and Lambda together give up before the
	// metrics stop waiting for late events.
	var tick map[string]interface{}
	for id, r := range cdktest.Resources(t, tpl, "AWS::Events::Rule") {
		props := r["Properties"].(map[string]interface{})
		if !strings.HasPrefix(id, "MonitorDORA") {
			continue
		}
		targets := props["Targets"].([]interface{})
		if len(targets) != 1 {
			t.Fatalf("%s: targets %v", id, targets)
		}
		target := targets[0].(map[string]interface{})
		policy, _ := target["RetryPolicy"].(map[string]interface{})
		dlq, _ := target["DeadLetterConfig"].(map[string]interface{})
		if policy["MaximumRetryAttempts"] != float64(8) || policy["MaximumEventAgeInSeconds"] != float64(900) || dlq == nil {
			t.Errorf("%s: target %v", id, target)
		} else if got, _ := json.Marshal(dlq["Arn"]); string(got) != mustJSON(t, queueArn) {
			t.Errorf("%s: dead letters to %s", id, got)
		}
		ages = time.Duration(policy["MaximumEventAgeInSeconds"].(float64)) * time.Second
		if strings.HasPrefix(id, "MonitorDORATick") {
			tick = props
			var input map[string]interface{}
			if err := json.Unmarshal([]byte(target["Input"].(string)), &input); err != nil {
				t.Fatalf("tick input: %v", err)
			}
			if input["source"] != dora.TickSource || input["detail-type"] != dora.TickDetailType ||
				input["detail"].(map[string]interface{})["pipeline"] != "velocity-line" {
				t.Errorf("tick input %v", input)
			}
		}
	}
	if tick == nil || tick["ScheduleExpression"] != "rate(15 minutes)" {
		t.Errorf("tick rule: %v", tick)
	}
	if ages+30*time.Minute >= dora.DefaultSettle {
		t.Errorf("EventBridge (%s) and Lambda (30m) may deliver an event after the metrics stopped waiting (%s)", ages, dora.DefaultSettle)
	}

	// The construct cannot reach the alerts: its alarms have no actions
	// until someone watches them (TestDORAAlarmsWatched).
	for id, a := range cdktest.Resources(t, tpl, "AWS::CloudWatch::Alarm") {
		if strings.HasPrefix(id, "MonitorDORA") && a["Properties"].(map[string]interface{})["AlarmActions"] != nil {
			t.Logf("%s has alarm actions", id)
		}
	}
}

// TestDORAAlarmsWatched is what monitoring.LineMonitor needs to do with
// the DORA function's alarms: watch each with its Alerts.
func TestDORAAlarmsWatched(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Line"), nil)
	pipeline := awscodepipeline.Pipeline_FromPipelineArn(stack, jsii.String("Pipeline"),
		jsii.String("arn:aws:codepipeline:eu-west-1:111111111111:velocity-line"))
	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
	cdktest.Check(t, func() {
		monitoring.NewLineMonitor(stack, "Monitor", &monitoring.LineMonitorProps{Pipeline: pipeline, Alerts: alerts})
	})
	tpl := cdktest.Template(t, stack)
	n := 0
	for id, a := range cdktest.Resources(t, tpl, "AWS::CloudWatch::Alarm") {
		if !strings.HasPrefix(id, "MonitorDORA") {
			continue
		}
		n++
		actions, _ := a["Properties"].(map[string]interface{})["AlarmActions"].([]interface{})
		if len(actions) != 1 || !strings.Contains(mustJSON(t, actions), "AlertsTopic") {
			t.Errorf("%s: alarm actions %v", id, actions)
		}
	}
	if n != 3 {
		t.Errorf("%d DORA alarms", n)
	}
}

func mustJSON(t *testing.T, v interface{}) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
