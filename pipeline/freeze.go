package pipeline

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/jsii-runtime-go"
)

// changeFreeze returns the reason production is frozen, from the props or
// the context key, or "" when it is not.
func (l *AssemblyLine) changeFreeze(p Props) string {
	if p.ChangeFreeze != "" {
		return p.ChangeFreeze
	}
	switch v := l.Node().TryGetContext(jsii.String(ChangeFreezeContext)).(type) {
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return DefaultFreezeReason
		case "false", "":
			return ""
		}
		return v
	case bool:
		if v {
			return DefaultFreezeReason
		}
	}
	return ""
}

// freeze disables the transition into the named stage: executions stop
// before it, and resume from there when the transition is enabled again.
func (l *AssemblyLine) freeze(stageName, reason string) {
	cfn := l.Pipeline.Node().DefaultChild().(awscodepipeline.CfnPipeline)
	cfn.AddPropertyOverride(jsii.String("DisableInboundStageTransitions"), []interface{}{
		map[string]interface{}{"StageName": stageName, "Reason": reason},
	})
}
