// Package security evaluates the findings of the line's security checks:
// it reads the JSON reports of gitleaks, gosec, govulncheck and osv-scanner
// (and any SARIF 2.1.0 file) into one Finding type, applies a team's
// suppressions (each with an id, a reason and an optional expiry date), and
// decides whether a check passes: no unsuppressed finding at or above the
// severity threshold, and no expired suppression.
//
// It is plain Go with no dependency outside the standard library, so the
// CodeBuild jobs of the line can run its command, velocity-check, with
// `go run` from any module that requires Velocity. The package never talks
// to AWS.
package security

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"
)

// Severity is how bad a finding is: LOW, MEDIUM, HIGH or CRITICAL. A
// check fails on unsuppressed findings at or above its threshold severity.
type Severity string

// The severities, lowest first.
const (
	Low      Severity = "LOW"
	Medium   Severity = "MEDIUM"
	High     Severity = "HIGH"
	Critical Severity = "CRITICAL"
)

// DefaultThreshold is the threshold of a check that sets none: HIGH and
// CRITICAL findings fail it.
const DefaultThreshold = High

// Severities lists the valid severities, lowest first.
var Severities = []Severity{Low, Medium, High, Critical}

// ParseSeverity reads a severity, case-insensitively.
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(strings.ToUpper(strings.TrimSpace(s)))
	if sev.rank() == 0 {
		return "", fmt.Errorf("severity %q is invalid; want one of LOW, MEDIUM, HIGH, CRITICAL", s)
	}
	return sev, nil
}

// Valid reports whether s is one of LOW, MEDIUM, HIGH and CRITICAL.
func (s Severity) Valid() bool { return s.rank() > 0 }

// AtLeast reports whether s is at or above threshold. An invalid severity
// ranks as HIGH, so an unrated finding fails the default threshold.
func (s Severity) AtLeast(threshold Severity) bool {
	r := s.rank()
	if r == 0 {
		r = High.rank()
	}
	return r >= threshold.rank()
}

func (s Severity) rank() int {
	switch s {
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	case Critical:
		return 4
	}
	return 0
}

// severityFromCVSS rates a CVSS v3/v4 base score the way NVD does:
// 0.1-3.9 LOW, 4.0-6.9 MEDIUM, 7.0-8.9 HIGH, 9.0-10.0 CRITICAL. ok is false
// when score is not a number (or is 0, "none").
func severityFromCVSS(score float64) (Severity, bool) {
	switch {
	case score >= 9:
		return Critical, true
	case score >= 7:
		return High, true
	case score >= 4:
		return Medium, true
	case score > 0:
		return Low, true
	}
	return "", false
}

// Finding is one problem a scanner reported, in the same shape whatever the
// tool.
type Finding struct {
	// Tool is the scanner: "gitleaks", "gosec", "govulncheck",
	// "osv-scanner", or the lower-cased driver name of a SARIF file.
	Tool string `json:"tool"`
	// ID is the rule or vulnerability id: "G402", "aws-access-token",
	// "GO-2021-0113", "GHSA-…".
	ID string `json:"id"`
	// Aliases are other ids of the same vulnerability ("CVE-…", "GHSA-…");
	// a suppression may name any of them.
	Aliases []string `json:"aliases,omitempty"`
	// Fingerprint identifies this one occurrence when the tool gives one
	// (gitleaks: "file:rule:line"); a suppression may name it as its id.
	Fingerprint string `json:"fingerprint,omitempty"`
	// Severity is the tool's rating, or Velocity's where the tool has none
	// (see the parsers).
	Severity Severity `json:"severity"`
	// Location says where: "file:line" for code, "module@version" for a
	// dependency.
	Location string `json:"location"`
	// File is the file of the finding, relative to the repository root,
	// with forward slashes; empty when the finding is not in one file.
	File string `json:"file,omitempty"`
	// Message describes the finding. It never holds a secret's value.
	Message string `json:"message,omitempty"`
}

// String renders the finding on one line.
func (f Finding) String() string {
	s := fmt.Sprintf("%s %s [%s] %s", f.Tool, f.ID, f.Severity, f.Location)
	if f.Message != "" {
		s += ": " + f.Message
	}
	return s
}

// Scan is what one run of a scanner found.
type Scan struct {
	// Tool is the scanner, as in Finding.Tool.
	Tool string
	// Findings are the problems it reported.
	Findings []Finding
	// Notes are things worth saying that are not findings, for example
	// vulnerabilities in required modules that the code never calls.
	Notes []string
}

// Relativize rewrites the file of every finding relative to the
// repository root: an absolute path under root loses root; a relative path
// is taken as relative to base (the directory the scanner ran in). Paths
// outside root are left absolute. Locations that start with the file are
// rewritten the same way.
func (s *Scan) Relativize(root, base string) {
	for i := range s.Findings {
		f := &s.Findings[i]
		if f.File == "" {
			continue
		}
		rel := relativize(f.File, root, base)
		if strings.HasPrefix(f.Location, f.File) {
			f.Location = rel + strings.TrimPrefix(f.Location, f.File)
		}
		f.File = rel
	}
}

func relativize(file, root, base string) string {
	p := filepath.FromSlash(file)
	if !filepath.IsAbs(p) {
		if base == "" {
			return cleanSlash(file)
		}
		p = filepath.Join(base, p)
	}
	if root != "" {
		if rel, err := filepath.Rel(root, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}

func cleanSlash(p string) string {
	return strings.TrimPrefix(path.Clean(filepath.ToSlash(p)), "./")
}
