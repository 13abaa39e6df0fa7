package security

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// codeBuildRoot is where the fixtures' absolute paths point: CodeBuild's
// source directory.
const codeBuildRoot = "/codebuild/output/src1234567890/src"

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// brief renders findings as "ID SEVERITY file" lines for comparison.
func brief(fs []Finding) string {
	var lines []string
	for _, f := range fs {
		lines = append(lines, f.ID+" "+string(f.Severity)+" "+f.File)
	}
	return strings.Join(lines, "\n")
}

func TestParseFixtures(t *testing.T) {
	tests := []struct {
		tool, file string
		base       string
		wantTool   string
		want       []string // ID SEVERITY file, in report order
		wantNotes  []string // substrings, one per note
	}{
		{tool: Gitleaks, file: "gitleaks.json", base: codeBuildRoot, wantTool: "gitleaks", want: []string{
			"aws-access-token CRITICAL config/deploy.env",
			"generic-api-key CRITICAL config/deploy.env",
		}},
		{tool: Gitleaks, file: "gitleaks-empty.json", wantTool: "gitleaks"},
		{tool: Gosec, file: "gosec.json", wantTool: "gosec", want: []string{
			"G402 HIGH cmd/app/main.go",
			"G703 HIGH cmd/app/main.go",
			"G702 HIGH cmd/app/main.go",
			"G401 MEDIUM cmd/app/main.go",
			"G204 MEDIUM cmd/app/main.go",
			"G501 MEDIUM cmd/app/main.go",
			"G104 LOW cmd/app/main.go",
			"G104 LOW cmd/app/main.go",
		}},
		{tool: SARIF, file: "gosec.sarif", base: codeBuildRoot, wantTool: "gosec", want: []string{
			"G402 HIGH cmd/app/main.go",
			"G703 HIGH cmd/app/main.go",
			"G702 HIGH cmd/app/main.go",
			"G401 MEDIUM cmd/app/main.go",
			"G204 MEDIUM cmd/app/main.go",
			"G501 MEDIUM cmd/app/main.go",
			"G104 LOW cmd/app/main.go",
			"G104 LOW cmd/app/main.go",
		}},
		// Only GO-2021-0113 is reachable: main calls language.Parse.
		{tool: Govulncheck, file: "govulncheck.json", base: codeBuildRoot, wantTool: "govulncheck", want: []string{
			"GO-2021-0113 HIGH cmd/app/main.go",
		}, wantNotes: []string{"2 vulnerabilities in required modules or imported packages are not reachable from the code and do not count: GO-2020-0015, GO-2022-1059"}},
		// Reports without findings: gosec (without -quiet, which writes no
		// report then), govulncheck and osv-scanner.
		{tool: Gosec, file: "gosec-empty.json", wantTool: "gosec"},
		{tool: Govulncheck, file: "govulncheck-empty.json", wantTool: "govulncheck"},
		{tool: OSVScanner, file: "osv-scanner-empty.json", wantTool: "osv-scanner"},
		{tool: OSVScanner, file: "osv-scanner.json", wantTool: "osv-scanner", want: []string{
			"GO-2021-0113 HIGH go.mod", // no CVSS score: rated HIGH
			"GO-2022-1059 HIGH go.mod", // 7.5
			"GHSA-35jh-r3h4-6jhm HIGH web/package-lock.json",
		}},
		// ECR's image scans, basic and enhanced: INFORMATIONAL counts as
		// LOW, an unrated finding as HIGH; Inspector's suppressed findings
		// are notes.
		{tool: ECR, file: "ecr-basic.json", wantTool: "ecr", want: []string{
			"CVE-2024-45337 CRITICAL ",
			"CVE-2023-45288 MEDIUM ",
			"CVE-2025-0001 HIGH ",
			"CVE-2019-1010022 LOW ",
		}},
		{tool: ECR, file: "ecr-enhanced.json", wantTool: "ecr", want: []string{
			"CVE-2024-45337 CRITICAL ",
			"CVE-2025-0001 HIGH ",
		}, wantNotes: []string{"1 Amazon Inspector findings are SUPPRESSED and do not count"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			scan, err := Parse(tt.tool, fixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			scan.Relativize(codeBuildRoot, tt.base)
			if scan.Tool != tt.wantTool {
				t.Errorf("tool = %q, want %q", scan.Tool, tt.wantTool)
			}
			if got, want := brief(scan.Findings), strings.Join(tt.want, "\n"); got != want {
				t.Errorf("findings:\n%s\nwant:\n%s", got, want)
			}
			if len(scan.Notes) != len(tt.wantNotes) {
				t.Fatalf("notes = %q, want %d", scan.Notes, len(tt.wantNotes))
			}
			for i, n := range tt.wantNotes {
				if !strings.Contains(scan.Notes[i], n) {
					t.Errorf("note %d = %q, want it to contain %q", i, scan.Notes[i], n)
				}
			}
			for _, f := range scan.Findings {
				if f.Tool != tt.wantTool || f.Location == "" {
					t.Errorf("finding %+v: want tool %s and a location", f, tt.wantTool)
				}
				if strings.Contains(f.String(), "REDACTED") {
					t.Errorf("finding %s shows the secret's (redacted) match", f)
				}
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	gv, err := ParseGovulncheck(fixture(t, "govulncheck.json"))
	if err != nil {
		t.Fatal(err)
	}
	gv.Relativize(codeBuildRoot, codeBuildRoot)
	f := gv.Findings[0]
	if got, want := f.Location, "cmd/app/main.go:16 calls golang.org/x/text@v0.3.2 golang.org/x/text/language.Parse"; got != want {
		t.Errorf("govulncheck location = %q, want %q", got, want)
	}
	if strings.Join(f.Aliases, ",") != "CVE-2021-38561,GHSA-ppp9-7jff-5vj2" || !strings.Contains(f.Message, "Out-of-bounds read") || !strings.Contains(f.Message, "fixed in v0.3.7") {
		t.Errorf("govulncheck finding = %+v", f)
	}

	gl, _ := ParseGitleaks(fixture(t, "gitleaks.json"))
	if f := gl.Findings[0]; f.Fingerprint != "config/deploy.env:aws-access-token:1" || f.Location != "config/deploy.env:1" {
		t.Errorf("gitleaks finding = %+v", f)
	}

	gs, _ := ParseGosec(fixture(t, "gosec.json"))
	gs.Relativize(codeBuildRoot, "")
	if f := gs.Findings[0]; f.Location != "cmd/app/main.go:18" || f.Message != "TLS InsecureSkipVerify set to true. (CWE-295) confidence HIGH" {
		t.Errorf("gosec finding = %+v", f)
	}

	osv, _ := ParseOSVScanner(fixture(t, "osv-scanner.json"))
	osv.Relativize(codeBuildRoot, "")
	byID := map[string]Finding{}
	for _, f := range osv.Findings {
		byID[f.ID] = f
	}
	if f := byID["GO-2022-1059"]; !contains(f.Aliases, "GHSA-69ch-w2m2-3vjp") || !contains(f.Aliases, "CVE-2022-32149") || f.Location != "go.mod: Go golang.org/x/text@0.3.2" {
		t.Errorf("osv-scanner finding = %+v", f)
	}
	if f := byID["GO-2021-0113"]; !strings.Contains(f.Message, "no CVSS score") {
		t.Errorf("unscored osv-scanner finding = %+v, want the message to say it has no score", f)
	}
}

func TestParseOSVScannerCallAnalysis(t *testing.T) {
	report := `{"results":[{"source":{"path":"/src/go.mod","type":"lockfile"},"packages":[{"package":{"name":"m","version":"1.0.0","ecosystem":"Go"},
	  "groups":[{"ids":["GO-1"],"aliases":["GO-1"],"max_severity":"9.8","experimental_analysis":{"GO-1":{"called":false,"unimportant":false}}},
	            {"ids":["GO-2"],"aliases":["GO-2","CVE-2"],"max_severity":"2.0","experimental_analysis":{"GO-2":{"called":true}}},
	            {"ids":["GO-3"],"aliases":[],"max_severity":"5.3"},
	            {"ids":["GO-4"],"max_severity":"CVSS:3.1/AV:N"}]}]}]}`
	scan, err := ParseOSVScanner([]byte(report))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := brief(scan.Findings), "GO-2 LOW /src/go.mod\nGO-3 MEDIUM /src/go.mod\nGO-4 HIGH /src/go.mod"; got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	if len(scan.Notes) != 1 || !strings.Contains(scan.Notes[0], "1 vulnerabilities are in code osv-scanner found uncalled") {
		t.Errorf("notes = %q", scan.Notes)
	}
	if a := scan.Findings[0].Aliases; strings.Join(a, ",") != "CVE-2" {
		t.Errorf("aliases = %q, want only CVE-2 (not the id itself)", a)
	}
}

func TestParseSARIFSeverities(t *testing.T) {
	log := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"Semgrep OSS","rules":[
	   {"id":"r-score","properties":{"security-severity":"9.1"}},
	   {"id":"r-tag","properties":{"tags":["security","medium"]}},
	   {"id":"r-default","defaultConfiguration":{"level":"note"}}]}},
	 "results":[
	   {"ruleId":"r-score","level":"note","message":{"text":"scored"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"app/x.py"},"region":{"startLine":3}}}]},
	   {"ruleId":"r-tag","message":{"text":"tagged"}},
	   {"ruleId":"r-default","message":{"text":"default level"}},
	   {"ruleId":"r-none","level":"error","message":{"text":"error level"}},
	   {"ruleId":"r-none","message":{"text":"no level"}},
	   {"ruleId":"r-none","level":"warning","properties":{"security-severity":3.0},"message":{"text":"result score"}}]}]}`
	scan, err := ParseSARIF([]byte(log))
	if err != nil {
		t.Fatal(err)
	}
	if scan.Tool != "semgrep oss" {
		t.Errorf("tool = %q", scan.Tool)
	}
	want := "r-score CRITICAL app/x.py\nr-tag MEDIUM \nr-default LOW \nr-none HIGH \nr-none MEDIUM \nr-none LOW "
	if got := brief(scan.Findings); got != want {
		t.Errorf("findings:\n%q\nwant:\n%q", got, want)
	}
	if scan.Findings[0].Location != "app/x.py:3" {
		t.Errorf("location = %q", scan.Findings[0].Location)
	}
}

func TestParseMalformed(t *testing.T) {
	tests := []struct {
		tool, input, want string
	}{
		{Gitleaks, ``, "empty report"},
		{Gitleaks, `{"RuleID":"x"}`, "cannot unmarshal"},
		{Gitleaks, `[] []`, "unexpected data"},
		{Gitleaks, `[]]`, "unexpected data"},
		{Gitleaks, `null`, "null, not a JSON array"},
		{Gosec, `{"Issues": [{"severity": "HIGH"}], "Issues": []}`, `duplicate key "Issues"`},
		{SARIF, `{"version":"2.1.0","runs":[{"results":[{"level":"error","Level":"note"}]}]}`, `key "Level" differs from "level" only in case`},
		{Gosec, `[]`, "cannot unmarshal"},
		{Gosec, `{}`, "is this the output of gosec"},
		{Gosec, `{"Issues": [`, "truncated"},
		{Govulncheck, `{}`, "no config message"},
		{Govulncheck, `{"config":{"protocol_version":"v1.0.0"}} {"finding": 3}`, "cannot unmarshal"},
		{Govulncheck, `not json`, "invalid character"},
		{Gitleaks, `[null]`, "null, not a finding object"},
		{Gosec, `{"Stats":{}}`, `Stats lacks "files"`},
		{Gosec, `{"Golang errors":{"/src/a.go":[{"line":1,"error":"undefined: x"}]},"Issues":[],"Stats":{"files":0,"lines":0,"nosec":0,"found":0}}`, "could not type-check the code"},
		{Govulncheck, `{"config":{"protocol_version":"v1.0.0"}}`, "only a config message"},
		{OSVScanner, `{}`, "no results"},
		{OSVScanner, `{"results":[{"packages":[{"groups":[{"ids":[]}]}]}]}`, "a group without ids"},
		{OSVScanner, `{"results": {}}`, "cannot unmarshal"},
		{SARIF, `{"version":"2.1.0"}`, "no runs"},
		{"trivy", `{}`, `tool "trivy" is unknown`},
	}
	for _, tt := range tests {
		t.Run(tt.tool+" "+tt.input, func(t *testing.T) {
			_, err := Parse(tt.tool, []byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseGosecSkipsNosecAndReportsTypeErrors(t *testing.T) {
	report := `{"Golang errors":{"/src/a.go":[{"line":3,"column":1,"error":"undefined: x"}]},
	  "Issues":[{"severity":"HIGH","rule_id":"G101","file":"/src/a.go","line":"1","nosec":true},
	            {"severity":"HIGH","rule_id":"G102","file":"/src/a.go","line":"2","suppressions":[{"kind":"inSource","justification":"ok"}]},
	            {"severity":"weird","rule_id":"G103","file":"/src/a.go","line":"3","suppressions":null}],
	  "Stats":{"files":1,"lines":9,"nosec":1,"found":1}}`
	scan, err := ParseGosec([]byte(report))
	if err != nil {
		t.Fatal(err)
	}
	if got := brief(scan.Findings); got != "G103 HIGH /src/a.go" {
		t.Errorf("findings = %q, want only G103, rated HIGH for an unknown severity", got)
	}
	if len(scan.Notes) != 1 || !strings.Contains(scan.Notes[0], "could not type-check /src/a.go:3: undefined: x") {
		t.Errorf("notes = %q", scan.Notes)
	}
}

func TestRelativize(t *testing.T) {
	tests := []struct{ file, root, base, want string }{
		{"/r/src/a/b.go", "/r/src", "", "a/b.go"},
		{"b.go", "/r/src", "/r/src/infra", "infra/b.go"},
		{"./b.go", "/r/src", "", "b.go"},
		{"/elsewhere/x.go", "/r/src", "", "/elsewhere/x.go"},
		{"../x.go", "/r/src", "/r/src", "/r/x.go"},
	}
	for _, tt := range tests {
		s := Scan{Findings: []Finding{{File: tt.file, Location: tt.file + ":3"}}}
		s.Relativize(tt.root, tt.base)
		if f := s.Findings[0]; f.File != tt.want || f.Location != tt.want+":3" {
			t.Errorf("Relativize(%q, root %q, base %q) = %q / %q, want %q", tt.file, tt.root, tt.base, f.File, f.Location, tt.want)
		}
	}
}

func TestParseCycloneDX(t *testing.T) {
	sbom, err := ParseCycloneDX(fixture(t, "sbom.cdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := sbom.String(), "CycloneDX 1.6 SBOM of example.com/shop: 1 components"; got != want {
		t.Errorf("sbom = %q, want %q", got, want)
	}
	nested := `{"bomFormat":"CycloneDX","specVersion":"1.5","components":[{"name":"a","components":[{"name":"b"}]},{"name":"c"}]}`
	if s, err := ParseCycloneDX([]byte(nested)); err != nil || s.Components != 3 {
		t.Errorf("nested: %+v, %v; want 3 components", s, err)
	}
	for _, bad := range []string{`{"bomFormat":"SPDX"}`, `[]`, ``} {
		if _, err := ParseCycloneDX([]byte(bad)); err == nil {
			t.Errorf("ParseCycloneDX(%q) = nil error", bad)
		}
	}
}

// SARIF 2.1.0 §3.27.9 (kind), §3.27.23 and §3.35.3 (suppressions): what is
// not a failure, and what still is.
func TestParseSARIFKindsAndSuppressions(t *testing.T) {
	log := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"checker"}},"invocations":[{"executionSuccessful":true}],"results":[
	   {"ruleId":"pass","kind":"pass","level":"none","message":{"text":"ok"}},
	   {"ruleId":"info","kind":"informational","message":{"text":"compiled with v10"}},
	   {"ruleId":"na","kind":"notApplicable","message":{"text":"not a 32-bit binary"}},
	   {"ruleId":"fail","kind":"fail","level":"error","message":{"text":"a problem"}},
	   {"ruleId":"default-kind","level":"error"},
	   {"ruleId":"review","kind":"review","message":{"text":"look at it"}},
	   {"ruleId":"open-scored","kind":"open","properties":{"security-severity":"5.0"}},
	   {"ruleId":"accepted","level":"error","suppressions":[{"kind":"inSource","status":"accepted","justification":"test fixture"}],
	    "locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]},
	   {"ruleId":"no-status","level":"error","suppressions":[{"kind":"external"}]},
	   {"ruleId":"under-review","level":"error","suppressions":[{"kind":"inSource","status":"underReview"}]},
	   {"ruleId":"rejected","level":"error","suppressions":[{"kind":"external","status":"rejected"}]},
	   {"ruleId":"none-yet","level":"error","suppressions":[]},
	   {"rule":{"id":"by-reference"},"level":"warning"}]}]}`
	scan, err := ParseSARIF([]byte(log))
	if err != nil {
		t.Fatal(err)
	}
	want := "fail HIGH \ndefault-kind HIGH \nreview HIGH \nopen-scored MEDIUM \nunder-review HIGH \nrejected HIGH \nnone-yet HIGH \nby-reference MEDIUM "
	if got := brief(scan.Findings); got != want {
		t.Errorf("findings:\n%q\nwant:\n%q", got, want)
	}
	if len(scan.Notes) != 2 ||
		scan.Notes[0] != "3 results of kind pass, informational or notApplicable report no problem and do not count: pass pass, informational info, notApplicable na" ||
		scan.Notes[1] != "2 results are suppressed in the SARIF log (status accepted) and do not count: accepted a.go:3 (inSource: test fixture), no-status (external)" {
		t.Errorf("notes:\n%s", strings.Join(scan.Notes, "\n"))
	}

	onlyPasses := `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"checker"}},"results":[{"ruleId":"a","kind":"pass"}]}]}`
	r := Evaluate(mustParse(t, SARIF, onlyPasses), nil, Options{})
	if !r.Passed() || r.Summary() != "velocity security: checker 0 findings >= HIGH PASS" {
		t.Errorf("a log of passes: %s", r.Summary())
	}
}

func mustParse(t *testing.T, tool, report string) Scan {
	t.Helper()
	scan, err := Parse(tool, []byte(report))
	if err != nil {
		t.Fatal(err)
	}
	return scan
}

// A vulnerability in no group is a finding of its own, rated from its
// record.
func TestParseOSVScannerUngrouped(t *testing.T) {
	report := `{"results":[{"source":{"path":"/src/package-lock.json"},"packages":[{"package":{"name":"p","version":"1.0.0","ecosystem":"npm"},
	  "vulnerabilities":[
	    {"id":"GHSA-crit","aliases":["CVE-1"],"database_specific":{"severity":"CRITICAL"}},
	    {"id":"GHSA-moderate","database_specific":{"severity":"MODERATE"}},
	    {"id":"GHSA-score","severity":[{"type":"CVSS_V3","score":"3.1"}]},
	    {"id":"GHSA-vector","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"}],"database_specific":{"Severity":"LOW"}},
	    {"id":"GHSA-nothing","summary":"unrated"},
	    {"id":"GHSA-grouped"}],
	  "groups":[{"ids":["GHSA-grouped"],"max_severity":"8.0"}]}]}]}`
	scan := mustParse(t, OSVScanner, report)
	want := "GHSA-grouped HIGH /src/package-lock.json\nGHSA-crit CRITICAL /src/package-lock.json\nGHSA-moderate MEDIUM /src/package-lock.json\nGHSA-score LOW /src/package-lock.json\nGHSA-vector HIGH /src/package-lock.json\nGHSA-nothing HIGH /src/package-lock.json"
	if got := brief(scan.Findings); got != want {
		t.Errorf("findings:\n%s\nwant:\n%s", got, want)
	}
	if f := scan.Findings[5]; f.Message != "unrated (in no group of the report: no rating: rated HIGH)" {
		t.Errorf("message = %q", f.Message)
	}
	if a := scan.Findings[1].Aliases; len(a) != 1 || a[0] != "CVE-1" {
		t.Errorf("aliases = %q", a)
	}
}

// At the package or module scan level govulncheck cannot tell what is
// reachable: every vulnerability counts, once.
func TestParseGovulncheckScanLevels(t *testing.T) {
	stream := `{"config":{"protocol_version":"v1.0.0","scan_level":"package"}}
	  {"progress":{"message":"Scanning"}}
	  {"finding":{"osv":"GO-1","trace":[{"module":"m","version":"v1.0.0"}]}}
	  {"finding":{"osv":"GO-1","trace":[{"module":"m","version":"v1.0.0","package":"m/p"}]}}
	  {"finding":{"osv":"GO-2","trace":[{"module":"m","version":"v1.0.0","package":"m/q"}]}}`
	scan := mustParse(t, Govulncheck, stream)
	if got := brief(scan.Findings); got != "GO-1 HIGH \nGO-2 HIGH " {
		t.Errorf("findings = %q", got)
	}
	if scan.Findings[1].Location != "m@v1.0.0 m/q" {
		t.Errorf("location = %q", scan.Findings[1].Location)
	}
	if len(scan.Notes) != 1 || !strings.Contains(scan.Notes[0], "scan level package") {
		t.Errorf("notes = %q", scan.Notes)
	}
}
