package monitoring

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// Problem is one invalid prop. It has the shape and message of the stages
// package's Problem (monitoring does not import stages): the construct
// reports it at synth with its construct path in front.
type Problem struct {
	// Prop is the path of the prop inside the props struct, for example
	// "Emails[1]" or "Slack.ChannelID".
	Prop string
	// Value is the offending value as the user wrote it.
	Value string
	// Want says what would be valid.
	Want string
}

// Error renders the problem as `Prop: "value" is invalid; want ...`.
func (p Problem) Error() string {
	return fmt.Sprintf("%s: %q is invalid; want %s", p.Prop, p.Value, p.Want)
}

// problems collects the Problems of one set of props.
type problems []Problem

func (ps *problems) add(prop, value, want string) {
	*ps = append(*ps, Problem{Prop: prop, Value: value, Want: want})
}

// err joins the problems into one error (nil when there are none);
// errors.As finds each Problem.
func (ps problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}

var emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)

// unresolved reports whether s is a CDK token (a CloudFormation parameter,
// an attribute of another resource): its value is known only at deploy
// time, so synth cannot check it.
func unresolved(s string) bool { return strings.Contains(s, "${Token[") }

// validEmail reports whether s looks like an address SNS can subscribe.
func validEmail(s string) bool {
	return len(s) <= 254 && emailPattern.MatchString(s)
}

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
			ps.add(name, s, "each address once (it repeats an earlier entry)")
		case !unresolved(s) && !valid(s):
			ps.add(name, s, want)
		}
		seen[s] = true
	}
}
