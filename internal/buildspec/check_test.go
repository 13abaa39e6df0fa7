package buildspec

import (
	"strings"
	"testing"

	"github.com/velocity-cdk/velocity/internal/codebuild"
)

func TestParseKeepsVersionsAsWritten(t *testing.T) {
	s, err := Parse("version: 0.2\nphases:\n  install:\n    runtime-versions:\n      golang: 1.20\n      nodejs: 22\n    commands: [go version]\n  build:\n    on-failure: CONTINUE\n    commands:\n      - make\n")
	if err != nil {
		t.Fatal(err)
	}
	if rv := s.RuntimeVersions(); rv["golang"] != "1.20" || rv["nodejs"] != "22" {
		t.Errorf("runtime-versions = %v, want 1.20 and 22 as written", rv)
	}
	if s.Phases["build"].OnFailure != "CONTINUE" || s.Phases["install"].OnFailure != "ABORT" {
		t.Errorf("on-failure = %q/%q", s.Phases["build"].OnFailure, s.Phases["install"].OnFailure)
	}
	for _, bad := range []string{"version: 0.1\n", "version: 0.2\nphases:\n  deploy:\n    commands: [x]\n", "[", ""} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

// The defects that the line had before every job pinned its runtimes.
func TestCheckFindsJobsThatCannotWork(t *testing.T) {
	for _, c := range []struct {
		name, spec, gomod string
		want              []string
	}{
		{"image's Go", "version: 0.2\nphases:\n  build:\n    commands: [go vet ./...]\n", "1.26.0",
			[]string{"error: runs Go 1.20.14", `pin runtime-versions golang: "1.26"`}},
		{"image's Node for cdk", "version: 0.2\nphases:\n  install:\n    runtime-versions: {golang: 1.26}\n    commands: [npm install -g aws-cdk@2.1148.1]\n  build:\n    commands: [cdk synth]\n", "1.26.0",
			[]string{"error: runs the CDK CLI on Node.js 18.20.8"}},
		{"unpinned CLI", "version: 0.2\nphases:\n  install:\n    runtime-versions: {nodejs: 22}\n  build:\n    commands: [npm install -g aws-cdk, cdk diff]\n", "",
			[]string{`installs "aws-cdk", whatever npm calls the latest`}},
		{"CLI 3", "version: 0.2\nphases:\n  install:\n    runtime-versions: {nodejs: 22}\n  build:\n    commands: [npm i -g aws-cdk@3.0.0]\n", "",
			[]string{"aws-cdk 3.x cannot read"}},
		{"cdk-assets 4.7.3", "version: 0.2\nphases:\n  install:\n    runtime-versions: {nodejs: 22}\n    commands: [npm install -g cdk-assets@4.7.3]\n", "",
			[]string{"reads cloud assembly schema 54 at most; this assembly is schema 55.0.0"}},
		{"root GOPATH cache", "version: 0.2\ncache:\n  paths: [/root/go/pkg/mod/**/*]\nphases:\n  build:\n    commands: [echo]\n", "",
			[]string{"GOPATH is /go"}},
		{"bash in sh", "version: 0.2\nphases:\n  build:\n    commands: ['if [[ -n x ]]; then echo; fi']\n", "",
			[]string{"uses bash syntax"}},
		{"runtime the image lacks", "version: 0.2\nphases:\n  install:\n    runtime-versions: {nodejs: 16}\n    commands: [echo]\n", "",
			[]string{`does not offer nodejs "16"`}},
		{"newer go.mod", "version: 0.2\nphases:\n  install:\n    runtime-versions: {golang: 1.25}\n  build:\n    commands: [go test ./...]\n", "1.26.0",
			[]string{"warning: runs Go 1.25.7", "downloads that toolchain"}},
	} {
		spec, err := Parse(c.spec)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, f := range Check(Job{Spec: spec, Image: codebuild.Standard7, GoMod: c.gomod, Schema: "55.0.0", CDKCLIVersion: "2.1148.1"}) {
			got = append(got, f.String())
		}
		text := strings.Join(got, "\n")
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: findings lack %q:\n%s", c.name, w, text)
			}
		}
	}
	good, _ := Parse("version: 0.2\ncache:\n  paths: [/go/pkg/mod/**/*]\nphases:\n  install:\n    runtime-versions: {golang: \"1.26\", nodejs: \"22\"}\n    commands: [npm install -g aws-cdk@2.1148.1, go mod download]\n  build:\n    commands: [go test ./..., cdk synth]\n")
	if fs := Check(Job{Spec: good, Image: codebuild.Standard7, GoMod: "1.26.0", Schema: "55.0.0", CDKCLIVersion: "2.1148.1"}); len(fs) > 0 {
		t.Errorf("a job that works: %v", fs)
	}
}
