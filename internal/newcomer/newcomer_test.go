// Package newcomer proves that a team's CDK app in another folder can use
// Velocity through go.mod (with a replace to this checkout) and synthesize a
// line with a custom step, the way the README tells a newcomer to.
package newcomer

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestTeamAppInAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a separate CDK app")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/app/main.go.txt")
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "main.go"), string(src))
	write(t, filepath.Join(dir, "go.mod"), "module example.com/shop\n\ngo 1.26\n\nrequire github.com/velocity-cdk/velocity v0.0.0\n\nreplace github.com/velocity-cdk/velocity => "+repo+"\n")
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.sum"), string(sum))

	out := filepath.Join(dir, "cdk.out")
	run(t, dir, nil, "go", "mod", "tidy")
	run(t, dir, []string{"CDK_OUTDIR=" + out, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20"}, "go", "run", ".")

	raw, err := os.ReadFile(filepath.Join(out, "ShopDelivery.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]interface{}
		}
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, r := range tpl.Resources {
		if r.Type != "AWS::CodePipeline::Pipeline" {
			continue
		}
		for _, s := range r.Properties["Stages"].([]interface{}) {
			stage := s.(map[string]interface{})
			for _, a := range stage["Actions"].([]interface{}) {
				actions = append(actions, stage["Name"].(string)+"/"+a.(map[string]interface{})["Name"].(string))
			}
		}
	}
	got := strings.Join(actions, " ")
	for _, want := range []string{"Source/S3", "Build/Build", "Staging/AcceptanceTests", "Staging/LoadTest", "Production/Deploy", "Staging/PermissionsCheck.Confirm"} {
		if !strings.Contains(got, want) {
			t.Errorf("pipeline actions %q lack %s", got, want)
		}
	}

	// The team runs the preflight of its own line through its go.mod, as
	// the README says: `go run github.com/velocity-cdk/velocity/cmd/velocity local -check`.
	run(t, dir, nil, "git", "init", "-q")
	run(t, dir, nil, "git", "add", "main.go", "go.mod", "go.sum")
	run(t, dir, nil, "git", "-c", "user.email=team@example.com", "-c", "user.name=team", "commit", "-q", "-m", "the line")
	cmd := exec.Command("go", "run", "github.com/velocity-cdk/velocity/cmd/velocity", "local", "-check", "-assembly", out)
	cmd.Dir = dir
	report, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(report), "0 error(s)") {
		t.Errorf("velocity local -check in the team's module: %v\n%s", err, report)
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
