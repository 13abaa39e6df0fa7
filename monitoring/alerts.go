package monitoring

import (
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awschatbot"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// Names Alerts uses on AWS.
const (
	// DefaultAlertsDisplayName is the DisplayName of the alerts topic when
	// none is given; email notifications show it as their sender.
	DefaultAlertsDisplayName = "Velocity alerts"
	// GuardrailPolicy is the AWS managed policy that bounds what anyone in
	// the Slack channel can do through AWS Chatbot: read CloudWatch, nothing
	// else.
	GuardrailPolicy = "CloudWatchReadOnlyAccess"
)

// NoSubscribersWarning is the id of the warning NewAlerts adds when the
// alerts topic has no subscriber (no Emails, HTTPSEndpoints or Slack). An
// app that means it, say a trial synthesized offline, acknowledges it with
// awscdk.Annotations_Of(scope).AcknowledgeWarning(NoSubscribersWarning, why)
// on a scope that holds its Alerts, before creating them.
const NoSubscribersWarning = "velocity:no-alert-subscribers"

// publishers are the AWS services that publish alarms and events to the
// alerts topic.
var publishers = []string{"cloudwatch.amazonaws.com", "events.amazonaws.com"}

// AlertsProps configures Alerts. The zero value is valid: an encrypted
// topic and its fallback with no subscriber (synth then warns that nobody is
// told, NoSubscribersWarning).
type AlertsProps struct {
	// Key encrypts the alerts topic and the fallback topic. Velocity adds
	// statements to its key policy that let CloudWatch and EventBridge use it
	// (kms:Decrypt, kms:GenerateDataKey*) for SNS topics of the account and
	// region (condition ArnLike kms:EncryptionContext:aws:sns:topicArn); for
	// an imported key it cannot, and synth warns. Default: a new customer managed key with yearly rotation,
	// retained when the stack is deleted.
	Key awskms.IKey
	// DisplayName names the topic; email notifications show it as their
	// sender. At most 100 characters. Default: DefaultAlertsDisplayName.
	DisplayName string
	// Emails are subscribed to the alerts topic; each address receives a
	// message asking to confirm the subscription once. Default: none.
	Emails []string
	// HTTPSEndpoints are https URLs subscribed to the alerts topic (a chat
	// webhook, an incident tool); SNS posts a confirmation request to each
	// first. Plain http is refused. Default: none.
	HTTPSEndpoints []string
	// Slack, when set, sends every alert to a Slack channel through AWS
	// Chatbot. Default: no Slack.
	Slack *SlackProps
	// FallbackEmails are subscribed to the fallback topic, which is told
	// when notifications of the alerts topic fail to be delivered. Prefer a
	// channel that does not depend on the main one (another mailbox, a
	// pager's email). Default: Emails.
	FallbackEmails []string
}

// SlackProps connects the alerts topic to a Slack channel through AWS
// Chatbot. The Slack workspace must have been authorized once in the AWS
// Chatbot console of the account (that step cannot be done by CloudFormation).
type SlackProps struct {
	// WorkspaceID is the Slack workspace (team) ID, e.g. "T0123ABCD": the
	// uppercase ID shown in the AWS Chatbot console. Required.
	WorkspaceID string
	// ChannelID is the Slack channel ID, e.g. "C0123ABCD" (in Slack:
	// channel details, at the bottom). Required; for a private channel,
	// invite @aws first.
	ChannelID string
	// ConfigurationName names the AWS Chatbot channel configuration; it
	// must be unique in the account. Letters, digits, - and _, at most 128.
	// Default: derived from the construct path.
	ConfigurationName string
}

var (
	slackWorkspacePattern = regexp.MustCompile(`^[0-9A-Z]{1,255}$`)
	slackChannelPattern   = regexp.MustCompile(`^[A-Za-z0-9]{1,256}$`)
	chatbotNamePattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
)

// Validate reports every invalid prop, joined into one error (errors.As
// finds each Problem); nil when the props are valid. It needs no jsii
// runtime. Values that are CDK tokens are known only at deploy time and are
// not checked.
func (p *AlertsProps) Validate() error { return p.problems().Err() }

func (p *AlertsProps) problems() problem.List {
	var ps problem.List
	if p == nil {
		return ps
	}
	if n := utf8.RuneCountInString(p.DisplayName); n > 100 || !utf8.ValidString(p.DisplayName) {
		ps.Add("DisplayName", p.DisplayName, "at most 100 characters of valid UTF-8")
	}
	addresses(&ps, "Emails", p.Emails, problem.ValidEmail, "an email address like team@example.com")
	addresses(&ps, "HTTPSEndpoints", p.HTTPSEndpoints, validHTTPS, "an absolute https URL like https://hooks.example.com/alerts (plain http is not allowed)")
	addresses(&ps, "FallbackEmails", p.FallbackEmails, problem.ValidEmail, "an email address like oncall@example.com")
	if s := p.Slack; s != nil {
		if !unresolved(s.WorkspaceID) && !slackWorkspacePattern.MatchString(s.WorkspaceID) {
			ps.Add("Slack.WorkspaceID", s.WorkspaceID, "the Slack workspace ID shown in the AWS Chatbot console, uppercase letters and digits like T0123ABCD")
		}
		if !unresolved(s.ChannelID) && !slackChannelPattern.MatchString(s.ChannelID) {
			ps.Add("Slack.ChannelID", s.ChannelID, "a Slack channel ID, letters and digits like C0123ABCD")
		}
		if s.ConfigurationName != "" && !unresolved(s.ConfigurationName) && !chatbotNamePattern.MatchString(s.ConfigurationName) {
			ps.Add("Slack.ConfigurationName", s.ConfigurationName, "1 to 128 letters, digits, - or _, or empty for a generated name")
		}
	}
	return ps
}

// Alerts is where a team's alarms and notifications go: an encrypted SNS
// topic with its subscribers, and a fallback topic that is told when the
// alerts topic cannot deliver. Its fields are escape hatches to the
// underlying constructs; they are nil when the props were invalid (synth
// then fails listing the problems).
type Alerts struct {
	constructs.Construct
	// Topic receives every alarm and notification. It is encrypted with
	// Key, refuses publishing without TLS, and its policy lets CloudWatch
	// alarms and EventBridge rules of this account publish.
	Topic awssns.Topic
	// Fallback is told when notifications of Topic fail (the
	// NotificationsFailed alarm). Same encryption and TLS policy as Topic;
	// its subscribers are AlertsProps.FallbackEmails.
	Fallback awssns.Topic
	// Key encrypts Topic and Fallback: AlertsProps.Key, or the customer
	// managed key created for them.
	Key awskms.IKey
	// NotificationsFailed is the CloudWatch alarm on Topic's
	// NumberOfNotificationsFailed metric (sum over 5 minutes above 0); it
	// notifies Fallback when it fires and when it recovers.
	NotificationsFailed awscloudwatch.Alarm
	// Slack is the AWS Chatbot channel configuration subscribed to Topic;
	// nil unless AlertsProps.Slack is set.
	Slack awschatbot.SlackChannelConfiguration
}

// NewAlerts creates the alerts topic, its fallback, their subscriptions
// and the alarm that watches delivery. Invalid props do not panic: every
// problem is attached to the construct as an error, no resource is
// created, and `cdk synth` fails listing all of them with the construct
// path. A nil props is the zero AlertsProps.
func NewAlerts(scope constructs.Construct, id string, props *AlertsProps) *Alerts {
	a := &Alerts{}
	idProblem := register(a, scope, id, "NewAlerts")
	if props == nil {
		props = &AlertsProps{}
	}
	ps := append(idProblems(idProblem, scopeProblems(a, "NewAlerts")), props.problems()...)
	if len(ps) == 0 {
		ps = sameSlackNameProblems(a, props.Slack)
	}
	if report(a, ps) {
		return a
	}
	a.build(props)
	return a
}

func (a *Alerts) build(p *AlertsProps) {
	a.Key = p.Key
	if a.Key == nil {
		a.Key = awskms.NewKey(a, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the alerts topics of " + *a.Node().Path()),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
	}
	name := p.DisplayName
	if name == "" {
		name = DefaultAlertsDisplayName
	}
	a.Topic = a.newTopic("Topic", name, publishers...)
	for _, e := range p.Emails {
		a.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(e), nil))
	}
	for _, u := range p.HTTPSEndpoints {
		a.Topic.AddSubscription(awssnssubscriptions.NewUrlSubscription(jsii.String(u), &awssnssubscriptions.UrlSubscriptionProps{
			Protocol: awssns.SubscriptionProtocol_HTTPS,
		}))
	}
	if p.Slack != nil {
		a.Slack = a.newSlack(p.Slack)
	}

	// The fallback topic only receives the NotificationsFailed alarm.
	a.Fallback = a.newTopic("Fallback", truncate(name+" (fallback)", 100), "cloudwatch.amazonaws.com")
	fallbackEmails := p.FallbackEmails
	if len(fallbackEmails) == 0 {
		fallbackEmails = p.Emails
	}
	for _, e := range fallbackEmails {
		a.Fallback.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(e), nil))
	}
	a.allowPublishersOnKey()
	a.NotificationsFailed = a.newNotificationsFailedAlarm()
	NotAGate(a.NotificationsFailed, "watches the alerts topic, not the deployed service")

	if len(p.Emails) == 0 && len(p.HTTPSEndpoints) == 0 && p.Slack == nil {
		// A warning on each such Alerts, with an id, as aws-cdk-lib does:
		// Velocity cannot tell a topic nobody reads from one an app leaves
		// unsubscribed on purpose (a trial, or subscriptions added to Topic
		// by hand), so it says so where the topic is, and the app that
		// knows acknowledges it. Lowering it to info for everyone would
		// hide a real gap from a team about to deploy; merging the topics
		// of an app into one message would hide all but the first, and
		// each topic is its own place where alarms go unheard. The
		// examples acknowledge it and say once, as info, how to subscribe.
		awscdk.Annotations_Of(a).AddWarningV2(jsii.String(NoSubscribersWarning),
			jsii.String("The alerts topic has no subscriber: alarms will fire and nobody will be told. "+
				"Set AlertsProps.Emails, HTTPSEndpoints or Slack (for a line's own alerts, pipeline.Props.AlertEmails), "+
				"or acknowledge this warning where the topic is subscribed otherwise."), nil)
	}
}

// allowPublishersOnKey lets CloudWatch and EventBridge use the key, which
// they need to publish to a topic encrypted with it, for SNS topics of this
// account and region only: SNS asks KMS with the encryption context
// aws:sns:topicArn. (EventBridge's request does not carry
// aws:SourceAccount, and naming the topics themselves would make the key
// and its topics depend on each other; the topic policy, which carries the
// account condition, decides who may publish.) The statement id is the
// construct's, so several Alerts can share one key.
func (a *Alerts) allowPublishersOnKey() {
	res := a.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarmsAndEventsToUseKeyForAlerts" + (*a.Node().Addr())[:8]),
		Principals: servicePrincipals(publishers...),
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"ArnLike": map[string]interface{}{"kms:EncryptionContext:aws:sns:topicArn": awscdk.Stack_Of(a).FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("sns"), Resource: jsii.String("*"), ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME,
			})},
		},
	}), jsii.Bool(true))
	if res == nil || res.StatementAdded == nil || !*res.StatementAdded {
		awscdk.Annotations_Of(a).AddWarningV2(jsii.String("velocity:alerts-key-policy"),
			jsii.String("AlertsProps.Key is imported, so Velocity cannot change its key policy: allow the service principals cloudwatch.amazonaws.com and events.amazonaws.com kms:Decrypt and kms:GenerateDataKey* on it, with the condition ArnLike kms:EncryptionContext:aws:sns:topicArn arn:<partition>:sns:<region>:<account>:*, or alarms and events will not reach the alerts topic."), nil)
	}
}

// EventTarget returns an EventBridge rule target that publishes the matched
// event to the alerts topic. Unlike awseventstargets.SnsTopic it grants
// nothing: the topic policy already lets EventBridge publish for rules of
// this account, and a second, unconditioned grant would make that
// condition moot.
func (a *Alerts) EventTarget() awsevents.IRuleTarget { return &topicTarget{topic: a.Topic} }

// topicTarget implements awsevents.IRuleTarget for EventTarget.
type topicTarget struct{ topic awssns.ITopic }

// Bind implements awsevents.IRuleTarget.
func (t *topicTarget) Bind(interfacesawsevents.IRuleRef, *string) *awsevents.RuleTargetConfig {
	return &awsevents.RuleTargetConfig{Arn: t.topic.TopicArn()}
}

// newTopic creates an encrypted, TLS-only topic that the given services of
// this account may publish to.
func (a *Alerts) newTopic(id, displayName string, services ...string) awssns.Topic {
	topic := awssns.NewTopic(a, jsii.String(id), &awssns.TopicProps{
		DisplayName: jsii.String(displayName),
		MasterKey:   a.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAccountAlarmsAndEventsToPublish"),
		Principals: servicePrincipals(services...),
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  &[]*string{topic.TopicArn()},
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": awscdk.Stack_Of(a).Account()},
		},
	}))
	return topic
}

// sameSlackNameProblems reports a ConfigurationName that another Chatbot
// channel configuration of this app, in the same account, already has:
// the names are unique in an account, so the second would fail at deploy.
// Generated names are unique by construct path.
func sameSlackNameProblems(a *Alerts, s *SlackProps) []Problem {
	if s == nil || s.ConfigurationName == "" {
		return nil
	}
	account := *awscdk.Stack_Of(a).Account()
	for _, c := range *a.Node().Root().Node().FindAll(constructs.ConstructOrder_PREORDER) {
		other, ok := c.(awschatbot.CfnSlackChannelConfiguration)
		if !ok || other.ConfigurationName() == nil || *other.ConfigurationName() != s.ConfigurationName {
			continue
		}
		if theirs := *awscdk.Stack_Of(other).Account(); !unresolved(account) && !unresolved(theirs) && theirs != account {
			continue
		}
		return []Problem{{Prop: "Slack.ConfigurationName", Value: s.ConfigurationName,
			Want: "a name no other Chatbot channel configuration of the account has (" + *other.Node().Path() + " has it), or empty for a generated one"}}
	}
	return nil
}

func (a *Alerts) newSlack(s *SlackProps) awschatbot.SlackChannelConfiguration {
	name := s.ConfigurationName
	if name == "" {
		name = *awscdk.Names_UniqueResourceName(a, &awscdk.UniqueResourceNameOptions{
			MaxLength:                jsii.Number(128),
			Separator:                jsii.String("-"),
			AllowedSpecialCharacters: jsii.String("-_"),
		})
	}
	return awschatbot.NewSlackChannelConfiguration(a, jsii.String("Slack"), &awschatbot.SlackChannelConfigurationProps{
		SlackChannelConfigurationName: jsii.String(name),
		SlackWorkspaceId:              jsii.String(s.WorkspaceID),
		SlackChannelId:                jsii.String(s.ChannelID),
		NotificationTopics:            &[]awssns.ITopic{a.Topic},
		// The channel role gets no policy: Chatbot only relays the
		// topic's messages. The guardrail caps what anyone in the channel
		// could ever do through Chatbot at reading CloudWatch.
		GuardrailPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String(GuardrailPolicy))},
		LoggingLevel:      awschatbot.LoggingLevel_ERROR,
	})
}

func (a *Alerts) newNotificationsFailedAlarm() awscloudwatch.Alarm {
	alarm := awscloudwatch.NewAlarm(a, jsii.String("NotificationsFailed"), &awscloudwatch.AlarmProps{
		Metric: a.Topic.MetricNumberOfNotificationsFailed(&awscloudwatch.MetricOptions{
			Statistic: jsii.String("Sum"),
			Period:    awscdk.Duration_Minutes(jsii.Number(5)),
		}),
		Threshold:          jsii.Number(0),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
		EvaluationPeriods:  jsii.Number(1),
		DatapointsToAlarm:  jsii.Number(1),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription: jsii.String(fmt.Sprintf("The alerts topic %s failed to deliver notifications in the last 5 minutes: "+
			"someone may have missed an alarm. Check its subscriptions (unconfirmed or bouncing emails, failing https endpoints, "+
			"the AWS Chatbot configuration) and the KMS key policy, then review in the CloudWatch console the alarms that fired in this period.",
			*a.Topic.TopicName())),
	})
	fallback := awscloudwatchactions.NewSnsAction(a.Fallback)
	alarm.AddAlarmAction(fallback)
	alarm.AddOkAction(fallback)
	return alarm
}

// AlarmAction returns a CloudWatch alarm action that publishes to Topic,
// for monitors that configure their alarms' actions themselves. It returns
// nil when the props were invalid.
func (a *Alerts) AlarmAction() awscloudwatch.IAlarmAction {
	if a.Topic == nil {
		return nil
	}
	return awscloudwatchactions.NewSnsAction(a.Topic)
}

// alarmWithActions is what alarms created in this app (awscloudwatch.Alarm,
// awscloudwatch.CompositeAlarm) offer.
type alarmWithActions interface {
	AddAlarmAction(actions ...awscloudwatch.IAlarmAction)
	AddOkAction(actions ...awscloudwatch.IAlarmAction)
}

// Watch makes alarm notify Topic when it goes into ALARM and when it goes
// back to OK. The alarm must be defined in this CDK app (an Alarm or a
// CompositeAlarm); for an imported alarm synth warns, as its actions cannot
// be changed from here. Watch does nothing when the props were invalid.
func (a *Alerts) Watch(alarm awscloudwatch.IAlarm) {
	if a.Topic == nil {
		return
	}
	if alarm == nil {
		awscdk.Annotations_Of(a).AddError(jsii.String("Watch: alarm is nil; want an awscloudwatch.Alarm or CompositeAlarm"))
		return
	}
	target, ok := alarm.(alarmWithActions)
	if !ok || alarm.Node().DefaultChild() == nil {
		awscdk.Annotations_Of(a).AddWarningV2(jsii.String("velocity:watch-imported-alarm"),
			jsii.String(fmt.Sprintf("Watch: %s is an imported alarm; its actions cannot be set from this app. Add the alerts topic to it where it is defined.", *alarm.Node().Path())), nil)
		return
	}
	action := a.AlarmAction()
	target.AddAlarmAction(action)
	target.AddOkAction(action)
}

// ToString returns the construct path of the alerts. (Defining one method
// of Construct is also what lets the jsii runtime register Alerts itself as
// a construct, so it can be used as a scope like any other.)
func (a *Alerts) ToString() *string { return a.Node().Path() }

func servicePrincipals(services ...string) *[]awsiam.IPrincipal {
	out := make([]awsiam.IPrincipal, len(services))
	for i, s := range services {
		out[i] = awsiam.NewServicePrincipal(jsii.String(s), nil)
	}
	return &out
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
