package gates_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// minReason is the shortest reason a suppression may give: long enough
// for a sentence a reviewer can check, not "ok" or "n/a".
const minReason = 20

// suppression is one entry of a resource's cdk-nag suppressions (the
// "cdk_nag" metadata, "rules_to_suppress"), as cdk-nag reads it from the
// template.
type suppression struct {
	Stack  *stackTemplate
	ID     string // the resource's logical id
	Rule   string
	Reason string
	// AppliesTo is how many findings the entry is narrowed to; 0 means
	// every finding of the rule on the resource.
	AppliesTo int
}

func suppressions(stacks []*stackTemplate) []suppression {
	var out []suppression
	for _, st := range stacks {
		res := st.resources()
		for _, id := range sortedIDs(res) {
			md, _ := res[id]["Metadata"].(map[string]interface{})
			nag, _ := md["cdk_nag"].(map[string]interface{})
			list, _ := nag["rules_to_suppress"].([]interface{})
			for _, raw := range list {
				e, _ := raw.(map[string]interface{})
				s := suppression{Stack: st, ID: id}
				s.Rule, _ = e["id"].(string)
				s.Reason, _ = e["reason"].(string)
				if applies, ok := e["applies_to"].([]interface{}); ok {
					s.AppliesTo = len(applies)
				}
				out = append(out, s)
			}
		}
	}
	return out
}

func (s suppression) String() string {
	scope := "all findings"
	if s.AppliesTo > 0 {
		scope = fmt.Sprintf("%d finding pattern(s)", s.AppliesTo)
	}
	return fmt.Sprintf("%s %s %s [%s]: %s", s.Stack.where(), s.ID, s.Rule, scope, s.Reason)
}

// TestNagSummary runs cdk-nag's AwsSolutions checks over every stack of
// every example: no unsuppressed error, and every suppression (listed in
// the log, so growth is visible) has a rule id and a reason of at least
// minReason characters.
func TestNagSummary(t *testing.T) {
	exs := allExamples(t)
	var errs, warnings []string
	stacks := 0
	for _, ex := range exs {
		stacks += len(ex.Stacks)
		for _, e := range ex.NagErrors {
			errs = append(errs, ex.Name+": "+e)
		}
		warnings = append(warnings, ex.NagWarnings...)
	}
	if len(errs) > 0 {
		t.Errorf("%d unsuppressed cdk-nag errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	t.Logf("%d unsuppressed cdk-nag errors, %d unsuppressed cdk-nag warnings over %d stacks of %d examples", len(errs), len(warnings), stacks, len(exs))
	for _, w := range warnings {
		t.Logf("warning: %s", oneLine(w, 300))
	}

	sups := suppressions(allStacks(t))
	byRule, reasons := map[string]int{}, map[string]bool{}
	for _, s := range sups {
		byRule[s.Rule]++
		reasons[s.Rule+"\x00"+s.Reason] = true
		t.Logf("suppression: %s", s)
		if s.Rule == "" {
			t.Errorf("suppression without a rule id: %s", s)
		}
		if r := strings.TrimSpace(s.Reason); len(r) < minReason {
			t.Errorf("suppression with a reason of %d characters (want at least %d that say why): %s", len(r), minReason, s)
		}
	}
	rules := make([]string, 0, len(byRule))
	for r := range byRule {
		rules = append(rules, r)
	}
	sort.Strings(rules)
	for _, r := range rules {
		t.Logf("suppressions of %s: %d", r, byRule[r])
	}
	t.Logf("%d suppressions of %d rules, %d distinct rule-and-reason pairs", len(sups), len(rules), len(reasons))
}
