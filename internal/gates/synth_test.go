package gates_test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/containers"
	"github.com/velocity-cdk/velocity/examples/ec2"
	"github.com/velocity-cdk/velocity/examples/serverless"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// examples are the example apps the gates check, in the order of the
// repository's cdk.json (-c example=...; containers-ec2 is
// -c example=containers -c capacity=ec2), with their pipeline stack's name.
var examples = []struct {
	name, stack string
	new         func(app awscdk.App, id string, aspects ...awscdk.IAspect) awscdk.Stack
}{
	{"serverless", "VelocityServerless", func(app awscdk.App, id string, a ...awscdk.IAspect) awscdk.Stack {
		return serverless.NewPipelineStack(app, id, a...)
	}},
	{"containers", "VelocityContainers", func(app awscdk.App, id string, a ...awscdk.IAspect) awscdk.Stack {
		return containers.NewPipelineStack(app, id, a...)
	}},
	{"ec2", "VelocityEc2", func(app awscdk.App, id string, a ...awscdk.IAspect) awscdk.Stack {
		return ec2.NewPipelineStack(app, id, a...)
	}},
	{"containers-ec2", "VelocityContainers", func(app awscdk.App, id string, a ...awscdk.IAspect) awscdk.Stack {
		return containers.NewPipelineStackOn(app, id, containers.EC2, a...)
	}},
}

// stackTemplate is one synthesized stack of an example.
type stackTemplate struct {
	// Example is the example's name, e.g. "serverless".
	Example string
	// Name is the stack's name: "VelocityServerless" for the pipeline
	// stack, "Staging-Service" for a stage stack.
	Name string
	// Template is the CloudFormation template as plain Go values.
	Template map[string]interface{}
}

// where names the stack in messages: "serverless/Staging-Service".
func (s *stackTemplate) where() string { return s.Example + "/" + s.Name }

// resources returns the template's resources by logical id.
func (s *stackTemplate) resources() map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	res, _ := s.Template["Resources"].(map[string]interface{})
	for id, r := range res {
		if m, ok := r.(map[string]interface{}); ok {
			out[id] = m
		}
	}
	return out
}

// synthesized is an example synthesized once, with cdk-nag on.
type synthesized struct {
	Name   string
	Stacks []*stackTemplate
	// ArtifactBucket is the logical id of the line's artifact bucket in
	// the pipeline stack (Stacks[0]).
	ArtifactBucket string
	// NagErrors and NagWarnings are the unsuppressed AwsSolutions findings
	// of all stacks, as "construct path: message".
	NagErrors, NagWarnings []string
}

// cache holds each example synthesized by the first test that needs it:
// one synthesis per example for the whole package (tests never run in
// parallel: the jsii runtime is not goroutine-safe).
var cache = map[string]*synthesized{}

// allExamples synthesizes every example (once per test binary) and
// returns them in the order of examples.
func allExamples(t *testing.T) []*synthesized {
	t.Helper()
	out := make([]*synthesized, 0, len(examples))
	for _, e := range examples {
		if s, ok := cache[e.name]; ok {
			out = append(out, s)
			continue
		}
		s := synthesize(t, e.name, e.stack, e.new)
		cache[e.name] = s
		out = append(out, s)
	}
	return out
}

// allStacks returns every stack of every example.
func allStacks(t *testing.T) []*stackTemplate {
	t.Helper()
	var out []*stackTemplate
	for _, e := range allExamples(t) {
		out = append(out, e.Stacks...)
	}
	return out
}

// synthesize builds one example in a new App with cdk-nag's AwsSolutions
// checks on the App and on the line's stages (see TestNagClean of the
// examples), and reads every template and the cdk-nag findings.
func synthesize(t *testing.T, name, stackName string, newStack func(awscdk.App, string, ...awscdk.IAspect) awscdk.Stack) *synthesized {
	t.Helper()
	t.Logf("synthesizing example %s", name)
	app := awscdk.NewApp(nil)
	nag := cdktest.Nag()
	awscdk.Aspects_Of(app).Add(nag, nil)
	stack := newStack(app, stackName, nag)
	line, ok := stack.Node().FindChild(jsii.String("Line")).(*pipeline.AssemblyLine)
	if !ok {
		t.Fatalf("example %s: the pipeline stack has no *pipeline.AssemblyLine named Line", name)
	}
	all := []awscdk.Stack{stack}
	for _, stage := range []awscdk.Stage{line.Staging, line.Production} {
		if stage != nil {
			all = append(all, stages.Stacks(stage)...)
		}
	}
	s := &synthesized{Name: name}
	for i, st := range all {
		tpl := cdktest.JSON(t, cdktest.Template(t, st))
		n := *st.StackName()
		if i == 0 {
			n = stackName
		}
		s.Stacks = append(s.Stacks, &stackTemplate{Example: name, Name: n, Template: tpl})
	}
	cdktest.Check(t, func() {
		s.ArtifactBucket = *stack.GetLogicalId(line.ArtifactBucket.Node().DefaultChild().(awscdk.CfnElement))
	})
	s.NagErrors = cdktest.NagErrors(t, all...)
	cdktest.Check(t, func() {
		for _, st := range all {
			for _, m := range *assertions.Annotations_FromStack(st).FindWarning(jsii.String("*"), assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))) {
				//lint:ignore SA1019 assertions.Annotations returns cxapi.SynthesisMessage; aws-cdk-go has no replacement type to read instead.
				s.NagWarnings = append(s.NagWarnings, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
			}
		}
	})
	sort.Strings(s.NagWarnings)
	return s
}

// strs returns the strings of a string or a list (of strings or
// intrinsics); intrinsics are rendered as compact JSON.
func strs(v interface{}) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []interface{}:
		var out []string
		for _, e := range x {
			out = append(out, strs(e)...)
		}
		return out
	default:
		raw, _ := json.Marshal(x)
		return []string{string(raw)}
	}
}

// compact renders v as one line of JSON.
func compact(v interface{}) string {
	raw, _ := json.Marshal(v)
	return string(raw)
}

// oneLine shortens s for a log line.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
