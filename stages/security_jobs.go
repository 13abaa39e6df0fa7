package stages

import (
	"encoding/json"
	"strings"

	"github.com/velocity-cdk/velocity/security"
)

// resolver writes the commands of the checks for one build.
type resolver struct {
	s      *SecurityChecks
	build  *Build
	preset *Preset
}

// srcDir is the repository root in the job's shell.
const srcDir = `"$CODEBUILD_SRC_DIR"`

// dirIn returns the shell path of a directory relative to the repository
// root. Directories are validated: no quotes, spaces or "$".
func dirIn(dir string) string {
	dir = strings.Trim(dir, "/")
	if dir == "" || dir == "." {
		return srcDir
	}
	return `"$CODEBUILD_SRC_DIR/` + dir + `"`
}

// moduleDir is the Go module the checker runs from and the Go checks scan.
func (r resolver) moduleDir() string {
	if r.s.ModuleDirectory != "" {
		return dirIn(r.s.ModuleDirectory)
	}
	return dirIn(r.build.Directory)
}

func (r resolver) suppressionsFile() string {
	f := r.s.SuppressionsFile
	if f == "" {
		f = security.DefaultSuppressionsFile
	}
	return `"$CODEBUILD_SRC_DIR/` + strings.TrimPrefix(f, "./") + `"`
}

func (r resolver) threshold(c SecurityCheck) security.Severity {
	if c.Threshold != "" {
		return security.Severity(strings.ToUpper(string(c.Threshold)))
	}
	if r.s.Threshold != "" {
		return security.Severity(strings.ToUpper(string(r.s.Threshold)))
	}
	return security.DefaultThreshold
}

// setup is the start of every job's install phase: where reports, raw
// scanner output and installed tools go. Reports and tools stay outside
// the scanned sources until the scan is done; $VELOCITY_OUT is a fresh
// temporary directory.
func (r resolver) setup() []string {
	return []string{
		`export REPORTS_DIR="$CODEBUILD_SRC_DIR/` + securityReportsDir + `" VELOCITY_OUT="$(mktemp -d)" GOBIN="$HOME/.velocity/bin" && export PATH="$GOBIN:$PATH"`,
	}
}

// checker returns the velocity-check command line with args.
func (r resolver) checker(args string) string {
	if v := r.s.CheckerVersion; v != "" {
		return "(cd " + srcDir + " && go run " + CheckerPackage + "@" + v + " " + args + ")"
	}
	return "(cd " + r.moduleDir() + " && go run " + CheckerPackage + " " + args + ")"
}

// judge returns the velocity-check command that judges the report of tool
// at input, whose relative paths are relative to base.
func (r resolver) judge(tool, input, base string, threshold security.Severity) string {
	return r.judgeAs(tool, tool, input, base, threshold)
}

// judgeAs is judge with the JUnit report named report.xml.
func (r resolver) judgeAs(tool, report, input, base string, threshold security.Severity) string {
	args := "-tool " + tool + ` -input "` + input + `" -threshold ` + string(threshold) +
		" -root " + srcDir + " -base " + base +
		" -suppressions " + r.suppressionsFile()
	if len(r.s.Suppressions) > 0 {
		args += ` -suppressions-json "$VELOCITY_SUPPRESSIONS"`
	}
	args += ` -junit "$REPORTS_DIR/` + report + `.xml"`
	return r.checker(args)
}

func goInstall(pkg, version string) string { return "go install " + pkg + "@" + version }

// gitleaks scans every file of the source; the source artifact has no git
// history, so it scans the files (gitleaks dir), not commits.
func (r resolver) gitleaks(c SecurityCheck) SecurityJob {
	th := r.threshold(c)
	return SecurityJob{
		Tool: "gitleaks " + GitleaksVersion, Threshold: th, Reports: true,
		Install: []string{goInstall(gitleaksPackage, GitleaksVersion)},
		Commands: []string{
			"cd " + srcDir + ` && gitleaks dir . --report-format json --report-path "$VELOCITY_OUT/gitleaks.json" --exit-code 0 --redact --no-banner`,
			r.judge(security.Gitleaks, "$VELOCITY_OUT/gitleaks.json", srcDir, th),
		},
	}
}

// gosec analyzes the Go module; its -severity flag drops what is below the
// threshold (gosec rates nothing above HIGH).
func (r resolver) gosec(c SecurityCheck) SecurityJob {
	th := r.threshold(c)
	flag := strings.ToLower(string(th))
	if th == security.Critical {
		flag = "high"
	}
	return SecurityJob{
		Tool: "gosec " + GosecVersion, Threshold: th, Reports: true,
		Install: []string{goInstall(gosecPackage, GosecVersion)},
		Commands: []string{
			"cd " + r.moduleDir() + ` && gosec -no-fail -exclude-generated -severity ` + flag + ` -fmt json -out "$VELOCITY_OUT/gosec.json" ./...`,
			r.judge(security.Gosec, "$VELOCITY_OUT/gosec.json", r.moduleDir(), th),
		},
	}
}

// govulncheck checks the Go module at its default scan level, symbol: only
// vulnerabilities the code reaches count.
func (r resolver) govulncheck(c SecurityCheck) SecurityJob {
	th := r.threshold(c)
	return SecurityJob{
		Tool: "govulncheck " + GovulncheckVersion, Threshold: th, Reports: true,
		Install: []string{goInstall(govulncheckPackage, GovulncheckVersion)},
		Commands: []string{
			"cd " + r.moduleDir() + ` && rc=0 && { govulncheck -format json ./... > "$VELOCITY_OUT/govulncheck.json" 2> "$VELOCITY_OUT/scanner.err" || rc=$?; } && ` +
				scannerStderr + ` && ` + unreachableCheck("govulncheck", "0"),
			r.judge(security.Govulncheck, "$VELOCITY_OUT/govulncheck.json", r.moduleDir(), th),
		},
	}
}

// osvCommand runs osv-scanner over every lockfile of the repository.
// osv-scanner exits 1 when it finds vulnerabilities, which is for
// velocity-check to judge; any other failure fails the job.
func osvCommand(format, output string) string {
	return "cd " + srcDir + ` && rc=0 && { osv-scanner scan source -r --allow-no-lockfiles ` + format + ` --output-file "` + output + `" . 2> "$VELOCITY_OUT/scanner.err" || rc=$?; } && ` +
		scannerStderr + ` && ` + unreachableCheck("osv-scanner", "1")
}

// unreachableCheck fails a scanner run that exited above okExit, and says
// plainly when the scanner could not reach its vulnerability database: the
// check cannot pass without it (it fails closed), and the local runner
// reports it as offline rather than as a finding.
func unreachableCheck(scanner, okExit string) string {
	return `if [ "$rc" -gt ` + okExit + ` ]; then ` +
		`if grep -qE 'fetching vulnerabilities|dial tcp|no such host|connection refused|i/o timeout|TLS handshake timeout' "$VELOCITY_OUT/scanner.err"; then ` +
		`echo "velocity security: vulnerability database unreachable (` + scanner + ` could not fetch it): the check cannot pass without it" >&2; ` +
		`else echo "velocity security: ` + scanner + ` failed with exit code $rc" >&2; fi; false; fi`
}

func (r resolver) osvScanner(c SecurityCheck) SecurityJob {
	th := r.threshold(c)
	return SecurityJob{
		Tool: "osv-scanner " + OSVScannerVersion, Threshold: th, Reports: true,
		Install: []string{goInstall(osvScannerPackage, OSVScannerVersion)},
		Commands: []string{
			osvCommand("--format json", "$VELOCITY_OUT/osv-scanner.json"),
			r.judge(security.OSVScanner, "$VELOCITY_OUT/osv-scanner.json", srcDir, th),
		},
	}
}

// sbomFile is where the SBOM jobs write the SBOM.
const sbomFile = "$VELOCITY_OUT/sbom.cdx.json"

// storeSBOM checks the SBOM, uploads it to the artifact bucket under
// sbom/<pipeline execution id>/ and exports its URI.
func (r resolver) storeSBOM() []string {
	return []string{
		r.checker(`-tool cyclonedx -input "$VELOCITY_SBOM"`),
		`export SBOM_URI="s3://$VELOCITY_ARTIFACT_BUCKET/sbom/${PIPELINE_EXECUTION_ID:-codebuild-$CODEBUILD_BUILD_NUMBER}/sbom.cdx.json"` +
			` && aws s3 cp "$VELOCITY_SBOM" "$SBOM_URI" --only-show-errors` +
			` && echo "velocity security: sbom stored at $SBOM_URI (pipeline variable ` + SBOMVariablesNamespace + `.SBOM_URI)"`,
	}
}

func (r resolver) sbomJob(tool string, install []string, commands []string) SecurityJob {
	return SecurityJob{
		Tool:              tool,
		Install:           append([]string{`export VELOCITY_SBOM="` + sbomFile + `"`}, install...),
		Commands:          append(commands, r.storeSBOM()...),
		ExportedVariables: []string{"SBOM_URI"},
	}
}

func (r resolver) cyclonedxGomod() SecurityJob {
	return r.sbomJob("cyclonedx-gomod "+CycloneDXGomodVersion,
		[]string{goInstall(cycloneDXGomodPackage, CycloneDXGomodVersion)},
		[]string{"cd " + r.moduleDir() + ` && cyclonedx-gomod mod -json -licenses -output "$VELOCITY_SBOM" .`})
}

// osvSBOM lists every package of every lockfile (--all-packages: without
// it, osv-scanner's CycloneDX output lists only vulnerable packages).
func (r resolver) osvSBOM() SecurityJob {
	return r.sbomJob("osv-scanner "+OSVScannerVersion,
		[]string{goInstall(osvScannerPackage, OSVScannerVersion)},
		[]string{osvCommand("--all-packages --format cyclonedx-1-6", "$VELOCITY_SBOM")})
}

// custom runs the team's commands; a SARIF log they write to
// $VELOCITY_FINDINGS is judged like the ready-made scanners' reports.
func (r resolver) custom(name string, c SecurityCheck) SecurityJob {
	th := r.threshold(c)
	cmds := append([]string{}, c.Commands...)
	cmds = append(cmds, `if [ -f "$VELOCITY_FINDINGS" ]; then `+r.judge(security.SARIF, "$VELOCITY_FINDINGS", srcDir, th)+
		`; else echo "velocity security: `+name+` commands passed (no SARIF log at $VELOCITY_FINDINGS to judge)"; fi`)
	return SecurityJob{
		Tool: "custom", Threshold: th, Reports: true,
		Install:  append([]string{`export VELOCITY_FINDINGS="$VELOCITY_OUT/findings.sarif"`}, c.Install...),
		Commands: cmds,
	}
}

func (r resolver) customSBOM(c SecurityCheck) SecurityJob {
	return r.sbomJob("custom", c.Install, append([]string{}, c.Commands...))
}

// suppressionsJSON renders suppressions as a suppressions file.
func suppressionsJSON(sups []security.Suppression) string {
	raw, err := json.Marshal(security.SuppressionsFile{Suppressions: sups})
	if err != nil {
		panic(err) // plain strings always marshal
	}
	return string(raw)
}

// scannerStderr copies the scanner's standard error to the log, at most
// 64 KiB of it (a scanner that fails on every package can write
// megabytes), and says so when it cuts.
const scannerStderr = `{ head -c 65536 "$VELOCITY_OUT/scanner.err"; ` +
	`[ "$(wc -c < "$VELOCITY_OUT/scanner.err")" -le 65536 ] || echo "... (the scanner's stderr is cut at 64 KiB)"; } >&2`
