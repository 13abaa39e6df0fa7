package security

import (
	"encoding/xml"
	"strings"
	"testing"
	"time"
)

// day is the "today" of these tests.
var day = time.Date(2026, 6, 15, 13, 30, 0, 0, time.UTC)

func TestSeverity(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Severity
		ok   bool
	}{
		{"LOW", Low, true}, {"medium", Medium, true}, {" High ", High, true}, {"Critical", Critical, true},
		{"", "", false}, {"INFO", "", false}, {"SEVERE", "", false},
	} {
		got, err := ParseSeverity(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseSeverity(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
	for _, tt := range []struct {
		sev, threshold Severity
		want           bool
	}{
		{Low, Low, true}, {Low, Medium, false}, {Medium, High, false}, {High, High, true},
		{Critical, High, true}, {High, Critical, false}, {Critical, Critical, true},
		{"", High, true}, {"", Critical, false}, // unrated counts as HIGH
	} {
		if got := tt.sev.AtLeast(tt.threshold); got != tt.want {
			t.Errorf("%q.AtLeast(%q) = %v, want %v", tt.sev, tt.threshold, got, tt.want)
		}
	}
}

func TestParseSuppressions(t *testing.T) {
	file := `{
	  "suppressions": [
	    {"id": "G402", "tool": "gosec", "path": "cmd/probe/main.go", "reason": "talks only to the local test server", "expires": "2026-12-31"},
	    {"id": "CVE-2021-38561", "reason": "input is a constant"},
	    {"id": "config/test.env:generic-api-key:3", "tool": "gitleaks", "reason": "a dummy key of the tests"}
	  ]
	}`
	sups, err := ParseSuppressions([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	if len(sups) != 3 || sups[0].Expires != "2026-12-31" || sups[1].Tool != "" || sups[2].ID != "config/test.env:generic-api-key:3" {
		t.Errorf("suppressions = %+v", sups)
	}
	if sups, err := ParseSuppressions([]byte("  \n")); err != nil || sups != nil {
		t.Errorf("empty file: %v, %v; want no suppressions", sups, err)
	}
	if sups, err := ParseSuppressions([]byte(`{"suppressions": []}`)); err != nil || len(sups) != 0 {
		t.Errorf("empty list: %v, %v", sups, err)
	}
}

func TestMalformedSuppressions(t *testing.T) {
	tests := []struct {
		name, file string
		want       []string
	}{
		{"not JSON", `suppressions: []`, []string{"invalid character"}},
		{"a list, not an object", `[{"id":"G402","reason":"r"}]`, []string{"cannot unmarshal a JSON array; want an object"}},
		{"misspelt field", `{"suppressions":[{"id":"G402","reason":"r","expiry":"2026-01-01"}]}`, []string{`unknown field "expiry"`}},
		{"trailing data", `{"suppressions":[]} {}`, []string{"unexpected data"}},
		{"no id", `{"suppressions":[{"reason":"r"}]}`, []string{`suppressions[0]: id ""`}},
		{"id with spaces", `{"suppressions":[{"id":"G 402","reason":"r"}]}`, []string{`id "G 402" is invalid`}},
		{"no reason", `{"suppressions":[{"id":"G402"}]}`, []string{"suppressions[0]: reason is empty"}},
		{"blank reason", `{"suppressions":[{"id":"G402","reason":"  "}]}`, []string{"reason is empty"}},
		{"day-first date", `{"suppressions":[{"id":"G402","reason":"r","expires":"31/12/2026"}]}`, []string{`expires "31/12/2026" is invalid; want a date YYYY-MM-DD`}},
		{"month 13", `{"suppressions":[{"id":"G402","reason":"r","expires":"2026-13-01"}]}`, []string{`expires "2026-13-01"`}},
		{"a time, not a date", `{"suppressions":[{"id":"G402","reason":"r","expires":"2026-12-31T00:00:00Z"}]}`, []string{"expires"}},
		{"short date", `{"suppressions":[{"id":"G402","reason":"r","expires":"2026-1-5"}]}`, []string{"expires"}},
		{"bad tool", `{"suppressions":[{"id":"G402","reason":"r","tool":"Go Sec"}]}`, []string{`tool "Go Sec"`}},
		{"absolute path", `{"suppressions":[{"id":"G402","reason":"r","path":"/src/a.go"}]}`, []string{`path "/src/a.go"`}},
		{"path outside", `{"suppressions":[{"id":"G402","reason":"r","path":"../a.go"}]}`, []string{`path "../a.go"`}},
		{"bad pattern", `{"suppressions":[{"id":"G402","reason":"r","path":"a/[b"}]}`, []string{`path "a/[b" is invalid`}},
		{"every problem of every entry", `{"suppressions":[{"id":"ok","reason":"fine"},{"expires":"tomorrow"}]}`,
			[]string{`suppressions[1]: id ""`, "suppressions[1]: reason is empty", `suppressions[1]: expires "tomorrow"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSuppressions([]byte(tt.file))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	tests := []struct {
		expires string
		expired bool
	}{
		{"2026-06-14", true},  // yesterday: expired
		{"2025-01-01", true},  // long ago
		{"2026-06-15", false}, // today: still holds
		{"2026-06-16", false}, // tomorrow
		{"", false},           // never expires
	}
	for _, tt := range tests {
		s := Suppression{ID: "G402", Reason: "r", Expires: tt.expires}
		if got := s.ExpiredOn(day); got != tt.expired {
			t.Errorf("expires %q: ExpiredOn(%s) = %v, want %v", tt.expires, day.Format(DateLayout), got, tt.expired)
		}
	}
	// Late in the evening west of UTC, it is already tomorrow in UTC.
	evening := time.Date(2026, 6, 14, 22, 0, 0, 0, time.FixedZone("PDT", -7*3600))
	if !(Suppression{ID: "x", Reason: "r", Expires: "2026-06-14"}).ExpiredOn(evening) {
		t.Error("expiry is not judged in UTC")
	}
}

func TestMatches(t *testing.T) {
	gosec := Finding{Tool: "gosec", ID: "G402", Severity: High, File: "cmd/probe/main.go", Location: "cmd/probe/main.go:18"}
	vuln := Finding{Tool: "govulncheck", ID: "GO-2021-0113", Aliases: []string{"CVE-2021-38561", "GHSA-ppp9-7jff-5vj2"}, Severity: High}
	leak := Finding{Tool: "gitleaks", ID: "generic-api-key", Fingerprint: "testdata/fake.env:generic-api-key:2", File: "testdata/fake.env", Severity: Critical}
	tests := []struct {
		name string
		s    Suppression
		f    Finding
		want bool
	}{
		{"rule id", Suppression{ID: "G402"}, gosec, true},
		{"id case-insensitively", Suppression{ID: "g402"}, gosec, true},
		{"another rule", Suppression{ID: "G401"}, gosec, false},
		{"same tool", Suppression{ID: "G402", Tool: "gosec"}, gosec, true},
		{"another tool", Suppression{ID: "G402", Tool: "semgrep"}, gosec, false},
		{"exact path", Suppression{ID: "G402", Path: "cmd/probe/main.go"}, gosec, true},
		{"glob", Suppression{ID: "G402", Path: "cmd/*/main.go"}, gosec, true},
		{"directory", Suppression{ID: "G402", Path: "cmd/"}, gosec, true},
		{"other directory", Suppression{ID: "G402", Path: "internal/"}, gosec, false},
		{"glob does not cross directories", Suppression{ID: "G402", Path: "cmd/*.go"}, gosec, false},
		{"path on a finding without a file", Suppression{ID: "GO-2021-0113", Path: "go.mod"}, vuln, false},
		{"vulnerability id", Suppression{ID: "GO-2021-0113"}, vuln, true},
		{"CVE alias", Suppression{ID: "CVE-2021-38561"}, vuln, true},
		{"GHSA alias", Suppression{ID: "GHSA-ppp9-7jff-5vj2", Tool: "govulncheck"}, vuln, true},
		{"gitleaks fingerprint", Suppression{ID: "testdata/fake.env:generic-api-key:2"}, leak, true},
		{"gitleaks fingerprint of another line", Suppression{ID: "testdata/fake.env:generic-api-key:3"}, leak, false},
		{"gitleaks rule in a directory", Suppression{ID: "generic-api-key", Path: "testdata/"}, leak, true},
	}
	for _, tt := range tests {
		tt.s.Reason = "r"
		if got := tt.s.Matches(tt.f); got != tt.want {
			t.Errorf("%s: %v.Matches(%v) = %v, want %v", tt.name, tt.s, tt.f, got, tt.want)
		}
	}
}

func gosecScan(t *testing.T) Scan {
	t.Helper()
	scan, err := ParseGosec(fixture(t, "gosec.json"))
	if err != nil {
		t.Fatal(err)
	}
	scan.Relativize(codeBuildRoot, "")
	return scan
}

func TestEvaluateThresholds(t *testing.T) {
	scan := gosecScan(t) // 3 HIGH, 3 MEDIUM, 2 LOW
	tests := []struct {
		threshold      Severity
		failing, below int
	}{
		{Low, 8, 0}, {Medium, 6, 2}, {High, 3, 5}, {Critical, 0, 8}, {"", 3, 5},
	}
	for _, tt := range tests {
		r := Evaluate(scan, nil, Options{Threshold: tt.threshold, Today: day})
		if len(r.Failing) != tt.failing || len(r.Below) != tt.below || r.Passed() != (tt.failing == 0) {
			t.Errorf("threshold %q: %d failing, %d below, passed %v; want %d, %d", tt.threshold, len(r.Failing), len(r.Below), r.Passed(), tt.failing, tt.below)
		}
	}
}

func TestEvaluateSuppressions(t *testing.T) {
	scan := gosecScan(t)
	tests := []struct {
		name       string
		sups       []Suppression
		failing    []string
		suppressed int
		expired    int
		passed     bool
		summary    string
	}{
		{name: "none", failing: []string{"G402", "G703", "G702"},
			summary: "velocity security: gosec 3 findings >= HIGH (5 below HIGH) FAIL"},
		{name: "all three, one until tomorrow, one without expiry, one until today", sups: []Suppression{
			{ID: "G402", Reason: "local test server only", Expires: "2026-06-16"},
			{ID: "G703", Tool: "gosec", Path: "cmd/app/main.go", Reason: "operator-supplied path"},
			{ID: "G702", Reason: "operator-supplied command", Expires: "2026-06-15"},
		}, suppressed: 3, passed: true,
			summary: "velocity security: gosec 0 findings >= HIGH (3 suppressed, 5 below HIGH) PASS"},
		{name: "expired yesterday: the finding counts and the suppression fails", sups: []Suppression{
			{ID: "G402", Reason: "local test server only", Expires: "2026-06-14"},
			{ID: "G703", Reason: "r"}, {ID: "G702", Reason: "r"},
		}, failing: []string{"G402"}, suppressed: 2, expired: 1,
			summary: "velocity security: gosec 1 finding >= HIGH (2 suppressed, 5 below HIGH, 1 expired suppression) FAIL"},
		{name: "expired suppression of a finding that is gone still fails", sups: []Suppression{
			{ID: "G999", Reason: "r", Expires: "2026-01-01"},
			{ID: "G402", Reason: "r"}, {ID: "G703", Reason: "r"}, {ID: "G702", Reason: "r"},
		}, suppressed: 3, expired: 1},
		{name: "expired suppression of another tool does not fail this one", sups: []Suppression{
			{ID: "generic-api-key", Tool: "gitleaks", Reason: "r", Expires: "2026-01-01"},
			{ID: "G402", Reason: "r"}, {ID: "G703", Reason: "r"}, {ID: "G702", Reason: "r"},
		}, suppressed: 3, passed: true},
		{name: "suppression of another path does not apply", sups: []Suppression{
			{ID: "G402", Path: "internal/", Reason: "r"},
		}, failing: []string{"G402", "G703", "G702"}},
		{name: "suppressing a finding below the threshold changes nothing", sups: []Suppression{
			{ID: "G104", Reason: "r"},
		}, failing: []string{"G402", "G703", "G702"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Evaluate(scan, tt.sups, Options{Threshold: High, Today: day})
			var ids []string
			for _, f := range r.Failing {
				ids = append(ids, f.ID)
			}
			if strings.Join(ids, ",") != strings.Join(tt.failing, ",") || len(r.Suppressed) != tt.suppressed || len(r.Expired) != tt.expired || r.Passed() != tt.passed {
				t.Errorf("failing %v, %d suppressed, %d expired, passed %v; want %v, %d, %d, %v",
					ids, len(r.Suppressed), len(r.Expired), r.Passed(), tt.failing, tt.suppressed, tt.expired, tt.passed)
			}
			if tt.summary != "" && r.Summary() != tt.summary {
				t.Errorf("summary = %q, want %q", r.Summary(), tt.summary)
			}
		})
	}
}

func TestEvaluateSecretsFailEveryThreshold(t *testing.T) {
	scan, _ := ParseGitleaks(fixture(t, "gitleaks.json"))
	for _, th := range Severities {
		if r := Evaluate(scan, nil, Options{Threshold: th, Today: day}); len(r.Failing) != 2 {
			t.Errorf("threshold %s: %d failing, want both secrets", th, len(r.Failing))
		}
	}
	empty, _ := ParseGitleaks(fixture(t, "gitleaks-empty.json"))
	if r := Evaluate(empty, nil, Options{Today: day}); !r.Passed() || r.Summary() != "velocity security: gitleaks 0 findings >= HIGH PASS" {
		t.Errorf("empty scan: %s", r.Summary())
	}
}

func TestReports(t *testing.T) {
	scan := gosecScan(t)
	r := Evaluate(scan, []Suppression{
		{ID: "G402", Reason: "local test server only"},
		{ID: "G000", Tool: "gosec", Reason: "old", Expires: "2026-06-01"},
	}, Options{Threshold: High, Today: day})
	var text strings.Builder
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"FAIL      gosec G703 [HIGH] cmd/app/main.go:22: Path traversal",
		"EXPIRED   suppression gosec G000 until 2026-06-01 (old): expired on 2026-06-01",
		"SUPPRESSED gosec G402 [HIGH] cmd/app/main.go:18: TLS InsecureSkipVerify set to true. (CWE-295) confidence HIGH -- local test server only",
		"below     gosec G104 [LOW]",
		"velocity security: gosec 2 findings >= HIGH (1 suppressed, 5 below HIGH, 1 expired suppression) FAIL\n",
	} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text report lacks %q:\n%s", want, text.String())
		}
	}
	if !strings.HasSuffix(text.String(), r.Summary()+"\n") {
		t.Error("the summary is not the last line")
	}

	raw, err := r.JUnit()
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Type string `xml:"type,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	}
	if err := xml.Unmarshal(raw, &suite); err != nil {
		t.Fatalf("%v\n%s", err, raw)
	}
	if suite.Tests != 4 || suite.Failures != 3 || suite.Skipped != 1 || len(suite.Cases) != 4 {
		t.Errorf("suite = %+v, want 4 tests: 2 failing findings, 1 expired suppression, 1 skipped", suite)
	}
	if c := suite.Cases[3]; c.Skipped == nil || c.Skipped.Message != "suppressed: local test server only" {
		t.Errorf("skipped case = %+v", c)
	}
	if c := suite.Cases[2]; c.Failure == nil || c.Failure.Type != "EXPIRED" {
		t.Errorf("expired case = %+v", c)
	}

	pass := Evaluate(Scan{Tool: "gitleaks"}, nil, Options{Today: day})
	raw, _ = pass.JUnit()
	if !strings.Contains(string(raw), `<testcase name="scan" classname="velocity.security.gitleaks">`) {
		t.Errorf("passing report lacks the scan case:\n%s", raw)
	}
}
