package newcomer

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// teamModule is the module path of the team's copy of the examples.
const teamModule = "example.com/team"

// TestExamplesCopiedIntoANewModule copies the examples (each app, the
// shared config and the sample service, at the paths they have here) into
// a fresh module whose go.mod has only a require and a replace for Velocity,
// and synthesizes each app there. An example that imports one of Velocity's
// internal packages, or finds its files through this repository, fails.
func TestExamplesCopiedIntoANewModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a separate CDK app")
	}
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	copyExamples(t, filepath.Join(repo, "examples"), filepath.Join(dir, "examples"))
	write(t, filepath.Join(dir, "go.mod"), "module "+teamModule+"\n\ngo 1.26\n\nrequire github.com/velocity-cdk/velocity v0.0.0\n\nreplace github.com/velocity-cdk/velocity => "+repo+"\n")
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.sum"), string(sum))
	run(t, dir, nil, "go", "mod", "tidy")
	run(t, dir, nil, "go", "build", "-o", "app", "./examples")

	for example, stack := range map[string]string{"serverless": "VelocityServerless", "containers": "VelocityContainers", "ec2": "VelocityEc2"} {
		t.Run(example, func(t *testing.T) {
			out := filepath.Join(dir, "cdk.out-"+example)
			run(t, dir, []string{"CDK_OUTDIR=" + out, `CDK_CONTEXT_JSON={"example":"` + example + `"}`,
				"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20"}, filepath.Join(dir, "app"))
			if _, err := os.Stat(filepath.Join(out, stack+".template.json")); err != nil {
				t.Errorf("the copied %s example synthesized no %s: %v", example, stack, err)
			}
		})
	}
}

// copyExamples copies the Go sources and the files the apps read at synth
// (the Dockerfile), leaving tests and their data behind, and points the
// imports of the examples at the team's module.
func copyExamples(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		switch {
		case d.IsDir() && d.Name() == "testdata":
			return filepath.SkipDir
		case d.IsDir(), strings.HasSuffix(path, "_test.go"):
			return nil
		case !strings.HasSuffix(path, ".go") && d.Name() != "Dockerfile":
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(string(src), `"github.com/velocity-cdk/velocity/examples/`, `"`+teamModule+`/examples/`)
		if err := os.MkdirAll(filepath.Dir(filepath.Join(to, rel)), 0o755); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), []byte(text), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}
