package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var today = time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)

const root = "/codebuild/output/src1234567890/src"

func fixture(name string) string { return filepath.Join("..", "..", "testdata", name) }

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRun(t *testing.T) {
	sups := write(t, "suppressions.json", `{"suppressions":[
	  {"id":"G402","tool":"gosec","reason":"local test server only","expires":"2026-06-16"},
	  {"id":"G703","path":"cmd/app/","reason":"operator-supplied path"},
	  {"id":"aws-access-token","tool":"gitleaks","reason":"rotated long ago","expires":"2026-06-14"}]}`)
	expiredOther := write(t, "expired.json", `{"suppressions":[{"id":"x","tool":"gitleaks","reason":"r","expires":"2020-01-01"}]}`)
	bad := write(t, "bad.json", `{"suppressions":[{"id":"G402","expiry":"2026-01-01"}]}`)
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"gosec fails at HIGH", []string{"-tool", "gosec", "-input", fixture("gosec.json"), "-root", root}, 1,
			[]string{"FAIL      gosec G402 [HIGH] cmd/app/main.go:18", "velocity security: gosec 3 findings >= HIGH (5 below HIGH) FAIL"}, ""},
		{"gosec passes at CRITICAL", []string{"-tool", "gosec", "-input", fixture("gosec.json"), "-threshold", "critical", "-root", root}, 0,
			[]string{"velocity security: gosec 0 findings >= CRITICAL (8 below CRITICAL) PASS"}, ""},
		{"suppressions from the file and from props", []string{"-tool", "gosec", "-input", fixture("gosec.json"), "-root", root,
			"-suppressions", sups, "-suppressions-json", `{"suppressions":[{"id":"G702","reason":"operator-supplied command"}]}`}, 0,
			[]string{"SUPPRESSED gosec G402", "SUPPRESSED gosec G702", "SUPPRESSED gosec G703", "velocity security: gosec 0 findings >= HIGH (3 suppressed, 5 below HIGH) PASS"}, ""},
		{"an expired suppression fails its tool", []string{"-tool", "gitleaks", "-input", fixture("gitleaks.json"), "-suppressions", sups}, 1,
			[]string{"EXPIRED   suppression gitleaks aws-access-token", "velocity security: gitleaks 2 findings >= HIGH (1 expired suppression) FAIL"}, ""},
		{"not another tool", []string{"-tool", "gitleaks", "-input", fixture("gitleaks-empty.json"), "-suppressions", sups, "-today", "2026-06-14"}, 0,
			[]string{"velocity security: gitleaks 0 findings >= HIGH PASS"}, ""},
		{"expired, whatever the findings", []string{"-tool", "gitleaks", "-input", fixture("gitleaks-empty.json"), "-suppressions", expiredOther}, 1,
			[]string{"velocity security: gitleaks 0 findings >= HIGH (1 expired suppression) FAIL"}, ""},
		{"a missing suppressions file is none", []string{"-tool", "govulncheck", "-input", fixture("govulncheck.json"), "-suppressions", "/nonexistent/suppressions.json", "-base", root, "-root", root}, 1,
			[]string{"FAIL      govulncheck GO-2021-0113 [HIGH] cmd/app/main.go:16 calls golang.org/x/text@v0.3.2", "note      2 vulnerabilities", "velocity security: govulncheck 1 finding >= HIGH FAIL"}, ""},
		{"osv-scanner", []string{"-tool", "osv-scanner", "-input", fixture("osv-scanner.json"), "-root", root, "-suppressions-json", `{"suppressions":[{"id":"CVE-2021-23337","reason":"no templates"}]}`}, 1,
			[]string{"SUPPRESSED osv-scanner GHSA-35jh-r3h4-6jhm [HIGH] web/package-lock.json: npm lodash@4.17.20", "velocity security: osv-scanner 2 findings >= HIGH (1 suppressed) FAIL"}, ""},
		{"sarif", []string{"-tool", "sarif", "-input", fixture("gosec.sarif"), "-threshold", "MEDIUM"}, 1,
			[]string{"velocity security: gosec 6 findings >= MEDIUM (2 below MEDIUM) FAIL"}, ""},
		{"sbom", []string{"-tool", "cyclonedx", "-input", fixture("sbom.cdx.json")}, 0,
			[]string{"velocity security: sbom CycloneDX 1.6 SBOM of example.com/shop: 1 components"}, ""},
		{"sbom that is not one", []string{"-tool", "cyclonedx", "-input", fixture("gosec.json")}, 2, nil, `bomFormat is not "CycloneDX"`},
		{"malformed suppressions", []string{"-tool", "gosec", "-input", fixture("gosec.json"), "-suppressions", bad}, 2, nil, `unknown field "expiry"`},
		{"malformed props suppressions", []string{"-tool", "gosec", "-input", fixture("gosec.json"), "-suppressions-json", `{"suppressions":[{"id":"G402"}]}`}, 2, nil, "reason is empty"},
		{"validate", []string{"-validate", sups}, 0, []string{"has 3 valid suppressions"}, ""},
		{"validate a bad file", []string{"-validate", bad}, 2, nil, `unknown field "expiry"`},
		{"validate a missing file", []string{"-validate", "/nonexistent.json"}, 2, nil, "no such file"},
		{"bad threshold", []string{"-tool", "gosec", "-input", fixture("gosec.json"), "-threshold", "SEVERE"}, 2, nil, `severity "SEVERE" is invalid`},
		{"bad today", []string{"-tool", "gosec", "-input", fixture("gosec.json"), "-today", "15.06.2026"}, 2, nil, "want YYYY-MM-DD"},
		{"wrong report", []string{"-tool", "govulncheck", "-input", fixture("gosec.json")}, 2, nil, "no config message"},
		{"unknown tool", []string{"-tool", "trivy", "-input", fixture("gosec.json")}, 2, nil, `tool "trivy" is unknown`},
		{"missing input", []string{"-tool", "gosec", "-input", "/nonexistent.json"}, 2, nil, "no such file"},
		{"no tool", []string{"-input", fixture("gosec.json")}, 2, nil, "-tool and -input are required"},
		{"stray argument", []string{"-tool", "gosec", "-input", fixture("gosec.json"), "extra"}, 2, nil, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr strings.Builder
			code := run(tt.args, &stdout, &stderr, today)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout.String(), stderr.String())
			}
			for _, w := range tt.stdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr.String())
			}
		})
	}
}

func TestRunWritesJUnit(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports", "gosec.xml")
	var stdout, stderr strings.Builder
	if code := run([]string{"-tool", "gosec", "-input", fixture("gosec.json"), "-root", root, "-junit", out}, &stdout, &stderr, today); code != 1 {
		t.Fatalf("exit %d, want 1; %s", code, stderr.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `<testsuite name="velocity security gosec" tests="3" failures="3" skipped="0">`) {
		t.Errorf("JUnit report:\n%s", raw)
	}
}

// A report velocity-check cannot trust exits 2, apart from failing
// findings (1), and says why; so does an ambiguous suppression.
func TestRunRefusesUntrustedReports(t *testing.T) {
	expiresTwice := `{"suppressions":[{"id":"aws-access-token","tool":"gitleaks","reason":"r","expires":"2020-01-01","Expires":""}]}`
	tests := []struct {
		name, tool, report string
		extra              []string
		stderr             string
	}{
		{"gitleaks null", "gitleaks", `null`, nil, "gitleaks report: null, not a JSON array"},
		{"trailing ]", "gitleaks", `[]]`, nil, "unexpected data after the JSON value"},
		{"SARIF without runs", "sarif", `{"runs":[]}`, nil, "SARIF log: runs is empty"},
		{"gosec that type-checked nothing", "gosec", `{"Golang errors":{"/src/a.go":[{"line":1,"column":1,"error":"undefined: x"}]},"Issues":[],"Stats":{"files":0,"lines":0,"nosec":0,"found":0}}`, nil, "could not type-check the code"},
		{"gosec empty Stats", "gosec", `{"Stats":{}}`, nil, "Stats lacks"},
		{"duplicate keys", "gosec", `{"Issues":[{"severity":"HIGH","rule_id":"G402"}],"Issues":[],"Stats":{"files":1,"lines":1,"nosec":0,"found":0}}`, nil, `duplicate key "Issues"`},
		{"govulncheck config only", "govulncheck", `{"config":{"protocol_version":"v1.0.0"}}`, nil, "only a config message"},
		{"Expires next to expires in the file", "gitleaks", `[]`, []string{"-suppressions", write(t, "s.json", expiresTwice)}, `key "Expires" differs from "expires" only in case`},
		{"Expires next to expires in the props", "gitleaks", `[]`, []string{"-suppressions-json", expiresTwice}, `-suppressions-json: suppressions: at suppressions[0]: key "Expires"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			junit := filepath.Join(t.TempDir(), "report.xml")
			args := append([]string{"-tool", tt.tool, "-input", write(t, "report.json", tt.report), "-junit", junit}, tt.extra...)
			var stdout, stderr strings.Builder
			if code := run(args, &stdout, &stderr, today); code != 2 {
				t.Errorf("exit %d, want 2\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, stderr.String())
			}
			if strings.Contains(stdout.String(), "PASS") {
				t.Errorf("stdout says PASS:\n%s", stdout.String())
			}
		})
	}
}

// A large report: the log and the JUnit report list a bounded number of
// findings and count the rest; the summary counts every one.
func TestRunBoundsItsOutput(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i < 3000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"RuleID":"generic-api-key","Description":"%s","StartLine":%d,"File":"k.env","Fingerprint":"k.env:generic-api-key:%d"}`, strings.Repeat("x", 5000), i, i)
	}
	b.WriteString("]")
	junit := filepath.Join(t.TempDir(), "gitleaks.xml")
	var stdout, stderr strings.Builder
	code := run([]string{"-tool", "gitleaks", "-input", write(t, "gitleaks.json", b.String()), "-junit", junit}, &stdout, &stderr, today)
	if code != 1 {
		t.Fatalf("exit %d, want 1; %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "FAIL      ... and 2900 more failing findings (3000 total)") ||
		!strings.HasSuffix(stdout.String(), "velocity security: gitleaks 3000 findings >= HIGH FAIL\n") {
		t.Errorf("stdout:\n%.3000s", stdout.String())
	}
	if n := stdout.Len(); n > 300<<10 {
		t.Errorf("the log is %d bytes for a %d-byte report", n, b.Len())
	}
	raw, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) > 600<<10 || !strings.Contains(string(raw), `name="... and 2900 more failing findings (3000 total)"`) {
		t.Errorf("JUnit report of %d bytes: %.2000s", len(raw), raw)
	}
}
