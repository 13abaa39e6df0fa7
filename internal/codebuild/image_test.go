package codebuild

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The documented commands, CI and the scripts run the CDK CLI the line's
// jobs install, so that what a team runs is what the line runs.
func TestEveryCommandPinsTheLinesCDKCLI(t *testing.T) {
	root := filepath.Join("..", "..")
	var files []string
	if out, err := exec.Command("git", "-C", root, "ls-files").Output(); err == nil {
		files = strings.Fields(string(out))
	} else { // a source artifact without .git
		_ = filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(root, p)
				files = append(files, filepath.ToSlash(rel))
			}
			return nil
		})
	}
	cli := regexp.MustCompile(`aws-cdk@([0-9][0-9.]*)`)
	checked := 0
	for _, f := range files {
		if !(strings.HasSuffix(f, ".md") || strings.HasSuffix(f, ".sh") || f == ".ci/run") || strings.Contains(f, "ts-twin") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cli.FindAllStringSubmatch(string(raw), -1) {
			checked++
			if strings.TrimRight(m[1], ".") != CDKCLIVersion {
				t.Errorf("%s runs aws-cdk@%s; the line's jobs install %s", f, m[1], CDKCLIVersion)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d CDK CLI commands found: the test reads the wrong files", checked)
	}
}

func TestVersions(t *testing.T) {
	if v, pinned, err := Standard7.Version("golang", nil); v != "1.20.14" || pinned || err != nil {
		t.Errorf("default Go = %q %v %v", v, pinned, err)
	}
	if v, _, err := Standard7.Version("nodejs", map[string]string{"nodejs": "22"}); v != "22.22.0" || err != nil {
		t.Errorf("nodejs 22 = %q %v", v, err)
	}
	if _, _, err := Standard7.Version("nodejs", map[string]string{"nodejs": "16"}); err == nil || !strings.Contains(err.Error(), "18, 20, 22, 24") {
		t.Errorf("nodejs 16: %v", err)
	}
	if Standard7.Newest("golang") != "1.26" || CompareVersions("1.9", "1.10") != -1 || MajorMinor("1.26.3") != "1.26" {
		t.Error("version arithmetic")
	}
}

// CodeBuild reads a runtime-versions value as a version, the newest of a
// major version (".x") or the newest of all ("latest").
func TestPick(t *testing.T) {
	for _, c := range []struct{ runtime, v, want string }{
		{"nodejs", "22", "22"},
		{"nodejs", "22.x", "22"},
		{"nodejs", "latest", "24"},
		{"golang", "1.x", "1.26"},
		{"python", "3.x", "3.14"},
		{"java", "corretto17.x", "corretto17"},
		{"java", "latest", "corretto25"},
		{"nodejs", "16", ""},
		{"nodejs", "16.x", ""},
		{"golang", "1.2.x", ""},
		{"haskell", "latest", ""},
	} {
		got, ok := Standard7.Pick(c.runtime, c.v)
		if ok != (c.want != "") || ok && got != c.want {
			t.Errorf("Pick(%s, %s) = %q, %v; want %q", c.runtime, c.v, got, ok, c.want)
		}
	}
	if v, _, err := Standard7.Version("nodejs", map[string]string{"nodejs": "latest"}); v != "24.14.0" || err != nil {
		t.Errorf("nodejs latest = %q %v", v, err)
	}
}
