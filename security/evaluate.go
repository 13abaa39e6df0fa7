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

// MaxListed is how many entries of each kind (failing findings, expired
// suppressions, suppressed findings, findings below the threshold, notes)
// the build log and the JUnit report show one by one; the rest are counted
// on one line ("... and 12 more failing findings (112 total)"). Summary
// always counts them all.
const MaxListed = 100

// more is the line that counts the entries of a kind not listed, or "".
func more(total int, what string) string {
	if total <= MaxListed {
		return ""
	}
	return fmt.Sprintf("... and %d more %s (%d total)", total-MaxListed, what, total)
}

// WriteText writes the findings and the verdict for the build log: each
// failing finding, each expired suppression, each suppressed and each
// below-threshold finding, the notes, and Summary last. Each kind lists at
// most MaxListed entries and counts the rest; a line is at most a few
// thousand bytes, whatever the report holds.
func (r Result) WriteText(w io.Writer) error {
	var b strings.Builder
	list := func(prefix string, n int, line func(i int) string, what string) {
		for i := 0; i < n && i < MaxListed; i++ {
			b.WriteString(clip(prefix+line(i), maxText) + "\n")
		}
		if m := more(n, what); m != "" {
			b.WriteString(prefix + m + "\n")
		}
	}
	list("FAIL      ", len(r.Failing), func(i int) string { return r.Failing[i].String() }, "failing findings")
	list("EXPIRED   ", len(r.Expired), func(i int) string {
		s := r.Expired[i]
		return fmt.Sprintf("suppression %s: expired on %s; fix the finding, or renew the suppression with a new date and reason", s, s.Expires)
	}, "expired suppressions")
	list("SUPPRESSED ", len(r.Suppressed), func(i int) string {
		s := r.Suppressed[i]
		return fmt.Sprintf("%s -- %s", s.Finding, s.Suppression.Reason)
	}, "suppressed findings")
	list("below     ", len(r.Below), func(i int) string { return r.Below[i].String() }, "findings below "+string(r.Threshold))
	list("note      ", len(r.Notes), func(i int) string { return r.Notes[i] }, "notes")
	b.WriteString(r.Summary() + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// JUnit renders the result as JUnit XML for a CodeBuild test report: one
// test case per finding at or above the threshold (failed, or skipped with
// the suppression's reason), one failed case per expired suppression, and a
// passing case "scan" when nothing fails. Each kind has at most MaxListed
// cases, then one case (failed, or skipped) that counts the rest, so the
// report stays small whatever the scan found; texts are cut at a few
// thousand bytes.
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
	add := func(c testcase) {
		c.Name = clip(c.Name, maxText)
		if c.Failure != nil {
			c.Failure.Message, c.Failure.Text = clip(c.Failure.Message, maxText), clip(c.Failure.Text, maxText)
			suite.Failures++
		}
		if c.Skipped != nil {
			c.Skipped.Message = clip(c.Skipped.Message, maxText)
			suite.Skipped++
		}
		c.SystemOut = clip(c.SystemOut, maxText)
		suite.Cases = append(suite.Cases, c)
	}
	for i, f := range r.Failing {
		if i == MaxListed {
			m := more(len(r.Failing), "failing findings")
			add(testcase{Name: m, Classname: class, Failure: &failure{Message: m, Type: "MORE", Text: r.Summary()}})
			break
		}
		add(testcase{Name: f.ID + " " + f.Location, Classname: class,
			Failure: &failure{Message: f.Message, Type: string(f.Severity), Text: f.String()}})
	}
	for i, s := range r.Expired {
		if i == MaxListed {
			m := more(len(r.Expired), "expired suppressions")
			add(testcase{Name: m, Classname: class, Failure: &failure{Message: m, Type: "EXPIRED", Text: r.Summary()}})
			break
		}
		add(testcase{Name: "suppression " + s.ID + " expired " + s.Expires, Classname: class,
			Failure: &failure{Message: "suppression expired on " + s.Expires, Type: "EXPIRED", Text: s.String()}})
	}
	for i, s := range r.Suppressed {
		if i == MaxListed {
			m := more(len(r.Suppressed), "suppressed findings")
			add(testcase{Name: m, Classname: class, Skipped: &skipped{Message: m}, SystemOut: r.Summary()})
			break
		}
		add(testcase{Name: s.Finding.ID + " " + s.Finding.Location, Classname: class,
			Skipped: &skipped{Message: "suppressed: " + s.Suppression.Reason}, SystemOut: s.Finding.String()})
	}
	if suite.Failures == 0 {
		add(testcase{Name: "scan", Classname: class, SystemOut: r.Summary()})
	}
	suite.Tests = len(suite.Cases)
	out, err := xml.MarshalIndent(suite, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}
