package pipeline

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/stages"
)

// Stages CDK Pipelines creates, and where the Build job's variables are
// read from.
const (
	updatePipelineStage = "UpdatePipeline"
	assetsStage         = "Assets"
	buildStage          = "Build"
	buildAction         = "Build"
	// buildNamespace is the variables namespace the line gives the Build
	// action when CDK Pipelines gave it none (it names one only when a
	// step reads the Build's outputs).
	buildNamespace = "VelocityBuild"
)

// skipStagesTheBuildMadeNeedless adds the entry conditions that let a run
// skip CDK Pipelines' stages the Build job made needless: UpdatePipeline
// unless the pipeline changed (stages.PipelineChangedVariable), and Assets
// when the Build job published them (stages.AssetsPublishedVariable). Each
// skips only on the one value that says so; any other value, an empty one
// included, runs the stage as CDK Pipelines would: a change to the
// pipeline always updates it, and a changed asset is always published,
// before the line deploys anything. The conditions are written at synth,
// once the Build action's namespace is known.
func skipStagesTheBuildMadeNeedless(conditions *stageConditions, plan *stages.Plan) {
	skips := []struct{ stage, rule, variable, skipOn string }{
		{updatePipelineStage, "PipelineChanged", plan.PipelineChanged, "false"},
		{assetsStage, "AssetsPublishedByBuild", plan.AssetsPublished, "true"},
	}
	conditions.prepare = append(conditions.prepare, func(cfn awscodepipeline.CfnPipeline) {
		rendered, _ := awscdk.Stack_Of(cfn).Resolve(cfn.Stages()).([]interface{})
		namespace := ""
		for _, s := range skips {
			// A line whose stages have no assets has no Assets stage.
			if s.variable == "" || stageIndex(rendered, s.stage) < 0 {
				continue
			}
			if namespace == "" {
				ns, ok := buildActionNamespace(cfn, rendered)
				if !ok {
					awscdk.Annotations_Of(conditions.pipeline).AddWarningV2(jsii.String("velocity:stages-always-run"), jsii.String(
						"The pipeline has no action "+buildAction+" in its stage "+buildStage+": the UpdatePipeline and Assets stages run on every change"), nil)
					return
				}
				namespace = ns
			}
			conditions.add(s.stage, "BeforeEntry", map[string]interface{}{
				"Conditions": []interface{}{map[string]interface{}{"Result": "SKIP", "Rules": []interface{}{map[string]interface{}{
					"Name":       s.rule,
					"RuleTypeId": ruleType("VariableCheck"),
					"Configuration": map[string]interface{}{
						"Variable": "#{" + namespace + "." + s.variable + "}",
						"Operator": "NE",
						"Value":    s.skipOn,
					},
				}}}},
			})
		}
	})
}

// stageIndex is the position of the named stage in the rendered stages
// (the CfnPipeline's, in its property casing), or -1.
func stageIndex(rendered []interface{}, name string) int {
	for i, s := range rendered {
		if stage, _ := s.(map[string]interface{}); stage["name"] == name {
			return i
		}
	}
	return -1
}

// buildActionNamespace returns the variables namespace of the Build
// action, giving it buildNamespace when it has none.
func buildActionNamespace(cfn awscodepipeline.CfnPipeline, rendered []interface{}) (string, bool) {
	i := stageIndex(rendered, buildStage)
	if i < 0 {
		return "", false
	}
	actions, _ := rendered[i].(map[string]interface{})["actions"].([]interface{})
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
	return "", false
}
