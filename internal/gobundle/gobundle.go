// Package gobundle builds Go Lambda functions at synth with the local Go
// toolchain (`go build`), so synth never needs Docker.
package gobundle

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// Code returns Lambda code for the Go main package pkg: a path relative to
// the root of the Go module that contains the working directory (for example
// "./examples/service/cmd/lambda"), or an import path, which may be in a
// dependency of that module (Velocity's own functions, when a team's app
// imports Velocity). It is built for provided.al2023 on arm64
// (GOOS=linux GOARCH=arm64 CGO_ENABLED=0, -trimpath, tag lambda.norpc) into
// a file named bootstrap. The asset hash is the hash of the binary, so a
// change anywhere in the code the binary is built from deploys a new version,
// and an unchanged binary deploys nothing.
func Code(pkg string) awslambda.Code {
	root, err := ModuleRoot()
	if err != nil {
		panic(err)
	}
	dir, err := packageDir(root, pkg)
	if err != nil {
		panic(err)
	}
	return awslambda.Code_FromAsset(jsii.String(dir), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: the local build below always succeeds or fails
			// loudly, so CDK never falls back to Docker.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("scratch")),
			Local: &localBuild{root: root, pkg: pkg},
		},
	})
}

// localBuild implements awscdk.ILocalBundling with `go build`.
type localBuild struct {
	root, pkg string
}

// TryBundle builds the binary into outputDir. A failed build panics with
// the compiler's output rather than returning false, which would make CDK
// try Docker and fail with a message about Docker instead.
func (b *localBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	binary, err := b.binary()
	if err != nil {
		panic(err.Error())
	}
	if err := os.WriteFile(filepath.Join(*outputDir, "bootstrap"), binary, 0o755); err != nil {
		panic(fmt.Sprintf("gobundle: %v", err))
	}
	return jsii.Bool(true)
}

// builds holds the binaries built by this process, by module root and
// package: an app (or a test binary) that deploys the same function to
// several stages builds it once. They are kept in memory (a few MB each),
// so nothing is left on disk.
var builds sync.Map

type buildResult struct {
	once   sync.Once
	binary []byte
	err    error
}

func (b *localBuild) binary() ([]byte, error) {
	v, _ := builds.LoadOrStore(b.root+"\x00"+b.pkg, &buildResult{})
	r := v.(*buildResult)
	r.once.Do(func() { r.binary, r.err = b.build() })
	return r.binary, r.err
}

func (b *localBuild) build() ([]byte, error) {
	dir, err := os.MkdirTemp("", "gobundle-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc",
		"-ldflags", "-s -w", "-o", out, b.pkg)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go build %s for Lambda failed: %v\n%s", b.pkg, err, strings.TrimSpace(output.String()))
	}
	return os.ReadFile(out)
}

// packageDir asks the go command where pkg's sources are.
func packageDir(root, pkg string) (string, error) {
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}", pkg)
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("gobundle: go list %s: %v\n%s", pkg, err, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// ModuleRoot returns the directory of the go.mod that contains the working
// directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("gobundle: no go.mod in the working directory or above it")
		}
		dir = parent
	}
}
