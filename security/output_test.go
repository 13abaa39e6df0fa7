package security

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A huge report does not make a huge build log or JUnit report: each kind
// lists MaxListed entries, counts the rest, and the summary counts all.
func TestOutputIsBounded(t *testing.T) {
	const n = 2000
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"RuleID":"rule-%d","Description":%q,"StartLine":%d,"File":"f.env","Fingerprint":"f.env:rule-%d:%d"}`, i, strings.Repeat("d", 3000), i, i, i)
	}
	b.WriteString("]")
	scan := mustParse(t, Gitleaks, b.String())
	var sups []Suppression
	for i := 0; i < 300; i++ {
		sups = append(sups, Suppression{ID: fmt.Sprintf("rule-%d", i), Reason: strings.Repeat("r", 10000)})
	}
	for i := 0; i < 150; i++ {
		sups = append(sups, Suppression{ID: fmt.Sprintf("old-%d", i), Reason: "r", Expires: "2020-01-01"})
	}
	scan.Notes = make([]string, 1000)
	for i := range scan.Notes {
		scan.Notes[i] = "a note"
	}
	r := Evaluate(scan, sups, Options{Today: time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)})

	var out strings.Builder
	if err := r.WriteText(&out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"FAIL      ... and 1600 more failing findings (1700 total)\n",
		"EXPIRED   ... and 50 more expired suppressions (150 total)\n",
		"SUPPRESSED ... and 200 more suppressed findings (300 total)\n",
		"note      ... and 900 more notes (1000 total)\n",
		"velocity security: gitleaks 1700 findings >= HIGH (300 suppressed, 150 expired suppressions) FAIL\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the log lacks %q", want)
		}
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 4*(MaxListed+1)+1 {
		t.Errorf("the log has %d lines", len(lines))
	}
	for _, l := range lines {
		if len(l) > maxText+40 {
			t.Fatalf("a line of %d bytes: %.100s…", len(l), l)
		}
	}
	if len(text) > 1<<20 {
		t.Errorf("the log is %d bytes", len(text))
	}

	raw, err := r.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 2<<20 {
		t.Errorf("the JUnit report is %d bytes", len(raw))
	}
	var suite struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Cases    []struct {
			Name string `xml:"name,attr"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal(raw, &suite); err != nil {
		t.Fatal(err)
	}
	if suite.Tests != 3*(MaxListed+1) || suite.Failures != 2*(MaxListed+1) || suite.Skipped != MaxListed+1 || len(suite.Cases) != suite.Tests {
		t.Errorf("suite: %d tests, %d failures, %d skipped, %d cases", suite.Tests, suite.Failures, suite.Skipped, len(suite.Cases))
	}
	for _, want := range []string{"... and 1600 more failing findings (1700 total)", "... and 50 more expired suppressions (150 total)", "... and 200 more suppressed findings (300 total)"} {
		if !strings.Contains(string(raw), `name="`+want+`"`) {
			t.Errorf("the JUnit report lacks a case %q", want)
		}
	}
}

// Up to MaxListed, everything is listed and nothing is counted apart.
func TestOutputUnderTheBound(t *testing.T) {
	r := Result{Tool: "gosec", Threshold: High, Failing: make([]Finding, MaxListed)}
	var out strings.Builder
	_ = r.WriteText(&out)
	if strings.Contains(out.String(), "more") || strings.Count(out.String(), "FAIL      ") != MaxListed {
		t.Errorf("log:\n%s", out.String())
	}
}
