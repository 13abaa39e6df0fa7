package stages

import (
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/velocity-cdk/velocity/security"
)

// SecurityChecks are the ready-made security checks of the line. Each runs
// as its own CodeBuild job in the Build stage, in parallel with the build,
// and stops the line when it finds something at or above its severity
// threshold that the team has not suppressed:
//
//   - Secrets: gitleaks scans every file of the source for credentials.
//   - SAST (static analysis): gosec for the Go preset; for other presets,
//     the team's own Commands.
//   - SCA (vulnerable dependencies): govulncheck for the Go preset (only
//     vulnerabilities the code reaches); osv-scanner for other presets.
//   - SBOM: a CycloneDX bill of materials (cyclonedx-gomod for the Go
//     preset, osv-scanner for others), stored in the artifact bucket under
//     sbom/<pipeline execution id>/sbom.cdx.json and exported as the
//     CodePipeline variable #{VelocitySBOM.SBOM_URI}.
//
// The zero value turns every check on with a HIGH threshold. A check is
// turned off with Off and a reason, which the line records in its construct
// metadata ("velocity:security-check-disabled") for audits.
//
// Findings are judged by velocity-check (package security), which the jobs
// run with `go run github.com/velocity-cdk/velocity/security/cmd/velocity-check`
// from ModuleDirectory: the Go module that defines the line, and therefore
// requires Velocity, already pins the checker's version.
type SecurityChecks struct {
	// Secrets scans for committed credentials with gitleaks. Its findings
	// are rated CRITICAL, so any threshold fails on them.
	Secrets SecurityCheck
	// SAST runs static analysis: gosec for the Go preset. Other presets
	// have no ready-made tool: set Commands, or the check is recorded as off.
	SAST SecurityCheck
	// SCA looks for known vulnerabilities in dependencies: govulncheck for
	// the Go preset, osv-scanner (every lockfile of the repository) for
	// others.
	SCA SecurityCheck
	// SBOM writes and stores a CycloneDX software bill of materials. It has
	// no findings, so its Threshold is unused.
	SBOM SecurityCheck
	// Images gates the container images of the app: before the staging
	// deploy, a job (the staging stage's first action, "ImageScan") reads
	// each image's Amazon ECR scan, starting a basic scan when the image
	// has none (or waiting for Amazon Inspector's, with enhanced scanning),
	// and judges the findings with velocity-check -tool ecr, like the
	// other checks. An app without container images gets no job. Images
	// in another account are read as that account's bootstrap lookup role
	// (`cdk bootstrap --trust-for-lookup <pipeline account>`), which may
	// only read findings: that registry must scan on push or with Amazon
	// Inspector. Install and Commands are not supported. The job's
	// timeout is Timeout; by default 10 minutes plus 20 per image, the
	// longest it waits for one scan.
	Images SecurityCheck
	// Threshold is the lowest severity that fails a check which sets none
	// itself: security.Low, Medium, High or Critical. Default: High.
	Threshold security.Severity
	// Suppressions accept known findings, in addition to those of
	// SuppressionsFile. Each needs an id and a reason, and may expire.
	Suppressions []security.Suppression
	// SuppressionsFile is the repository's suppressions file, relative to
	// its root. A missing file means no suppressions. Default:
	// security.DefaultSuppressionsFile (".velocity/suppressions.json").
	SuppressionsFile string
	// ModuleDirectory is the directory, relative to the repository root, of
	// the Go module that requires Velocity (the CDK app that defines the
	// line): the checks run velocity-check from there, and the Go checks
	// scan that module. Default: Build.Directory.
	ModuleDirectory string
	// CheckerVersion, when set, runs velocity-check as
	// `go run github.com/velocity-cdk/velocity/security/cmd/velocity-check@<CheckerVersion>`
	// from the repository root instead, for repositories where no Go module
	// under ModuleDirectory requires Velocity. A version or pseudo-version,
	// never "latest".
	CheckerVersion string
	// SecretEnv are environment variables the checks read at run time
	// (like Build.Secrets), for example a token for private Go modules.
	// The checks already get the build's plaintext Env, such as GOPRIVATE,
	// but not its Secrets.
	SecretEnv map[string]Secret
	// ComputeType is the CodeBuild instance size of each check. Default:
	// awscodebuild.ComputeType_MEDIUM, enough to type-check a CDK app.
	ComputeType awscodebuild.ComputeType
	// Timeout stops a hung check. Default: 30 minutes; whole minutes from
	// 5m to 36h.
	Timeout time.Duration
}

// SecurityCheck configures one check.
type SecurityCheck struct {
	// Off turns the check off. Reason is then required.
	Off bool
	// Reason says why the check is off; the line records it in its
	// metadata, where audits read it.
	Reason string
	// Threshold overrides SecurityChecks.Threshold for this check.
	Threshold security.Severity
	// Install runs before Commands, for the tools they need.
	Install []string
	// Commands replace the ready-made scanner: they run from the repository
	// root and a failing command fails the check. To have Velocity judge
	// findings by threshold and suppressions instead, write a SARIF 2.1.0
	// log to $VELOCITY_FINDINGS; velocity-check evaluates it when it
	// exists. For SBOM, the commands must write a CycloneDX JSON SBOM to
	// $VELOCITY_SBOM, which the line then stores.
	Commands []string
}

// Off returns a check turned off for reason. The reason is required.
func Off(reason string) SecurityCheck { return SecurityCheck{Off: true, Reason: reason} }

// The scanner versions the checks install. They are pinned, so a check
// finds the same things today and next year except for new advisories;
// bump them deliberately.
const (
	GitleaksVersion       = "v8.30.1"
	GosecVersion          = "v2.30.0"
	GovulncheckVersion    = "v1.9.0"
	OSVScannerVersion     = "v2.6.0"
	CycloneDXGomodVersion = "v1.10.0"
)

// The modules the checks install the scanners from.
const (
	gitleaksPackage       = "github.com/zricethezav/gitleaks/v8"
	gosecPackage          = "github.com/securego/gosec/v2/cmd/gosec"
	govulncheckPackage    = "golang.org/x/vuln/cmd/govulncheck"
	osvScannerPackage     = "github.com/google/osv-scanner/v2/cmd/osv-scanner"
	cycloneDXGomodPackage = "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod"
	// CheckerPackage is the command the checks run to judge findings.
	CheckerPackage = "github.com/velocity-cdk/velocity/security/cmd/velocity-check"
)

// CheckKind is one of the line's four security checks. Its value names the
// check everywhere: the CodePipeline action, the CodeBuild project's
// construct id, and the "check" of the line's security metadata.
type CheckKind string

// The line's security checks, in pipeline order.
const (
	CheckSecrets CheckKind = "Secrets"
	CheckSAST    CheckKind = "SAST"
	CheckSCA     CheckKind = "SCA"
	CheckSBOM    CheckKind = "SBOM"
)

// CheckKinds are the four checks, in pipeline order.
var CheckKinds = []CheckKind{CheckSecrets, CheckSAST, CheckSCA, CheckSBOM}

// SBOMVariablesNamespace is the CodePipeline variables namespace of the
// SBOM action; #{VelocitySBOM.SBOM_URI} is the S3 URI of the run's SBOM.
const SBOMVariablesNamespace = "VelocitySBOM"

var (
	versionPattern  = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)
	relativePattern = regexp.MustCompile(`^[A-Za-z0-9._/@+-]+$`)
)

// Check returns the settings of one check.
func (s *SecurityChecks) Check(kind CheckKind) SecurityCheck {
	switch kind {
	case CheckSecrets:
		return s.Secrets
	case CheckSAST:
		return s.SAST
	case CheckSCA:
		return s.SCA
	case CheckSBOM:
		return s.SBOM
	case CheckImages:
		return s.Images
	}
	return SecurityCheck{}
}

// checks returns the four checks with their kinds, in pipeline order.
func (s *SecurityChecks) checks() []kindCheck {
	out := make([]kindCheck, len(CheckKinds))
	for i, k := range CheckKinds {
		out[i] = kindCheck{k, s.Check(k)}
	}
	return out
}

type kindCheck struct {
	kind  CheckKind
	check SecurityCheck
}

// Validate reports every invalid setting: a check turned off without a
// reason, an unknown threshold, an invalid suppression, paths outside the
// repository, a checker version that is not pinned.
func (s *SecurityChecks) Validate() error {
	var ps Problems
	if s == nil {
		return ps.Err()
	}
	validThreshold(&ps, "Threshold", s.Threshold)
	validComputeType(&ps, "ComputeType", s.ComputeType)
	for _, c := range s.checks() {
		validSwitch(&ps, string(c.kind), fmt.Sprintf("the %s check", c.kind), c.check)
		validCommands(&ps, string(c.kind)+".Install", c.check.Install)
		validCommands(&ps, string(c.kind)+".Commands", c.check.Commands)
		if c.check.Commands != nil && len(c.check.Commands) == 0 {
			ps.Add(string(c.kind)+".Commands", "[]", "at least one command (leave Commands nil for the ready-made scanner)")
		}
		if len(c.check.Install) > 0 && c.check.Commands == nil {
			ps.Add(string(c.kind)+".Install", strings.Join(c.check.Install, "; "), "Commands too: Install belongs to a check of your own (the ready-made scanner installs itself)")
		}
	}
	validImageScan(&ps, s.Images)
	for i, sup := range s.Suppressions {
		if err := sup.Validate(); err != nil {
			ps.Add(fmt.Sprintf("Suppressions[%d]", i), sup.ID, "a valid suppression: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		}
	}
	validRelative(&ps, "SuppressionsFile", s.SuppressionsFile, `a file inside the repository, e.g. ".velocity/suppressions.json"`)
	validRelative(&ps, "ModuleDirectory", s.ModuleDirectory, `a directory inside the repository, e.g. "infra"`)
	if s.CheckerVersion != "" && !versionPattern.MatchString(s.CheckerVersion) {
		ps.Add("CheckerVersion", s.CheckerVersion, `a Velocity module version such as "v1.2.3" (pinned: not "latest" or a branch)`)
	}
	for _, name := range sortedKeys(s.SecretEnv) {
		if !validEnvVar(name) {
			ps.Add("SecretEnv", name, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*, not CODEBUILD_*)")
		}
		s.SecretEnv[name].validate("SecretEnv["+name+"]", &ps)
	}
	if s.Timeout != 0 && (s.Timeout < 5*time.Minute || s.Timeout > maxTimeout || s.Timeout%time.Minute != 0) {
		ps.Add("Timeout", s.Timeout.String(), "whole minutes from 5m to 36h (CodeBuild's limits)")
	}
	return ps.Err()
}

// validImageScan checks the image scan's settings: it runs no commands of
// the team's.
func validImageScan(ps *Problems, c SecurityCheck) {
	validSwitch(ps, "Images", "the image scan", c)
	if len(c.Install) > 0 || c.Commands != nil {
		ps.Add("Images.Commands", strings.Join(append(append([]string{}, c.Install...), c.Commands...), "; "),
			"no Install or Commands: the "+string(CheckImages)+" job judges Amazon ECR's scan; add a check of your own as a Staging.Pre step")
	}
}

// validSwitch checks what every check has, under prop: a reason exactly
// when it is off, and a valid threshold.
func validSwitch(ps *Problems, prop, what string, c SecurityCheck) {
	if c.Off && strings.TrimSpace(c.Reason) == "" {
		ps.Add(prop+".Reason", c.Reason, "why "+what+" is off (audits read it), e.g. stages.Off(\"…\")")
	}
	if !c.Off && c.Reason != "" {
		ps.Add(prop+".Reason", c.Reason, "no reason on a check that is on (set Off, or use stages.Off(reason))")
	}
	validThreshold(ps, prop+".Threshold", c.Threshold)
}

func validThreshold(ps *Problems, prop string, sev security.Severity) {
	if sev != "" && !sev.Valid() {
		ps.Add(prop, string(sev), "one of LOW, MEDIUM, HIGH, CRITICAL (security.Low … security.Critical)")
	}
}

func validRelative(ps *Problems, prop, p, want string) {
	if p == "" {
		return
	}
	if path.IsAbs(p) || strings.Contains("/"+p+"/", "/../") || !relativePattern.MatchString(p) {
		ps.Add(prop, p, want)
	}
}

// DisabledCheck is a check that does not run, and why.
type DisabledCheck struct {
	// Check is the check that does not run.
	Check CheckKind `json:"check"`
	// Reason is the team's reason, or Velocity's when the preset has no
	// ready-made tool.
	Reason string `json:"reason"`
}

// SecurityJob is one check resolved for a build: what its CodeBuild job
// installs and runs. SecurityChecks.Actions turns each into a
// CodeBuild project and a CodePipeline action (SecurityChecks.AddTo calls
// it once the pipeline is built).
type SecurityJob struct {
	// Check is the check the job runs; it names its action.
	Check CheckKind
	// Tool is the scanner, with its version: "gosec v2.30.0", or "custom".
	Tool string
	// Threshold is the severity that fails the check ("" for SBOM).
	Threshold security.Severity
	// Install and Commands are the buildspec's install and build commands.
	Install, Commands []string
	// Env holds the job's plaintext environment variables.
	Env map[string]string
	// Secrets are the job's environment variables read at run time.
	Secrets map[string]Secret
	// Reports is true when the job writes JUnit reports.
	Reports bool
	// ExportedVariables are the buildspec's exported-variables.
	ExportedVariables []string
	// Runtimes are the job's runtime-versions: go.mod's Go, which every
	// check needs to install its scanner and run velocity-check.
	Runtimes Runtimes
}

// securityReportsDir is where the checks write their JUnit reports,
// relative to the source directory.
const securityReportsDir = ".velocity-reports"

// Resolve returns the jobs of the checks that run for build, and the checks
// that do not, with their reasons. The props must be valid.
func (s *SecurityChecks) Resolve(build *Build) (jobs []SecurityJob, disabled []DisabledCheck) {
	if s == nil {
		s = &SecurityChecks{}
	}
	if build == nil {
		build = &Build{}
	}
	preset := build.preset()
	goPreset := preset == Go || preset.Name == Go.Name
	r := resolver{s: s, build: build, preset: preset}
	for _, c := range s.checks() {
		if c.check.Off {
			disabled = append(disabled, DisabledCheck{Check: c.kind, Reason: c.check.Reason})
			continue
		}
		var job SecurityJob
		switch {
		case c.check.Commands != nil && c.kind == CheckSBOM:
			job = r.customSBOM(c.check)
		case c.check.Commands != nil:
			job = r.custom(string(c.kind), c.check)
		case c.kind == CheckSecrets:
			job = r.gitleaks(c.check)
		case c.kind == CheckSAST && goPreset:
			job = r.gosec(c.check)
		case c.kind == CheckSAST:
			disabled = append(disabled, DisabledCheck{Check: c.kind,
				Reason: "no ready-made static analysis for the " + preset.Name + " preset: set Security.SAST.Commands to run one"})
			continue
		case c.kind == CheckSCA && goPreset:
			job = r.govulncheck(c.check)
		case c.kind == CheckSCA:
			job = r.osvScanner(c.check)
		case c.kind == CheckSBOM && goPreset:
			job = r.cyclonedxGomod()
		case c.kind == CheckSBOM:
			job = r.osvSBOM()
		}
		job.Check = c.kind
		job.Env = merge(merge(preset.Env, build.Env), job.Env)
		job.Env["GOTOOLCHAIN"] = "auto"
		if len(s.Suppressions) > 0 && job.Reports {
			job.Env["VELOCITY_SUPPRESSIONS"] = suppressionsJSON(s.Suppressions)
		}
		job.Secrets = s.SecretEnv
		job.Runtimes = Runtimes{"golang": GoModRuntime}
		job.Install = append(r.setup(), job.Install...)
		jobs = append(jobs, job)
	}
	return jobs, disabled
}
