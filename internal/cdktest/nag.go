package cdktest

import (
	"fmt"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Nag returns cdk-nag's AwsSolutions pack. Add it to the App and pass it
// as a stage aspect to the line (pipeline.Props.StageAspects): aspects of an
// App do not reach stages that CDK Pipelines has already synthesized.
func Nag() awscdk.IAspect {
	return cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)})
}

// NagErrors returns the unsuppressed cdk-nag errors of the stacks, as
// "stack path: message" lines, sorted.
func NagErrors(t testing.TB, stacks ...awscdk.Stack) []string {
	t.Helper()
	var out []string
	Check(t, func() {
		for _, s := range stacks {
			for _, m := range *assertions.Annotations_FromStack(s).FindError(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
				//lint:ignore SA1019 aws-cdk-go has no replacement for SynthesisMessage fields yet (assertions still returns this type)
				out = append(out, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
			}
		}
	})
	sort.Strings(out)
	return out
}
