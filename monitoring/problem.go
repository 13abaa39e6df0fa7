package monitoring

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/constructid"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// Problem is one invalid prop: the one shape every Velocity package reports
// (stages.Problem is the same type, and monitoring does not import stages).
// The construct reports it at synth with its construct path in front. The
// checks of this package record Problems in a problem.List, whose Err joins
// them for Validate.
type Problem = problem.Problem

// userErrorsOnly makes the synth errors of c and its children read as a
// user's mistakes: without the jsii runtime's JavaScript stack frame that
// aws-cdk-lib otherwise records with every annotation. It must run before c
// has children, since context is read from the scope at creation.
func userErrorsOnly(c constructs.Construct) {
	c.Node().SetContext(jsii.String("aws:cdk:disable-stack-trace"), true)
}

// register makes c, a Go struct that embeds constructs.Construct, the jsii
// construct of that id under scope (so it can be the scope of its children
// and be found in the construct tree), with user-readable errors. It
// returns the problem with the id that call (the constructor's name) was
// given, if any: the construct then has a usable id of its own.
func register(c constructs.Construct, scope constructs.Construct, id, call string) *Problem {
	id, idProblem := constructid.Usable(scope, id, "monitoring."+call)
	constructs.NewConstruct_Override(c, scope, jsii.String(id))
	userErrorsOnly(c)
	return idProblem
}

// report attaches every problem to c as a synth error, and says whether
// there was any: the constructor then creates nothing more.
func report(c constructs.IConstruct, ps []Problem) bool {
	for _, p := range ps {
		awscdk.Annotations_Of(c).AddError(jsii.String(p.Error()))
	}
	return len(ps) > 0
}

// idProblems puts the problem with a constructor's id (constructid.Usable)
// in front of its other problems.
func idProblems(id *Problem, rest []Problem) []Problem {
	if id == nil {
		return rest
	}
	return append([]Problem{*id}, rest...)
}

// scopeProblems reports a construct created outside a stack: its
// resources must be in one, and aws-cdk-lib would panic at the first.
func scopeProblems(c constructs.Construct, call string) []Problem {
	for _, s := range *c.Node().Scopes() {
		if _, ok := s.(awscdk.Stack); ok {
			return nil
		}
	}
	return []Problem{{Prop: "scope", Value: *c.Node().Path(), Want: "a construct inside an awscdk.Stack, e.g. monitoring." + call + "(stack, ...)"}}
}

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
	if err != nil || u.Host == "" || u.Hostname() == "" || u.User != nil {
		return false
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		return err == nil && n >= 1 && n <= 65535
	}
	return true
}

// addresses checks a list of email addresses or endpoints: each valid (or a
// token) and none repeated (aws-cdk-lib names a subscription after its
// endpoint, so a repeat would be a construct name clash).
func addresses(ps *problem.List, prop string, list []string, valid func(string) bool, want string) {
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
