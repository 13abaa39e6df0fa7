package security

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse feeds any bytes to every parser: each either errors or returns
// findings with a tool and a valid severity, and evaluating them never
// panics.
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
			r := Evaluate(scan, []Suppression{{ID: "x", Reason: "r", Path: "a/*"}}, Options{Today: time.Unix(0, 0)})
			if _, err := r.JUnit(); err != nil {
				t.Fatal(err)
			}
			_ = r.WriteText(&strings.Builder{})
		}
	})
}

// FuzzParseSuppressions: a suppressions file either errors or yields only
// suppressions that validate.
func FuzzParseSuppressions(f *testing.F) {
	f.Add([]byte(`{"suppressions":[{"id":"G402","reason":"r","expires":"2026-12-31","tool":"gosec","path":"cmd/"}]}`))
	f.Add([]byte(`{"suppressions":[{"id":"G402","expires":"2026-02-30"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sups, err := ParseSuppressions(data)
		if err != nil {
			return
		}
		for _, s := range sups {
			if err := s.Validate(); err != nil {
				t.Fatalf("ParseSuppressions accepted %+v: %v", s, err)
			}
			_ = s.ExpiredOn(time.Now())
		}
	})
}
