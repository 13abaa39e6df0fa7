// Package gobundle builds Go binaries at synth with the local Go toolchain
// (`go build`), so synth never needs Docker: Lambda functions (Code) and
// other binaries shipped as assets (Binary). Builds are kept between synths
// and reused while nothing they are built from changes.
package gobundle

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/jsii-runtime-go"
)

// Code returns Lambda code for the Go main package pkg: a path relative to
// the root of the Go module that contains the working directory (for example
// "./examples/service/cmd/lambda"), or an import path, which may be in a
// dependency of that module (Velocity's own functions, when a team's app
// imports Velocity). It is built for provided.al2023 on arm64 (see Binary;
// tag lambda.norpc) into a file named bootstrap. The asset hash is the hash
// of the binary, so a change anywhere in the code the binary is built from
// deploys a new version, and an unchanged binary deploys nothing.
//
// Code panics with NewCode's error when pkg is not a main package that
// builds. Inside a line's App the line reports that panic as a synth error
// naming the environment; elsewhere, call NewCode and handle the error.
func Code(pkg string) awslambda.Code {
	code, err := NewCode(pkg)
	if err != nil {
		panic(err)
	}
	return code
}

// NewCode is Code, with an error instead of a panic: pkg is empty, is not
// a main package, or does not compile for linux/arm64. The error's first
// line says which and quotes the go command's first complaint.
func NewCode(pkg string) (awslambda.Code, error) {
	if strings.TrimSpace(pkg) == "" {
		return nil, errors.New(`gobundle: no package to build: give the path of a main package, e.g. "./cmd/lambda"`)
	}
	root, err := ModuleRoot()
	if err != nil {
		return nil, err
	}
	b, err := source(root, pkg, lambdaTags)
	if err != nil {
		return nil, err
	}
	// Built now, not when CDK stages the asset, so that a compile error
	// is this call's error; the binary is built once and reused.
	if _, err := b.binary(); err != nil {
		return nil, err
	}
	return awslambda.Code_FromAsset(jsii.String(b.dir), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Never pulled: the binary is already built, so CDK never
			// falls back to Docker.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("scratch")),
			Local: &localBuild{build: b},
		},
	}), nil
}

// lambdaTags leaves out the RPC server that aws-lambda-go keeps only for the
// old go1.x runtime.
var lambdaTags = []string{"lambda.norpc"}

// Prefetch starts, in the background, the `go list` that Code(pkg) needs,
// so that it runs while the app builds other constructs (the jsii kernel
// keeps one CPU busy; go list takes another). A later Code(pkg) waits for it
// and reports its errors; Prefetch itself never fails.
func Prefetch(pkg string) {
	root, err := ModuleRoot()
	if err != nil {
		return
	}
	go source(root, pkg, lambdaTags) // Code reports any error
}

// localBuild implements awscdk.ILocalBundling with Binary. The build is a
// named field: the jsii runtime takes an embedded pointer for the object's
// identity, and one build serves several Code values (one per stage).
type localBuild struct{ build *build }

// TryBundle writes the binary into outputDir. A failure panics rather than
// returning false, which would make CDK try Docker and fail with a message
// about Docker instead.
func (b *localBuild) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	binary, err := b.build.binary()
	if err != nil {
		panic(err.Error())
	}
	if err := os.WriteFile(filepath.Join(*outputDir, "bootstrap"), binary, 0o755); err != nil {
		panic(fmt.Sprintf("gobundle: %v", err))
	}
	return jsii.Bool(true)
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
