// Command velocity-check judges the report of a security scanner for the
// assembly line: it reads the tool's JSON, applies the team's suppressions,
// prints the findings (at most security.MaxListed of each kind, then a
// count of the rest) and a one-line summary, writes a JUnit report for
// CodeBuild, and exits 1 when an unsuppressed finding is at or above the
// threshold or a suppression has expired.
//
// The line's CodeBuild jobs run it from the module that requires Velocity
// (the team's CDK app), so it needs no install and no separate version:
//
//	go run github.com/velocity-cdk/velocity/security/cmd/velocity-check \
//	    -tool gosec -input gosec.json -threshold HIGH \
//	    -suppressions .velocity/suppressions.json -junit reports/gosec.xml
//
// Tools: gitleaks, gosec, govulncheck, osv-scanner, sarif, ecr; and cyclonedx,
// which only checks and summarizes an SBOM. Run it locally the same way to
// see what the line will say, or with -validate to check a suppressions file.
//
// Exit status: 0 pass, 1 findings or expired suppressions, 2 bad usage, or
// a report or suppressions file it cannot read or trust (malformed,
// truncated, with duplicate or case-variant keys, or a report that does not
// show a complete scan); the message on stderr says why.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/velocity-cdk/velocity/security"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, time.Now()))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdout, stderr io.Writer, now time.Time) int {
	fl := flag.NewFlagSet("velocity-check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	tool := fl.String("tool", "", "the scanner whose report -input is: gitleaks, gosec, govulncheck, osv-scanner, sarif, ecr (aws ecr describe-image-scan-findings), or cyclonedx (an SBOM)")
	input := fl.String("input", "", "the scanner's JSON report")
	threshold := fl.String("threshold", string(security.DefaultThreshold), "the lowest severity that fails: LOW, MEDIUM, HIGH or CRITICAL")
	supFile := fl.String("suppressions", "", "the suppressions file (JSON); a missing file means no suppressions")
	supJSON := fl.String("suppressions-json", "", "more suppressions, as the JSON of a suppressions file (the line passes the props' suppressions here)")
	junit := fl.String("junit", "", "write a JUnit XML report of the result to this file")
	root := fl.String("root", defaultRoot(), "the repository root: file paths are reported, and suppression paths matched, relative to it")
	base := fl.String("base", "", "the directory the scanner ran in, which relative paths in its report are relative to (default: the current directory)")
	today := fl.String("today", "", "judge expiry dates as of this day, YYYY-MM-DD (default: today, UTC)")
	validate := fl.String("validate", "", "only validate this suppressions file, and exit")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() > 0 {
		fmt.Fprintf(stderr, "velocity-check: unexpected arguments %q\n", fl.Args())
		return 2
	}
	if *validate != "" {
		sups, err := readSuppressions(*validate, true)
		if err != nil {
			fmt.Fprintf(stderr, "velocity-check: %v\n", err)
			return 2
		}
		fmt.Fprintf(stdout, "velocity security: %s has %d valid suppressions\n", *validate, len(sups))
		return 0
	}
	if *tool == "" || *input == "" {
		fmt.Fprintln(stderr, "velocity-check: -tool and -input are required")
		fl.Usage()
		return 2
	}
	data, err := os.ReadFile(*input)
	if err != nil {
		fmt.Fprintf(stderr, "velocity-check: %v\n", err)
		return 2
	}
	if *tool == "cyclonedx" {
		sbom, err := security.ParseCycloneDX(data)
		if err != nil {
			fmt.Fprintf(stderr, "velocity-check: %s: %v\n", *input, err)
			return 2
		}
		fmt.Fprintf(stdout, "velocity security: sbom %s\n", sbom)
		return 0
	}
	sev, err := security.ParseSeverity(*threshold)
	if err != nil {
		fmt.Fprintf(stderr, "velocity-check: -threshold: %v\n", err)
		return 2
	}
	day := now
	if *today != "" {
		if day, err = time.Parse(security.DateLayout, *today); err != nil {
			fmt.Fprintf(stderr, "velocity-check: -today %q: want YYYY-MM-DD\n", *today)
			return 2
		}
	}
	scan, err := security.Parse(*tool, data)
	if err != nil {
		fmt.Fprintf(stderr, "velocity-check: %s: %v\n", *input, err)
		return 2
	}
	wd, _ := os.Getwd()
	if *base == "" {
		*base = wd
	}
	scan.Relativize(abs(*root), abs(*base))

	var sups []security.Suppression
	if *supFile != "" {
		s, err := readSuppressions(*supFile, false)
		if err != nil {
			fmt.Fprintf(stderr, "velocity-check: %v\n", err)
			return 2
		}
		sups = append(sups, s...)
	}
	if *supJSON != "" {
		s, err := security.ParseSuppressions([]byte(*supJSON))
		if err != nil {
			fmt.Fprintf(stderr, "velocity-check: -suppressions-json: %v\n", err)
			return 2
		}
		sups = append(sups, s...)
	}

	result := security.Evaluate(scan, sups, security.Options{Threshold: sev, Today: day})
	if *junit != "" {
		xml, err := result.JUnit()
		if err == nil {
			if err = os.MkdirAll(filepath.Dir(*junit), 0o750); err == nil {
				// The job names the report file on its command line.
				err = os.WriteFile(*junit, xml, 0o644) // #nosec G703 G306 -- the report path is the operator's own argument, and test reports are not secret
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "velocity-check: -junit: %v\n", err)
			return 2
		}
	}
	if err := result.WriteText(stdout); err != nil {
		return 2
	}
	if !result.Passed() {
		return 1
	}
	return 0
}

// readSuppressions reads a suppressions file; a missing file is no
// suppressions unless required.
func readSuppressions(path string, required bool) ([]security.Suppression, error) {
	data, err := os.ReadFile(path) // #nosec G304 -- the suppressions file the job names on the command line
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	sups, err := security.ParseSuppressions(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sups, nil
}

func defaultRoot() string {
	if dir := os.Getenv("CODEBUILD_SRC_DIR"); dir != "" {
		return dir
	}
	wd, _ := os.Getwd()
	return wd
}

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
