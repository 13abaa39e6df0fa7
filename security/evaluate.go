package security

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// Options say how to judge a scan.
type Options struct {
	// Threshold is the lowest severity that fails the check. Default:
	// DefaultThreshold (HIGH).
	Threshold Severity
	// Today is the day expiry dates are compared with. Default: now.
	Today time.Time
}

// Suppressed is a finding a suppression accepted.
type Suppressed struct {
	Finding     Finding
	Suppression Suppression
}

// Result is the verdict on one scan.
type Result struct {
	// Tool is the scanner.
	Tool string
	// Threshold is the severity the findings were judged against.
	Threshold Severity
	// Failing are the findings at or above the threshold that no
	// suppression in force accepts. Any of them fails the check.
	Failing []Finding
	// Suppressed are the findings at or above the threshold that a
	// suppression in force accepts.
	Suppressed []Suppressed
	// Below are the findings under the threshold; they are shown, and do
	// not fail the check.
	Below []Finding
	// Expired are the suppressions of this tool whose expiry date has
	// passed. Each fails the check.
	Expired []Suppression
	// Notes are the scan's notes.
	Notes []string
}

// Evaluate judges the scan's findings against the threshold, with the
// suppressions in force on opts.Today.
func Evaluate(scan Scan, sups []Suppression, opts Options) Result {
	threshold := opts.Threshold
	if !threshold.Valid() {
		threshold = DefaultThreshold
	}
	today := opts.Today
	if today.IsZero() {
		today = time.Now()
	}
	r := Result{Tool: scan.Tool, Threshold: threshold, Notes: scan.Notes}
	var active []Suppression
	for _, s := range sups {
		if !s.AppliesTo(scan.Tool) {
			continue
		}
		if s.ExpiredOn(today) {
			r.Expired = append(r.Expired, s)
		} else {
			active = append(active, s)
		}
	}
findings:
	for _, f := range scan.Findings {
		if !f.Severity.AtLeast(threshold) {
			r.Below = append(r.Below, f)
			continue
		}
		for _, s := range active {
			if s.Matches(f) {
				r.Suppressed = append(r.Suppressed, Suppressed{f, s})
				continue findings
			}
		}
		r.Failing = append(r.Failing, f)
	}
	return r
}

// Passed reports whether the check passes: no failing finding and no
// expired suppression.
func (r Result) Passed() bool { return len(r.Failing) == 0 && len(r.Expired) == 0 }

// Summary is the one line the build log shows, for example
// "velocity security: gosec 0 findings >= HIGH (1 suppressed, 3 below HIGH) PASS".
func (r Result) Summary() string {
	var extra []string
	if n := len(r.Suppressed); n > 0 {
		extra = append(extra, fmt.Sprintf("%d suppressed", n))
	}
	if n := len(r.Below); n > 0 {
		extra = append(extra, fmt.Sprintf("%d below %s", n, r.Threshold))
	}
	if n := len(r.Expired); n > 0 {
		extra = append(extra, fmt.Sprintf("%d expired %s", n, plural(n, "suppression", "suppressions")))
	}
	s := fmt.Sprintf("velocity security: %s %d %s >= %s", r.Tool, len(r.Failing), plural(len(r.Failing), "finding", "findings"), r.Threshold)
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	if r.Passed() {
		return s + " PASS"
	}
	return s + " FAIL"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// WriteText writes the findings and the verdict for the build log: each
// failing finding, each expired suppression, each suppressed and each
// below-threshold finding, the notes, and Summary last.
func (r Result) WriteText(w io.Writer) error {
	var b strings.Builder
	for _, f := range r.Failing {
		fmt.Fprintf(&b, "FAIL      %s\n", f)
	}
	for _, s := range r.Expired {
		fmt.Fprintf(&b, "EXPIRED   suppression %s: expired on %s; fix the finding, or renew the suppression with a new date and reason\n", s, s.Expires)
	}
	for _, s := range r.Suppressed {
		fmt.Fprintf(&b, "SUPPRESSED %s -- %s\n", s.Finding, s.Suppression.Reason)
	}
	for _, f := range r.Below {
		fmt.Fprintf(&b, "below     %s\n", f)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "note      %s\n", n)
	}
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// JUnit renders the result as JUnit XML for a CodeBuild test report: one
// test case per finding at or above the threshold (failed, or skipped with
// the suppression's reason), one failed case per expired suppression, and a
// passing case "scan" when nothing fails.
func (r Result) JUnit() ([]byte, error) {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
		SystemOut string   `xml:"system-out,omitempty"`
	}
	type testsuite struct {
		XMLName  xml.Name   `xml:"testsuite"`
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	class := "velocity.security." + r.Tool
	suite := testsuite{Name: "velocity security " + r.Tool}
	for _, f := range r.Failing {
		suite.Cases = append(suite.Cases, testcase{Name: f.ID + " " + f.Location, Classname: class,
			Failure: &failure{Message: f.Message, Type: string(f.Severity), Text: f.String()}})
		suite.Failures++
	}
	for _, s := range r.Expired {
		suite.Cases = append(suite.Cases, testcase{Name: "suppression " + s.ID + " expired " + s.Expires, Classname: class,
			Failure: &failure{Message: "suppression expired on " + s.Expires, Type: "EXPIRED", Text: s.String()}})
		suite.Failures++
	}
	for _, s := range r.Suppressed {
		suite.Cases = append(suite.Cases, testcase{Name: s.Finding.ID + " " + s.Finding.Location, Classname: class,
			Skipped: &skipped{Message: "suppressed: " + s.Suppression.Reason}, SystemOut: s.Finding.String()})
		suite.Skipped++
	}
	if suite.Failures == 0 {
		suite.Cases = append(suite.Cases, testcase{Name: "scan", Classname: class, SystemOut: r.Summary()})
	}
	suite.Tests = len(suite.Cases)
	out, err := xml.MarshalIndent(suite, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
