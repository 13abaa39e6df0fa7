package problem_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/velocity-cdk/velocity/internal/problem"
)

// beforePattern is the regular expression stages and monitoring each had
// before problem.ValidEmail; monitoring also capped the length at 254.
var beforePattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// TestValidEmail is the one email rule. Before it, monitoring (AlertsProps)
// and stages (Approval) each had a pattern of their own: the same regular
// expression, but only monitoring's capped the length, so an address over
// 254 bytes was refused as an alert email and accepted as an approval
// email. The "before" column records what each accepted then.
func TestValidEmail(t *testing.T) {
	long := func(n int) string { // an address of exactly n bytes
		const domain = "@example.com"
		return strings.Repeat("a", n-len(domain)) + domain
	}
	cases := []struct {
		name               string
		in                 string
		want               bool
		stages, monitoring bool // accepted before by stages.ValidEmail, by monitoring
	}{
		// Accepted by one and refused by the other.
		{"255 bytes", long(255), false, true, false},
		{"1000 bytes", long(1000), false, true, false},

		// Accepted by both, refused now: never deliverable.
		{"domain starts with a dot", "team@.example.com", false, true, true},
		{"empty label in the domain", "team@example..com", false, true, true},
		{"domain ends with a dot", "team@example.com.", false, true, true},
		{"vertical tab", "team\v@example.com", false, true, true},
		{"no-break space", "team\u00a0@example.com", false, true, true},
		{"control character", "team\x00@example.com", false, true, true},
		{"line separator", "team@example.com\u2028", false, true, true},
		{"invalid UTF-8", "team\xff@example.com", false, true, true},

		// Refused by both, and now.
		{"empty", "", false, false, false},
		{"no @", "team-at-example.com", false, false, false},
		{"two @", "team@ops@example.com", false, false, false},
		{"two addresses", "a@example.com,b@example.com", false, false, false},
		{"no local part", "@example.com", false, false, false},
		{"no dot in the domain", "team@localhost", false, false, false},
		{"space", "my team@example.com", false, false, false},
		{"display name", "Team <team@example.com>", false, false, false},
		{"trailing newline", "team@example.com\n", false, false, false},

		// Accepted by both, and now.
		{"plain", "team@example.com", true, true, true},
		{"254 bytes", long(254), true, true, true},
		{"subaddress", "team+alerts@example.com", true, true, true},
		{"subdomain", "oncall@mail.eu.example.com", true, true, true},
		{"non-ASCII", "équipe@exemple.fr", true, true, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := beforePattern.MatchString(c.in); got != c.stages {
				t.Fatalf("the table is wrong: stages accepted %q before = %v, not %v", c.in, got, c.stages)
			}
			if got := len(c.in) <= 254 && beforePattern.MatchString(c.in); got != c.monitoring {
				t.Fatalf("the table is wrong: monitoring accepted %q before = %v, not %v", c.in, got, c.monitoring)
			}
			if got := problem.ValidEmail(c.in); got != c.want {
				t.Errorf("ValidEmail(%q) = %v, want %v (before: stages %v, monitoring %v)", c.in, got, c.want, c.stages, c.monitoring)
			}
		})
	}
}
