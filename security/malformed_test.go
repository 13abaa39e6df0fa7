package security

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// malformedCase is a report or suppressions file velocity-check must not
// pass: parsing it is an error that says why, or, for a report that reads
// but says something a lenient reader would drop, it holds a finding that
// fails the default threshold.
type malformedCase struct {
	name  string
	tool  string // a tool of Parse, or "suppressions" (a suppressions file, or the props' suppressions)
	input string
	// want is a substring of the error; "finding ID" instead means the
	// input parses and finding ID fails the check at the default
	// threshold.
	want string
}

const suppressionsInput = "suppressions"

// Reports that read well, to build malformed ones from.
const (
	okGosecStats  = `"Stats":{"files":1,"lines":10,"nosec":0,"found":0}`
	okVulnConfig  = `{"config":{"protocol_version":"v1.0.0","scanner_name":"govulncheck","scan_level":"symbol","scan_mode":"source"}}`
	okVulnSBOM    = `{"SBOM":{"go_version":"go1.26.8","modules":[{"path":"example.com/m"}]}}`
	okSARIFHeader = `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"scanner"}},"results":`
	sarifEnd      = `}]}`
)

// malformedCases is every malformed or untrustworthy input tried; the
// README reports how many (TestMalformedCountInREADME).
var malformedCases = []malformedCase{
	// The strict JSON layer, through gitleaks' report (a JSON array).
	{"gitleaks null", Gitleaks, `null`, "null, not a JSON array"},
	{"trailing ]", Gitleaks, `[]]`, "unexpected data after the JSON value"},
	{"trailing }", Gitleaks, `[]}`, "unexpected data after the JSON value"},
	{"two values", Gitleaks, `[] []`, "unexpected data after the JSON value"},
	{"trailing garbage", Gitleaks, `[]x`, "unexpected data after the JSON value"},
	{"trailing NUL", Gitleaks, "[]\x00", "unexpected data after the JSON value"},
	{"trailing comment", Gitleaks, "[] // no secrets", "unexpected data after the JSON value"},
	{"empty file", Gitleaks, ``, "empty report"},
	{"only white space", Gitleaks, " \n\t\r\n", "empty report"},
	{"UTF-8 byte order mark", Gitleaks, "\xEF\xBB\xBF[]", "byte order mark"},
	{"UTF-16 byte order mark", Gitleaks, "\xFF\xFE[\x00]\x00", "UTF-16"},
	{"an object, not an array", Gitleaks, `{}`, "cannot unmarshal a JSON object; want an array"},
	{"a string, not an array", Gitleaks, `"[]"`, "cannot unmarshal a JSON string"},
	{"a number", Gitleaks, `0`, "cannot unmarshal a JSON number"},
	{"true", Gitleaks, `true`, "cannot unmarshal a JSON bool"},
	{"null finding", Gitleaks, `[null]`, "null, not a finding object"},
	{"truncated array", Gitleaks, `[{"RuleID":"aws-access-token","File":"a.env"`, "truncated"},
	{"truncated string", Gitleaks, `[{"RuleID":"aws-acc`, "truncated"},
	{"only an opening bracket", Gitleaks, `[`, "truncated"},
	{"duplicate key", Gitleaks, `[{"RuleID":"aws-access-token","RuleID":"none"}]`, `duplicate key "RuleID"`},
	{"duplicate key by escape", Gitleaks, `[{"File":"a.env","\u0046ile":"b.env"}]`, `duplicate key "File"`},
	{"key differs in case", Gitleaks, `[{"ruleid":"aws-access-token"}]`, `key "ruleid" differs from "RuleID" only in case`},
	{"key differs by Unicode folding", Gitleaks, `[{"ſtartLine":7}]`, `key "ſtartLine" differs from "StartLine" only in case`},
	{"key in capitals", Gitleaks, `[{"FINGERPRINT":"a.env:aws-access-token:1"}]`, `key "FINGERPRINT" differs from "Fingerprint" only in case`},
	{"NaN", Gitleaks, `[{"StartLine":NaN}]`, "invalid character 'N'"},
	{"Infinity", Gitleaks, `[{"StartLine":-Infinity}]`, "invalid character 'I'"},
	{"number too large", Gitleaks, `[{"StartLine":1e400}]`, "cannot unmarshal a JSON number"},
	{"single quotes", Gitleaks, `[{'RuleID':'x'}]`, "invalid character '\\''"},
	{"trailing comma", Gitleaks, `[{"RuleID":"x"},]`, "invalid character ']'"},
	{"nested too deep", Gitleaks, strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1), "nested deeper than"},
	{"duplicate key deep in an unknown field", Gitleaks, `[{"RuleID":"x","Tags":[{"a":1,"a":2}]}]`, `at [0].Tags[0]: duplicate key "a"`},

	// gosec
	{"gosec null", Gosec, `null`, "null, not a JSON object"},
	{"gosec empty Stats", Gosec, `{"Stats":{}}`, `Stats lacks "files", "lines", "nosec", "found"`},
	{"gosec Stats without found", Gosec, `{"Issues":[],"Stats":{"files":1,"lines":1,"nosec":0}}`, `Stats lacks "found"`},
	{"gosec every package failed to type-check", Gosec, `{"Golang errors":{"/src/a.go":[{"line":3,"column":1,"error":"undefined: x"}]},"Issues":[],"Stats":{"files":0,"lines":0,"nosec":0,"found":0}}`, "could not type-check the code (1 error, first: /src/a.go:3: undefined: x)"},
	{"gosec scanned no file", Gosec, `{"Golang errors":{},"Issues":[],"Stats":{"files":0,"lines":0,"nosec":0,"found":0}}`, "gosec scanned no file"},
	{"gosec without Stats", Gosec, `{"Golang errors":{},"Issues":[]}`, "no Stats"},
	{"gosec Issues null", Gosec, `{"Issues":null,` + okGosecStats + `}`, "no Issues list"},
	{"gosec without Issues", Gosec, `{` + okGosecStats + `}`, "no Issues list"},
	{"gosec Stats count more than listed", Gosec, `{"Issues":[],"Stats":{"files":1,"lines":10,"nosec":0,"found":2}}`, "Stats.found is 2 but Issues lists 0"},
	{"gosec negative count", Gosec, `{"Issues":[],"Stats":{"files":-1,"lines":10,"nosec":0,"found":0}}`, "Stats.files is -1"},
	{"gosec Stats a string", Gosec, `{"Issues":[],"Stats":"ok"}`, "at Stats: cannot unmarshal a JSON string; want an object"},
	{"gosec empty object", Gosec, `{}`, "no Issues, Stats"},
	{"gosec an array", Gosec, `[]`, "cannot unmarshal a JSON array; want an object"},
	{"gosec Issues twice (the last would win)", Gosec, `{"Issues":[{"severity":"HIGH","rule_id":"G402","file":"a.go","line":"1"}],"Issues":[],` + okGosecStats + `}`, `duplicate key "Issues"`},
	{"gosec issues next to Issues", Gosec, `{"Issues":[],"issues":[{"severity":"HIGH","rule_id":"G402"}],` + okGosecStats + `}`, `key "issues" differs from "Issues" only in case`},
	{"gosec severity twice", Gosec, `{"Issues":[{"severity":"HIGH","severity":"LOW","rule_id":"G402"}],"Stats":{"files":1,"lines":10,"nosec":0,"found":1}}`, `at Issues[0]: duplicate key "severity"`},
	{"gosec Severity next to severity", Gosec, `{"Issues":[{"severity":"HIGH","Severity":"LOW","rule_id":"G402"}],"Stats":{"files":1,"lines":10,"nosec":0,"found":1}}`, `key "Severity" differs from "severity" only in case`},
	{"gosec Nosec next to nosec", Gosec, `{"Issues":[{"severity":"HIGH","rule_id":"G402","NoSec":true}],"Stats":{"files":1,"lines":10,"nosec":0,"found":1}}`, `key "NoSec" differs from "nosec" only in case`},
	{"gosec trailing }", Gosec, `{"Issues":[],` + okGosecStats + `}}`, "unexpected data after the JSON value"},
	{"gosec truncated", Gosec, `{"Golang errors":{},"Issues":[{"severity":"HIGH"`, "truncated"},

	// govulncheck
	{"govulncheck only a config message", Govulncheck, okVulnConfig, "only a config message"},
	{"govulncheck no config message", Govulncheck, okVulnSBOM, "no config message"},
	{"govulncheck empty object", Govulncheck, `{}`, "no config message"},
	{"govulncheck empty", Govulncheck, ``, "empty report"},
	{"govulncheck null", Govulncheck, `null`, "value 0: null, not a JSON object"},
	{"govulncheck null message", Govulncheck, okVulnConfig + `null`, "value 1: null, not a JSON object"},
	{"govulncheck trailing ]", Govulncheck, okVulnConfig + okVulnSBOM + `]`, "value 2: invalid character ']'"},
	{"govulncheck an array message", Govulncheck, okVulnConfig + `[]`, "value 1: cannot unmarshal a JSON array; want an object"},
	{"govulncheck two config messages", Govulncheck, okVulnConfig + okVulnSBOM + okVulnConfig, "a second config message"},
	{"govulncheck protocol v2", Govulncheck, `{"config":{"protocol_version":"v2.0.0"}}` + okVulnSBOM, `protocol_version "v2.0.0"; want v1.x`},
	{"govulncheck finding without an osv id", Govulncheck, okVulnConfig + `{"finding":{"trace":[{"module":"m","function":"F"}]}}`, "a finding without an osv id"},
	{"govulncheck finding with an empty trace", Govulncheck, okVulnConfig + `{"finding":{"osv":"GO-2099-0001","trace":[]}}`, "finding GO-2099-0001"},
	{"govulncheck finding without a trace", Govulncheck, okVulnConfig + `{"finding":{"osv":"GO-2099-0002"}}`, "finding GO-2099-0002"},
	{"govulncheck module scan level", Govulncheck, `{"config":{"protocol_version":"v1.0.0","scan_level":"module"}}` + `{"finding":{"osv":"GO-2099-0003","trace":[{"module":"m","version":"v1.0.0"}]}}`, "finding GO-2099-0003"},
	{"govulncheck truncated stream", Govulncheck, okVulnConfig + `{"finding":{"osv":"GO-2099-0004","trace":[`, "truncated"},
	{"govulncheck config twice in one message", Govulncheck, `{"config":{"protocol_version":"v1.0.0"},"config":{"protocol_version":"v1.0.0","scan_level":"module"}}` + okVulnSBOM, `duplicate key "config"`},
	{"govulncheck Config", Govulncheck, `{"Config":{"protocol_version":"v1.0.0"}}` + okVulnSBOM, `key "Config" differs from "config" only in case`},
	{"govulncheck Trace next to trace", Govulncheck, okVulnConfig + `{"finding":{"osv":"GO-2099-0005","trace":[{"module":"m"}],"Trace":[{"module":"m","function":"F"}]}}`, `key "Trace" differs from "trace" only in case`},
	{"govulncheck Function next to function", Govulncheck, okVulnConfig + `{"finding":{"osv":"GO-2099-0006","trace":[{"module":"m","Function":"F"}]}}`, `key "Function" differs from "function" only in case`},
	{"govulncheck byte order mark", Govulncheck, "\xEF\xBB\xBF" + okVulnConfig + okVulnSBOM, "byte order mark"},

	// osv-scanner
	{"osv-scanner null", OSVScanner, `null`, "null, not a JSON object"},
	{"osv-scanner empty object", OSVScanner, `{}`, "no results"},
	{"osv-scanner results null", OSVScanner, `{"results":null}`, "no results"},
	{"osv-scanner results an object", OSVScanner, `{"results":{}}`, "at results: cannot unmarshal a JSON object; want an array"},
	{"osv-scanner vulnerabilities without groups", OSVScanner, `{"results":[{"source":{"path":"go.mod"},"packages":[{"package":{"name":"m","version":"1.0.0","ecosystem":"Go"},"vulnerabilities":[{"id":"GO-2099-0010","summary":"s"}]}]}]}`, "finding GO-2099-0010"},
	{"osv-scanner a vulnerability in no group", OSVScanner, `{"results":[{"source":{"path":"go.mod"},"packages":[{"package":{"name":"m","version":"1.0.0"},"vulnerabilities":[{"id":"GO-2099-0011"},{"id":"GO-2099-0012"}],"groups":[{"ids":["GO-2099-0011"],"max_severity":"2.0"}]}]}]}`, "finding GO-2099-0012"},
	{"osv-scanner ungrouped, rated LOW but with a CVSS vector", OSVScanner, `{"results":[{"source":{"path":"package-lock.json"},"packages":[{"package":{"name":"p","version":"1.0.0"},"vulnerabilities":[{"id":"GHSA-2099-0013","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],"database_specific":{"severity":"LOW"}}]}]}]}`, "finding GHSA-2099-0013"},
	{"osv-scanner group without ids", OSVScanner, `{"results":[{"source":{"path":"go.mod"},"packages":[{"package":{"name":"m"},"groups":[{"ids":[],"max_severity":"9.8"}]}]}]}`, "a group without ids"},
	{"osv-scanner results twice", OSVScanner, `{"results":[{"source":{"path":"go.mod"},"packages":[{"package":{"name":"m"},"groups":[{"ids":["GO-1"]}]}]}],"results":[]}`, `duplicate key "results"`},
	{"osv-scanner Results", OSVScanner, `{"Results":[]}`, `key "Results" differs from "results" only in case`},
	{"osv-scanner Called next to called", OSVScanner, `{"results":[{"packages":[{"groups":[{"ids":["GO-1"],"experimental_analysis":{"GO-1":{"called":true,"Called":false}}}]}]}]}`, `key "Called" differs from "called" only in case`},
	{"osv-scanner trailing garbage", OSVScanner, `{"results":[]}garbage`, "unexpected data after the JSON value"},

	// SARIF
	{"SARIF no runs", SARIF, `{"runs":[]}`, "runs is empty"},
	{"SARIF 2.1.0 no runs", SARIF, `{"version":"2.1.0","runs":[]}`, "runs is empty"},
	{"SARIF runs null", SARIF, `{"version":"2.1.0","runs":null}`, "no runs"},
	{"SARIF null", SARIF, `null`, "null, not a JSON object"},
	{"SARIF without version", SARIF, `{"runs":[{"tool":{"driver":{"name":"x"}},"results":[]}]}`, `version ""; want "2.1.0"`},
	{"SARIF version 2.0.0", SARIF, `{"version":"2.0.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[]}]}`, `version "2.0.0"`},
	{"SARIF results absent", SARIF, `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}}}]}`, "runs[0].results is absent or null"},
	{"SARIF results null", SARIF, okSARIFHeader + `null` + sarifEnd, "runs[0].results is absent or null"},
	{"SARIF execution failed", SARIF, `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"invocations":[{"executionSuccessful":false}],"results":[]}]}`, "executionSuccessful is false"},
	{"SARIF level twice", SARIF, okSARIFHeader + `[{"ruleId":"R1","level":"error","level":"note","message":{"text":"m"}}]` + sarifEnd, `duplicate key "level"`},
	{"SARIF Level next to level", SARIF, okSARIFHeader + `[{"ruleId":"R1","level":"error","Level":"note","message":{"text":"m"}}]` + sarifEnd, `key "Level" differs from "level" only in case`},
	{"SARIF security-severity twice", SARIF, okSARIFHeader + `[{"ruleId":"R1","level":"error","properties":{"security-severity":"9.0","security-severity":"1.0"}}]` + sarifEnd, `at runs[0].results[0].properties: duplicate key "security-severity"`},
	{"SARIF suppression under review", SARIF, okSARIFHeader + `[{"ruleId":"R2","level":"error","suppressions":[{"kind":"inSource","status":"underReview"}]}]` + sarifEnd, "finding R2"},
	{"SARIF suppression rejected", SARIF, okSARIFHeader + `[{"ruleId":"R3","level":"error","suppressions":[{"kind":"external","status":"rejected"}]}]` + sarifEnd, "finding R3"},
	{"SARIF one suppression accepted, one rejected", SARIF, okSARIFHeader + `[{"ruleId":"R4","level":"error","suppressions":[{"kind":"inSource"},{"kind":"external","status":"rejected"}]}]` + sarifEnd, "finding R4"},
	{"SARIF suppression with an unknown status", SARIF, okSARIFHeader + `[{"ruleId":"R5","level":"error","suppressions":[{"kind":"inSource","status":"approved"}]}]` + sarifEnd, "finding R5"},
	{"SARIF empty suppressions", SARIF, okSARIFHeader + `[{"ruleId":"R6","level":"error","suppressions":[]}]` + sarifEnd, "finding R6"},
	{"SARIF kind review", SARIF, okSARIFHeader + `[{"ruleId":"R7","kind":"review","message":{"text":"check by hand"}}]` + sarifEnd, "finding R7"},
	{"SARIF kind open", SARIF, okSARIFHeader + `[{"ruleId":"R8","kind":"open","level":"none"}]` + sarifEnd, "finding R8"},
	{"SARIF unknown kind", SARIF, okSARIFHeader + `[{"ruleId":"R9","kind":"passed","level":"error"}]` + sarifEnd, "finding R9"},
	{"SARIF Kind pass next to a failing result", SARIF, okSARIFHeader + `[{"ruleId":"R10","level":"error","Kind":"pass"}]` + sarifEnd, `key "Kind" differs from "kind" only in case`},
	{"SARIF Status next to status", SARIF, okSARIFHeader + `[{"ruleId":"R11","level":"error","suppressions":[{"kind":"inSource","status":"rejected","Status":"accepted"}]}]` + sarifEnd, `key "Status" differs from "status" only in case`},
	{"SARIF a second log after the first", SARIF, okSARIFHeader + `[]` + sarifEnd + `{}`, "unexpected data after the JSON value"},
	{"SARIF truncated", SARIF, okSARIFHeader + `[{"ruleId":"R12","level":"err`, "truncated"},

	// suppressions, from the file and from the props (-suppressions-json)
	{"Expires next to expires", suppressionsInput, `{"suppressions":[{"id":"G402","reason":"r","expires":"2020-01-01","Expires":""}]}`, `key "Expires" differs from "expires" only in case`},
	{"only Expires", suppressionsInput, `{"suppressions":[{"id":"G402","reason":"r","Expires":"2020-01-01"}]}`, `key "Expires" differs from "expires" only in case`},
	{"expires by Unicode folding", suppressionsInput, `{"suppressions":[{"id":"G402","reason":"r","expireſ":"2020-01-01"}]}`, "only in case"},
	{"expires twice", suppressionsInput, `{"suppressions":[{"id":"G402","reason":"r","expires":"2020-01-01","expires":""}]}`, `duplicate key "expires"`},
	{"suppressions twice", suppressionsInput, `{"suppressions":[],"suppressions":[{"id":"G402","reason":"r"}]}`, `duplicate key "suppressions"`},
	{"ID", suppressionsInput, `{"suppressions":[{"ID":"G402","reason":"r"}]}`, `key "ID" differs from "id" only in case`},
	{"Tool", suppressionsInput, `{"suppressions":[{"id":"G402","reason":"r","tool":"gosec","Tool":"gitleaks"}]}`, `key "Tool" differs from "tool" only in case`},
	{"Suppressions", suppressionsInput, `{"Suppressions":[{"id":"G402","reason":"r"}]}`, `key "Suppressions" differs from "suppressions" only in case`},
	{"misspelt expiry", suppressionsInput, `{"suppressions":[{"id":"G402","reason":"r","expiry":"2020-01-01"}]}`, `unknown field "expiry"`},
	{"suppressions null", suppressionsInput, `null`, "null, not a JSON object"},
	{"suppressions trailing ]", suppressionsInput, `{"suppressions":[]}]`, "unexpected data after the JSON value"},
	{"suppressions byte order mark", suppressionsInput, "\xEF\xBB\xBF{\"suppressions\":[]}", "byte order mark"},
	{"suppressions truncated", suppressionsInput, `{"suppressions":[{"id":"G402","reason":"r","expires":"2026-`, "truncated"},
	{"null suppression", suppressionsInput, `{"suppressions":[null]}`, "at suppressions[0]: null; want a value"},
	{"expires null", suppressionsInput, `{"suppressions":[{"id":"G402","reason":"r","expires":null}]}`, "at suppressions[0].expires: null; want a value"},
	{"suppressions list null", suppressionsInput, `{"suppressions":null}`, "at suppressions: null; want a value"},
}

// passes reports whether velocity-check would pass the input at the
// default threshold, and what it said.
func passes(c malformedCase) (bool, string) {
	if c.tool == suppressionsInput {
		if _, err := ParseSuppressions([]byte(c.input)); err != nil {
			return false, err.Error()
		}
		return true, "parsed"
	}
	scan, err := Parse(c.tool, []byte(c.input))
	if err != nil {
		return false, err.Error()
	}
	r := Evaluate(scan, nil, Options{Today: time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC)})
	if r.Passed() {
		return true, r.Summary()
	}
	var failing []string
	for _, f := range r.Failing {
		failing = append(failing, "finding "+f.ID)
	}
	return false, strings.Join(failing, "\n")
}

func TestMalformedInputs(t *testing.T) {
	failOpen := 0
	for _, c := range malformedCases {
		t.Run(c.tool+" "+c.name, func(t *testing.T) {
			passed, said := passes(c)
			if passed {
				failOpen++
				t.Fatalf("passed (%s): %q", said, c.input)
			}
			if !strings.Contains(said, c.want) {
				t.Errorf("said:\n%s\nwant it to contain %q", said, c.want)
			}
		})
	}
	t.Logf("malformed scanner inputs tried: %d, fail-open: %d", len(malformedCases), failOpen)
}

// The README's security table reports how many malformed inputs the test
// tries; the number must be this list's length.
func TestMalformedCountInREADME(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`malformed or untrustworthy scanner inputs[^|]*\| \*\*0\*\* of ([0-9]+) `).FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no row \"malformed or untrustworthy scanner inputs … | **0** of N …\" in its security table")
	}
	if n, _ := strconv.Atoi(string(m[1])); n != len(malformedCases) {
		t.Errorf("README.md says %d malformed inputs; the test tries %d", n, len(malformedCases))
	}
}

// The names of the cases are unique, so the count counts distinct cases.
func TestMalformedCasesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range malformedCases {
		k := c.tool + " " + c.name
		if seen[k] {
			t.Errorf("case %q twice", k)
		}
		seen[k] = true
	}
}
