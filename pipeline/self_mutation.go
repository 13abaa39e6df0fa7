package pipeline

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/jsii-runtime-go"
)

// The stage CDK Pipelines creates for self-mutation, and where the Build
// job's variables are read from.
const (
	updatePipelineStage = "UpdatePipeline"
	buildStage          = "Build"
	buildAction         = "Build"
	// buildNamespace is the variables namespace the line gives the Build
	// action when CDK Pipelines gave it none (it names one only when a
	// step reads the Build's outputs).
	buildNamespace = "VelocityBuild"
)

// skipUnchangedSelfMutation makes the UpdatePipeline stage run only when
// the Build job found the pipeline changed (stages.PipelineChangedVariable,
// named by variable): a V2 entry condition whose VariableCheck rule fails,
// and so skips the stage, only on the value "false". Any other value, an
// empty one included, enters the stage: a change to the pipeline always
// updates it before the line deploys anything. The condition is written at
// synth, once the Build action's namespace is known.
func skipUnchangedSelfMutation(conditions *stageConditions, variable string) {
	if variable == "" {
		return
	}
	conditions.prepare = append(conditions.prepare, func(cfn awscodepipeline.CfnPipeline) {
		namespace, ok := buildActionNamespace(cfn)
		if !ok {
			awscdk.Annotations_Of(conditions.pipeline).AddWarningV2(jsii.String("velocity:self-mutation-always"), jsii.String(
				"The pipeline has no action "+buildAction+" in its stage "+buildStage+": the UpdatePipeline stage runs on every change"), nil)
			return
		}
		conditions.add(updatePipelineStage, "BeforeEntry", map[string]interface{}{
			"Conditions": []interface{}{map[string]interface{}{"Result": "SKIP", "Rules": []interface{}{map[string]interface{}{
				"Name":       "PipelineChanged",
				"RuleTypeId": ruleType("VariableCheck"),
				"Configuration": map[string]interface{}{
					"Variable": "#{" + namespace + "." + variable + "}",
					"Operator": "NE",
					"Value":    "false",
				},
			}}}},
		})
	})
}

// buildActionNamespace returns the variables namespace of the Build
// action, giving it buildNamespace when it has none.
func buildActionNamespace(cfn awscodepipeline.CfnPipeline) (string, bool) {
	stages, _ := awscdk.Stack_Of(cfn).Resolve(cfn.Stages()).([]interface{})
	for i, s := range stages {
		stage, _ := s.(map[string]interface{})
		if stage["name"] != buildStage {
			continue
		}
		actions, _ := stage["actions"].([]interface{})
		for j, a := range actions {
			action, _ := a.(map[string]interface{})
			if action["name"] != buildAction {
				continue
			}
			if ns, ok := action["namespace"].(string); ok && ns != "" {
				return ns, true
			}
			cfn.AddPropertyOverride(jsii.String(fmt.Sprintf("Stages.%d.Actions.%d.Namespace", i, j)), buildNamespace)
			return buildNamespace, true
		}
	}
	return "", false
}
