package security

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
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
var Tools = []string{Gitleaks, Gosec, Govulncheck, OSVScanner, SARIF, ECR}

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
	case ECR:
		return ParseECR(data)
	}
	return Scan{}, fmt.Errorf("tool %q is unknown; want one of %s", tool, strings.Join(Tools, ", "))
}

// gitleaksLeak is one finding of gitleaks' JSON report; gitleaks names
// its keys after its Go fields ("RuleID", "StartLine", …).
type gitleaksLeak struct {
	RuleID      string
	Description string
	StartLine   int
	File        string
	Commit      string
	Fingerprint string
}

// ParseGitleaks reads the report of `gitleaks dir --report-format json`
// (a JSON array of findings; [] when there are none). gitleaks does not
// rate findings: a secret in the repository is rated CRITICAL, so it fails
// every threshold and only a suppression lets it pass. The secret itself
// is never copied. A report that is not an array (null, an object) is an
// error, and so is a null finding.
func ParseGitleaks(data []byte) (Scan, error) {
	scan := Scan{Tool: Gitleaks}
	var leaks []*gitleaksLeak
	if err := decodeStrict(data, &leaks, strictOptions{}); err != nil {
		return scan, fmt.Errorf("gitleaks report: %w", err)
	}
	for i, l := range leaks {
		if l == nil {
			return scan, fmt.Errorf("gitleaks report: at [%d]: null, not a finding object", i)
		}
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
//
// A report that does not show that gosec scanned code is an error: one
// without an Issues list or without its Stats ({"files", "lines", "nosec",
// "found"}, each present), one whose Stats say no file was scanned (every
// package failed to type-check, or there was no Go code), and one whose
// Stats count more issues than it lists.
func ParseGosec(data []byte) (Scan, error) {
	scan := Scan{Tool: Gosec}
	var report struct {
		Errors map[string][]gosecError `json:"Golang errors"`
		Issues *[]struct {
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
		Stats *struct {
			Files *int `json:"files"`
			Lines *int `json:"lines"`
			NoSec *int `json:"nosec"`
			Found *int `json:"found"`
		} `json:"Stats"`
	}
	if err := decodeStrict(data, &report, strictOptions{}); err != nil {
		return scan, fmt.Errorf("gosec report: %w", err)
	}
	if report.Issues == nil && report.Stats == nil && report.Errors == nil {
		return scan, errors.New("gosec report: no Issues, Stats or \"Golang errors\"; is this the output of gosec -fmt json?")
	}
	if report.Stats == nil {
		return scan, errors.New("gosec report: no Stats; without gosec's scan statistics nothing shows that it scanned any code")
	}
	st := report.Stats
	var missing []string
	for _, c := range []struct {
		name string
		n    *int
	}{{"files", st.Files}, {"lines", st.Lines}, {"nosec", st.NoSec}, {"found", st.Found}} {
		if c.n == nil {
			missing = append(missing, `"`+c.name+`"`)
		} else if *c.n < 0 {
			return scan, fmt.Errorf("gosec report: Stats.%s is %d; a count is never negative", c.name, *c.n)
		}
	}
	if len(missing) > 0 {
		return scan, fmt.Errorf("gosec report: Stats lacks %s; want gosec's scan statistics {\"files\", \"lines\", \"nosec\", \"found\"}", strings.Join(missing, ", "))
	}
	if report.Issues == nil {
		return scan, errors.New("gosec report: no Issues list (absent or null); gosec writes \"Issues\": [] when it finds nothing")
	}
	if *st.Files == 0 {
		if n, first := countGosecErrors(report.Errors); n > 0 {
			return scan, fmt.Errorf("gosec report: gosec scanned no file (Stats.files is 0) and could not type-check the code (%d %s, first: %s), so it checked nothing; fix the build errors", n, plural(n, "error", "errors"), first)
		}
		return scan, errors.New("gosec report: gosec scanned no file (Stats.files is 0), so it checked nothing; check the directory, build tags and -exclude flags it ran with")
	}
	if found, listed := *st.Found, len(*report.Issues); found > listed {
		return scan, fmt.Errorf("gosec report: Stats.found is %d but Issues lists %d; the report is incomplete", found, listed)
	}
	for _, i := range *report.Issues {
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

// gosecError is one of gosec's "Golang errors" of a file.
type gosecError struct {
	Line   int    `json:"line"`
	Column int    `json:"column"`
	Error  string `json:"error"`
}

// countGosecErrors counts gosec's type-check errors and renders the
// first one (by file name).
func countGosecErrors(errs map[string][]gosecError) (int, string) {
	n, first := 0, ""
	for _, file := range sortedKeys(errs) {
		for _, e := range errs[file] {
			if n == 0 {
				first = clip(fmt.Sprintf("%s:%d: %s", file, e.Line, e.Error), maxText)
			}
			n++
		}
	}
	return n, first
}

// govulncheck's JSON stream (`govulncheck -format json`, protocol v1):
// a config message first, then progress, SBOM, osv and finding messages.
type vulnMessage struct {
	Config *struct {
		ProtocolVersion string `json:"protocol_version"`
		ScanLevel       string `json:"scan_level"`
	} `json:"config"`
	Progress *struct {
		Message string `json:"message"`
	} `json:"progress"`
	SBOM *struct {
		GoVersion string `json:"go_version"`
	} `json:"SBOM"`
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
// that the code never calls become notes. At the package or module scan
// level govulncheck cannot tell, so every vulnerability found counts. Go's
// vulnerability database rates no severity, so a counted vulnerability is
// rated HIGH: it fails the default threshold.
//
// The stream must start with its one config message (protocol v1) and show
// that a scan ran (a progress, SBOM or finding message); a finding without
// a trace still counts, and one without an osv id is an error.
func ParseGovulncheck(data []byte) (Scan, error) {
	scan := Scan{Tool: Govulncheck}
	type entry struct {
		aliases []string
		summary string
	}
	osvs := map[string]entry{}
	reached := map[string]bool{}
	unreached := map[string]bool{}
	symbolLevel, scanned := true, false
	err := decodeStrictStream(data, strictOptions{}, func(i int, m *vulnMessage) error {
		if i == 0 && m.Config == nil {
			return errors.New("no config message at the start of the stream; is this the output of govulncheck -format json?")
		}
		// A message is one of these kinds; one that claims more than one is
		// read as each of them, so that none is dropped.
		if m.Config != nil {
			if i > 0 {
				return fmt.Errorf("value %d: a second config message; want one govulncheck run per report", i)
			}
			if v := m.Config.ProtocolVersion; !strings.HasPrefix(v, "v1.") {
				return fmt.Errorf("config: protocol_version %s; want v1.x", quoteClip(v))
			}
			if lvl := m.Config.ScanLevel; lvl != "" && lvl != "symbol" {
				symbolLevel = false
				scan.Notes = append(scan.Notes, "govulncheck ran at scan level "+clip(lvl, maxKeyShown)+": it cannot tell which vulnerabilities are reachable, so every one found counts")
			}
		}
		if m.Progress != nil || m.SBOM != nil {
			scanned = true
		}
		if m.OSV != nil {
			osvs[m.OSV.ID] = entry{m.OSV.Aliases, m.OSV.Summary}
		}
		if m.Finding == nil {
			return nil
		}
		scanned = true
		f := m.Finding
		if f.OSV == "" {
			return fmt.Errorf("value %d: a finding without an osv id", i)
		}
		if len(f.Trace) > 0 && symbolLevel && f.Trace[0].Function == "" {
			unreached[f.OSV] = true
			return nil
		}
		if reached[f.OSV] {
			return nil // another trace of the same vulnerability
		}
		reached[f.OSV] = true
		msg := "no fixed version"
		if f.FixedVersion != "" {
			msg = "fixed in " + f.FixedVersion
		}
		if len(f.Trace) == 0 {
			scan.Findings = append(scan.Findings, Finding{
				Tool: Govulncheck, ID: f.OSV, Severity: High, Location: "(govulncheck gave no trace)", Message: msg,
			})
			return nil
		}
		top := f.Trace[0]
		loc := top.Module
		if top.Version != "" {
			loc += "@" + top.Version
		}
		if top.Function != "" {
			sym := top.Function
			if top.Receiver != "" {
				sym = strings.TrimPrefix(top.Receiver, "*") + "." + sym
			}
			loc += " " + top.Package + "." + sym
		} else if top.Package != "" {
			loc += " " + top.Package
		}
		file := ""
		// The last frame with a position is the call in the team's code.
		for i := len(f.Trace) - 1; i > 0; i-- {
			if p := f.Trace[i].Position; p != nil && p.Filename != "" {
				file = p.Filename
				loc = p.Filename + ":" + strconv.Itoa(p.Line) + " calls " + loc
				break
			}
		}
		if loc == "" {
			loc = "(govulncheck gave no module)"
		}
		scan.Findings = append(scan.Findings, Finding{
			Tool: Govulncheck, ID: f.OSV, Severity: High, Location: loc, File: file, Message: msg,
		})
		return nil
	})
	if err != nil {
		return scan, fmt.Errorf("govulncheck report: %w", err)
	}
	if !scanned {
		return scan, errors.New("govulncheck report: only a config message: no progress, SBOM or finding shows that govulncheck scanned anything")
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
		scan.Notes = append(scan.Notes, fmt.Sprintf("%d vulnerabilities in required modules or imported packages are not reachable from the code and do not count: %s", len(ids), listSome(ids)))
	}
	return scan, nil
}

// osvVuln is an OSV record in osv-scanner's report.
type osvVuln struct {
	ID       string   `json:"id"`
	Summary  string   `json:"summary"`
	Aliases  []string `json:"aliases"`
	Severity []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	// DatabaseSpecific is free-form; GitHub's advisories rate in
	// "severity" (LOW, MODERATE, HIGH, CRITICAL).
	DatabaseSpecific map[string]interface{} `json:"database_specific"`
}

// ParseOSVScanner reads the report of `osv-scanner scan source --format
// json` (v2). Each group of aliases of one package is one finding, rated
// from the group's max_severity (a CVSS score: 9.0 and up CRITICAL, 7.0
// HIGH, 4.0 MEDIUM, else LOW); a group without a score is rated HIGH.
// Groups that osv-scanner's call analysis found uncalled are notes.
//
// A vulnerability that no group lists is a finding of its own, rated the
// highest its record shows (a numeric score, or the advisory's own
// rating), and at least HIGH when it has a CVSS vector or nothing to rate
// it by. A report without results, or with a group without ids, is an
// error.
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
				Vulnerabilities []osvVuln `json:"vulnerabilities"`
				Groups          []struct {
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
	for ri, res := range *report.Results {
		for pi, pkg := range res.Packages {
			pkgName := pkg.Package.Name + "@" + pkg.Package.Version
			if pkg.Package.Ecosystem != "" {
				pkgName = pkg.Package.Ecosystem + " " + pkgName
			}
			finding := func(id string, aliases []string, sev Severity, msg string) {
				scan.Findings = append(scan.Findings, Finding{
					Tool: OSVScanner, ID: id, Aliases: aliases, Severity: sev,
					Location: res.Source.Path + ": " + pkgName, File: res.Source.Path, Message: msg,
				})
			}
			summaries := map[string]string{}
			for _, v := range pkg.Vulnerabilities {
				summaries[v.ID] = v.Summary
			}
			grouped := map[string]bool{}
			for gi, g := range pkg.Groups {
				if len(g.IDs) == 0 {
					return scan, fmt.Errorf("osv-scanner report: at results[%d].packages[%d].groups[%d]: a group without ids", ri, pi, gi)
				}
				for _, id := range g.IDs {
					grouped[id] = true
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
				finding(id, aliases, sev, msg)
			}
			for vi, v := range pkg.Vulnerabilities {
				if grouped[v.ID] {
					continue
				}
				id := v.ID
				if id == "" {
					id = fmt.Sprintf("results[%d].packages[%d].vulnerabilities[%d]", ri, pi, vi)
				}
				var aliases []string
				for _, a := range v.Aliases {
					if a != id && !contains(aliases, a) {
						aliases = append(aliases, a)
					}
				}
				sev, how := osvVulnSeverity(v)
				finding(id, aliases, sev, strings.TrimSpace(v.Summary+" (in no group of the report: "+how+")"))
			}
		}
	}
	if uncalled > 0 {
		scan.Notes = append(scan.Notes, fmt.Sprintf("%d vulnerabilities are in code osv-scanner found uncalled and do not count", uncalled))
	}
	return scan, nil
}

// osvVulnSeverity rates an OSV record that osv-scanner grouped with no
// score: the highest of its numeric scores and its advisory's own rating,
// and at least HIGH when it has a score that is not a number (a CVSS
// vector) or nothing to rate it by. how says which.
func osvVulnSeverity(v osvVuln) (Severity, string) {
	var sev Severity
	vector := false
	for _, s := range v.Severity {
		if score, err := strconv.ParseFloat(s.Score, 64); err == nil {
			if r, ok := severityFromCVSS(score); ok {
				sev = maxSeverity(sev, r)
			}
			continue
		}
		vector = true
	}
	if r, ok := v.DatabaseSpecific["severity"].(string); ok {
		switch strings.ToUpper(r) {
		case "LOW":
			sev = maxSeverity(sev, Low)
		case "MODERATE", "MEDIUM":
			sev = maxSeverity(sev, Medium)
		case "HIGH":
			sev = maxSeverity(sev, High)
		case "CRITICAL":
			sev = maxSeverity(sev, Critical)
		}
	}
	switch {
	case sev == "":
		return High, "no rating: rated HIGH"
	case vector && !sev.AtLeast(High):
		return High, "a CVSS vector Velocity does not score: rated HIGH"
	}
	return sev, "rated from its record"
}

func maxSeverity(a, b Severity) Severity {
	if a.rank() >= b.rank() {
		return a
	}
	return b
}

// ParseSARIF reads a SARIF 2.1.0 log, the generic format of the SAST hook.
// Each result that reports a problem is a finding of the run's tool (its
// driver name, lower-cased). Its severity is, in order: the rule's
// "security-severity" property (a CVSS-like score, as GitHub code scanning
// reads it), a LOW/MEDIUM/HIGH/CRITICAL tag of the rule or result, or the
// result's level (error HIGH, warning MEDIUM, note and none LOW; SARIF's
// default level is warning).
//
// As the SARIF specification says (§3.27.9, §3.27.23, §3.35.3): a result
// of kind "pass", "informational" or "notApplicable" reports no problem,
// and one whose suppressions all have status "accepted" (or no status) is
// suppressed; neither is a finding, and the notes count them. Results of
// kind "review" and "open" (the tool could not decide) are findings, rated
// HIGH when nothing else rates them (their level is "none"); a suppression
// "underReview" or "rejected" suppresses nothing.
//
// A log that cannot show a complete scan is an error: a version other than
// 2.1.0, no runs, a run whose results are absent or null (SARIF: the tool
// failed to start or to analyze), and an invocation that did not succeed.
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
			Invocations []struct {
				ExecutionSuccessful *bool `json:"executionSuccessful"`
			} `json:"invocations"`
			Results *[]struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Rule      *struct {
					ID    string `json:"id"`
					Index *int   `json:"index"`
				} `json:"rule"`
				Kind    string `json:"kind"`
				Level   string `json:"level"`
				Message struct {
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
				Suppressions []struct {
					Kind          string `json:"kind"`
					Status        string `json:"status"`
					Justification string `json:"justification"`
				} `json:"suppressions"`
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
	if len(*log.Runs) == 0 {
		return scan, errors.New("SARIF log: runs is empty: no tool ran; want one run per tool")
	}
	if log.Version != "2.1.0" {
		return scan, fmt.Errorf("SARIF log: version %s; want \"2.1.0\"", quoteClip(log.Version))
	}
	var notFailures, suppressed []string
	for ri, run := range *log.Runs {
		tool := strings.ToLower(strings.TrimSpace(run.Tool.Driver.Name))
		if tool == "" {
			tool = SARIF
		}
		if scan.Tool == SARIF {
			scan.Tool = tool
		}
		for ii, inv := range run.Invocations {
			if inv.ExecutionSuccessful != nil && !*inv.ExecutionSuccessful {
				return scan, fmt.Errorf("SARIF log: runs[%d].invocations[%d].executionSuccessful is false: %s reports that it failed", ri, ii, clip(tool, maxKeyShown))
			}
		}
		if run.Results == nil {
			return scan, fmt.Errorf("SARIF log: runs[%d].results is absent or null: per SARIF, %s failed to start or to analyze (a run without findings has \"results\": [])", ri, clip(tool, maxKeyShown))
		}
		rules := map[string]rule{}
		for _, r := range run.Tool.Driver.Rules {
			rules[r.ID] = r
		}
		for _, res := range *run.Results {
			ruleID, ruleIndex := res.RuleID, res.RuleIndex
			if res.Rule != nil {
				if ruleID == "" {
					ruleID = res.Rule.ID
				}
				if ruleIndex == nil {
					ruleIndex = res.Rule.Index
				}
			}
			r, ok := rules[ruleID]
			if !ok && ruleIndex != nil && *ruleIndex >= 0 && *ruleIndex < len(run.Tool.Driver.Rules) {
				r = run.Tool.Driver.Rules[*ruleIndex]
			}
			id := ruleID
			if id == "" {
				id = r.ID
			}
			f := Finding{Tool: tool, ID: id, Message: res.Message.Text}
			if len(res.Locations) > 0 {
				pl := res.Locations[0].PhysicalLocation
				f.File = strings.TrimPrefix(pl.ArtifactLocation.URI, "file://")
				f.Location = f.File
				if pl.Region.StartLine > 0 {
					f.Location += ":" + strconv.Itoa(pl.Region.StartLine)
				}
			}
			switch res.Kind {
			case "pass", "informational", "notApplicable":
				notFailures = append(notFailures, res.Kind+" "+describe(f))
				continue
			}
			if why, ok := sarifSuppressed(res.Suppressions); ok {
				suppressed = append(suppressed, describe(f)+" ("+why+")")
				continue
			}
			level := res.Level
			if level == "" && r.DefaultConfiguration != nil {
				level = r.DefaultConfiguration.Level
			}
			sev, ok := severityFromProps(r.Properties)
			if !ok {
				sev, ok = severityFromProps(res.Properties)
			}
			switch {
			case ok:
			case (res.Kind == "review" || res.Kind == "open") && (res.Level == "" || res.Level == "none"):
				sev = High
				f.Message = strings.TrimSpace(f.Message + " (kind " + res.Kind + ": the tool could not decide; rated HIGH)")
			default:
				sev = severityFromLevel(level)
			}
			f.Severity = sev
			scan.Findings = append(scan.Findings, f)
		}
	}
	if n := len(notFailures); n > 0 {
		scan.Notes = append(scan.Notes, fmt.Sprintf("%d %s of kind pass, informational or notApplicable report no problem and do not count: %s", n, plural(n, "result", "results"), listSome(notFailures)))
	}
	if n := len(suppressed); n > 0 {
		scan.Notes = append(scan.Notes, fmt.Sprintf("%d %s suppressed in the SARIF log (status accepted) and do not count: %s", n, plural(n, "result is", "results are"), listSome(suppressed)))
	}
	return scan, nil
}

// sarifSuppressed reports whether a result's suppressions suppress it:
// there is at least one, and every one is accepted (a suppression without
// a status is accepted). why quotes the kind and justification.
func sarifSuppressed(sups []struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}) (why string, ok bool) {
	if len(sups) == 0 {
		return "", false
	}
	for _, s := range sups {
		if s.Status != "" && s.Status != "accepted" {
			return "", false
		}
	}
	why = sups[0].Kind
	if why == "" {
		why = "suppressed"
	}
	if j := strings.TrimSpace(sups[0].Justification); j != "" {
		why += ": " + j
	}
	return clip(why, maxKeyShown*2), true
}

// describe names a finding briefly, for a note: its id and location.
func describe(f Finding) string {
	s := f.ID
	if s == "" {
		s = "(no rule id)"
	}
	if f.Location != "" {
		s += " " + f.Location
	}
	return clip(s, maxKeyShown*2)
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

// maxNoted is how many items a note lists before it only counts the rest.
const maxNoted = 10

// listSome joins items for a note: at most maxNoted, then how many more.
func listSome(items []string) string {
	if len(items) <= maxNoted {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:maxNoted], ", ") + fmt.Sprintf(", … and %d more", len(items)-maxNoted)
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

// sortedKeys returns the keys of m in order, for output that does not
// change from run to run.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
