package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Mistakes get one clear line, never a stack trace.
func TestBadInputIsOneClearLine(t *testing.T) {
	noPipeline := t.TempDir()
	writeFile(t, filepath.Join(noPipeline, "manifest.json"), `{"version":"55.0.0","artifacts":{"App":{"type":"aws:cloudformation:stack","properties":{"templateFile":"App.template.json"}}}}`)
	writeFile(t, filepath.Join(noPipeline, "App.template.json"), `{"Resources":{"B":{"Type":"AWS::S3::Bucket"}}}`)
	line := t.TempDir()
	writeFile(t, filepath.Join(line, "manifest.json"), `{"version":"55.0.0","artifacts":{"Line":{"type":"aws:cloudformation:stack","properties":{"templateFile":"Line.template.json"}}}}`)
	writeFile(t, filepath.Join(line, "Line.template.json"), `{"Resources":{"P":{"Type":"AWS::CodePipeline::Pipeline","Properties":{"Stages":[{"Name":"Source","Actions":[{"Name":"S3","ActionTypeId":{"Category":"Source","Provider":"S3"},"OutputArtifacts":[{"Name":"Src"}]}]}]}}}}`)
	repo := t.TempDir()
	for _, args := range [][]string{{"init", "-q"}, {"-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "x"}} {
		if out, err := exec.Command("git", append([]string{"-C", repo}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage: velocity local"},
		{[]string{"local", "-assembly", filepath.Join(noPipeline, "nope")}, 2, "no cloud assembly at"},
		{[]string{"local", "-assembly", noPipeline}, 2, "no pipeline in the cloud assembly at " + noPipeline + " (its stacks: App)"},
		{[]string{"local", "-assembly", line, "-app", repo, "-job", "Nope"}, 2, `the line has no job "Nope"; its jobs are Source/S3`},
		{[]string{"local", "-assembly", line, "-app", repo, "-env", "ENDPOINT"}, 2, `-env "ENDPOINT": want NAME=VALUE`},
		{[]string{"local", "-assembly", line, "-app", repo, "-toolchains", "docker"}, 2, "want image or host"},
		{[]string{"local", "-app", repo}, 2, "no cdk.json in " + repo},
		{[]string{"local", "-assembly", line, "-app", repo, "-check"}, 0, "0 error(s)"},
	} {
		var out, errOut bytes.Buffer
		code := run(c.args, &out, &errOut)
		text := out.String() + errOut.String()
		if code != c.code || !strings.Contains(text, c.want) {
			t.Errorf("velocity %v: exit %d, want %d with %q:\n%s", c.args, code, c.code, c.want, text)
		}
		if strings.Contains(text, "goroutine ") || strings.Contains(text, "panic") {
			t.Errorf("velocity %v printed a stack trace:\n%s", c.args, text)
		}
		if c.code == 2 && strings.Count(strings.TrimSpace(errOut.String()), "\n") > 0 && c.args != nil {
			t.Errorf("velocity %v: more than one line:\n%s", c.args, errOut.String())
		}
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
