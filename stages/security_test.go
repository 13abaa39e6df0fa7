package stages_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/velocity-cdk/velocity/internal/problem"
	"github.com/velocity-cdk/velocity/security"
	"github.com/velocity-cdk/velocity/stages"
)

func TestSecurityChecksValidate(t *testing.T) {
	tests := []struct {
		name  string
		s     *stages.SecurityChecks
		props []string // the Prop of each problem, in order
	}{
		{"nil is the default", nil, nil},
		{"zero value", &stages.SecurityChecks{}, nil},
		{"off with reasons", &stages.SecurityChecks{Secrets: stages.Off("generated code only"), SAST: stages.Off("r"), SCA: stages.Off("r"), SBOM: stages.Off("r")}, nil},
		{"off without reason", &stages.SecurityChecks{Secrets: stages.SecurityCheck{Off: true}}, []string{"Secrets.Reason"}},
		{"blank reason", &stages.SecurityChecks{SBOM: stages.Off(" \t")}, []string{"SBOM.Reason"}},
		{"reason on a check that is on", &stages.SecurityChecks{SCA: stages.SecurityCheck{Reason: "why?"}}, []string{"SCA.Reason"}},
		{"thresholds", &stages.SecurityChecks{Threshold: "INFO", SAST: stages.SecurityCheck{Threshold: "critical"}, SCA: stages.SecurityCheck{Threshold: security.Low}}, []string{"Threshold", "SAST.Threshold"}},
		{"empty commands", &stages.SecurityChecks{SAST: stages.SecurityCheck{Commands: []string{}, Install: []string{""}}}, []string{"SAST.Install[0]", "SAST.Commands"}},
		{"blank command", &stages.SecurityChecks{SAST: stages.SecurityCheck{Commands: []string{"semgrep", " "}}}, []string{"SAST.Commands[1]"}},
		{"suppressions", &stages.SecurityChecks{Suppressions: []security.Suppression{
			{ID: "G402", Reason: "ok"}, {ID: "G101"}, {ID: "G102", Reason: "r", Expires: "2026-02-30"}, {ID: "", Reason: "r"},
		}}, []string{"Suppressions[1]", "Suppressions[2]", "Suppressions[3]"}},
		{"paths", &stages.SecurityChecks{SuppressionsFile: "../allow.json", ModuleDirectory: "/abs"}, []string{"SuppressionsFile", "ModuleDirectory"}},
		{"path with a quote", &stages.SecurityChecks{ModuleDirectory: `infra"; rm -rf /`}, []string{"ModuleDirectory"}},
		{"good paths", &stages.SecurityChecks{SuppressionsFile: "security/allow.json", ModuleDirectory: "infra/app"}, nil},
		{"checker version", &stages.SecurityChecks{CheckerVersion: "latest"}, []string{"CheckerVersion"}},
		{"pseudo-version", &stages.SecurityChecks{CheckerVersion: "v0.0.0-20260101120000-abcdef123456"}, nil},
		{"secret env", &stages.SecurityChecks{SecretEnv: map[string]stages.Secret{"CODEBUILD_X": stages.FromParameterStore("/a"), "T": {}}}, []string{"SecretEnv", "SecretEnv[T]"}},
		{"timeout", &stages.SecurityChecks{Timeout: 90 * time.Second}, []string{"Timeout"}},
		{"image scan off", &stages.SecurityChecks{Images: stages.Off("the registry gates images itself")}, nil},
		{"image scan off without reason", &stages.SecurityChecks{Images: stages.SecurityCheck{Off: true, Threshold: "SEVERE"}}, []string{"Images.Reason", "Images.Threshold"}},
		{"image scan with commands", &stages.SecurityChecks{Images: stages.SecurityCheck{Install: []string{"x"}, Commands: []string{"trivy image"}}}, []string{"Images.Commands"}},
		{"image scan threshold", &stages.SecurityChecks{Images: stages.SecurityCheck{Threshold: security.Critical}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := problem.From(tt.s.Validate())
			var props []string
			for _, p := range ps {
				props = append(props, p.Prop)
				if p.Want == "" {
					t.Errorf("%s: no Want", p.Prop)
				}
			}
			if strings.Join(props, ",") != strings.Join(tt.props, ",") {
				t.Errorf("problems = %v, want props %v", ps, tt.props)
			}
		})
	}
	ps := problem.From((&stages.SecurityChecks{SAST: stages.SecurityCheck{Off: true}}).Validate())
	if got := ps[0].Error(); !strings.Contains(got, `SAST.Reason: "" is invalid; want why the SAST check is off`) {
		t.Errorf("message = %s", got)
	}
}

func jobNames(jobs []stages.SecurityJob) string {
	var out []string
	for _, j := range jobs {
		out = append(out, string(j.Check)+"="+j.Tool)
	}
	return strings.Join(out, " ")
}

func TestSecurityChecksResolve(t *testing.T) {
	goDefault := "Secrets=gitleaks " + stages.GitleaksVersion + " SAST=gosec " + stages.GosecVersion +
		" SCA=govulncheck " + stages.GovulncheckVersion + " SBOM=cyclonedx-gomod " + stages.CycloneDXGomodVersion
	others := "Secrets=gitleaks " + stages.GitleaksVersion + " SCA=osv-scanner " + stages.OSVScannerVersion + " SBOM=osv-scanner " + stages.OSVScannerVersion
	goCopy := *stages.Go
	goCopy.Test = []string{"make test"}
	tests := []struct {
		name     string
		s        *stages.SecurityChecks
		build    *stages.Build
		jobs     string
		disabled []stages.DisabledCheck
	}{
		{"default", nil, nil, goDefault, nil},
		{"Go preset", &stages.SecurityChecks{}, &stages.Build{Preset: stages.Go}, goDefault, nil},
		{"a copy of the Go preset", &stages.SecurityChecks{}, &stages.Build{Preset: &goCopy}, goDefault, nil},
		{"Node", nil, &stages.Build{Preset: stages.Node}, others,
			[]stages.DisabledCheck{{Check: "SAST", Reason: "no ready-made static analysis for the Node preset: set Security.SAST.Commands to run one"}}},
		{"Python with SAST commands", &stages.SecurityChecks{SAST: stages.SecurityCheck{Commands: []string{"bandit -r ."}}}, &stages.Build{Preset: stages.Python},
			"Secrets=gitleaks " + stages.GitleaksVersion + " SAST=custom SCA=osv-scanner " + stages.OSVScannerVersion + " SBOM=osv-scanner " + stages.OSVScannerVersion, nil},
		{"two off", &stages.SecurityChecks{Secrets: stages.Off("generated code only"), SCA: stages.Off("vendored and reviewed")}, nil,
			"SAST=gosec " + stages.GosecVersion + " SBOM=cyclonedx-gomod " + stages.CycloneDXGomodVersion,
			[]stages.DisabledCheck{{Check: "Secrets", Reason: "generated code only"}, {Check: "SCA", Reason: "vendored and reviewed"}}},
		{"custom SBOM", &stages.SecurityChecks{SBOM: stages.SecurityCheck{Commands: []string{"syft . -o cyclonedx-json=$VELOCITY_SBOM"}}}, nil,
			"Secrets=gitleaks " + stages.GitleaksVersion + " SAST=gosec " + stages.GosecVersion + " SCA=govulncheck " + stages.GovulncheckVersion + " SBOM=custom", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs, disabled := tt.s.Resolve(tt.build)
			if got := jobNames(jobs); got != tt.jobs {
				t.Errorf("jobs = %s\nwant   %s", got, tt.jobs)
			}
			if len(disabled) != len(tt.disabled) {
				t.Fatalf("disabled = %v, want %v", disabled, tt.disabled)
			}
			for i := range disabled {
				if disabled[i] != tt.disabled[i] {
					t.Errorf("disabled[%d] = %v, want %v", i, disabled[i], tt.disabled[i])
				}
			}
		})
	}
}

// allCommands joins a job's install and build commands.
func allCommands(j stages.SecurityJob) string {
	return strings.Join(append(append([]string{}, j.Install...), j.Commands...), "\n")
}

func TestSecurityJobCommands(t *testing.T) {
	jobs, _ := (&stages.SecurityChecks{Threshold: security.Medium, SAST: stages.SecurityCheck{Threshold: security.Critical}}).
		Resolve(&stages.Build{Directory: "infra", Job: stages.Job{Env: map[string]string{"GOPRIVATE": "example.com/*"}}})
	byCheck := map[stages.CheckKind]stages.SecurityJob{}
	for _, j := range jobs {
		byCheck[j.Check] = j
		cmds := allCommands(j)
		if strings.Contains(cmds, "@latest") {
			t.Errorf("%s installs @latest:\n%s", j.Check, cmds)
		}
		if j.Env["GOTOOLCHAIN"] != "auto" || j.Env["GOPRIVATE"] != "example.com/*" || j.Env["GOFLAGS"] != "-buildvcs=false" {
			t.Errorf("%s env = %v, want the build's env and GOTOOLCHAIN=auto", j.Check, j.Env)
		}
		if _, ok := j.Env["VELOCITY_SUPPRESSIONS"]; ok {
			t.Errorf("%s has VELOCITY_SUPPRESSIONS without suppressions", j.Check)
		}
		if !strings.HasPrefix(j.Install[0], `export REPORTS_DIR="$CODEBUILD_SRC_DIR/.velocity-reports" VELOCITY_OUT="$(mktemp -d)"`) {
			t.Errorf("%s install starts with %q", j.Check, j.Install[0])
		}
	}
	for check, wants := range map[stages.CheckKind][]string{
		"Secrets": {`cd "$CODEBUILD_SRC_DIR" && gitleaks dir .`, "-threshold MEDIUM", `(cd "$CODEBUILD_SRC_DIR/infra" && go run ` + stages.CheckerPackage + " -tool gitleaks"},
		"SAST":    {`cd "$CODEBUILD_SRC_DIR/infra" && gosec`, "-severity high", "-threshold CRITICAL", `-base "$CODEBUILD_SRC_DIR/infra"`},
		"SCA":     {`cd "$CODEBUILD_SRC_DIR/infra" && rc=0 && { govulncheck -format json ./...`, "vulnerability database unreachable", "-threshold MEDIUM", `-junit "$REPORTS_DIR/govulncheck.xml"`},
		"SBOM":    {`export VELOCITY_SBOM="$VELOCITY_OUT/sbom.cdx.json"`, `cd "$CODEBUILD_SRC_DIR/infra" && cyclonedx-gomod mod`, `aws s3 cp "$VELOCITY_SBOM" "$SBOM_URI"`},
	} {
		cmds := allCommands(byCheck[check])
		for _, w := range wants {
			if !strings.Contains(cmds, w) {
				t.Errorf("%s commands lack %q:\n%s", check, w, cmds)
			}
		}
	}
	if j := byCheck["SBOM"]; j.Threshold != "" || j.Reports || strings.Join(j.ExportedVariables, ",") != "SBOM_URI" {
		t.Errorf("SBOM job = %+v", j)
	}
	if j := byCheck["SAST"]; j.Threshold != security.Critical || !j.Reports {
		t.Errorf("SAST job = %+v", j)
	}

	// gosec's own filter follows the threshold.
	for th, flag := range map[security.Severity]string{security.Low: "low", security.Medium: "medium", security.High: "high", "": "high"} {
		jobs, _ := (&stages.SecurityChecks{SAST: stages.SecurityCheck{Threshold: th}}).Resolve(nil)
		if cmds := allCommands(jobs[1]); !strings.Contains(cmds, "-severity "+flag+" ") {
			t.Errorf("threshold %q: gosec commands lack -severity %s:\n%s", th, flag, cmds)
		}
	}

	// ModuleDirectory wins over Build.Directory; the props' suppressions
	// reach the checker.
	jobs, _ = (&stages.SecurityChecks{ModuleDirectory: "cdk", SuppressionsFile: "sec/allow.json",
		Suppressions: []security.Suppression{{ID: "G402", Reason: "r"}}}).Resolve(&stages.Build{Directory: "infra"})
	cmds := allCommands(jobs[1])
	for _, w := range []string{`cd "$CODEBUILD_SRC_DIR/cdk" && gosec`, `-suppressions "$CODEBUILD_SRC_DIR/sec/allow.json" -suppressions-json "$VELOCITY_SUPPRESSIONS"`} {
		if !strings.Contains(cmds, w) {
			t.Errorf("commands lack %q:\n%s", w, cmds)
		}
	}
	if got := jobs[1].Env["VELOCITY_SUPPRESSIONS"]; got != `{"suppressions":[{"id":"G402","reason":"r"}]}` {
		t.Errorf("VELOCITY_SUPPRESSIONS = %s", got)
	}
	if _, ok := jobs[3].Env["VELOCITY_SUPPRESSIONS"]; ok {
		t.Error("the SBOM job gets suppressions it never reads")
	}
}

func TestPinnedScannerVersions(t *testing.T) {
	semver := regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)
	for name, v := range map[string]string{
		"gitleaks": stages.GitleaksVersion, "gosec": stages.GosecVersion, "govulncheck": stages.GovulncheckVersion,
		"osv-scanner": stages.OSVScannerVersion, "cyclonedx-gomod": stages.CycloneDXGomodVersion,
	} {
		if !semver.MatchString(v) {
			t.Errorf("%s version %q is not an exact release", name, v)
		}
	}
}
