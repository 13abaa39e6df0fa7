package pipeline

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/stages"
)

// changeFreeze returns the reason production is frozen, from the props or
// the context key, or "" when it is not. A context value that is neither a
// string nor a boolean (`"velocity:changeFreeze": 1` in cdk.json) is a
// problem: guessing would freeze, or not freeze, production by mistake.
func (l *AssemblyLine) changeFreeze(p Props) (string, stages.Problems) {
	if p.ChangeFreeze != "" {
		return p.ChangeFreeze, nil
	}
	switch v := l.Node().TryGetContext(jsii.String(ChangeFreezeContext)).(type) {
	case nil:
		return "", nil
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return DefaultFreezeReason, nil
		case "false", "":
			return "", nil
		}
		return v, nil
	case bool:
		if v {
			return DefaultFreezeReason, nil
		}
		return "", nil
	default:
		return "", stages.Problems{{Prop: "context " + ChangeFreezeContext, Value: fmt.Sprintf("%v", v),
			Want: `true, false, or the reason of the freeze as a string, e.g. "release 4.2 goes out Monday"`}}
	}
}

// freeze disables the transition into the named stage: executions stop
// before it, and resume from there when the transition is enabled again.
func (l *AssemblyLine) freeze(stageName, reason string) {
	cfn := l.Pipeline.Node().DefaultChild().(awscodepipeline.CfnPipeline)
	cfn.AddPropertyOverride(jsii.String("DisableInboundStageTransitions"), []interface{}{
		map[string]interface{}{"StageName": stageName, "Reason": reason},
	})
}
