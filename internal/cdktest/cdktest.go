// Package cdktest holds the test helpers Velocity's packages share: one jsii
// runtime per test binary, panics from failed assertions turned into test
// failures, and small accessors over synthesized templates.
package cdktest

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// Main runs the tests of a package and closes the jsii runtime once. Unless
// CDK_VALIDATION is set, it turns aws-cdk-lib's template validator off to keep
// each synth fast. The setting is read when the jsii runtime starts, so it
// holds for the whole test binary; internal/validated runs with it on.
func Main(m *testing.M) {
	if _, set := os.LookupEnv("CDK_VALIDATION"); !set {
		os.Setenv("CDK_VALIDATION", "false")
	}
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// Check runs f and turns a panic (a failed assertions match, or a jsii
// error) into t.Fatal with its message.
func Check(t testing.TB, f func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%v", firstLines(fmt.Sprint(r), 40))
		}
	}()
	f()
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "...")
	}
	return strings.Join(lines, "\n")
}

// Template synthesizes stack and returns its template.
func Template(t testing.TB, stack awscdk.Stack) assertions.Template {
	t.Helper()
	var tpl assertions.Template
	Check(t, func() { tpl = assertions.Template_FromStack(stack, nil) })
	return tpl
}

// JSON returns the template as plain Go values.
func JSON(t testing.TB, tpl assertions.Template) map[string]interface{} {
	t.Helper()
	raw, err := json.Marshal(tpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]interface{}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Resources returns the resources of the given CloudFormation type, by
// logical id.
func Resources(t testing.TB, tpl assertions.Template, typ string) map[string]map[string]interface{} {
	t.Helper()
	out := map[string]map[string]interface{}{}
	for id, r := range JSON(t, tpl)["Resources"].(map[string]interface{}) {
		res := r.(map[string]interface{})
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// Errors returns the error annotations of stack (the messages only).
func Errors(t testing.TB, stack awscdk.Stack) []string {
	t.Helper()
	return annotations(t, stack, false)
}

// Warnings returns the warning annotations of stack (the messages only).
func Warnings(t testing.TB, stack awscdk.Stack) []string {
	t.Helper()
	return annotations(t, stack, true)
}

func annotations(t testing.TB, stack awscdk.Stack, warnings bool) []string {
	t.Helper()
	var msgs []string
	Check(t, func() {
		a := assertions.Annotations_FromStack(stack)
		found := a.FindError(jsii.String("*"), assertions.Match_AnyValue())
		if warnings {
			found = a.FindWarning(jsii.String("*"), assertions.Match_AnyValue())
		}
		for _, m := range *found {
			//lint:ignore SA1019 aws-cdk-go has no replacement for SynthesisMessage fields yet (assertions still returns this type)
			msgs = append(msgs, fmt.Sprint(m.Entry.Data))
		}
	})
	return msgs
}
