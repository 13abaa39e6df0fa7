package stages

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/velocity-cdk/velocity/internal/codebuild"
	"golang.org/x/mod/modfile"
)

// Runtimes are a CodeBuild job's runtime-versions: the toolchains
// CodeBuild switches to before the install commands run, by runtime name
// ("golang", "nodejs", "python", ...). Without them a job gets the image's
// defaults, which on aws/codebuild/standard:7.0 are Go 1.20.14 and Node.js
// 18: too old for a current go.mod, the CDK CLI and jsii.
type Runtimes map[string]string

// The runtime versions the line's jobs pin.
const (
	// GoModRuntime, as the "golang" runtime, stands for the Go of the
	// module being built: the major.minor of go.mod's go line (found from
	// the directory `cdk synth` runs in, upwards), at least 1.21 so that
	// GOTOOLCHAIN=auto works, at most the newest the image offers. A go.mod
	// that asks for a newer Go than the image has gets the newest, and
	// GOTOOLCHAIN=auto downloads the rest (synth warns).
	GoModRuntime = "go.mod"
	// NodeRuntime is the Node.js of every job that runs the CDK CLI or
	// jsii, which need Node.js 20 or later.
	NodeRuntime = "22"
	// PythonRuntime is the Python of the Python preset.
	PythonRuntime = "3.12"
)

// BuildImage is the CodeBuild image every job of the line runs on.
func BuildImage() awscodebuild.IBuildImage { return awscodebuild.LinuxBuildImage_STANDARD_7_0() }

// image is what Velocity knows of BuildImage.
var image = codebuild.Standard7

// minGoRuntime is the oldest Go that honours GOTOOLCHAIN=auto.
const minGoRuntime = "1.21"

func (r Runtimes) validate(prop string, ps *Problems) {
	for _, name := range sortedKeys(r) {
		v := r[name]
		switch _, offered := image.Pick(name, v); {
		case strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t\n:"):
			ps.Add(prop, name, "a CodeBuild runtime name such as golang, nodejs or python")
		case !slices.Contains(image.RuntimeNames(), name):
			ps.Add(prop, name, fmt.Sprintf("a runtime %s offers: %s", image.Name, strings.Join(image.RuntimeNames(), ", ")))
		case name == "golang" && v == GoModRuntime:
		case !offered:
			ps.Add(prop+"["+name+"]", v, fmt.Sprintf("a version %s offers: %s, a major version such as %s.x, or latest",
				image.Name, strings.Join(image.Offered(name), ", "), strings.SplitN(image.Newest(name), ".", 2)[0]))
		}
	}
}

// resolve returns the runtime-versions to write, with GoModRuntime
// replaced by the module's Go, and a warning when the module wants a Go
// the image does not have.
func (r Runtimes) resolve() (Runtimes, string) {
	if len(r) == 0 {
		return nil, ""
	}
	out := Runtimes{}
	warning := ""
	for k, v := range r {
		if k == "golang" && v == GoModRuntime {
			v, warning = moduleGoRuntime()
		}
		out[k] = v
	}
	return out, warning
}

// object renders the runtime-versions for a buildspec (the JSON encoder
// orders the keys).
func (r Runtimes) object() map[string]interface{} {
	out := make(map[string]interface{}, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

var goRuntimeOnce struct {
	sync.Once
	version, warning string
}

// moduleGoRuntime returns the golang runtime-versions value for the Go
// module around the working directory; see GoModRuntime.
func moduleGoRuntime() (string, string) {
	goRuntimeOnce.Do(func() {
		goRuntimeOnce.version, goRuntimeOnce.warning = goRuntimeFor(findGoMod())
	})
	return goRuntimeOnce.version, goRuntimeOnce.warning
}

// goRuntimeFor picks the golang runtime for the go.mod at path ("" when
// there is none: the newest the image offers).
func goRuntimeFor(path string) (string, string) {
	newest := image.Newest("golang")
	if path == "" {
		return newest, ""
	}
	want, err := GoModVersion(path)
	if err != nil || want == "" {
		return newest, ""
	}
	mm := codebuild.MajorMinor(want)
	switch {
	case codebuild.CompareVersions(mm, newest) > 0:
		return newest, fmt.Sprintf("%s asks for Go %s; %s offers Go up to %s, so every Go job downloads go%s (GOTOOLCHAIN=auto) before it starts",
			path, want, image.Name, newest, want)
	case codebuild.CompareVersions(mm, minGoRuntime) < 0:
		return minGoRuntime, ""
	}
	return mm, ""
}

// GoModVersion returns the go line of the go.mod at path, or its toolchain
// line when that is newer: the Go that `go build` will insist on.
func GoModVersion(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return "", err
	}
	v := ""
	if f.Go != nil {
		v = f.Go.Version
	}
	if f.Toolchain != nil {
		if tc := strings.TrimPrefix(f.Toolchain.Name, "go"); codebuild.CompareVersions(tc, v) > 0 {
			v = tc
		}
	}
	return v, nil
}

// findGoMod returns the go.mod of the working directory's module, or "".
func findGoMod() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "go.mod")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
