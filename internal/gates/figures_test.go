package gates_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestFigures prints the figures the README quotes, one line each,
// starting with "FIGURE" (run with -v to see them):
//
//	go test -count=1 -v -run TestFigures ./internal/gates | grep '^FIGURE'
//
// The other tests of the package gate on them; this one only reports.
func TestFigures(t *testing.T) {
	exs := allExamples(t)
	stacks := allStacks(t)
	scope := fmt.Sprintf("%d stacks of %d examples", len(stacks), len(exs))

	nagErrors := 0
	for _, ex := range exs {
		nagErrors += len(ex.NagErrors)
	}
	sups := suppressions(stacks)
	rules, reasons := map[string]bool{}, map[string]bool{}
	for _, s := range sups {
		rules[s.Rule] = true
		reasons[s.Rule+"\x00"+s.Reason] = true
	}

	lp := checkLeastPrivilege(stacks)
	identity, resource := 0, 0
	for _, s := range lp.Wildcard {
		if strings.HasPrefix(s.Type, "AWS::IAM::") {
			identity++
		} else {
			resource++
		}
	}
	keyRoot := 0
	for i, a := range allowList {
		if a.WildcardAction {
			keyRoot += len(lp.Covered[i])
		}
	}
	starIdentity := 0
	for _, s := range lp.StarResource {
		if strings.HasPrefix(s.Type, "AWS::IAM::") {
			starIdentity++
		}
	}

	figures := []string{
		fmt.Sprintf("cdk-nag unsuppressed AwsSolutions errors: %d (%s)", nagErrors, scope),
		fmt.Sprintf("cdk-nag suppressions: %d (on resources of %s; %d rules, %d distinct rule-and-reason pairs; every reason at least %d characters)", len(sups), scope, len(rules), len(reasons), minReason),
		fmt.Sprintf("IAM Allow statements with Action \"*\" or \"service:*\": %d (%d in IAM policies, %d in KMS key policies; %d of them the account-root statement of AWS's default key policy; %d not on the allow-list)", len(lp.Wildcard), identity, resource, keyRoot, countPrefix(lp.Unlisted, "wildcard action")),
		fmt.Sprintf("IAM Allow statements with Resource \"*\": %d (%d in IAM policies, %d in KMS key policies; %d allow-list entries with reasons; %d not on the allow-list)", len(lp.StarResource), starIdentity, len(lp.StarResource)-starIdentity, len(allowList), countPrefix(lp.Unlisted, "Resource")),
		fmt.Sprintf("IAM Allow statements checked: %d (%s)", len(lp.Allow), scope),
	}
	for _, f := range figures {
		fmt.Println("FIGURE " + f)
	}
}

func countPrefix(list []string, prefix string) int {
	n := 0
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}
