package stages

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The Build job's last commands, run by dash as CodeBuild runs them, with
// a stand-in for the AWS CLI that prints what CloudFormation would: the
// line may skip its self-mutation only when the deployed pipeline template
// is the synthesized one, and must not otherwise, whatever goes wrong.
func TestPipelineChangedCommands(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	const synthesized = `{"Resources":{"Pipeline":{"Type":"AWS::CodePipeline::Pipeline","Properties":{"Name":"line"}}}}`
	for _, c := range []struct {
		name    string
		aws     string // the stand-in's script; "" for no aws command at all
		changed string
	}{
		{"the deployed template is the synthesized one", `printf '%s' '{"Resources": {"Pipeline": {"Properties": {"Name": "line"}, "Type": "AWS::CodePipeline::Pipeline"}}}'`, "false"},
		{"the same, printed as a JSON string", `printf '%s' '"{\"Resources\":{\"Pipeline\":{\"Type\":\"AWS::CodePipeline::Pipeline\",\"Properties\":{\"Name\":\"line\"}}}}"'`, "false"},
		{"a resource differs", `printf '%s' '{"Resources":{"Pipeline":{"Type":"AWS::CodePipeline::Pipeline","Properties":{"Name":"old"}}}}'`, "true"},
		{"a YAML template", `printf '%s' '"Resources:\n  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n"'`, "true"},
		{"no stack yet", `echo "An error occurred (ValidationError): Stack with id line does not exist" >&2; exit 254`, "true"},
		{"no permission", `echo "AccessDenied" >&2; exit 254`, "true"},
		{"no AWS CLI", "", "true"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := t.TempDir()
			bin := t.TempDir()
			if err := os.MkdirAll(filepath.Join(src, "cdk.out"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(src, "cdk.out", "Line.template.json"), []byte(synthesized), 0o644); err != nil {
				t.Fatal(err)
			}
			if c.aws != "" {
				if err := os.WriteFile(filepath.Join(bin, "aws"), []byte("#!/bin/sh\n"+c.aws+"\n"), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			node, _ := exec.LookPath("node")
			script := strings.Join(pipelineChangedCommands("Line", "cdk.out/Line.template.json"), "\n") + "\necho \"RESULT=$" + PipelineChangedVariable + "\"\n"
			cmd := exec.Command("dash", "-e", "-c", script)
			cmd.Env = []string{"PATH=" + bin + ":" + filepath.Dir(node) + ":/bin", "CODEBUILD_SRC_DIR=" + src, "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("the commands failed the job: %v\n%s", err, out)
			}
			if !strings.Contains(string(out), "RESULT="+c.changed+"\n") {
				t.Errorf("pipeline changed: want %s, got:\n%s", c.changed, out)
			}
		})
	}
	// With Build.Directory the template is under it.
	if got := strings.Join(pipelineChangedCommands("Line", "other/Line.template.json"), "\n"); !strings.Contains(got, `"$CODEBUILD_SRC_DIR/other/Line.template.json"`) {
		t.Errorf("commands do not read the template where the build writes it:\n%s", got)
	}
}
