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
	if p.Alerts != nil {
		home := awscdk.Stack_Of(p.Alerts)
		if *home.Account() != *stack.Account() || *home.Region() != *stack.Region() {
			ps.Add("Alerts", *p.Alerts.Node().Path(), "an Alerts in the pipeline's account and region ("+*stack.StackName()+"): the line's alarms and rules publish to it there")
		}
	}
	ps = append(ps, otherLineProblems(scope, p)...)
	// One place written two ways ({Region: r} and {Account: the
	// pipeline's, Region: r}) is still one place. (The props' own check
	// has found those written the same way.)
	places := map[string]string{}
	for _, w := range p.rollout() {
		for j, e := range w.Environments {
			place := placeIn(scope, e)
			if other, dup := places[place]; dup {
				ps.Add(w.envProps[j], place, "an account and region not already deployed by "+other)
			}
			places[place] = w.envProps[j]
		}
	}
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

// inStack reports whether c is inside a stack: the line's resources must
// be, and aws-cdk-lib would otherwise panic at its first resource.
func inStack(c constructs.IConstruct) bool {
	for _, s := range *c.Node().Scopes() {
		if _, ok := s.(awscdk.Stack); ok {
			return true
		}
	}
	return false
}

// otherLineProblems checks the line against the other lines of the app:
// two lines that deploy a stage of the same name to the same place would
// deploy CloudFormation stacks of the same names there (a stage's stacks
// are named <stage>-<stack>), each overwriting the other's.
func otherLineProblems(scope constructs.Construct, p Props) stages.Problems {
	var ps stages.Problems
	mine := map[string]string{}
	for _, env := range deployEnvironments(p) {
		mine[env.Name+" at "+placeIn(scope, env.Environment)] = env.prop
	}
	for _, c := range *awscdk.Stage_Of(scope).Node().FindAll(constructs.ConstructOrder_PREORDER) {
		other, ok := c.(*AssemblyLine)
		if !ok || other.Pipeline == nil || *other.Node().Path() == *scope.Node().Path() {
			continue
		}
		for _, env := range other.environments {
			if prop, clash := mine[env.Name+" at "+placeIn(other, env)]; clash {
				ps.Add(prop+".Name", env.Name, "a name the line "+*other.Node().Path()+" does not deploy to the same account and region: the stacks of both would be named "+env.Name+"-<stack> there and overwrite each other")
			}
		}
	}
	return ps
}

// placeIn names where env deploys, with the stack's own account and
// region for those it leaves unset.
func placeIn(scope constructs.Construct, env stages.Environment) string {
	stack := awscdk.Stack_Of(scope)
	account, region := env.Account, env.Region
	if account == "" {
		account = *stack.Account()
	}
	if region == "" {
		region = *stack.Region()
	}
	return account + "/" + region
}
