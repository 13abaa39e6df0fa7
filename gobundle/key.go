package gobundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// listedPackage is what `go list -json` tells of one package of a build.
type listedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	Standard   bool
	Module     *listedModule
	GoFiles    []string
	CgoFiles   []string
	SFiles     []string
	SysoFiles  []string
	EmbedFiles []string
}

type listedModule struct {
	Path, Version, GoMod, GoVersion string
	Replace                         *listedModule
}

// keyVersion changes when the key below changes meaning.
const keyVersion = "gobundle key 1"

// describe asks the go command, for the target platform, which packages the
// binary of pkg is built from, and returns the directory of pkg's sources
// the slot of the binary in the cache (its package and tags), and a key of every input of the build: the toolchain and its settings,
// the build tags, each standard package by name (the toolchain's version
// fixes it), each package of a module in the module cache by module
// version (go.sum verifies its content), and every other package (the
// app's own module, replaced and workspace modules) by the content of its
// files and of its module's go.mod. Two builds with the same key produce
// the same binary, since they are made with -trimpath and -buildvcs=false.
func describe(root, pkg string, tags []string) (dir, slot, key string, err error) {
	env, err := goEnv(root)
	if err != nil {
		return "", "", "", err
	}
	args := []string{"list", "-deps",
		"-json=ImportPath,Name,Dir,Standard,Module,GoFiles,CgoFiles,SFiles,SysoFiles,EmbedFiles"}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	out, err := goCommand(root, append(args, pkg)...)
	if err != nil {
		return "", "", "", err
	}
	var pkgs []listedPackage
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return "", "", "", fmt.Errorf("gobundle: reading go list %s: %v", pkg, err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return "", "", "", fmt.Errorf("gobundle: go list %s listed no package", pkg)
	}
	// -deps lists the packages named on the command line last.
	target := pkgs[len(pkgs)-1]
	if target.Name != "main" {
		return "", "", "", fmt.Errorf("gobundle: %s is package %s, not a main package: only a main package builds a binary", pkg, target.Name)
	}

	binary := fmt.Sprintf("%s\ntarget %s\ntags %s\n", keyVersion, target.ImportPath, strings.Join(tags, ","))
	slotSum := sha256.Sum256([]byte(binary))
	h := sha256.New()
	fmt.Fprintf(h, "%s%s\n", binary, env)
	hashedMods := map[string]bool{}
	for _, p := range pkgs {
		switch m := p.Module; {
		case p.Standard:
			fmt.Fprintf(h, "std %s\n", p.ImportPath)
		case m != nil && m.Replace == nil && m.Version != "":
			fmt.Fprintf(h, "mod %s %s@%s\n", p.ImportPath, m.Path, m.Version)
		default:
			fmt.Fprintf(h, "src %s\n", p.ImportPath)
			if m != nil {
				if m.Replace != nil {
					m = m.Replace
				}
				if m.GoMod != "" && !hashedMods[m.GoMod] {
					// go.mod's go, godebug and toolchain lines change the binary.
					hashedMods[m.GoMod] = true
					if err := hashFile(h, "go.mod of "+m.Path, m.GoMod); err != nil {
						return "", "", "", err
					}
				}
			}
			for _, files := range [][]string{p.GoFiles, p.CgoFiles, p.SFiles, p.SysoFiles, p.EmbedFiles} {
				for _, f := range files {
					if err := hashFile(h, f, filepath.Join(p.Dir, f)); err != nil {
						return "", "", "", err
					}
				}
			}
		}
	}
	return target.Dir, hex.EncodeToString(slotSum[:8]), hex.EncodeToString(h.Sum(nil)), nil
}

// goEnvs holds goEnv's answer for each module root: it is the same for
// every binary of a synth.
var goEnvs sync.Map

type goEnvResult struct {
	once sync.Once
	env  string
	err  error
}

// goEnv returns the settings of the go command that change what it builds,
// as it reports them for the target platform (so `go env -w` settings
// count too).
func goEnv(root string) (string, error) {
	v, _ := goEnvs.LoadOrStore(root, &goEnvResult{})
	r := v.(*goEnvResult)
	r.once.Do(func() { r.env, r.err = readGoEnv(root) })
	return r.env, r.err
}

func readGoEnv(root string) (string, error) {
	out, err := goCommand(root, "env", "GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOARM64", "GOFIPS140", "GOWORK")
	if err != nil {
		return "", err
	}
	env := string(out)
	lines := strings.Split(strings.TrimRight(env, "\n"), "\n")
	if work := lines[len(lines)-1]; work != "" && work != "off" {
		// A go.work file can carry godebug lines of its own.
		content, err := os.ReadFile(work)
		if err != nil {
			return "", fmt.Errorf("gobundle: %v", err)
		}
		env += string(content)
	}
	return env, nil
}

// goCommand runs the go command in root for the target platform and
// returns its standard output.
func goCommand(root string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), targetEnv...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("gobundle: go %s %s: %s", args[0], args[len(args)-1], complaint(stderr.String(), err))
	}
	return out, nil
}

func hashFile(h io.Writer, name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("gobundle: %v", err)
	}
	defer f.Close()
	fh := sha256.New()
	if _, err := io.Copy(fh, f); err != nil {
		return fmt.Errorf("gobundle: %v", err)
	}
	fmt.Fprintf(h, "file %s %x\n", name, fh.Sum(nil))
	return nil
}
