// Package codebuild holds what Velocity knows about the CodeBuild image its
// jobs run on: the toolchains it has by default, the ones a buildspec can
// pick with runtime-versions, and where it keeps things. The line uses it
// to pin runtimes at synth; the local runner uses it to stand in for the
// image; the preflight uses it to tell a job that cannot work.
//
// The figures are read off the image's Dockerfile and runtimes.yml in
// aws/aws-codebuild-docker-images (ubuntu/standard/7.0).
package codebuild

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Image describes one CodeBuild image.
type Image struct {
	// Name is the image as a CodeBuild project names it.
	Name string
	// Defaults are the toolchain versions a job gets when its buildspec
	// sets no runtime-versions, by runtime name ("golang", "nodejs",
	// "python").
	Defaults map[string]string
	// Runtimes are the runtime-versions the image offers: runtime name, then
	// the value a buildspec writes ("1.26", "22"), then the version it
	// switches to.
	Runtimes map[string]map[string]string
	// OtherRuntimes are the image's other runtimes: the runtime-versions
	// values it offers for each, oldest first, without the versions they
	// switch to (no preset uses them, so nothing needs those).
	OtherRuntimes map[string][]string
	// NPM is the npm each Node.js version comes with.
	NPM map[string]string
	// GOPATH is the image's GOPATH: Go modules are cached under
	// GOPATH/pkg/mod.
	GOPATH string
	// Home is the home directory of the user jobs run as (root).
	Home string
	// Shell is the shell a buildspec without env.shell runs its commands in.
	Shell string
}

// Standard7 is aws/codebuild/standard:7.0 (Ubuntu 22.04), the image CDK
// Pipelines and Velocity use. Its defaults are old: Go 1.20.14, which
// rejects a go.mod with a three-part go line and predates GOTOOLCHAIN, and
// Node.js 18, which the CDK CLI and jsii no longer support.
var Standard7 = &Image{
	Name: "aws/codebuild/standard:7.0",
	Defaults: map[string]string{
		"golang": "1.20.14",
		"nodejs": "18.20.8",
		"python": "3.11.15",
	},
	OtherRuntimes: map[string][]string{
		"dotnet": {"6.0", "8.0", "10.0"},
		"java":   {"corretto8", "corretto11", "corretto17", "corretto21", "corretto25"},
		"php":    {"8.2", "8.3", "8.4", "8.5"},
		"ruby":   {"3.1", "3.2", "3.3", "3.4", "4.0"},
	},
	Runtimes: map[string]map[string]string{
		"golang": {
			"1.20": "1.20.14", "1.21": "1.21.13", "1.22": "1.22.12", "1.23": "1.23.12",
			"1.24": "1.24.13", "1.25": "1.25.7", "1.26": "1.26.0",
		},
		"nodejs": {"18": "18.20.8", "20": "20.20.0", "22": "22.22.0", "24": "24.14.0"},
		"python": {
			"3.9": "3.9.25", "3.10": "3.10.20", "3.11": "3.11.15", "3.12": "3.12.13",
			"3.13": "3.13.12", "3.14": "3.14.3",
		},
	},
	// Node.js 18 and 20 keep the npm they ship with; the image installs
	// npm 11.7.0 into 22 and 24.
	NPM: map[string]string{
		"18.20.8": "10.8.2", "20.20.0": "10.8.2", "22.22.0": "11.7.0", "24.14.0": "11.7.0",
	},
	GOPATH: "/go",
	Home:   "/root",
	Shell:  "sh (dash)",
}

// Version returns the version of runtime a job gets with the given
// runtime-versions (nil: none), and whether the buildspec picked it.
func (im *Image) Version(runtime string, picked map[string]string) (version string, pinned bool, err error) {
	if v, ok := picked[runtime]; ok {
		key, _ := im.Pick(runtime, v)
		full, ok := im.Runtimes[runtime][key]
		if !ok {
			return "", true, fmt.Errorf("%s does not offer %s %q (it offers %s)", im.Name, runtime, v, strings.Join(im.Offered(runtime), ", "))
		}
		return full, true, nil
	}
	return im.Defaults[runtime], false, nil
}

// Offered returns the runtime-versions values the image offers for
// runtime, oldest first.
// RuntimeNames returns the runtimes the image offers, in order.
func (im *Image) RuntimeNames() []string {
	return slices.Sorted(slices.Values(append(slices.Collect(maps.Keys(im.Runtimes)), slices.Collect(maps.Keys(im.OtherRuntimes))...)))
}

// Pick returns the runtime-versions value of the image that v selects:
// v itself, the newest of a major version ("22.x", "corretto17.x", "3.x"),
// or the newest of all ("latest"), as CodeBuild reads them; ok is false
// when the image offers no such version.
func (im *Image) Pick(runtime, v string) (value string, ok bool) {
	offered := im.Offered(runtime)
	switch {
	case len(offered) == 0:
		return "", false
	case v == "latest":
		return offered[len(offered)-1], true
	case strings.HasSuffix(v, ".x"):
		major := strings.TrimSuffix(v, ".x")
		for i := len(offered) - 1; i >= 0; i-- {
			if o := offered[i]; o == major || strings.HasPrefix(o, major+".") {
				return o, true
			}
		}
		return "", false
	}
	return v, slices.Contains(offered, v)
}

// Offered returns the runtime-versions values the image offers for
// runtime, oldest first.
func (im *Image) Offered(runtime string) []string {
	if other, ok := im.OtherRuntimes[runtime]; ok {
		return other
	}
	var out []string
	for v := range im.Runtimes[runtime] {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return CompareVersions(out[i], out[j]) < 0 })
	return out
}

// Newest returns the newest runtime-versions value the image offers.
func (im *Image) Newest(runtime string) string {
	o := im.Offered(runtime)
	return o[len(o)-1]
}

// GoCachePaths are the buildspec cache paths of Go's module and build
// caches on the image.
func (im *Image) GoCachePaths() []string {
	return []string{im.GOPATH + "/pkg/mod/**/*", im.Home + "/.cache/go-build/**/*"}
}

// CompareVersions compares dotted version numbers ("1.26", "1.26.0",
// "go1.21rc1" is not one): -1, 0 or 1. Missing parts count as 0.
func CompareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// MajorMinor returns "1.26" for "1.26.3" or "1.26".
func MajorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

// CDKCLIVersion is the CDK CLI the line's jobs install: it reads the cloud
// assembly schema that the pinned aws-cdk-lib writes (55 for 2.276).
// stages.CDKCLIVersion is this value.
const CDKCLIVersion = "2.1148.1"
