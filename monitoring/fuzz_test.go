package monitoring_test

// Fuzz targets for the validation of monitoring's props: AlertsProps,
// ServiceMonitorProps and the thresholds of every service monitor. The
// invariant: any input either validates or yields monitoring.Problem values
// that each name the prop and say what is valid; Validate never panics. Where a
// prop's documentation states its rule exactly (display name length,
// repeated addresses, service name, threshold ranges), the targets check it
// independently. Validation is plain Go: the targets never call jsii.

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/velocity-cdk/velocity/monitoring"
)

func fuzzList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// fuzzProblems returns the Problems joined in err, checking that each names
// a prop under one of roots and says what is valid.
func fuzzProblems(t *testing.T, err error, roots ...string) map[string]monitoring.Problem {
	t.Helper()
	out := map[string]monitoring.Problem{}
	if err == nil {
		return out
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("Validate returned %T, want errors joined by errors.Join: %v", err, err)
	}
	for _, e := range joined.Unwrap() {
		var p monitoring.Problem
		if !errors.As(e, &p) {
			t.Fatalf("Validate returned a %T that is not a monitoring.Problem: %v", e, e)
		}
		if p.Prop == "" || p.Want == "" {
			t.Fatalf("problem without a prop or without what is valid: %#v", p)
		}
		ok := false
		for _, r := range roots {
			ok = ok || p.Prop == r || strings.HasPrefix(p.Prop, r+"[") || strings.HasPrefix(p.Prop, r+".")
		}
		if !ok {
			t.Fatalf("problem names %q, want a prop under %v", p.Prop, roots)
		}
		if !strings.HasPrefix(p.Error(), p.Prop+": ") || !strings.Contains(err.Error(), p.Error()) {
			t.Fatalf("message %q does not start with its prop or is missing from the error", p.Error())
		}
		if _, dup := out[p.Prop]; dup {
			t.Fatalf("two problems for %s: %v", p.Prop, err)
		}
		out[p.Prop] = p
	}
	if len(out) == 0 {
		t.Fatalf("Validate returned an error without problems: %v", err)
	}
	return out
}

// fuzzToken reports whether s holds a CDK token, which Validate leaves to
// deploy time.
func fuzzToken(s string) bool { return strings.Contains(s, "${Token[") }

// fuzzCheckAddresses checks a list of addresses: a repeat is reported at
// the later index, a problem echoes the address, and an accepted address
// passes accepted.
func fuzzCheckAddresses(t *testing.T, ps map[string]monitoring.Problem, prop string, list []string, accepted func(string) bool) {
	t.Helper()
	seen := map[string]bool{}
	for i, s := range list {
		name := fmt.Sprintf("%s[%d]", prop, i)
		p, bad := ps[name]
		if seen[s] && !bad {
			t.Fatalf("%s repeats %q and is accepted", name, s)
		}
		if bad && p.Value != s {
			t.Fatalf("%s problem shows %q, want %q", name, p.Value, s)
		}
		if !bad && !fuzzToken(s) && !accepted(s) {
			t.Fatalf("%s = %q accepted", name, s)
		}
		seen[s] = true
	}
}

func fuzzEmailAccepted(s string) bool {
	return len(s) <= 254 && strings.Count(s, "@") == 1 && !strings.ContainsAny(s, " \t\n\r")
}

func fuzzHTTPSAccepted(s string) bool {
	u, err := url.Parse(s)
	return strings.HasPrefix(s, "https://") && err == nil && u.Host != "" && u.User == nil
}

func FuzzAlertsProps(f *testing.F) {
	f.Fuzz(func(t *testing.T, displayName, emails, httpsEndpoints, fallbackEmails string, slack bool, workspaceID, channelID, configurationName string) {
		if err := (*monitoring.AlertsProps)(nil).Validate(); err != nil {
			t.Fatalf("nil AlertsProps (the zero value is valid): %v", err)
		}
		p := &monitoring.AlertsProps{
			DisplayName:    displayName,
			Emails:         fuzzList(emails),
			HTTPSEndpoints: fuzzList(httpsEndpoints),
			FallbackEmails: fuzzList(fallbackEmails),
		}
		if slack {
			p.Slack = &monitoring.SlackProps{WorkspaceID: workspaceID, ChannelID: channelID, ConfigurationName: configurationName}
		}
		err := p.Validate()
		ps := fuzzProblems(t, err, "DisplayName", "Emails", "HTTPSEndpoints", "FallbackEmails", "Slack")
		again := fuzzProblems(t, p.Validate(), "DisplayName", "Emails", "HTTPSEndpoints", "FallbackEmails", "Slack")
		if len(again) != len(ps) {
			t.Fatalf("Validate is not deterministic: %v, then %v", ps, again)
		}

		_, bad := ps["DisplayName"]
		if want := utf8.RuneCountInString(displayName) > 100 || !utf8.ValidString(displayName); bad != want {
			t.Fatalf("display name of %d runes (valid UTF-8 %v): problem reported = %v", utf8.RuneCountInString(displayName), utf8.ValidString(displayName), bad)
		}
		fuzzCheckAddresses(t, ps, "Emails", p.Emails, fuzzEmailAccepted)
		fuzzCheckAddresses(t, ps, "FallbackEmails", p.FallbackEmails, fuzzEmailAccepted)
		fuzzCheckAddresses(t, ps, "HTTPSEndpoints", p.HTTPSEndpoints, fuzzHTTPSAccepted)
		if !slack {
			return
		}
		if _, bad := ps["Slack.WorkspaceID"]; !bad && !fuzzToken(workspaceID) &&
			(workspaceID == "" || strings.ToUpper(workspaceID) != workspaceID || strings.ContainsAny(workspaceID, " \t\n-_")) {
			t.Fatalf("Slack workspace ID %q accepted", workspaceID)
		}
		if _, bad := ps["Slack.ChannelID"]; !bad && !fuzzToken(channelID) && (channelID == "" || strings.ContainsAny(channelID, " \t\n#-_")) {
			t.Fatalf("Slack channel ID %q accepted", channelID)
		}
		if _, bad := ps["Slack.ConfigurationName"]; !bad && len(configurationName) > 128 && !fuzzToken(configurationName) {
			t.Fatalf("configuration name of %d characters accepted", len(configurationName))
		}
	})
}

// fuzzServiceNameOK is ServiceMonitorProps.Name's documented rule: 1 to 64
// letters, digits, - or _.
func fuzzServiceNameOK(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func FuzzServiceMonitorProps(f *testing.F) {
	f.Fuzz(func(t *testing.T, name string, dashboard uint8) {
		p := &monitoring.ServiceMonitorProps{Name: name, NoDashboard: dashboard%2 == 1}
		ps := fuzzProblems(t, p.Validate(), "Name")
		if _, bad := ps["Name"]; bad == fuzzServiceNameOK(name) {
			t.Fatalf("service name %q: problem reported = %v", name, bad)
		}
		if ps := fuzzProblems(t, (*monitoring.ServiceMonitorProps)(nil).Validate(), "Name"); len(ps) != 1 {
			t.Fatalf("nil ServiceMonitorProps: %v, want a Name problem", ps)
		}
	})
}

// The documented ranges of thresholds; 0 (the default) is always valid.
type fuzzRange func(v float64) bool

func fuzzFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

var (
	fuzzAtLeastZero fuzzRange = func(v float64) bool { return fuzzFinite(v) && v >= 0 }
	fuzzPercent     fuzzRange = func(v float64) bool { return fuzzFinite(v) && v >= 0 && v <= 100 }
	fuzzBelowLimit  fuzzRange = func(v float64) bool { return fuzzFinite(v) && v >= 0 && v < 100 }
	fuzzAtLeastOne  fuzzRange = func(v float64) bool { return v == 0 || fuzzFinite(v) && v >= 1 && v == math.Trunc(v) }
)

// fuzzPeriods is a whole number of evaluation periods of period seconds,
// at most one day in all (CloudWatch's limit), or 0.
func fuzzPeriods(period float64) fuzzRange {
	return func(v float64) bool { return fuzzAtLeastOne(v) && v*period <= 86400 }
}

// fuzzThresholds describes each Thresholds type: its props in order, the
// range of each, and how to validate one built from up to six values.
var fuzzThresholds = []struct {
	name     string
	props    []string
	ranges   []fuzzRange
	validate func(v []float64, nilStruct bool) error
}{
	{"ALB",
		[]string{"ELB5XXCount", "Target5XXCount", "TargetResponseTimeP95", "TargetResponseTimeEvaluationPeriods", "UnhealthyHostCount", "RejectedConnectionCount"},
		[]fuzzRange{fuzzAtLeastZero, fuzzAtLeastZero, fuzzAtLeastZero, fuzzPeriods(60), fuzzAtLeastZero, fuzzAtLeastZero},
		func(v []float64, nilStruct bool) error {
			if nilStruct {
				return (*monitoring.ALBThresholds)(nil).Validate()
			}
			return (&monitoring.ALBThresholds{ELB5XXCount: v[0], Target5XXCount: v[1], TargetResponseTimeP95: v[2],
				TargetResponseTimeEvaluationPeriods: v[3], UnhealthyHostCount: v[4], RejectedConnectionCount: v[5]}).Validate()
		}},
	{"APIGateway",
		[]string{"ServerErrors", "ClientErrorRate", "LatencyP99", "LatencyEvaluationPeriods"},
		[]fuzzRange{fuzzAtLeastZero, fuzzBelowLimit, fuzzAtLeastZero, fuzzPeriods(60)},
		func(v []float64, nilStruct bool) error {
			if nilStruct {
				return (*monitoring.APIGatewayThresholds)(nil).Validate()
			}
			return (&monitoring.APIGatewayThresholds{ServerErrors: v[0], ClientErrorRate: v[1], LatencyP99: v[2], LatencyEvaluationPeriods: v[3]}).Validate()
		}},
	{"HTTPAPI",
		[]string{"ServerErrors", "ClientErrorRate", "LatencyP99", "LatencyEvaluationPeriods"},
		[]fuzzRange{fuzzAtLeastZero, fuzzBelowLimit, fuzzAtLeastZero, fuzzPeriods(60)},
		func(v []float64, nilStruct bool) error {
			if nilStruct {
				return (*monitoring.HTTPAPIThresholds)(nil).Validate()
			}
			return (&monitoring.HTTPAPIThresholds{ServerErrors: v[0], ClientErrorRate: v[1], LatencyP99: v[2], LatencyEvaluationPeriods: v[3]}).Validate()
		}},
	{"AutoScaling",
		[]string{"CPUUtilization", "StatusCheckFailed", "CPUCreditBalance"},
		[]fuzzRange{fuzzBelowLimit, fuzzAtLeastZero, fuzzAtLeastZero},
		func(v []float64, nilStruct bool) error {
			if nilStruct {
				return (*monitoring.AutoScalingThresholds)(nil).Validate()
			}
			return (&monitoring.AutoScalingThresholds{CPUUtilization: v[0], StatusCheckFailed: v[1], CPUCreditBalance: v[2]}).Validate()
		}},
	{"Canary",
		[]string{"SuccessPercent", "EvaluationPeriods"},
		[]fuzzRange{fuzzPercent, fuzzPeriods(300)},
		func(v []float64, nilStruct bool) error {
			if nilStruct {
				return (*monitoring.CanaryThresholds)(nil).Validate()
			}
			return (&monitoring.CanaryThresholds{SuccessPercent: v[0], EvaluationPeriods: v[1]}).Validate()
		}},
	{"ECS",
		[]string{"CPUUtilization", "MemoryUtilization"},
		[]fuzzRange{fuzzPercent, fuzzPercent},
		func(v []float64, nilStruct bool) error {
			if nilStruct {
				return (*monitoring.ECSThresholds)(nil).Validate()
			}
			return (&monitoring.ECSThresholds{CPUUtilization: v[0], MemoryUtilization: v[1]}).Validate()
		}},
	{"Lambda",
		[]string{"Errors", "Throttles", "DurationPercentOfTimeout", "DurationEvaluationPeriods", "ConcurrentExecutionsPercent", "AccountConcurrencyLimit"},
		[]fuzzRange{fuzzAtLeastZero, fuzzAtLeastZero, fuzzBelowLimit, fuzzPeriods(60), fuzzBelowLimit, fuzzAtLeastOne},
		func(v []float64, nilStruct bool) error {
			if nilStruct {
				return (*monitoring.LambdaThresholds)(nil).Validate()
			}
			return (&monitoring.LambdaThresholds{Errors: v[0], Throttles: v[1], DurationPercentOfTimeout: v[2],
				DurationEvaluationPeriods: v[3], ConcurrentExecutionsPercent: v[4], AccountConcurrencyLimit: v[5]}).Validate()
		}},
}

// FuzzThresholds validates one Thresholds type (kind) with the values
// whose bit is set in mask (the others 0, the default); mask 0xFF
// validates a nil *Thresholds. Exactly the values outside their
// documented range must be reported.
func FuzzThresholds(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind, mask uint8, a, b, c, d, e, g float64) {
		k := fuzzThresholds[int(kind)%len(fuzzThresholds)]
		nilStruct := mask == 0xFF
		values := []float64{a, b, c, d, e, g}
		set := make([]float64, 6)
		var want []string
		for i := range k.props {
			if nilStruct || mask&(1<<i) == 0 {
				continue
			}
			set[i] = values[i]
			if !k.ranges[i](values[i]) {
				want = append(want, k.props[i])
			}
		}
		ps := fuzzProblems(t, k.validate(set, nilStruct), k.props...)
		var got []string
		for prop, p := range ps {
			got = append(got, prop)
			if p.Value == "" {
				t.Fatalf("%s %s: problem without the value: %v", k.name, prop, p)
			}
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%sThresholds with %v (mask %08b): problems for [%s], want [%s]", k.name, values[:len(k.props)], mask, strings.Join(got, ","), strings.Join(want, ","))
		}
	})
}
