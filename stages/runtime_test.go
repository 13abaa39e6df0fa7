package stages

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGoRuntimeFollowsGoMod(t *testing.T) {
	for _, c := range []struct {
		gomod, want string
		warns       bool
	}{
		{"go 1.26.0", "1.26", false},
		{"go 1.24", "1.24", false},
		{"go 1.24.2\ntoolchain go1.25.3", "1.25", false},
		{"go 1.18", "1.21", false}, // the oldest Go that honours GOTOOLCHAIN=auto
		{"go 1.27.1", "1.26", true},
	} {
		path := filepath.Join(t.TempDir(), "go.mod")
		if err := os.WriteFile(path, []byte("module example.com/m\n\n"+c.gomod+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		got, warning := goRuntimeFor(path)
		if got != c.want || (warning != "") != c.warns {
			t.Errorf("%q: runtime %q, warning %q; want %q, warning %v", c.gomod, got, warning, c.want, c.warns)
		}
		if c.warns && !strings.Contains(warning, "1.27.1") {
			t.Errorf("warning %q does not name the Go go.mod asks for", warning)
		}
	}
	if got, _ := goRuntimeFor(""); got != image.Newest("golang") {
		t.Errorf("without go.mod: %q, want the newest Go the image offers", got)
	}
}

func TestRuntimesValidate(t *testing.T) {
	var ps Problems
	Runtimes{"golang": GoModRuntime, "nodejs": "22", "java": "corretto21"}.validate("Runtimes", &ps)
	// CodeBuild also takes the newest of a major version, and latest.
	Runtimes{"golang": "1.x", "nodejs": "latest", "python": "3.x", "java": "corretto17.x", "ruby": "3.4"}.validate("Runtimes", &ps)
	if len(ps) != 0 {
		t.Errorf("valid runtimes refused: %v", ps)
	}
	ps = nil
	Runtimes{"nodejs": "16", "golang": "1.19", "": "x", "java": "21", "php": "7.x", "dotnet": ""}.validate("Runtimes", &ps)
	if len(ps) != 6 {
		t.Errorf("%d problems, want 6: %v", len(ps), ps)
	}
	text := ""
	for _, p := range ps {
		text += p.Error() + "\n"
	}
	for _, want := range []string{"Runtimes[nodejs]", "18, 20, 22, 24", "Runtimes[golang]", "1.20, 1.21", "Runtimes[java]", "corretto8, corretto11", "corretto25.x, or latest", "Runtimes[php]", "Runtimes[dotnet]"} {
		if !strings.Contains(text, want) {
			t.Errorf("problems lack %q:\n%s", want, text)
		}
	}
}
