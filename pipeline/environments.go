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
	for _, env := range []struct {
		prop   string
		deploy *stages.Deploy
	}{{"Staging", p.Staging}, {"Production", p.Production}} {
		if env.deploy == nil {
			continue
		}
		if env.deploy.Account != "" && !account {
			ps.Add(env.prop+".Account", env.deploy.Account, "no Account, or an explicit account and region on the pipeline stack ("+*stack.StackName()+"): CodePipeline must know its own account to deploy across accounts")
		}
		if env.deploy.Region != "" && !region {
			ps.Add(env.prop+".Region", env.deploy.Region, "no Region, or an explicit account and region on the pipeline stack ("+*stack.StackName()+"): CodePipeline must know its own region to deploy across regions")
		}
	}
	return ps
}
