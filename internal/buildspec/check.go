package buildspec

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/velocity-cdk/velocity/internal/codebuild"
)

// Finding is what a check found wrong with a job: an Error is a job that
// cannot pass on CodeBuild; a Warning one that passes slowly or by chance.
type Finding struct {
	Error   bool
	Message string
}

func (f Finding) String() string {
	if f.Error {
		return "error: " + f.Message
	}
	return "warning: " + f.Message
}

// Job is what the checks know of one CodeBuild job.
type Job struct {
	Spec  *Spec
	Image *codebuild.Image
	// Env holds the job's plaintext environment variables.
	Env map[string]string
	// GoMod is the go line of the module the job builds ("" unknown).
	GoMod string
	// Schema is the cloud assembly schema version the job reads
	// ("55.0.0"; "" unknown).
	Schema string
	// CDKCLIVersion is the CDK CLI version Velocity pins, named in advice.
	CDKCLIVersion string
}

var (
	goCommand     = regexp.MustCompile(`(^|[\s;&|(])(go\s+(build|test|run|install|vet|mod|list|version|env|generate|get|tool|work)\b|gofmt\b)`)
	cdkCommand    = regexp.MustCompile(`(^|[\s;&|(])(npx\s+(-y\s+|--yes\s+)?)?(cdk|cdk-assets)(\s|$)`)
	cdkInstall    = regexp.MustCompile(`npm\s+(install|i)\s+(-g|--global)\s+(aws-cdk|cdk-assets)`)
	npmGlobal     = regexp.MustCompile(`npm\s+(install|i|add)\s+(-g|--global)\s+([^;&|]*)`)
	bashOnly      = regexp.MustCompile(`\[\[|(^|[\s;&|(])source\s|set\s+-o\s+pipefail|<\(|\$\{[A-Za-z_][A-Za-z0-9_]*//|(^|\s)function\s+[A-Za-z_]`)
	minCDKNode    = "20"
	schemaMajorRe = regexp.MustCompile(`^([0-9]+)`)
)

// cdkAssetsMaxSchema is the newest cloud assembly schema that the cdk-assets
// CLI reads: 4.7.3, its newest release, reads 54.
const cdkAssetsMaxSchema = 54

// Check returns what is wrong with the job.
func Check(j Job) []Finding {
	var out []Finding
	add := func(isErr bool, format string, args ...interface{}) {
		out = append(out, Finding{Error: isErr, Message: fmt.Sprintf(format, args...)})
	}
	cmds := j.Spec.Commands()
	runtimes := j.Spec.RuntimeVersions()
	uses := func(re *regexp.Regexp) bool {
		for _, c := range cmds {
			if re.MatchString(c) {
				return true
			}
		}
		return false
	}
	for _, name := range slices.Sorted(maps.Keys(runtimes)) {
		if _, _, err := j.Image.Version(name, runtimes); err != nil && j.Image.Runtimes[name] != nil {
			add(true, "runtime-versions: %v", err)
		}
	}

	if uses(goCommand) {
		v, pinned, _ := j.Image.Version("golang", runtimes)
		from := "runtime-versions golang " + runtimes["golang"]
		if !pinned {
			from = "the image's default: no runtime-versions golang"
		}
		switch {
		case v == "":
		case j.GoMod != "" && codebuild.CompareVersions(v, j.GoMod) < 0 && codebuild.CompareVersions(v, "1.21") < 0:
			add(true, "runs Go %s (%s), which cannot build a module whose go.mod says go %s and knows nothing of GOTOOLCHAIN: pin runtime-versions golang: %q",
				v, from, j.GoMod, clampGo(j.Image, j.GoMod))
		case j.GoMod != "" && codebuild.CompareVersions(v, j.GoMod) < 0 && j.Env["GOTOOLCHAIN"] == "local":
			add(true, "runs Go %s (%s) with GOTOOLCHAIN=local, but go.mod says go %s", v, from, j.GoMod)
		case j.GoMod != "" && codebuild.CompareVersions(v, j.GoMod) < 0:
			add(false, "runs Go %s (%s); go.mod says go %s, so every run downloads that toolchain first", v, from, j.GoMod)
		case j.GoMod == "" && !pinned:
			add(false, "runs go without runtime-versions golang: the image's default is Go %s", v)
		}
	}
	if uses(cdkCommand) || uses(cdkInstall) {
		v, pinned, _ := j.Image.Version("nodejs", runtimes)
		if v != "" && codebuild.CompareVersions(v, minCDKNode) < 0 {
			from := "runtime-versions nodejs " + runtimes["nodejs"]
			if !pinned {
				from = "the image's default: no runtime-versions nodejs"
			}
			add(true, "runs the CDK CLI on Node.js %s (%s); the CDK CLI and jsii need Node.js %s or later: pin runtime-versions nodejs: \"22\"", v, from, minCDKNode)
		}
	}
	for _, c := range cmds {
		for _, m := range npmGlobal.FindAllStringSubmatch(c, -1) {
			for _, pkg := range strings.Fields(m[3]) {
				out = append(out, checkGlobalPackage(pkg, j)...)
			}
		}
	}
	for _, p := range j.Spec.CachePaths {
		if strings.HasPrefix(p, "/root/go/") && j.Image.GOPATH != "/root/go" {
			add(true, "cache path %s is always empty: the image's GOPATH is %s, so Go modules are in %s/pkg/mod", p, j.Image.GOPATH, j.Image.GOPATH)
		}
	}
	if j.Spec.Shell == "" {
		for _, c := range cmds {
			if m := bashOnly.FindString(c); m != "" {
				add(true, "runs in %s but uses bash syntax (%q) in %q: set env.shell to bash", j.Image.Shell, strings.TrimSpace(m), short(c))
				break
			}
		}
	}
	return out
}

// checkGlobalPackage checks one package of an `npm install -g`.
func checkGlobalPackage(pkg string, j Job) []Finding {
	name, version := pkg, ""
	if i := strings.LastIndex(pkg, "@"); i > 0 {
		name, version = pkg[:i], pkg[i+1:]
	}
	if strings.HasPrefix(name, "cdk-assets@npm:") || strings.HasPrefix(version, "npm:") {
		return nil // an alias: checked by what it installs
	}
	pin := "aws-cdk@" + j.CDKCLIVersion
	switch name {
	case "aws-cdk":
		switch {
		case version == "" || version == "latest":
			return []Finding{{true, fmt.Sprintf("installs %q, whatever npm calls the latest aws-cdk that day (aws-cdk 3.0.0 was published by accident and cannot read this cloud assembly): pin %s", pkg, pin)}}
		case strings.HasPrefix(version, "3"):
			return []Finding{{true, fmt.Sprintf("installs %s: aws-cdk 3.x cannot read the cloud assembly aws-cdk-lib 2 writes: pin %s", pkg, pin)}}
		}
	case "cdk-assets":
		major := schemaMajor(j.Schema)
		switch {
		case version == "" || version == "latest":
			return []Finding{{true, fmt.Sprintf("installs %q unpinned", pkg)}}
		case major > cdkAssetsMaxSchema && codebuild.CompareVersions(version, "4.7.3") <= 0:
			return []Finding{{true, fmt.Sprintf("installs %s, which reads cloud assembly schema %d at most; this assembly is schema %s", pkg, cdkAssetsMaxSchema, j.Schema)}}
		}
	}
	return nil
}

func schemaMajor(v string) int {
	m := schemaMajorRe.FindString(v)
	n, _ := strconv.Atoi(m)
	return n
}

// clampGo returns the golang runtime-versions value for a go.mod's go line.
func clampGo(im *codebuild.Image, goMod string) string {
	mm := codebuild.MajorMinor(goMod)
	if _, ok := im.Runtimes["golang"][mm]; ok {
		return mm
	}
	return im.Newest("golang")
}

func short(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}
