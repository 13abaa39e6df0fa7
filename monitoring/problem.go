package monitoring

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/velocity-cdk/velocity/internal/problem"
)

// Problem is one invalid prop, in the same shape and message as the stages
// package's (monitoring does not import stages): the construct reports it
// at synth with its construct path in front.
type Problem = problem.Problem

// problems collects the Problems of one set of props; the checks below
// are its methods.
type problems problem.List

// Add records a problem.
func (ps *problems) Add(prop, value, want string) { (*problem.List)(ps).Add(prop, value, want) }

// Err joins the problems into one error, nil when there are none.
func (ps problems) Err() error { return problem.List(ps).Err() }

// unresolved reports whether s is a CDK token (a CloudFormation parameter,
// an attribute of another resource): its value is known only at deploy
// time, so synth cannot check it.
func unresolved(s string) bool { return strings.Contains(s, "${Token[") }

// validHTTPS reports whether s is an absolute https URL that aws-cdk-lib
// and SNS accept as an HTTPS subscription endpoint. aws-cdk-lib compares
// the "https://" prefix literally, so "HTTPS://" is refused here too.
func validHTTPS(s string) bool {
	if !strings.HasPrefix(s, "https://") || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && u.Host != "" && u.Hostname() != "" && u.User == nil
}

// addresses checks a list of email addresses or endpoints: each valid (or a
// token) and none repeated (aws-cdk-lib names a subscription after its
// endpoint, so a repeat would be a construct name clash).
func (ps *problems) addresses(prop string, list []string, valid func(string) bool, want string) {
	seen := map[string]bool{}
	for i, s := range list {
		name := fmt.Sprintf("%s[%d]", prop, i)
		switch {
		case seen[s]:
			ps.Add(name, s, "each address once (it repeats an earlier entry)")
		case !unresolved(s) && !valid(s):
			ps.Add(name, s, want)
		}
		seen[s] = true
	}
}
