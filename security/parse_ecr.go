package security

import (
	"errors"
	"fmt"
	"strings"
)

// ECR is the tool name of Amazon ECR's image scan: the findings of
// `aws ecr describe-image-scan-findings`, from basic scanning or from
// enhanced scanning (Amazon Inspector). A suppression for an image finding
// names its CVE and may say "tool": "ecr".
const ECR = "ecr"

// ecrStatuses are the scan statuses whose findings can be judged: a basic
// scan that is done, and an enhanced (Inspector) scan, which stays ACTIVE
// while Inspector keeps watching the image.
var ecrStatuses = []string{"COMPLETE", "ACTIVE"}

// ecrEnhancedFinding is one Amazon Inspector finding of an image.
type ecrEnhancedFinding struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Severity    string `json:"severity"`
	// Status is ACTIVE, SUPPRESSED (by an Inspector suppression rule) or
	// CLOSED (fixed).
	Status  string `json:"status"`
	Details *struct {
		VulnerabilityID        string   `json:"vulnerabilityId"`
		RelatedVulnerabilities []string `json:"relatedVulnerabilities"`
		VulnerablePackages     []struct {
			Name    string `json:"name"`
			Version string `json:"version"`
		} `json:"vulnerablePackages"`
	} `json:"packageVulnerabilityDetails"`
}

// ParseECR reads the output of `aws ecr describe-image-scan-findings` for
// one image (the CLI joins the pages into one document). Basic scanning's
// findings are rated by ECR; enhanced scanning's by Amazon Inspector.
// Either way INFORMATIONAL counts as LOW, and a finding ECR could not rate
// (UNDEFINED, UNTRIAGED) as HIGH, so it fails the default threshold.
// Inspector findings that are SUPPRESSED (by a rule in Inspector) or
// CLOSED do not count; they are noted.
//
// A scan that is not done is an error, not a pass: a document without
// imageScanStatus, a status other than COMPLETE or ACTIVE (its description
// is quoted), and a complete scan without imageScanFindings.
func ParseECR(data []byte) (Scan, error) {
	scan := Scan{Tool: ECR}
	var report struct {
		RepositoryName string `json:"repositoryName"`
		ImageID        struct {
			Digest string `json:"imageDigest"`
			Tag    string `json:"imageTag"`
		} `json:"imageId"`
		Status *struct {
			Status      string `json:"status"`
			Description string `json:"description"`
		} `json:"imageScanStatus"`
		Findings *struct {
			Basic []struct {
				Name        string `json:"name"`
				Description string `json:"description"`
				Severity    string `json:"severity"`
				Attributes  []struct {
					Key   string `json:"key"`
					Value string `json:"value"`
				} `json:"attributes"`
			} `json:"findings"`
			Enhanced []ecrEnhancedFinding `json:"enhancedFindings"`
		} `json:"imageScanFindings"`
	}
	if err := decodeStrict(data, &report, strictOptions{}); err != nil {
		return scan, fmt.Errorf("ecr scan findings: %w", err)
	}
	if report.Status == nil {
		return scan, errors.New("ecr scan findings: no imageScanStatus; is this the output of aws ecr describe-image-scan-findings?")
	}
	if !contains(ecrStatuses, report.Status.Status) {
		return scan, fmt.Errorf("ecr scan findings: the scan's status is %q, not COMPLETE or ACTIVE: %s", report.Status.Status, report.Status.Description)
	}
	if report.Findings == nil {
		return scan, errors.New("ecr scan findings: the scan is done but the document has no imageScanFindings")
	}
	image := report.RepositoryName
	switch {
	case report.ImageID.Digest != "":
		image += "@" + report.ImageID.Digest
	case report.ImageID.Tag != "":
		image += ":" + report.ImageID.Tag
	}
	for i, f := range report.Findings.Basic {
		if f.Name == "" {
			return scan, fmt.Errorf("ecr scan findings: at imageScanFindings.findings[%d]: a finding without a name", i)
		}
		pkg := map[string]string{}
		for _, a := range f.Attributes {
			pkg[a.Key] = a.Value
		}
		scan.Findings = append(scan.Findings, ecrFinding(f.Name, nil, f.Severity, image, pkg["package_name"], pkg["package_version"], f.Description))
	}
	notCounted := map[string]int{}
	for i, f := range report.Findings.Enhanced {
		if f.Details == nil || f.Details.VulnerabilityID == "" {
			return scan, fmt.Errorf("ecr scan findings: at imageScanFindings.enhancedFindings[%d]: a finding without packageVulnerabilityDetails.vulnerabilityId", i)
		}
		if f.Status != "" && f.Status != "ACTIVE" {
			notCounted[f.Status]++
			continue
		}
		var name, version string
		if pkgs := f.Details.VulnerablePackages; len(pkgs) > 0 {
			name, version = pkgs[0].Name, pkgs[0].Version
		}
		msg := f.Title
		if msg == "" {
			msg = f.Description
		}
		scan.Findings = append(scan.Findings, ecrFinding(f.Details.VulnerabilityID, f.Details.RelatedVulnerabilities, f.Severity, image, name, version, msg))
	}
	for _, status := range sortedKeys(notCounted) {
		scan.Notes = append(scan.Notes, fmt.Sprintf("%d Amazon Inspector findings are %s and do not count", notCounted[status], status))
	}
	return scan, nil
}

// ecrFinding is one vulnerability of a package in an image.
func ecrFinding(id string, aliases []string, severity, image, pkg, version, msg string) Finding {
	loc := image
	if pkg != "" {
		loc += ": " + pkg
		if version != "" {
			loc += "@" + version
		}
	}
	return Finding{Tool: ECR, ID: id, Aliases: aliases, Severity: ecrSeverity(severity), Location: loc, Message: firstLine(msg, 200)}
}

// ecrSeverity maps ECR's and Inspector's ratings onto the four severities.
func ecrSeverity(s string) Severity {
	switch sev := Severity(strings.ToUpper(s)); {
	case sev.Valid():
		return sev
	case sev == "INFORMATIONAL":
		return Low
	}
	return High // UNDEFINED, UNTRIAGED, or a rating ECR adds later
}

// firstLine returns the first line of s, clipped at max bytes.
func firstLine(s string, max int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return clip(s, max)
}
