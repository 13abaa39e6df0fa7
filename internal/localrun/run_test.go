package localrun

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/velocity-cdk/velocity/internal/assembly"
)

// fixture is a git repository and a cloud assembly with a line in it.
type fixture struct {
	repo, asm string
}

// newFixture writes a repository with one commit and an assembly whose
// pipeline has the given CodeBuild buildspecs (name → buildspec JSON),
// after an S3 source and followed by a deploy and an approval.
func newFixture(t *testing.T, stages []fixtureStage) fixture {
	t.Helper()
	f := fixture{repo: t.TempDir(), asm: t.TempDir()}
	write(t, filepath.Join(f.repo, "go.mod"), "module example.com/app\n\ngo 1.26.0\n")
	write(t, filepath.Join(f.repo, "app", "main.go"), "package main\n\nfunc main() {}\n")
	write(t, filepath.Join(f.repo, "uncommitted.txt"), "")
	git(t, f.repo, "init", "-q")
	git(t, f.repo, "add", "go.mod", "app")
	git(t, f.repo, "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "first")

	resources := map[string]interface{}{}
	pipeStages := []interface{}{map[string]interface{}{"Name": "Source", "Actions": []interface{}{map[string]interface{}{
		"Name": "S3", "ActionTypeId": map[string]interface{}{"Category": "Source", "Provider": "S3"},
		"OutputArtifacts": []interface{}{map[string]interface{}{"Name": "Src"}},
	}}}}
	for _, st := range stages {
		var actions []interface{}
		for i, j := range st.jobs {
			resources[j.name+"Project"] = map[string]interface{}{"Type": "AWS::CodeBuild::Project", "Properties": map[string]interface{}{
				"Environment":      map[string]interface{}{"Image": "aws/codebuild/standard:7.0", "EnvironmentVariables": []interface{}{map[string]interface{}{"Name": "FROM_PROJECT", "Value": "p"}}},
				"Source":           map[string]interface{}{"BuildSpec": j.spec},
				"TimeoutInMinutes": 30,
			}}
			a := map[string]interface{}{
				"Name": j.name, "RunOrder": i + 1,
				"ActionTypeId":   map[string]interface{}{"Category": "Build", "Provider": "CodeBuild"},
				"Configuration":  map[string]interface{}{"ProjectName": map[string]interface{}{"Ref": j.name + "Project"}, "EnvironmentVariables": j.env},
				"InputArtifacts": []interface{}{map[string]interface{}{"Name": j.input}},
			}
			if j.output != "" {
				a["OutputArtifacts"] = []interface{}{map[string]interface{}{"Name": j.output}}
			}
			if j.namespace != "" {
				a["Namespace"] = j.namespace
			}
			actions = append(actions, a)
		}
		pipeStages = append(pipeStages, map[string]interface{}{"Name": st.name, "Actions": actions})
	}
	pipeStages = append(pipeStages, map[string]interface{}{"Name": "Production", "Actions": []interface{}{
		map[string]interface{}{"Name": "Deploy", "ActionTypeId": map[string]interface{}{"Category": "Deploy", "Provider": "CloudFormation"},
			"Configuration":  map[string]interface{}{"StackName": "Prod", "TemplatePath": "Out::prod.template.json"},
			"InputArtifacts": []interface{}{map[string]interface{}{"Name": "Out"}}},
		map[string]interface{}{"Name": "Approve", "RunOrder": 2, "ActionTypeId": map[string]interface{}{"Category": "Approval", "Provider": "Manual"}},
	}})
	resources["Pipeline"] = map[string]interface{}{"Type": "AWS::CodePipeline::Pipeline", "Properties": map[string]interface{}{"Stages": pipeStages}}
	writeJSON(t, filepath.Join(f.asm, "Line.template.json"), map[string]interface{}{"Resources": resources})
	writeJSON(t, filepath.Join(f.asm, "manifest.json"), map[string]interface{}{"version": "55.0.0", "artifacts": map[string]interface{}{
		"Line": map[string]interface{}{"type": "aws:cloudformation:stack", "properties": map[string]interface{}{"templateFile": "Line.template.json"}},
	}})
	return f
}

type fixtureStage struct {
	name string
	jobs []fixtureJob
}

type fixtureJob struct {
	name, input, output, namespace, env string
	spec                                string
}

func (f fixture) run(t *testing.T, o Options) []Result {
	t.Helper()
	asm, err := assembly.Open(f.asm)
	if err != nil {
		t.Fatal(err)
	}
	o.Assembly, o.Pipeline, o.Repo = asm, asm.Pipelines()[0], f.repo
	if o.WorkDir == "" {
		o.WorkDir = t.TempDir()
	}
	o.Toolchains = HostToolchains
	results, err := Run(o)
	if err != nil {
		t.Fatal(err)
	}
	return results
}

func spec(t *testing.T, s map[string]interface{}) string {
	t.Helper()
	s["version"] = "0.2"
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func phases(p map[string][]string) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range p {
		out[k] = map[string]interface{}{"commands": v}
	}
	return out
}

func byJob(results []Result) map[string]Result {
	m := map[string]Result{}
	for _, r := range results {
		m[r.Job] = r
	}
	return m
}

func TestRunHandsArtifactsAndVariablesOn(t *testing.T) {
	build := spec(t, map[string]interface{}{
		"env": map[string]interface{}{"exported-variables": []string{"VERSION"}, "variables": map[string]string{"FROM_SPEC": "s"}},
		"phases": phases(map[string][]string{
			"install": {"cd app", "export VERSION=\"v1 'two'\"", "PLAIN=set"},
			"build": {
				`test "$(basename "$PWD")" = app`, // one shell: the cd holds
				`sh -c 'test "$PLAIN" = set'`,     // as on CodeBuild, a plain assignment reaches processes
				`test ! -e "$CODEBUILD_SRC_DIR/.git" && test ! -e "$CODEBUILD_SRC_DIR/uncommitted.txt"`,
				`test "$FROM_SPEC$FROM_PROJECT" = sp && test -n "$CODEBUILD_BUILD_ID" && test "$CODEBUILD_RESOLVED_SOURCE_VERSION" != ""`,
				`mkdir -p ../out/reports && echo '{}' > ../out/prod.template.json`,
				`printf '<testsuites><testsuite tests="3" failures="0" skipped="1"></testsuite></testsuites>' > ../out/reports/unit.xml`,
			},
		}),
		"artifacts": map[string]interface{}{"base-directory": "out", "files": []string{"**/*"}},
		"reports":   map[string]interface{}{"Unit": map[string]interface{}{"base-directory": "out/reports", "files": []string{"**/*.xml"}}},
	})
	use := spec(t, map[string]interface{}{"phases": phases(map[string][]string{
		"build": {`test -f prod.template.json`, `test "$GOT" = "v1 'two'"`, `test "$RUN" != "" && test "$RUN" != "#{codepipeline.PipelineExecutionId}"`},
	})})
	f := newFixture(t, []fixtureStage{
		{"Build", []fixtureJob{{name: "Build", input: "Src", output: "Out", namespace: "B", spec: build}}},
		{"Use", []fixtureJob{{name: "Use", input: "Out", spec: use,
			env: `[{"name":"GOT","type":"PLAINTEXT","value":"#{B.VERSION}"},{"name":"RUN","type":"PLAINTEXT","value":"#{codepipeline.PipelineExecutionId}"}]`}}},
	})
	results := byJob(f.run(t, Options{}))
	for _, job := range []string{"Source/S3", "Build/Build", "Use/Use"} {
		if r := results[job]; r.Status != Pass {
			t.Errorf("%s: %s %s\n%s", job, r.Status, r.Note, r.LogTail)
		}
	}
	if n := results["Build/Build"].Note; !strings.Contains(n, "3 tests, 0 failed, 1 skipped") {
		t.Errorf("Build note = %q, want the JUnit counts", n)
	}
	if r := results["Production/Deploy"]; r.Status != NeedsAWS || !strings.Contains(r.Note, "prod.template.json is in Out") {
		t.Errorf("Deploy = %s %q, want needs AWS after checking its template", r.Status, r.Note)
	}
	if r := results["Production/Approve"]; r.Status != Manual {
		t.Errorf("Approve = %s, want manual", r.Status)
	}
}

func TestRunPhaseTransitions(t *testing.T) {
	for _, c := range []struct {
		name   string
		phases map[string]interface{}
		want   Status
		marks  string // files the job must have created, in order
	}{
		{"install failure skips the rest", map[string]interface{}{
			"install": map[string]interface{}{"commands": []string{"touch i1", "false", "touch i2"}, "finally": []string{"touch if"}},
			"build":   map[string]interface{}{"commands": []string{"touch b"}},
		}, Fail, "i1 if"},
		{"build failure still runs post_build", map[string]interface{}{
			"build":      map[string]interface{}{"commands": []string{"false", "touch b2"}},
			"post_build": map[string]interface{}{"commands": []string{`test "$CODEBUILD_BUILD_SUCCEEDING" = 0 && touch p`}},
		}, Fail, "p"},
		{"on-failure CONTINUE", map[string]interface{}{
			"pre_build": map[string]interface{}{"commands": []string{"false"}, "on-failure": "CONTINUE"},
			"build":     map[string]interface{}{"commands": []string{"touch b"}},
		}, Fail, "b"},
		{"exit in a command ends the job", map[string]interface{}{
			"build": map[string]interface{}{"commands": []string{"touch b1", "exit 0", "touch b2"}},
		}, Fail, "b1"},
		{"success", map[string]interface{}{
			"install": map[string]interface{}{"commands": []string{"touch i"}},
			"build":   map[string]interface{}{"commands": []string{"touch b"}},
		}, Pass, "b i"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := spec(t, map[string]interface{}{"phases": c.phases})
			f := newFixture(t, []fixtureStage{{"Build", []fixtureJob{{name: "Job", input: "Src", spec: s}}}})
			r := byJob(f.run(t, Options{}))["Build/Job"]
			if r.Status != c.want {
				t.Fatalf("status %s (%s), want %s", r.Status, r.Note, c.want)
			}
			entries, _ := os.ReadDir(filepath.Join(r.Dir, "src"))
			var got []string
			for _, e := range entries {
				if n := e.Name(); n != "go.mod" && n != "app" {
					got = append(got, n)
				}
			}
			if strings.Join(got, " ") != c.marks {
				t.Errorf("commands that ran left %q, want %q", strings.Join(got, " "), c.marks)
			}
		})
	}
}

func TestRunReportsWhatItCannotRun(t *testing.T) {
	quietAWS := spec(t, map[string]interface{}{"phases": phases(map[string][]string{"build": {"if aws sts get-caller-identity; then echo yes; else echo no; fi", "echo out > out.txt"}}),
		"artifacts": map[string]interface{}{"files": []interface{}{"out.txt"}}})
	awsJob := spec(t, map[string]interface{}{"phases": phases(map[string][]string{"build": {"echo building", "aws s3 cp x s3://bucket/x"}})})
	failing := spec(t, map[string]interface{}{"phases": phases(map[string][]string{"build": {"echo 'error: the thing broke' >&2; exit 3"}})})
	slow := spec(t, map[string]interface{}{"phases": phases(map[string][]string{"build": {"sleep 30"}})})
	offline := spec(t, map[string]interface{}{"phases": phases(map[string][]string{"build": {"echo 'velocity security: vulnerability database unreachable' >&2; false"}})})
	// A command that only names the message, and fails for another reason.
	namesIt := spec(t, map[string]interface{}{"phases": phases(map[string][]string{"build": {"true || echo 'vulnerability database unreachable'; false"}})})
	acceptance := spec(t, map[string]interface{}{"phases": phases(map[string][]string{"build": {`test "$ENDPOINT" = http://127.0.0.1:1`}})})
	f := newFixture(t, []fixtureStage{{"Checks", []fixtureJob{
		{name: "Publish", input: "Src", spec: awsJob},
		{name: "QuietAWS", input: "Src", output: "QuietOut", spec: quietAWS},
		{name: "Broken", input: "Src", spec: failing},
		{name: "Slow", input: "Src", spec: slow},
		{name: "SCA", input: "Src", spec: offline},
		{name: "NamesIt", input: "Src", spec: namesIt},
		{name: "Acceptance", input: "Src", spec: acceptance, env: `[{"name":"ENDPOINT","type":"PLAINTEXT","value":"#{Staging.Endpoint}"}]`},
		{name: "NeedsOut", input: "Out", spec: acceptance},
	}}, {"Later", []fixtureJob{
		// A job whose commands all passed, one that needed AWS quietly
		// failing, still hands on its output.
		{name: "ReadsQuietOut", input: "QuietOut", spec: spec(t, map[string]interface{}{"phases": phases(map[string][]string{"build": {"true"}})})},
	}}})
	start := time.Now()
	results := byJob(f.run(t, Options{Timeout: time.Second}))
	if time.Since(start) > 20*time.Second {
		t.Errorf("the slow job was not stopped at its timeout")
	}
	for job, want := range map[string]Status{
		"Checks/Publish": NeedsAWS, "Checks/QuietAWS": NeedsAWS, "Checks/Broken": Fail, "Checks/Slow": Timeout, "Checks/SCA": Offline, "Checks/NamesIt": Fail,
		"Checks/Acceptance": Skipped, "Checks/NeedsOut": Skipped, "Production/Deploy": Skipped, "Later/ReadsQuietOut": Pass,
	} {
		if r := results[job]; r.Status != want {
			t.Errorf("%s = %s (%s), want %s", job, r.Status, r.Note, want)
		}
	}
	if n := results["Checks/Broken"].Note; !strings.Contains(n, "error: the thing broke") || !strings.Contains(n, "exit status 3") {
		t.Errorf("Broken note = %q, want the first error and the exit status", n)
	}
	if n := results["Checks/Acceptance"].Note; !strings.Contains(n, "ENDPOINT") || !strings.Contains(n, "--env") {
		t.Errorf("Acceptance note = %q, want how to give ENDPOINT", n)
	}
	if !Failed(f.run(t, Options{Jobs: []string{"Broken"}})) {
		t.Error("a failed job must fail the run")
	}
	given := byJob(f.run(t, Options{Jobs: []string{"Checks/Acceptance"}, Env: map[string]string{"ENDPOINT": "http://127.0.0.1:1"}}))
	if r := given["Checks/Acceptance"]; r.Status != Pass {
		t.Errorf("Acceptance with ENDPOINT = %s (%s), want pass", r.Status, r.Note)
	}
	if r := given["Checks/Broken"]; r.Status != Skipped {
		t.Errorf("an unselected job = %s, want skipped", r.Status)
	}
}

func TestRunRefusesAnUnknownJob(t *testing.T) {
	f := newFixture(t, nil)
	asm, _ := assembly.Open(f.asm)
	_, err := Run(Options{Assembly: asm, Pipeline: asm.Pipelines()[0], Repo: f.repo, WorkDir: t.TempDir(), Jobs: []string{"Nope"}})
	if err == nil || !strings.Contains(err.Error(), `no job "Nope"`) || !strings.Contains(err.Error(), "Source/S3") {
		t.Errorf("err = %v, want the unknown job and the jobs there are", err)
	}
}

func TestMatchGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"**/*", "a/b/c.txt", true}, {"**/*.xml", "x.xml", true}, {"**/*.xml", "r/x.xml", true},
		{"*.xml", "r/x.xml", false}, {"a/**/c", "a/c", true}, {"a/**/c", "a/b/b/c", true}, {"a/*", "b/c", false},
	} {
		if got := matchGlob(c.pattern, c.name); got != c.want {
			t.Errorf("matchGlob(%q, %q) = %v", c.pattern, c.name, got)
		}
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v interface{}) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	write(t, path, string(raw))
}

func git(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}
