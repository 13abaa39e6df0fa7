package security_test

import (
	"fmt"
	"os"
	"time"

	"github.com/velocity-cdk/velocity/security"
)

// What the SAST check does with gosec's report: read it, apply the
// suppressions in force today, and print the verdict for the build log.
func ExampleEvaluate() {
	report := []byte(`{"Golang errors": {}, "Issues": [
	  {"severity": "HIGH", "confidence": "HIGH", "rule_id": "G402", "details": "TLS InsecureSkipVerify set to true.",
	   "file": "/codebuild/output/src1/src/cmd/probe/main.go", "line": "18"},
	  {"severity": "HIGH", "confidence": "HIGH", "rule_id": "G702", "details": "Command injection via taint analysis: os/exec.Command",
	   "file": "/codebuild/output/src1/src/cmd/run/main.go", "line": "21"},
	  {"severity": "LOW", "confidence": "HIGH", "rule_id": "G104", "details": "Errors unhandled",
	   "file": "/codebuild/output/src1/src/cmd/run/main.go", "line": "23"}],
	  "Stats": {"files": 2, "lines": 60, "nosec": 0, "found": 3}}`)
	suppressions, err := security.ParseSuppressions([]byte(`{"suppressions": [
	  {"id": "G402", "tool": "gosec", "path": "cmd/probe/", "reason": "probes the local test server only", "expires": "2026-12-31"}]}`))
	if err != nil {
		panic(err)
	}
	scan, err := security.Parse(security.Gosec, report)
	if err != nil {
		panic(err)
	}
	scan.Relativize("/codebuild/output/src1/src", "")
	result := security.Evaluate(scan, suppressions, security.Options{
		Threshold: security.High,
		Today:     time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC),
	})
	result.WriteText(os.Stdout)
	fmt.Println("passed:", result.Passed())
	// Output:
	// FAIL      gosec G702 [HIGH] cmd/run/main.go:21: Command injection via taint analysis: os/exec.Command confidence HIGH
	// SUPPRESSED gosec G402 [HIGH] cmd/probe/main.go:18: TLS InsecureSkipVerify set to true. confidence HIGH -- probes the local test server only
	// below     gosec G104 [LOW] cmd/run/main.go:23: Errors unhandled confidence HIGH
	// velocity security: gosec 1 finding >= HIGH (1 suppressed, 1 below HIGH) FAIL
	// passed: false
}
