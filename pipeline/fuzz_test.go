package pipeline_test

// FuzzPropsValidate checks (*pipeline.Props).Validate with fuzzed names,
// execution mode, change-freeze reason, layouts of the line (which of
// Staging, Production, Waves, Approval are set) and waves. The invariant:
// Validate either returns nil or an error that joins stages.Problems, each
// naming a prop of Props and saying what is valid; it never panics, is
// deterministic and leaves the props as they were. Where Props documents a
// rule exactly (execution mode, change-freeze reason, pipeline name, the
// layout of the line), the target checks it independently.
//
// The target never calls jsii: it sets no steps, no Alerts and no
// StageAspects, and App is a plain Go function that is never called.

import (
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

// fuzzPropRoots are the fields of Props a Problem may name.
var fuzzPropRoots = []string{"props", "App", "Source", "Build", "Staging", "Production", "Waves", "Acceptance",
	"Approval", "AlertEmails", "ChangeFreeze", "ExecutionMode", "PipelineName", "Security"}

// Layout bits of FuzzPropsValidate.
const (
	fuzzApp = 1 << iota
	fuzzStaging
	fuzzProduction
	fuzzWaves
	fuzzApproval
	fuzzNoMonitoring
	fuzzAcceptance
	fuzzGitSource
)

func fuzzList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// fuzzParseWaves reads waves separated by ";": "Name:env,env" where env is
// "Name/account/region", or "nil" for a nil wave.
func fuzzParseWaves(s string) []*stages.Wave {
	if s == "" {
		return nil
	}
	var out []*stages.Wave
	for _, w := range strings.Split(s, ";") {
		if w == "nil" {
			out = append(out, nil)
			continue
		}
		name, envs, _ := strings.Cut(w, ":")
		wave := &stages.Wave{Name: name}
		if envs != "" {
			for _, e := range strings.Split(envs, ",") {
				parts := append(strings.SplitN(e, "/", 3), "", "")
				wave.Environments = append(wave.Environments, stages.Environment{Name: parts[0], Account: parts[1], Region: parts[2]})
			}
		}
		out = append(out, wave)
	}
	return out
}

// fuzzStage is an App that is never called: Validate does not build.
func fuzzStage(constructs.Construct, string, stages.Environment) awscdk.Stage {
	panic("Validate must not call App")
}

// fuzzProblems returns the Problems joined in err, failing on anything else.
func fuzzProblems(t *testing.T, err error) []stages.Problem {
	t.Helper()
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Validate returned %T, want errors joined by errors.Join: %v", err, err)
	}
	var out []stages.Problem
	for _, e := range joined.Unwrap() {
		var p stages.Problem
		if !errors.As(e, &p) {
			t.Fatalf("Validate returned a %T that is not a stages.Problem: %v", e, e)
		}
		out = append(out, p)
	}
	if len(out) == 0 {
		t.Fatalf("Validate returned an error without problems: %v", err)
	}
	return out
}

func fuzzHas(ps []stages.Problem, prop string) bool {
	for _, p := range ps {
		if p.Prop == prop {
			return true
		}
	}
	return false
}

// fuzzFreezeOK is ChangeFreeze's documented rule: letters, digits, spaces
// and ! @ ( ) . * ? -, at most 300 characters.
func fuzzFreezeOK(s string) bool {
	if len(s) > 300 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(" !@().*?-", c) >= 0) {
			return false
		}
	}
	return true
}

// fuzzPipelineNameOK is CodePipeline's rule: 1 to 100 letters, digits and
// . @ _ -.
func fuzzPipelineNameOK(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(".@_-", c) >= 0) {
			return false
		}
	}
	return true
}

func FuzzPropsValidate(f *testing.F) {
	f.Fuzz(func(t *testing.T, layout uint8, pipelineName, executionMode, changeFreeze, stagingName, productionName, waves, alertEmails, approvalEmails string) {
		p := &pipeline.Props{
			PipelineName:  pipelineName,
			ExecutionMode: awscodepipeline.ExecutionMode(executionMode),
			ChangeFreeze:  changeFreeze,
			AlertEmails:   fuzzList(alertEmails),
		}
		if layout&fuzzApp != 0 {
			p.App = fuzzStage
		}
		if layout&fuzzStaging != 0 {
			p.Staging = &stages.Deploy{Environment: stages.Environment{Name: stagingName}}
		}
		if layout&fuzzProduction != 0 {
			p.Production = &stages.Deploy{Environment: stages.Environment{Name: productionName}}
		}
		if layout&fuzzWaves != 0 {
			p.Waves = fuzzParseWaves(waves)
		}
		if layout&fuzzApproval != 0 {
			p.Approval = &stages.Approval{Emails: fuzzList(approvalEmails)}
		}
		p.NoMonitoring = layout&fuzzNoMonitoring != 0
		if layout&fuzzAcceptance != 0 {
			p.Acceptance = stages.GoAcceptanceTests("./acceptance/...")
		}
		if layout&fuzzGitSource != 0 {
			p.Source = stages.GitHub("acme/shop", stages.GitOptions{ConnectionArn: goodARN})
		}
		before := *p
		var beforeStaging, beforeProduction stages.Deploy
		if p.Staging != nil {
			beforeStaging = *p.Staging
		}
		if p.Production != nil {
			beforeProduction = *p.Production
		}

		err := p.Validate()
		ps := fuzzProblems(t, err)
		var msgs []string
		for _, pr := range ps {
			if pr.Prop == "" || pr.Want == "" {
				t.Fatalf("problem without a prop or without what is valid: %#v", pr)
			}
			root := pr.Prop
			if i := strings.IndexAny(root, ".["); i >= 0 {
				root = root[:i]
			}
			if !fuzzContains(fuzzPropRoots, root) {
				t.Fatalf("problem names %q, not a prop of pipeline.Props", pr.Prop)
			}
			if !strings.HasPrefix(pr.Error(), pr.Prop+": ") || !strings.Contains(err.Error(), pr.Error()) {
				t.Fatalf("message %q does not start with its prop or is missing from the error", pr.Error())
			}
			msgs = append(msgs, pr.Error())
		}

		// Deterministic, and the user's props are never changed.
		var again []string
		for _, pr := range fuzzProblems(t, p.Validate()) {
			again = append(again, pr.Error())
		}
		sort.Strings(msgs)
		sort.Strings(again)
		if !reflect.DeepEqual(msgs, again) {
			t.Fatalf("Validate is not deterministic:\n%v\n%v", msgs, again)
		}
		if p.Source != before.Source || p.Build != before.Build || p.Staging != before.Staging || p.Production != before.Production ||
			p.ExecutionMode != before.ExecutionMode || len(p.Waves) != len(before.Waves) {
			t.Fatalf("Validate changed the props: %+v, was %+v", *p, before)
		}
		if p.Staging != nil && !reflect.DeepEqual(*p.Staging, beforeStaging) || p.Production != nil && !reflect.DeepEqual(*p.Production, beforeProduction) {
			t.Fatal("Validate changed Staging or Production")
		}

		// The documented rules.
		checks := []struct {
			prop string
			want bool
		}{
			{"App", p.App == nil},
			{"ExecutionMode", executionMode != "" && executionMode != "QUEUED" && executionMode != "SUPERSEDED"},
			{"ChangeFreeze", changeFreeze != "" && (!fuzzFreezeOK(changeFreeze) || p.Staging != nil && p.Production == nil && len(p.Waves) == 0)},
			{"PipelineName", pipelineName != "" && !fuzzPipelineNameOK(pipelineName)},
			// Production or waves without Staging.
			{"Production", p.Staging == nil && p.Production != nil},
			{"Waves", (p.Production != nil && len(p.Waves) > 0) || (p.Staging == nil && p.Production == nil && len(p.Waves) > 0)},
			// Approval with an explicit Staging and nothing after it.
			{"Approval", p.Approval != nil && p.Staging != nil && p.Production == nil && len(p.Waves) == 0},
		}
		for _, c := range checks {
			if got := fuzzHas(ps, c.prop); got != c.want {
				t.Fatalf("%s: problem reported = %v, want %v (problems: %v)", c.prop, got, c.want, msgs)
			}
		}
		if p.Staging != nil && p.Production != nil && stagingName == productionName && stagingName != "" && !fuzzHas(ps, "Production.Name") {
			t.Fatalf("staging and production both named %q accepted", stagingName)
		}
	})
}

func fuzzContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
