package nag_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/nag"
)

func TestMain(m *testing.M) {
	os.Setenv("CDK_VALIDATION", "false")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// A bucket that serves a public website needs no access logs of its own;
// the suppression says so where cdk-nag will look for it.
func ExampleSuppress() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Site"), nil)
	bucket := awss3.NewBucket(stack, jsii.String("Assets"), nil)
	nag.Suppress(bucket, false, nag.Rule{
		ID:     "AwsSolutions-S1",
		Reason: "Static assets behind CloudFront, whose access logs record every request",
	})

	metadata := bucket.Node().DefaultChild().(awscdk.CfnResource).GetMetadata(jsii.String("cdk_nag"))
	out, _ := json.Marshal(metadata)
	fmt.Println(string(out))
	// Output:
	// {"rules_to_suppress":[{"id":"AwsSolutions-S1","reason":"Static assets behind CloudFront, whose access logs record every request"}]}
}

// A rule with findings per action or resource is narrowed to the ones
// reviewed; Regex matches findings whose text holds a generated logical id.
func ExampleRegex() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Build"), nil)
	role := awsiam.NewRole(stack, jsii.String("Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("codebuild.amazonaws.com"), nil)})
	nag.Suppress(role, true, nag.Rule{
		ID:        "AwsSolutions-IAM5",
		Reason:    "Reads only the objects under the build's own prefix",
		AppliesTo: []string{"Action::s3:GetObject*", nag.Regex(`^Resource::<ArtifactBucket[0-9A-F]{8}\.Arn>/\*$`)},
	})

	metadata := role.Node().DefaultChild().(awscdk.CfnResource).GetMetadata(jsii.String("cdk_nag"))
	out, _ := json.Marshal(metadata)
	fmt.Println(string(out))
	// Output:
	// {"rules_to_suppress":[{"applies_to":["Action::s3:GetObject*",{"regex":"/^Resource::\u003cArtifactBucket[0-9A-F]{8}\\.Arn\u003e/\\*$/g"}],"id":"AwsSolutions-IAM5","reason":"Reads only the objects under the build's own prefix"}]}
}

// A rule cdk-nag would refuse is a synth error on the construct, not a
// crash of cdk-nag later.
func TestRulesCdkNagRefusesAreErrors(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Site"), nil)
	bucket := awss3.NewBucket(stack, jsii.String("Assets"), nil)
	nag.Suppress(bucket, false, nag.Rule{ID: "AwsSolutions-S1", Reason: "logs"},
		nag.Rule{ID: "AwsSolutions-S2", Reason: "A reason long enough", AppliesTo: []string{nag.Regex("(")}})
	nag.Suppress(nil, false, nag.Rule{ID: "AwsSolutions-S1", Reason: "nothing to suppress on"})
	errors := 0
	for _, e := range *bucket.Node().Metadata() {
		if *e.Type == "aws:cdk:error" {
			errors++
		}
	}
	if errors != 2 {
		t.Errorf("%d errors, want 2 (a short reason, a bad pattern)", errors)
	}
	if md := bucket.Node().DefaultChild().(awscdk.CfnResource).GetMetadata(jsii.String("cdk_nag")); md != nil {
		t.Errorf("refused rules were recorded: %v", md)
	}
}

// A suppression that would land on no resource, or names no rule, is a
// synth error: the team would believe the finding suppressed.
func TestSuppressionsOnNothingAreErrors(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Site"), nil)
	group := constructs.NewConstruct(stack, jsii.String("Group"))
	awss3.NewBucket(group, jsii.String("Assets"), nil)
	empty := constructs.NewConstruct(stack, jsii.String("Empty"))
	bucket := awss3.NewBucket(stack, jsii.String("Logs"), nil)
	reason := "A reason a reviewer can agree with"
	nag.Suppress(group, false, nag.Rule{ID: "AwsSolutions-S1", Reason: reason})
	nag.Suppress(empty, true, nag.Rule{ID: "AwsSolutions-S1", Reason: reason})
	nag.Suppress(bucket, false, nag.Rule{ID: " ", Reason: reason})
	for c, want := range map[constructs.IConstruct]string{
		group:  "suppresses nothing: it has no CloudFormation resource as its default child: pass children true",
		empty:  "suppresses nothing: it has no CloudFormation resource under it",
		bucket: "needs a rule id",
	} {
		var errs []string
		for _, e := range *c.Node().Metadata() {
			if *e.Type == "aws:cdk:error" {
				errs = append(errs, fmt.Sprint(e.Data))
			}
		}
		if len(errs) != 1 || !strings.Contains(errs[0], want) {
			t.Errorf("%s: errors %q, want one with %q", *c.Node().Path(), errs, want)
		}
	}
	// With children, the bucket under the group gets it.
	nag.Suppress(group, true, nag.Rule{ID: "AwsSolutions-S1", Reason: reason})
	if md := group.Node().FindChild(jsii.String("Assets")).Node().DefaultChild().(awscdk.CfnResource).GetMetadata(jsii.String("cdk_nag")); md == nil {
		t.Error("children true: the bucket under the group has no suppression")
	}
}
