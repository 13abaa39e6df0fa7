package security

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds any bytes to every parser: each either errors or returns
// findings with a tool and a valid severity, and evaluating them never
// panics. And it never fails open: a parse that returns no finding is of a
// well-formed report that shows a scan and holds nothing that counts, as
// wellFormedEmpty (which reads the report on its own, with encoding/json
// into plain maps) sees it.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	files = append(files, filepath.Join("testdata", "gosec.sarif"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"runs":[{"results":[{"ruleIndex":-1}]}]}`))
	f.Add([]byte(`{"config":{}}{"finding":{"trace":[{"function":"F"}]}}`))
	for _, c := range malformedCases {
		if c.tool != suppressionsInput {
			f.Add([]byte(c.input))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tool := range Tools {
			scan, err := Parse(tool, data)
			if err != nil {
				continue
			}
			scan.Relativize("/src", "/src/m")
			for _, fd := range scan.Findings {
				if fd.Tool == "" || !fd.Severity.Valid() {
					t.Fatalf("%s: finding %+v has no tool or an invalid severity", tool, fd)
				}
			}
			if len(scan.Findings) == 0 && !wellFormedEmpty(tool, data) {
				t.Fatalf("%s: no finding, and no error, for a report that is not a well-formed empty one: %q", tool, data)
			}
			r := Evaluate(scan, []Suppression{{ID: "x", Reason: "r", Path: "a/*"}}, Options{Today: time.Unix(0, 0)})
			if _, err := r.JUnit(); err != nil {
				t.Fatal(err)
			}
			_ = r.WriteText(&strings.Builder{})
		}
	})
}

// wellFormedEmpty reports whether data is a report of tool that shows a
// scan and has nothing in it that counts, read independently of the
// parsers: encoding/json into plain values, whose map keys are exact.
func wellFormedEmpty(tool string, data []byte) bool {
	obj := func(v interface{}) map[string]interface{} { m, _ := v.(map[string]interface{}); return m }
	arr := func(v interface{}) ([]interface{}, bool) { a, ok := v.([]interface{}); return a, ok }
	str := func(v interface{}) string { s, _ := v.(string); return s }
	var doc interface{}
	if tool != Govulncheck && json.Unmarshal(data, &doc) != nil {
		return false
	}
	switch tool {
	case Gitleaks:
		leaks, ok := arr(doc)
		return ok && len(leaks) == 0
	case Gosec:
		files, _ := obj(obj(doc)["Stats"])["files"].(float64)
		issues, ok := arr(obj(doc)["Issues"])
		if !ok || files <= 0 {
			return false
		}
		for _, i := range issues {
			nosec, _ := obj(i)["nosec"].(bool)
			sups, _ := arr(obj(i)["suppressions"])
			if !nosec && len(sups) == 0 {
				return false
			}
		}
		return true
	case Govulncheck:
		dec := json.NewDecoder(bytes.NewReader(data))
		symbol, scanned := true, false
		for {
			var m map[string]interface{}
			if err := dec.Decode(&m); err == io.EOF {
				return scanned
			} else if err != nil {
				return false
			}
			if c := obj(m["config"]); c != nil && str(c["scan_level"]) != "" && str(c["scan_level"]) != "symbol" {
				symbol = false
			}
			scanned = scanned || m["progress"] != nil || m["SBOM"] != nil
			if f := obj(m["finding"]); f != nil {
				scanned = true
				trace, _ := arr(f["trace"])
				if !symbol || len(trace) == 0 || str(obj(trace[0])["function"]) != "" {
					return false
				}
			}
		}
	case OSVScanner:
		results, ok := arr(obj(doc)["results"])
		if !ok {
			return false
		}
		for _, res := range results {
			pkgs, _ := arr(obj(res)["packages"])
			for _, p := range pkgs {
				grouped := map[string]bool{}
				groups, _ := arr(obj(p)["groups"])
				for _, g := range groups {
					ids, _ := arr(obj(g)["ids"])
					for _, id := range ids {
						grouped[str(id)] = true
					}
					analysis := obj(obj(g)["experimental_analysis"])
					if len(analysis) == 0 {
						return false
					}
					for _, a := range analysis {
						if called, _ := obj(a)["called"].(bool); called {
							return false
						}
					}
				}
				vulns, _ := arr(obj(p)["vulnerabilities"])
				for _, v := range vulns {
					if !grouped[str(obj(v)["id"])] {
						return false
					}
				}
			}
		}
		return true
	case ECR:
		status := str(obj(obj(doc)["imageScanStatus"])["status"])
		findings := obj(obj(doc)["imageScanFindings"])
		basic, _ := arr(findings["findings"])
		enhanced, _ := arr(findings["enhancedFindings"])
		for _, f := range enhanced {
			if s := str(obj(f)["status"]); s == "" || s == "ACTIVE" {
				return false
			}
		}
		return (status == "COMPLETE" || status == "ACTIVE") && findings != nil && len(basic) == 0
	case SARIF:
		runs, _ := arr(obj(doc)["runs"])
		if len(runs) == 0 {
			return false
		}
		for _, run := range runs {
			results, ok := arr(obj(run)["results"])
			if !ok {
				return false
			}
			for _, res := range results {
				switch str(obj(res)["kind"]) {
				case "pass", "informational", "notApplicable":
					continue
				}
				sups, _ := arr(obj(res)["suppressions"])
				if len(sups) == 0 {
					return false
				}
				for _, s := range sups {
					if st := str(obj(s)["status"]); st != "" && st != "accepted" {
						return false
					}
				}
			}
		}
		return true
	}
	return false
}

// FuzzParseSuppressions: a suppressions file either errors or yields only
// suppressions that validate, and every key in it is exactly a field's
// name, with the value the suppression holds: no key was merged into a
// field by case, or lost to a duplicate.
func FuzzParseSuppressions(f *testing.F) {
	f.Add([]byte(`{"suppressions":[{"id":"G402","reason":"r","expires":"2026-12-31","tool":"gosec","path":"cmd/"}]}`))
	f.Add([]byte(`{"suppressions":[{"id":"G402","expires":"2026-02-30"}]}`))
	f.Add([]byte(`{"suppressions":[{"id":"G402","reason":"r","Expires":"2020-01-01"}]}`))
	f.Add([]byte(`[]`))
	for _, c := range malformedCases {
		if c.tool == suppressionsInput {
			f.Add([]byte(c.input))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sups, err := ParseSuppressions(data)
		if err != nil || len(bytes.TrimSpace(data)) == 0 {
			return
		}
		for _, s := range sups {
			if err := s.Validate(); err != nil {
				t.Fatalf("ParseSuppressions accepted %+v: %v", s, err)
			}
			_ = s.ExpiredOn(time.Now())
		}
		var plain map[string][]map[string]interface{}
		if err := json.Unmarshal(data, &plain); err != nil {
			t.Fatalf("ParseSuppressions accepted what encoding/json cannot read into maps: %v", err)
		}
		for k := range plain {
			if k != "suppressions" {
				t.Fatalf("accepted the key %q", k)
			}
		}
		if len(plain["suppressions"]) != len(sups) {
			t.Fatalf("%d suppressions, %d entries", len(sups), len(plain["suppressions"]))
		}
		for i, entry := range plain["suppressions"] {
			fields := map[string]string{"id": sups[i].ID, "reason": sups[i].Reason, "expires": sups[i].Expires, "tool": sups[i].Tool, "path": sups[i].Path}
			for k, v := range entry {
				want, ok := fields[k]
				if !ok {
					t.Fatalf("suppressions[%d]: accepted the key %q", i, k)
				}
				if v != want {
					t.Fatalf("suppressions[%d].%s is %q in the file, %q in the suppression", i, k, v, want)
				}
			}
		}
	})
}

// FuzzDecodeStrict: what the strict layer accepts is one valid JSON value,
// not null, without a byte order mark.
func FuzzDecodeStrict(f *testing.F) {
	for _, c := range malformedCases {
		f.Add([]byte(c.input))
	}
	f.Add([]byte(`{"a":[1,{"b":null}],"c":"d"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v interface{}
		if decodeStrict(data, &v, strictOptions{}) != nil {
			return
		}
		if !json.Valid(data) || v == nil || bytes.HasPrefix(data, []byte("\xEF\xBB\xBF")) {
			t.Fatalf("accepted %q", data)
		}
	})
}
