package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/velocity-cdk/velocity/stages"
)

// environmentProblems checks the deploy environments against the pipeline
// stack: CodePipeline can deploy to another account or region only from a
// pipeline stack whose own account and region are known at synth (CDK
// Pipelines would otherwise fail with a jsii stack trace).
func environmentProblems(scope constructs.Construct, p Props) stages.Problems {
	var ps stages.Problems
	stack := awscdk.Stack_Of(scope)
	account := !*awscdk.Token_IsUnresolved(stack.Account())
	region := !*awscdk.Token_IsUnresolved(stack.Region())
	for _, env := range deployEnvironments(p) {
		if env.Account != "" && !account {
			ps.Add(env.prop+".Account", env.Account, "no Account, or an explicit account and region on the pipeline stack ("+*stack.StackName()+"): CodePipeline must know its own account to deploy across accounts")
		}
		if env.Region != "" && !region {
			ps.Add(env.prop+".Region", env.Region, "no Region, or an explicit account and region on the pipeline stack ("+*stack.StackName()+"): CodePipeline must know its own region to deploy across regions")
		}
	}
	return ps
}

// propEnvironment is an environment the line deploys to, with the prop
// that sets it.
type propEnvironment struct {
	prop string
	stages.Environment
}

// deployEnvironments returns every environment of the line: staging and
// each environment of each production wave.
func deployEnvironments(p Props) []propEnvironment {
	var out []propEnvironment
	if p.Staging != nil {
		out = append(out, propEnvironment{"Staging", p.Staging.Environment})
	}
	for _, w := range p.rollout() {
		for j, e := range w.Environments {
			out = append(out, propEnvironment{w.envProps[j], e})
		}
	}
	return out
}

// crossAccount reports whether the line deploys to an account other than
// the pipeline's. CodePipeline then needs a KMS key on the artifact
// replication bucket of every other region it deploys to, which the
// "@aws-cdk/aws-codepipeline:crossAccountKeysDefaultValueToFalse" flag
// (set by `cdk init`) would leave out.
func crossAccount(scope constructs.Construct, p Props) bool {
	home := *awscdk.Stack_Of(scope).Account()
	for _, env := range deployEnvironments(p) {
		if env.Account != "" && env.Account != home {
			return true
		}
	}
	return false
}
