package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring/dora"
	"github.com/velocity-cdk/velocity/nag"
)

// Delivery of the line's events to the DORA function. EventBridge retries
// invoking it for at most doraRuleMaxEventAge; Lambda retries a failed
// invocation twice and keeps a throttled one for at most
// doraAsyncMaxEventAge. Both together stay under dora.DefaultSettle, the
// time the metrics that depend on several executions wait for late events;
// what they give up on goes to the dead-letter queue.
const (
	doraRuleRetryAttempts  = 8
	doraRuleMaxEventAge    = 15 // minutes
	doraAsyncRetryAttempts = 2
	doraAsyncMaxEventAge   = 30 // minutes
	// doraTickMinutes is how often the schedule invokes the function, so
	// that what settled is published while the line is idle.
	doraTickMinutes = 15
	// doraDeadLetterDays is how long the dead-letter queue keeps a message
	// (SQS's maximum); the function refuses events older than its 7-day
	// horizon, so replay within a week.
	doraDeadLetterDays = 14
)

// DORAFunction computes the line's DORA metrics (see package dora) from
// its CodePipeline events: a Go Lambda function on arm64 fed by an
// EventBridge rule, publishing CloudWatch metrics in the Velocity/Line
// namespace through its logs (Embedded Metric Format), with its small state
// in a DynamoDB table (point-in-time recovery on, retained on deletion). A
// second rule invokes it every 15 minutes, so that metrics that wait for
// late events are published while the line is idle. Events that EventBridge
// cannot deliver after its retries (15 minutes), and invocations that fail
// after Lambda's (two) or wait too long (30 minutes), land in a dead-letter
// queue; alarms go off when it holds a message, when the function fails,
// and when an event cannot even reach the queue. The alarms have no
// actions: watch them with the line's alerts (Alarms).
type DORAFunction struct {
	constructs.Construct
	// Function is the Lambda function.
	Function awslambda.Function
	// Table keeps the state between events.
	Table awsdynamodb.Table
	// DeadLetters receives the events the function did not process: the
	// rules' dead letters (the event itself) and the function's failure
	// destination (a record whose requestPayload is the event). Encrypted
	// (SQS-managed keys), TLS only, messages kept 14 days.
	DeadLetters awssqs.Queue
	// DeadLettersAlarm is in ALARM while DeadLetters holds a message.
	DeadLettersAlarm awscloudwatch.Alarm
	// ErrorsAlarm is in ALARM when the function failed in the last 15
	// minutes.
	ErrorsAlarm awscloudwatch.Alarm
	// LostEventsAlarm is in ALARM when an event could not be sent to
	// DeadLetters either (EventBridge's InvocationsFailedToBeSentToDlq,
	// Lambda's DestinationDeliveryFailures): it is lost.
	LostEventsAlarm awscloudwatch.Alarm
}

// ToString returns the construct path (and lets the jsii runtime register
// DORAFunction as a construct).
func (d *DORAFunction) ToString() *string { return d.Node().Path() }

// Alarms returns the alarms someone must be told about: DeadLettersAlarm,
// ErrorsAlarm and LostEventsAlarm. Pass each to Alerts.Watch.
func (d *DORAFunction) Alarms() []awscloudwatch.Alarm {
	if d.DeadLettersAlarm == nil {
		return nil // the arguments were invalid: nothing was created
	}
	return []awscloudwatch.Alarm{d.DeadLettersAlarm, d.ErrorsAlarm, d.LostEventsAlarm}
}

// NewDORAFunction computes the DORA metrics of pipeline; production names
// its production stage. Invalid arguments create nothing and are reported
// as synth errors; Alarms is then empty.
func NewDORAFunction(scope constructs.Construct, id string, pipeline awscodepipeline.IPipeline, production string) *DORAFunction {
	d := &DORAFunction{}
	idProblem := register(d, scope, id, "NewDORAFunction")
	ps := idProblems(idProblem, scopeProblems(d, "NewDORAFunction"))
	if pipeline == nil {
		ps = append(ps, Problem{Prop: "pipeline", Value: "nil", Want: "the awscodepipeline.IPipeline whose DORA metrics to compute"})
	}
	if !stageNamePattern.MatchString(production) {
		ps = append(ps, Problem{Prop: "production", Value: production, Want: `the name of the pipeline stage that deploys production (1 to 100 letters, digits, . @ - _), e.g. "Production"`})
	}
	if report(d, ps) {
		return d
	}
	d.Table = awsdynamodb.NewTable(d, jsii.String("State"), &awsdynamodb.TableProps{
		PartitionKey:                     &awsdynamodb.Attribute{Name: jsii.String("pipeline"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:                      awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		Encryption:                       awsdynamodb.TableEncryption_AWS_MANAGED,
		RemovalPolicy:                    awscdk.RemovalPolicy_RETAIN,
	})
	// The construct has no KMS key of its own (the table and the logs use
	// AWS-managed encryption), so the queue uses SQS-managed keys, which
	// EventBridge and Lambda can write to without a key policy.
	d.DeadLetters = awssqs.NewQueue(d, jsii.String("DeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(doraDeadLetterDays)),
	})
	nag.Suppress(d.DeadLetters, false, nag.Rule{ID: "AwsSolutions-SQS3",
		Reason: "This queue is the dead-letter queue itself: of the DORA function's EventBridge rules and of its asynchronous invocations; an alarm watches it."})
	// No reserved concurrency: writes are conditional on the state's
	// version and retried, and the metrics do not depend on the order of
	// the events, so concurrent invocations are safe; and reserving even
	// one would fail the first deploy in a new account, whose Lambda
	// concurrency limit of 10 must stay unreserved.
	var role awsiam.Role
	d.Function, role = newGoFunction(d, goFunction{
		pkg:             dora.HandlerPackage,
		description:     "Computes the DORA metrics of a Velocity assembly line from its CodePipeline events",
		roleDescription: "DORA metrics of a Velocity line: reads its pipeline's executions, keeps state, writes logs",
		timeoutSeconds:  30,
		env: map[string]*string{
			"TABLE_NAME":       d.Table.TableName(),
			"PRODUCTION_STAGE": jsii.String(production),
			"NAMESPACE":        jsii.String(dora.DefaultNamespace),
		},
	})
	d.Function.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		OnFailure:     awslambdadestinations.NewSqsDestination(d.DeadLetters),
		RetryAttempts: jsii.Number(doraAsyncRetryAttempts),
		MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(doraAsyncMaxEventAge)),
	})
	// Least privilege, written out rather than granted: the function only
	// reads and replaces items, writes its own log group, and reads the
	// executions of its one pipeline. (The failure destination grants
	// sqs:SendMessage on the dead-letter queue itself.)
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("dynamodb:GetItem", "dynamodb:PutItem"), Resources: jsii.Strings(*d.Table.TableArn()),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("codepipeline:GetPipelineExecution"), Resources: jsii.Strings(*pipeline.PipelineArn()),
	}))

	target := func(input awsevents.RuleTargetInput) awsevents.IRuleTarget {
		return awseventstargets.NewLambdaFunction(d.Function, &awseventstargets.LambdaFunctionProps{
			Event:           input,
			DeadLetterQueue: d.DeadLetters,
			RetryAttempts:   jsii.Number(doraRuleRetryAttempts),
			MaxEventAge:     awscdk.Duration_Minutes(jsii.Number(doraRuleMaxEventAge)),
		})
	}
	pattern := dora.RulePattern(*pipeline.PipelineName())
	detail := map[string]interface{}{}
	for k, v := range pattern.Detail {
		detail[k] = v
	}
	events := awsevents.NewRule(scope, jsii.String(id+"Events"), &awsevents.RuleProps{
		Description: jsii.String("Feeds the line's pipeline and stage events to its DORA function"),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings(pattern.Source...),
			DetailType: jsii.Strings(pattern.DetailType...),
			Detail:     &detail,
		},
		Targets: &[]awsevents.IRuleTarget{target(nil)},
	})
	tick := awsevents.NewRule(scope, jsii.String(id+"Tick"), &awsevents.RuleProps{
		Description: jsii.String("Lets the line's DORA function publish the metrics that waited for late events"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(doraTickMinutes))),
		Targets: &[]awsevents.IRuleTarget{target(awsevents.RuleTargetInput_FromObject(map[string]interface{}{
			"source":      dora.TickSource,
			"detail-type": dora.TickDetailType,
			"detail":      map[string]interface{}{"pipeline": pipeline.PipelineName()},
		}))},
	})
	d.addAlarms(events, tick)
	return d
}

func (d *DORAFunction) addAlarms(rules ...awsevents.Rule) {
	fn, queue := *d.Function.FunctionName(), *d.DeadLetters.QueueName()
	replay := fmt.Sprintf("Fix the cause (the function's log group %s), then replay each message: save its body to a file and run "+
		"`aws lambda invoke --function-name %s --invocation-type Event --cli-binary-format raw-in-base64-out --payload file://body.json out.json` "+
		"(the function takes either form of dead letter and counts nothing twice), and delete the message. "+
		"Events replayed more than 7 days after they happened are refused.", *d.Function.LogGroup().LogGroupName(), fn)
	d.DeadLettersAlarm = awscloudwatch.NewAlarm(d, jsii.String("DeadLettersAlarm"), &awscloudwatch.AlarmProps{
		Metric: d.DeadLetters.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(5)),
		}),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription: jsii.String(fmt.Sprintf("Events of the line are missing from its DORA metrics: the DORA function failed on them after its retries, "+
			"or EventBridge could not invoke it. They are in the SQS queue %s (an EventBridge dead letter is the event, with the error in its "+
			"message attributes; a Lambda failure record has the event in requestPayload and the error in responsePayload). %s", queue, replay)),
	})
	d.ErrorsAlarm = awscloudwatch.NewAlarm(d, jsii.String("ErrorsAlarm"), &awscloudwatch.AlarmProps{
		Metric: d.Function.MetricErrors(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(15)),
		}),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription: jsii.String(fmt.Sprintf("The DORA function %s failed in the last 15 minutes (DynamoDB or CodePipeline errors, throttling, a bug). "+
			"Lambda retries each event twice; a single error that clears on its own was transient. If it keeps failing, the events land in the "+
			"dead-letter queue %s and its own alarm goes off. Read the function's log group %s.", fn, queue, *d.Function.LogGroup().LogGroupName())),
	})
	lost := map[string]awscloudwatch.IMetric{
		"lambda": d.Function.Metric(jsii.String("DestinationDeliveryFailures"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))}),
	}
	expr := "FILL(lambda, 0)"
	for i, r := range rules {
		name := fmt.Sprintf("rule%d", i)
		lost[name] = awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/Events"), MetricName: jsii.String("InvocationsFailedToBeSentToDlq"),
			DimensionsMap: &map[string]*string{"RuleName": r.RuleName()},
			Statistic:     jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5)),
		})
		expr += " + FILL(" + name + ", 0)"
	}
	d.LostEventsAlarm = awscloudwatch.NewAlarm(d, jsii.String("LostEventsAlarm"), &awscloudwatch.AlarmProps{
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String(expr), UsingMetrics: &lost, Label: jsii.String("Events lost"), Period: awscdk.Duration_Minutes(jsii.Number(5)),
		}),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription: jsii.String(fmt.Sprintf("Events of the line were lost: the DORA function failed on them and they could not be sent to its "+
			"dead-letter queue %s either (EventBridge InvocationsFailedToBeSentToDlq, Lambda DestinationDeliveryFailures). Check the queue's "+
			"policy and that it still exists. The lost executions' metrics are missing: compare the pipeline's execution history with the "+
			"line dashboard.", queue)),
	})
}
