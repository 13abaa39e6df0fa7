package stages_test

import (
	"fmt"
	"strings"

	"github.com/velocity-cdk/velocity/security"
	"github.com/velocity-cdk/velocity/stages"
)

// A line's security checks: secrets scanning turned off with a reason, the
// dependency check failing only on CRITICAL findings, and one gosec finding
// accepted until the end of the year. The value goes in
// pipeline.Props.Security; nil runs every check with a HIGH threshold.
func ExampleOff() {
	checks := &stages.SecurityChecks{
		Secrets: stages.Off("no secrets in this repo: generated code only"),
		SCA:     stages.SecurityCheck{Threshold: security.Critical},
		Suppressions: []security.Suppression{{
			ID: "G402", Tool: "gosec", Path: "cmd/probe/",
			Reason: "probes the local test server only", Expires: "2026-12-31",
		}},
	}
	fmt.Println("problems:", checks.Validate())
	jobs, disabled := checks.Resolve(nil)
	for _, j := range jobs {
		fmt.Println(strings.TrimSpace(string(j.Check) + ": " + j.Tool + " " + string(j.Threshold)))
	}
	fmt.Printf("off: %s (%s)\n", disabled[0].Check, disabled[0].Reason)

	// Off without a reason is a mistake the line reports at synth.
	fmt.Println((&stages.SecurityChecks{SAST: stages.SecurityCheck{Off: true}}).Validate())
	// Output:
	// problems: <nil>
	// SAST: gosec v2.30.0 HIGH
	// SCA: govulncheck v1.9.0 CRITICAL
	// SBOM: cyclonedx-gomod v1.10.0
	// off: Secrets (no secrets in this repo: generated code only)
	// SAST.Reason: "" is invalid; want why the SAST check is off (audits read it), e.g. stages.Off("…")
}
