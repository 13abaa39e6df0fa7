// Package monitoring provides alarms, dashboards and notifications for the
// assembly line and for the services it deploys.
//
// Everything starts with [Alerts]: an encrypted SNS topic that every alarm
// and notification of a team goes to, its subscriptions (email, https
// endpoints, AWS Chatbot in Slack) and a fallback topic that is told when
// notifications to the main topic cannot be delivered ("monitor the
// monitor"). Monitors of the line and of services reuse it through
// [Alerts.AlarmAction], [Alerts.Watch] and, for EventBridge rules,
// [Alerts.EventTarget].
//
// The package imports neither Velocity's pipeline nor its stages package: it
// takes the resources it watches as arguments, so it can be used alone, in
// the pipeline's stack, in a deployed stage or in any other CDK app.
//
// Invalid props never panic. Each problem is attached to the construct as a
// synth-time error that names the construct path, the prop, the bad value
// and what would be valid, and every problem of a synth is reported together.
// The checks are plain Go ([AlertsProps.Validate]) and run without the jsii
// runtime.
package monitoring
