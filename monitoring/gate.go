package monitoring

import (
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// notAGateMetadata marks alarms that must not hold up a deploy.
const notAGateMetadata = "velocity:not-a-gate"

// NotAGate marks alarm so that a Velocity line's bake-time gate leaves it
// out: the gate watches every other alarm of a deployed stage. Use it for
// alarms that a deploy cannot fix or that a healthy deploy triggers: the
// monitor of the alerts topic, the account-wide Lambda concurrency, and the
// API 4XX rate (the acceptance tests send bad requests on purpose). reason
// is recorded in the construct metadata.
// A nil alarm is left alone.
func NotAGate(alarm constructs.IConstruct, reason string) {
	if alarm == nil {
		return
	}
	alarm.Node().AddMetadata(jsii.String(notAGateMetadata), reason, nil)
}

// IsGate reports whether a bake-time gate should watch the alarm c: every
// alarm does unless NotAGate marked it.
func IsGate(c constructs.IConstruct) bool {
	for _, m := range *c.Node().Metadata() {
		if *m.Type == notAGateMetadata {
			return false
		}
	}
	return true
}
