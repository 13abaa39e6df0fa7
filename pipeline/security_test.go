package pipeline_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/security"
	"github.com/velocity-cdk/velocity/stages"
)

// checkActions returns the actions of the Build stage by name.
func checkActions(t *testing.T, tpl assertions.Template) map[string]action {
	t.Helper()
	_, sts := pipelineOf(t, tpl)
	out := map[string]action{}
	for _, a := range findStage(t, sts, "Build").Actions {
		out[a.Name] = a
	}
	return out
}

// specOf returns the buildspec of the project whose logical id contains
// idPart, with the JSON string escapes of its commands' quotes removed.
func specOf(t *testing.T, tpl assertions.Template, idPart string) string {
	t.Helper()
	return strings.ReplaceAll(buildSpecOf(t, tpl, idPart), `\"`, `"`)
}

// securityMetadata returns the line's metadata entries of typ, as
// "check: reason" or "check: tool threshold" strings, sorted.
func securityMetadata(t *testing.T, line *pipeline.AssemblyLine, typ string) []string {
	t.Helper()
	var out []string
	cdktest.Check(t, func() {
		for _, m := range *line.Node().Metadata() {
			if *m.Type != typ {
				continue
			}
			d := m.Data.(map[string]interface{})
			switch typ {
			case stages.SecurityCheckDisabledMetadata:
				out = append(out, fmt.Sprintf("%v: %v", d["check"], d["reason"]))
			default:
				out = append(out, fmt.Sprintf("%v: %v %v", d["check"], d["tool"], d["threshold"]))
			}
		}
	})
	sort.Strings(out)
	return out
}

func TestSecurityChecksByDefault(t *testing.T) {
	tpl, line, _ := synth(t, pipeline.Props{})
	actions := checkActions(t, tpl)
	build := actions["Build"]
	if _, tests := actions["UnitTests"]; build.Name == "" || !tests || len(actions) != 6 {
		t.Fatalf("Build stage actions = %v, want the build, its unit tests and four checks", actions)
	}
	for _, name := range []string{"Secrets", "SAST", "SCA", "SBOM"} {
		a, ok := actions[name]
		if !ok {
			t.Errorf("no %s action in the Build stage", name)
			continue
		}
		// Same run order as the build: they run in parallel with it.
		if a.Provider != "CodeBuild" || a.RunOrder != build.RunOrder {
			t.Errorf("%s = %+v, want a CodeBuild action with run order %d", name, a, build.RunOrder)
		}
		if env, _ := a.Configuration["EnvironmentVariables"].(string); !strings.Contains(env, `"name":"PIPELINE_EXECUTION_ID","type":"PLAINTEXT","value":"#{codepipeline.PipelineExecutionId}"`) {
			t.Errorf("%s environment = %s, want the pipeline execution id", name, env)
		}
	}

	// Each check reads the source artifact, as the build does.
	stage := stageJSON(t, tpl, "Build")
	inputs := map[string]string{}
	for _, a := range stage["Actions"].([]interface{}) {
		am := a.(map[string]interface{})
		inputs[am["Name"].(string)] = compact(am["InputArtifacts"])
		if am["Name"] == "SBOM" && am["Namespace"] != stages.SBOMVariablesNamespace {
			t.Errorf("SBOM action namespace = %v, want %s", am["Namespace"], stages.SBOMVariablesNamespace)
		}
	}
	for _, name := range []string{"Secrets", "SAST", "SCA", "SBOM"} {
		if inputs[name] != inputs[build.Name] {
			t.Errorf("%s reads %s, want the build's input %s", name, inputs[name], inputs[build.Name])
		}
	}

	specs := map[string][]string{
		"Secrets": {"go install github.com/zricethezav/gitleaks/v8@" + stages.GitleaksVersion,
			`gitleaks dir . --report-format json --report-path "$VELOCITY_OUT/gitleaks.json" --exit-code 0 --redact`,
			`(cd "$CODEBUILD_SRC_DIR" && go run github.com/velocity-cdk/velocity/security/cmd/velocity-check -tool gitleaks -input "$VELOCITY_OUT/gitleaks.json" -threshold HIGH -root "$CODEBUILD_SRC_DIR" -base "$CODEBUILD_SRC_DIR" -suppressions "$CODEBUILD_SRC_DIR/.velocity/suppressions.json" -junit "$REPORTS_DIR/gitleaks.xml")`},
		"SAST": {"go install github.com/securego/gosec/v2/cmd/gosec@" + stages.GosecVersion,
			`gosec -no-fail -exclude-generated -severity high -fmt json -out "$VELOCITY_OUT/gosec.json" ./...`,
			"velocity-check -tool gosec", "-threshold HIGH"},
		"SCA": {"go install golang.org/x/vuln/cmd/govulncheck@" + stages.GovulncheckVersion,
			`govulncheck -format json ./... > "$VELOCITY_OUT/govulncheck.json"`,
			"velocity-check -tool govulncheck", "-threshold HIGH"},
		"SBOM": {"go install github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@" + stages.CycloneDXGomodVersion,
			`cyclonedx-gomod mod -json -licenses -output "$VELOCITY_SBOM" .`,
			`velocity-check -tool cyclonedx -input "$VELOCITY_SBOM"`,
			`export SBOM_URI="s3://$VELOCITY_ARTIFACT_BUCKET/sbom/${PIPELINE_EXECUTION_ID:-codebuild-$CODEBUILD_BUILD_NUMBER}/sbom.cdx.json" && aws s3 cp "$VELOCITY_SBOM" "$SBOM_URI"`,
			`"exported-variables": [`, `"SBOM_URI"`},
	}
	for name, wants := range specs {
		spec := specOf(t, tpl, "Security"+name)
		for _, w := range append(wants, `"shell": "bash"`, "GOBIN=") {
			if !strings.Contains(spec, w) {
				t.Errorf("%s buildspec lacks %q:\n%s", name, w, spec)
			}
		}
		if strings.Contains(spec, "@latest") {
			t.Errorf("%s buildspec installs @latest", name)
		}
		if name != "SBOM" && !strings.Contains(spec, `"file-format": "JUNITXML"`) {
			t.Errorf("%s buildspec has no JUnit report:\n%s", name, spec)
		}
	}

	// The projects: line's key, standard 7.0, bash, the build's Go
	// environment, a timeout, logs in the retained log group.
	projects := cdktest.Resources(t, tpl, "AWS::CodeBuild::Project")
	n := 0
	for id, p := range projects {
		if !strings.HasPrefix(id, "LineSecurity") {
			continue
		}
		n++
		props := p["Properties"].(map[string]interface{})
		env := compact(props["Environment"])
		for _, w := range []string{`"Image":"aws/codebuild/standard:7.0"`, `"ComputeType":"BUILD_GENERAL1_MEDIUM"`, `{"Name":"GOTOOLCHAIN","Type":"PLAINTEXT","Value":"auto"}`} {
			if !strings.Contains(env, w) {
				t.Errorf("%s environment lacks %s: %s", id, w, env)
			}
		}
		if !strings.Contains(compact(props["EncryptionKey"]), "LineKey") || props["TimeoutInMinutes"] != float64(30) {
			t.Errorf("%s: key %v, timeout %v; want the line's key and 30 minutes", id, props["EncryptionKey"], props["TimeoutInMinutes"])
		}
		if logs := compact(props["LogsConfig"]); !strings.Contains(logs, "LineSecurityLogs") {
			t.Errorf("%s logs = %s, want the checks' log group", id, logs)
		}
	}
	if n != 4 {
		t.Errorf("%d security projects, want 4", n)
	}
	has(t, tpl, "AWS::Logs::LogGroup", map[string]interface{}{"RetentionInDays": 365})
	cdktest.Check(t, func() {
		tpl.HasResource(jsii.String("AWS::CodeBuild::ReportGroup"), map[string]interface{}{"DeletionPolicy": "Retain", "Properties": map[string]interface{}{"Type": "TEST"}})
	})

	// The SBOM role may put objects under sbom/ only.
	has(t, tpl, "AWS::IAM::Policy", map[string]interface{}{"PolicyDocument": map[string]interface{}{"Statement": assertions.Match_ArrayWith(&[]interface{}{
		map[string]interface{}{"Sid": "StoreSBOM", "Action": "s3:PutObject", "Effect": "Allow", "Resource": map[string]interface{}{
			"Fn::Join": []interface{}{"", []interface{}{map[string]interface{}{"Fn::GetAtt": []interface{}{assertions.Match_StringLikeRegexp(jsii.String("LineArtifacts.*")), "Arn"}}, "/sbom/*"}}}},
	})}})

	if got := securityMetadata(t, line, stages.SecurityCheckDisabledMetadata); len(got) != 0 {
		t.Errorf("disabled checks = %v, want none", got)
	}
	want := []string{
		"SAST: gosec " + stages.GosecVersion + " HIGH",
		"SBOM: cyclonedx-gomod " + stages.CycloneDXGomodVersion + " <nil>",
		"SCA: govulncheck " + stages.GovulncheckVersion + " HIGH",
		"Secrets: gitleaks " + stages.GitleaksVersion + " HIGH",
	}
	if got := securityMetadata(t, line, stages.SecurityCheckMetadata); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("check metadata:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := len(line.SecurityProjects()); got != 4 {
		t.Errorf("SecurityProjects() has %d projects, want 4", got)
	}
}

func TestSecurityCheckOffIsRecorded(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() {
		line = pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp, Security: &stages.SecurityChecks{
			Secrets: stages.Off("no secrets in this repo: generated code only"),
			SBOM:    stages.Off("SBOMs come from the release process"),
		}})
	})
	tpl := cdktest.Template(t, stack)
	actions := checkActions(t, tpl)
	for _, name := range []string{"Secrets", "SBOM"} {
		if _, ok := actions[name]; ok {
			t.Errorf("%s runs although it is off", name)
		}
	}
	for _, name := range []string{"SAST", "SCA"} {
		if _, ok := actions[name]; !ok {
			t.Errorf("%s does not run", name)
		}
	}
	want := "SBOM: SBOMs come from the release process\nSecrets: no secrets in this repo: generated code only"
	if got := strings.Join(securityMetadata(t, line, stages.SecurityCheckDisabledMetadata), "\n"); got != want {
		t.Errorf("disabled-check metadata:\n%s\nwant:\n%s", got, want)
	}

	// The reasons reach the cloud assembly's manifest, where audits read them.
	var dir string
	cdktest.Check(t, func() { dir = *app.Synth(nil).Directory() })
	// The stack's metadata is in its own file next to the manifest.
	raw, err := os.ReadFile(filepath.Join(dir, "Pipe.metadata.json"))
	if err != nil {
		t.Fatal(err)
	}
	var metadata map[string][]struct {
		Type string
		Data interface{}
	}
	if err := json.Unmarshal(raw, &metadata); err != nil {
		t.Fatal(err)
	}
	var found []string
	for path, entries := range metadata {
		for _, e := range entries {
			if d, ok := e.Data.(map[string]interface{}); ok && e.Type == stages.SecurityCheckDisabledMetadata {
				found = append(found, fmt.Sprintf("%s %v: %v", path, d["check"], d["reason"]))
			}
		}
	}
	sort.Strings(found)
	if got := strings.Join(found, "\n"); got != "/Pipe/Line SBOM: SBOMs come from the release process\n/Pipe/Line Secrets: no secrets in this repo: generated code only" {
		t.Errorf("assembly metadata:\n%s", got)
	}
}

func TestSecurityCheckOffWithoutReason(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	cdktest.Check(t, func() {
		pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp, Security: &stages.SecurityChecks{
			SAST:      stages.SecurityCheck{Off: true},
			SCA:       stages.Off("  "),
			Threshold: "SEVERE",
			Suppressions: []security.Suppression{
				{ID: "G402", Reason: "local test server only", Expires: "2026-12-31"},
				{ID: "GO-2021-0113", Expires: "31.12.2026"},
			},
		}})
	})
	errs := strings.Join(cdktest.Errors(t, stack), "\n")
	for _, want := range []string{
		`Security.Threshold: "SEVERE" is invalid; want one of LOW, MEDIUM, HIGH, CRITICAL`,
		`Security.SAST.Reason: "" is invalid; want why the SAST check is off (audits read it)`,
		`Security.SCA.Reason: "  " is invalid`,
		`Security.Suppressions[1]: "GO-2021-0113" is invalid; want a valid suppression: reason is empty; want why the finding is acceptable; expires "31.12.2026" is invalid; want a date YYYY-MM-DD`,
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("errors lack %q:\n%s", want, errs)
		}
	}
	if strings.Contains(errs, "Suppressions[0]") {
		t.Errorf("a valid suppression is reported:\n%s", errs)
	}
}

func TestSecurityCheckOptions(t *testing.T) {
	tpl, line, _ := synth(t, pipeline.Props{
		Build: &stages.Build{Directory: "infra"},
		Security: &stages.SecurityChecks{
			Threshold:        security.Medium,
			SCA:              stages.SecurityCheck{Threshold: security.Critical},
			SAST:             stages.SecurityCheck{Threshold: security.Critical},
			Suppressions:     []security.Suppression{{ID: "G402", Tool: "gosec", Reason: "local test server only", Expires: "2026-12-31"}},
			SuppressionsFile: "security/allow.json",
			SecretEnv:        map[string]stages.Secret{"GOPROXY_TOKEN": stages.FromParameterStore("/ci/goproxy")},
		},
	})
	sast := specOf(t, tpl, "SecuritySAST")
	for _, w := range []string{
		`cd "$CODEBUILD_SRC_DIR/infra" && gosec -no-fail -exclude-generated -severity high`,
		`(cd "$CODEBUILD_SRC_DIR/infra" && go run github.com/velocity-cdk/velocity/security/cmd/velocity-check -tool gosec`,
		"-threshold CRITICAL",
		`-suppressions "$CODEBUILD_SRC_DIR/security/allow.json" -suppressions-json "$VELOCITY_SUPPRESSIONS"`,
	} {
		if !strings.Contains(sast, w) {
			t.Errorf("SAST buildspec lacks %q:\n%s", w, sast)
		}
	}
	if secrets := specOf(t, tpl, "SecuritySecrets"); !strings.Contains(secrets, "-threshold MEDIUM") {
		t.Errorf("Secrets buildspec lacks the line's threshold:\n%s", secrets)
	}
	has(t, tpl, "AWS::CodeBuild::Project", map[string]interface{}{
		"Description": "Velocity security check SAST: gosec " + stages.GosecVersion + ", fails at CRITICAL and above",
		"Environment": map[string]interface{}{"EnvironmentVariables": assertions.Match_ArrayWith(&[]interface{}{
			map[string]interface{}{"Name": "GOPROXY_TOKEN", "Type": "PARAMETER_STORE", "Value": "/ci/goproxy"},
			map[string]interface{}{"Name": "VELOCITY_SUPPRESSIONS", "Type": "PLAINTEXT",
				"Value": `{"suppressions":[{"id":"G402","reason":"local test server only","expires":"2026-12-31","tool":"gosec"}]}`},
		})},
	})
	if got := securityMetadata(t, line, stages.SecurityCheckMetadata); !strings.Contains(strings.Join(got, ","), "SCA: govulncheck "+stages.GovulncheckVersion+" CRITICAL") {
		t.Errorf("metadata = %v", got)
	}
}

func TestSecurityChecksForOtherPresets(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() {
		line = pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp, Build: &stages.Build{Preset: stages.Node},
			Security: &stages.SecurityChecks{CheckerVersion: "v0.9.0"}})
	})
	tpl := cdktest.Template(t, stack)
	actions := checkActions(t, tpl)
	if _, ok := actions["SAST"]; ok {
		t.Error("SAST runs for the Node preset without commands")
	}
	sca := specOf(t, tpl, "SecuritySCA")
	for _, w := range []string{
		"go install github.com/google/osv-scanner/v2/cmd/osv-scanner@" + stages.OSVScannerVersion,
		`osv-scanner scan source -r --allow-no-lockfiles --format json --output-file "$VELOCITY_OUT/osv-scanner.json" .`,
		`(cd "$CODEBUILD_SRC_DIR" && go run github.com/velocity-cdk/velocity/security/cmd/velocity-check@v0.9.0 -tool osv-scanner`,
	} {
		if !strings.Contains(sca, w) {
			t.Errorf("SCA buildspec lacks %q:\n%s", w, sca)
		}
	}
	if sbom := specOf(t, tpl, "SecuritySBOM"); !strings.Contains(sbom, `--all-packages --format cyclonedx-1-6 --output-file "$VELOCITY_SBOM"`) {
		t.Errorf("SBOM buildspec:\n%s", sbom)
	}
	if got := securityMetadata(t, line, stages.SecurityCheckDisabledMetadata); len(got) != 1 || !strings.HasPrefix(got[0], "SAST: no ready-made static analysis for the Node preset") {
		t.Errorf("disabled = %v", got)
	}
	var warned bool
	cdktest.Check(t, func() {
		warned = len(*assertions.Annotations_FromStack(stack).FindWarning(jsii.String("/Pipe/Line"), assertions.Match_StringLikeRegexp(jsii.String("Security check SAST does not run")))) == 1
	})
	if !warned {
		t.Error("no warning that SAST does not run")
	}
}

func TestSecurityCustomCommands(t *testing.T) {
	tpl, _, _ := synth(t, pipeline.Props{Build: &stages.Build{Preset: stages.Python}, Security: &stages.SecurityChecks{
		SAST: stages.SecurityCheck{
			Install:  []string{"pip install semgrep==1.80.0"},
			Commands: []string{`semgrep scan --config p/python --sarif --output "$VELOCITY_FINDINGS"`},
		},
	}})
	spec := specOf(t, tpl, "SecuritySAST")
	for _, w := range []string{
		`export VELOCITY_FINDINGS="$VELOCITY_OUT/findings.sarif"`, "pip install semgrep==1.80.0",
		`semgrep scan --config p/python --sarif --output "$VELOCITY_FINDINGS"`,
		`if [ -f "$VELOCITY_FINDINGS" ]; then (cd "$CODEBUILD_SRC_DIR" && go run github.com/velocity-cdk/velocity/security/cmd/velocity-check -tool sarif -input "$VELOCITY_FINDINGS" -threshold HIGH`,
	} {
		if !strings.Contains(spec, w) {
			t.Errorf("SAST buildspec lacks %q:\n%s", w, spec)
		}
	}
}

func TestSecurityChecksNagClean(t *testing.T) {
	app := awscdk.NewApp(nil)
	nag := cdktest.Nag()
	awscdk.Aspects_Of(app).Add(nag, nil)
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() {
		line = pipeline.New(stack, "Line", &pipeline.Props{App: bucketApp,
			Security: &stages.SecurityChecks{SecretEnv: map[string]stages.Secret{"TOKEN": stages.FromSecretsManager("ci/token")}}})
	})
	if len(line.SecurityProjects()) != 4 {
		t.Fatalf("%d security projects, want 4", len(line.SecurityProjects()))
	}
	// The pipeline stack only: bucketApp's stages are not meant to be clean.
	if errs := cdktest.NagErrors(t, stack); len(errs) > 0 {
		t.Errorf("%d cdk-nag errors:\n%s", len(errs), strings.Join(errs, "\n"))
	}
}
