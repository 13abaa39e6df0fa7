package security

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The scanners Parse reads.
const (
	Gitleaks    = "gitleaks"
	Gosec       = "gosec"
	Govulncheck = "govulncheck"
	OSVScanner  = "osv-scanner"
	SARIF       = "sarif"
)

// Tools lists the tool names Parse accepts.
var Tools = []string{Gitleaks, Gosec, Govulncheck, OSVScanner, SARIF}

// Parse reads the JSON report of tool (one of Tools).
func Parse(tool string, data []byte) (Scan, error) {
	switch tool {
	case Gitleaks:
		return ParseGitleaks(data)
	case Gosec:
		return ParseGosec(data)
	case Govulncheck:
		return ParseGovulncheck(data)
	case OSVScanner:
		return ParseOSVScanner(data)
	case SARIF:
		return ParseSARIF(data)
	}
	return Scan{}, fmt.Errorf("tool %q is unknown; want one of %s", tool, strings.Join(Tools, ", "))
}

// ParseGitleaks reads the report of `gitleaks dir --report-format json`
// (a JSON array of findings). gitleaks does not rate findings: a secret in
// the repository is rated CRITICAL, so it fails every threshold and only a
// suppression lets it pass. The secret itself is never copied.
func ParseGitleaks(data []byte) (Scan, error) {
	scan := Scan{Tool: Gitleaks}
	var leaks []struct {
		RuleID      string
		Description string
		StartLine   int
		File        string
		Commit      string
		Fingerprint string
	}
	if err := decodeStrict(data, &leaks, strictOptions{}); err != nil {
		return scan, fmt.Errorf("gitleaks report: %w", err)
	}
	for _, l := range leaks {
		loc := l.File + ":" + strconv.Itoa(l.StartLine)
		if l.Commit != "" {
			loc += " (commit " + short(l.Commit) + ")"
		}
		scan.Findings = append(scan.Findings, Finding{
			Tool: Gitleaks, ID: l.RuleID, Fingerprint: l.Fingerprint, Severity: Critical,
			Location: loc, File: l.File, Message: l.Description,
		})
	}
	return scan, nil
}

// ParseGosec reads the report of `gosec -fmt json`. Issues that gosec
// itself shows as suppressed (#nosec with -track-suppressions) are skipped;
// gosec's "Golang errors" (packages it could not type-check) become notes.
func ParseGosec(data []byte) (Scan, error) {
	scan := Scan{Tool: Gosec}
	var report struct {
		Errors map[string][]struct {
			Line   int    `json:"line"`
			Column int    `json:"column"`
			Error  string `json:"error"`
		} `json:"Golang errors"`
		Issues []struct {
			Severity     string            `json:"severity"`
			Confidence   string            `json:"confidence"`
			RuleID       string            `json:"rule_id"`
			Details      string            `json:"details"`
			File         string            `json:"file"`
			Line         string            `json:"line"`
			NoSec        bool              `json:"nosec"`
			Suppressions []json.RawMessage `json:"suppressions"`
			CWE          *struct {
				ID string `json:"id"`
			} `json:"cwe"`
		} `json:"Issues"`
		Stats *struct{} `json:"Stats"`
	}
	if err := decodeStrict(data, &report, strictOptions{}); err != nil {
		return scan, fmt.Errorf("gosec report: %w", err)
	}
	if report.Issues == nil && report.Stats == nil && report.Errors == nil {
		return scan, errors.New("gosec report: no Issues, Stats or \"Golang errors\"; is this the output of gosec -fmt json?")
	}
	for _, i := range report.Issues {
		if i.NoSec || len(i.Suppressions) > 0 {
			continue
		}
		sev, err := ParseSeverity(i.Severity)
		if err != nil {
			sev = High
		}
		msg := i.Details
		if i.CWE != nil && i.CWE.ID != "" {
			msg += " (CWE-" + i.CWE.ID + ")"
		}
		if i.Confidence != "" {
			msg += " confidence " + i.Confidence
		}
		scan.Findings = append(scan.Findings, Finding{
			Tool: Gosec, ID: i.RuleID, Severity: sev,
			Location: i.File + ":" + i.Line, File: i.File, Message: msg,
		})
	}
	for _, file := range sortedKeys(report.Errors) {
		for _, e := range report.Errors[file] {
			scan.Notes = append(scan.Notes, fmt.Sprintf("gosec could not type-check %s:%d: %s (findings may be incomplete)", file, e.Line, e.Error))
		}
	}
	return scan, nil
}

// govulncheck's JSON stream (`govulncheck -format json`, protocol v1).
type vulnMessage struct {
	Config *struct {
		ProtocolVersion string `json:"protocol_version"`
		ScanLevel       string `json:"scan_level"`
	} `json:"config"`
	OSV *struct {
		ID      string   `json:"id"`
		Aliases []string `json:"aliases"`
		Summary string   `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
			Receiver string `json:"receiver"`
			Position *struct {
				Filename string `json:"filename"`
				Line     int    `json:"line"`
			} `json:"position"`
		} `json:"trace"`
	} `json:"finding"`
}

// ParseGovulncheck reads the JSON stream of `govulncheck -format json`
// (source mode, symbol scan level, its default). Only vulnerabilities the
// code reaches count as findings (a finding whose trace starts at a
// vulnerable function); those in imported packages or required modules
// that the code never calls become notes. Go's vulnerability database rates
// no severity, so a reachable vulnerability is rated HIGH: it fails the
// default threshold.
func ParseGovulncheck(data []byte) (Scan, error) {
	scan := Scan{Tool: Govulncheck}
	type entry struct {
		aliases []string
		summary string
	}
	osvs := map[string]entry{}
	reached := map[string]bool{}
	unreached := map[string]bool{}
	sawConfig := false
	err := decodeStrictStream(data, strictOptions{}, func(_ int, m *vulnMessage) error {
		switch {
		case m.Config != nil:
			sawConfig = true
			if m.Config.ScanLevel != "" && m.Config.ScanLevel != "symbol" {
				scan.Notes = append(scan.Notes, "govulncheck ran at scan level "+m.Config.ScanLevel+": it cannot tell which vulnerabilities are reachable, so every one found counts")
			}
		case m.OSV != nil:
			osvs[m.OSV.ID] = entry{m.OSV.Aliases, m.OSV.Summary}
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			f := m.Finding
			symbolLevel := f.Trace[0].Function != ""
			if !symbolLevel {
				unreached[f.OSV] = true
				return nil
			}
			if reached[f.OSV] {
				return nil // another trace of the same vulnerability
			}
			reached[f.OSV] = true
			top := f.Trace[0]
			mod := top.Module
			if top.Version != "" {
				mod += "@" + top.Version
			}
			sym := top.Function
			if top.Receiver != "" {
				sym = strings.TrimPrefix(top.Receiver, "*") + "." + sym
			}
			loc := mod + " " + top.Package + "." + sym
			file := ""
			// The last frame with a position is the call in the team's code.
			for i := len(f.Trace) - 1; i > 0; i-- {
				if p := f.Trace[i].Position; p != nil && p.Filename != "" {
					file = p.Filename
					loc = p.Filename + ":" + strconv.Itoa(p.Line) + " calls " + loc
					break
				}
			}
			msg := ""
			if f.FixedVersion != "" {
				msg = "fixed in " + f.FixedVersion
			} else {
				msg = "no fixed version"
			}
			scan.Findings = append(scan.Findings, Finding{
				Tool: Govulncheck, ID: f.OSV, Severity: High, Location: loc, File: file, Message: msg,
			})
		}
		return nil
	})
	if err != nil {
		return scan, fmt.Errorf("govulncheck report: %w", err)
	}
	if !sawConfig {
		return scan, errors.New("govulncheck report: no config message; is this the output of govulncheck -format json?")
	}
	for i := range scan.Findings {
		f := &scan.Findings[i]
		if e, ok := osvs[f.ID]; ok {
			f.Aliases = e.aliases
			if e.summary != "" {
				f.Message = e.summary + " (" + f.Message + ")"
			}
		}
	}
	var ids []string
	for id := range unreached {
		if !reached[id] {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		sort.Strings(ids)
		scan.Notes = append(scan.Notes, fmt.Sprintf("%d vulnerabilities in required modules or imported packages are not reachable from the code and do not count: %s", len(ids), strings.Join(ids, ", ")))
	}
	return scan, nil
}

// ParseOSVScanner reads the report of `osv-scanner scan source --format
// json` (v2). Each group of aliases of one package is one finding, rated
// from the group's max_severity (a CVSS score: 9.0 and up CRITICAL, 7.0
// HIGH, 4.0 MEDIUM, else LOW); a group without a score is rated HIGH.
// Groups that osv-scanner's call analysis found uncalled are notes.
func ParseOSVScanner(data []byte) (Scan, error) {
	scan := Scan{Tool: OSVScanner}
	var report struct {
		Results *[]struct {
			Source struct {
				Path string `json:"path"`
				Type string `json:"type"`
			} `json:"source"`
			Packages []struct {
				Package struct {
					Name      string `json:"name"`
					Version   string `json:"version"`
					Ecosystem string `json:"ecosystem"`
				} `json:"package"`
				Vulnerabilities []struct {
					ID      string `json:"id"`
					Summary string `json:"summary"`
				} `json:"vulnerabilities"`
				Groups []struct {
					IDs         []string `json:"ids"`
					Aliases     []string `json:"aliases"`
					MaxSeverity string   `json:"max_severity"`
					Analysis    map[string]struct {
						Called bool `json:"called"`
					} `json:"experimental_analysis"`
				} `json:"groups"`
			} `json:"packages"`
		} `json:"results"`
	}
	if err := decodeStrict(data, &report, strictOptions{}); err != nil {
		return scan, fmt.Errorf("osv-scanner report: %w", err)
	}
	if report.Results == nil {
		return scan, errors.New("osv-scanner report: no results; is this the output of osv-scanner --format json?")
	}
	uncalled := 0
	for _, res := range *report.Results {
		for _, pkg := range res.Packages {
			summaries := map[string]string{}
			for _, v := range pkg.Vulnerabilities {
				summaries[v.ID] = v.Summary
			}
			for _, g := range pkg.Groups {
				if len(g.IDs) == 0 {
					continue
				}
				if len(g.Analysis) > 0 {
					called := false
					for _, a := range g.Analysis {
						called = called || a.Called
					}
					if !called {
						uncalled++
						continue
					}
				}
				sev := High
				if score, err := strconv.ParseFloat(g.MaxSeverity, 64); err == nil {
					if s, ok := severityFromCVSS(score); ok {
						sev = s
					}
				}
				id := g.IDs[0]
				var aliases []string
				for _, a := range append(append([]string{}, g.IDs[1:]...), g.Aliases...) {
					if a != id && !contains(aliases, a) {
						aliases = append(aliases, a)
					}
				}
				msg := ""
				for _, gid := range g.IDs {
					if s := summaries[gid]; s != "" {
						msg = s
						break
					}
				}
				if g.MaxSeverity == "" {
					msg = strings.TrimSpace(msg + " (no CVSS score: rated HIGH)")
				}
				pkgName := pkg.Package.Name + "@" + pkg.Package.Version
				if pkg.Package.Ecosystem != "" {
					pkgName = pkg.Package.Ecosystem + " " + pkgName
				}
				scan.Findings = append(scan.Findings, Finding{
					Tool: OSVScanner, ID: id, Aliases: aliases, Severity: sev,
					Location: res.Source.Path + ": " + pkgName, File: res.Source.Path, Message: msg,
				})
			}
		}
	}
	if uncalled > 0 {
		scan.Notes = append(scan.Notes, fmt.Sprintf("%d vulnerabilities are in code osv-scanner found uncalled and do not count", uncalled))
	}
	return scan, nil
}

// ParseSARIF reads a SARIF 2.1.0 log, the generic format of the SAST hook.
// Each result is a finding of the run's tool (its driver name, lower-cased).
// Its severity is, in order: the rule's "security-severity" property (a
// CVSS-like score, as GitHub code scanning reads it), a LOW/MEDIUM/HIGH/
// CRITICAL tag of the rule or result, or the result's level (error HIGH,
// warning MEDIUM, note and none LOW; SARIF's default level is warning).
func ParseSARIF(data []byte) (Scan, error) {
	scan := Scan{Tool: SARIF}
	type rule struct {
		ID                   string `json:"id"`
		DefaultConfiguration *struct {
			Level string `json:"level"`
		} `json:"defaultConfiguration"`
		Properties map[string]interface{} `json:"properties"`
	}
	var log struct {
		Version string `json:"version"`
		Runs    *[]struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []rule `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Properties map[string]interface{} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := decodeStrict(data, &log, strictOptions{}); err != nil {
		return scan, fmt.Errorf("SARIF log: %w", err)
	}
	if log.Runs == nil {
		return scan, errors.New("SARIF log: no runs; want a SARIF 2.1.0 log")
	}
	for _, run := range *log.Runs {
		tool := strings.ToLower(strings.TrimSpace(run.Tool.Driver.Name))
		if tool == "" {
			tool = SARIF
		}
		if scan.Tool == SARIF {
			scan.Tool = tool
		}
		rules := map[string]rule{}
		for _, r := range run.Tool.Driver.Rules {
			rules[r.ID] = r
		}
		for _, res := range run.Results {
			r, ok := rules[res.RuleID]
			if !ok && res.RuleIndex != nil && *res.RuleIndex >= 0 && *res.RuleIndex < len(run.Tool.Driver.Rules) {
				r = run.Tool.Driver.Rules[*res.RuleIndex]
			}
			id := res.RuleID
			if id == "" {
				id = r.ID
			}
			level := res.Level
			if level == "" && r.DefaultConfiguration != nil {
				level = r.DefaultConfiguration.Level
			}
			sev, ok := severityFromProps(r.Properties)
			if !ok {
				sev, ok = severityFromProps(res.Properties)
			}
			if !ok {
				sev = severityFromLevel(level)
			}
			f := Finding{Tool: tool, ID: id, Severity: sev, Message: res.Message.Text}
			if len(res.Locations) > 0 {
				pl := res.Locations[0].PhysicalLocation
				f.File = strings.TrimPrefix(pl.ArtifactLocation.URI, "file://")
				f.Location = f.File
				if pl.Region.StartLine > 0 {
					f.Location += ":" + strconv.Itoa(pl.Region.StartLine)
				}
			}
			scan.Findings = append(scan.Findings, f)
		}
	}
	return scan, nil
}

// severityFromProps rates a SARIF rule or result from its property bag:
// "security-severity" (a score) first, then a LOW…CRITICAL tag. The bag is
// free-form, so it is a map: its keys are matched exactly.
func severityFromProps(p map[string]interface{}) (Severity, bool) {
	if p == nil {
		return "", false
	}
	var score float64
	switch v := p["security-severity"].(type) {
	case string:
		score, _ = strconv.ParseFloat(v, 64)
	case float64:
		score = v
	}
	if s, ok := severityFromCVSS(score); ok {
		return s, true
	}
	tags, _ := p["tags"].([]interface{})
	for _, t := range tags {
		if t, ok := t.(string); ok {
			if s := Severity(strings.ToUpper(t)); s.Valid() {
				return s, true
			}
		}
	}
	return "", false
}

func severityFromLevel(level string) Severity {
	switch level {
	case "error":
		return High
	case "note", "none":
		return Low
	}
	return Medium
}

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
