package security

import (
	"strings"
	"testing"
	"time"
)

func TestParseECRDetails(t *testing.T) {
	basic, err := ParseECR(fixture(t, "ecr-basic.json"))
	if err != nil {
		t.Fatal(err)
	}
	f := basic.Findings[0]
	if want := "cdk-hnb659fds-container-assets-111111111111-eu-west-1@sha256:4d5e7f0c1b2a39486a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b: golang.org/x/crypto@0.27.0"; f.Location != want {
		t.Errorf("location = %q, want %q", f.Location, want)
	}
	if m := basic.Findings[1].Message; strings.Contains(m, "\n") || !strings.HasPrefix(m, "An attacker may cause") {
		t.Errorf("message = %q, want the description's first line", m)
	}
	if loc := basic.Findings[2].Location; strings.Contains(loc, ": ") {
		t.Errorf("a finding without package attributes has location %q, want the image alone", loc)
	}

	enhanced, err := ParseECR(fixture(t, "ecr-enhanced.json"))
	if err != nil {
		t.Fatal(err)
	}
	f = enhanced.Findings[0]
	if f.Message != "CVE-2024-45337 - golang.org/x/crypto" || strings.Join(f.Aliases, ",") != "GHSA-v778-237x-gjrc" || !strings.HasSuffix(f.Location, ": golang.org/x/crypto@v0.27.0") {
		t.Errorf("enhanced finding = %+v", f)
	}
	if m := enhanced.Findings[1].Message; m != "A finding Inspector has not rated yet." {
		t.Errorf("a finding without a title has message %q, want its description", m)
	}
}

// A suppression in the repository's file accepts an image finding by its
// CVE or an alias, and expires like any other.
func TestECRSuppressions(t *testing.T) {
	scan, err := ParseECR(fixture(t, "ecr-enhanced.json"))
	if err != nil {
		t.Fatal(err)
	}
	sups := []Suppression{
		{ID: "GHSA-v778-237x-gjrc", Tool: "ecr", Reason: "the server never uses SSH"},
		{ID: "CVE-2025-0001", Reason: "busybox is not in the final image's path", Expires: "2026-11-30"},
	}
	res := Evaluate(scan, sups, Options{Threshold: High, Today: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)})
	if len(res.Suppressed) != 1 || len(res.Expired) != 1 || len(res.Failing) != 1 || res.Passed() {
		t.Errorf("result = %d suppressed, %d expired, %d failing, passed %v; want 1, 1, 1 and a failure", len(res.Suppressed), len(res.Expired), len(res.Failing), res.Passed())
	}
}

// A scan that is not done, or a document that is not a scan's, never
// passes.
func TestParseECRRefusesUnfinishedScans(t *testing.T) {
	for name, tt := range map[string]struct{ data, want string }{
		"in progress":   {string(fixture(t, "ecr-in-progress.json")), `status is "IN_PROGRESS", not COMPLETE or ACTIVE: The scan is in progress.`},
		"failed":        {`{"imageScanStatus": {"status": "FAILED", "description": "UnsupportedImageError: The operating system is not supported"}}`, "UnsupportedImageError"},
		"no status":     {`{"repositoryName": "r"}`, "no imageScanStatus"},
		"no findings":   {`{"imageScanStatus": {"status": "COMPLETE"}}`, "no imageScanFindings"},
		"nameless":      {`{"imageScanStatus": {"status": "COMPLETE"}, "imageScanFindings": {"findings": [{"severity": "HIGH"}]}}`, "findings[0]: a finding without a name"},
		"no vuln id":    {`{"imageScanStatus": {"status": "ACTIVE"}, "imageScanFindings": {"enhancedFindings": [{"severity": "HIGH", "status": "ACTIVE"}]}}`, "enhancedFindings[0]: a finding without"},
		"not an object": {`[]`, "ecr scan findings"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseECR([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
