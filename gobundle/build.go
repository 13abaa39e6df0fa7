package gobundle

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// targetEnv is the platform every binary is built for: AWS Graviton (Lambda's
// provided.al2023 on arm64, and the EC2 example's instances), statically
// linked.
var targetEnv = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}

// Binary returns the main package pkg of the module at root (a path
// relative to root such as "./cmd/server", or an import path, which may be
// in a dependency of that module) built for linux/arm64 with -trimpath,
// -buildvcs=false, stripped, and with the given build tags.
//
// A synth builds each binary at most once per process, and reuses a binary
// built by an earlier synth when nothing it is built from has changed (see
// CacheEnv): after the first synth, an unchanged function costs a
// `go list` instead of a link.
func Binary(root, pkg string, tags ...string) ([]byte, error) {
	s, err := source(root, pkg, tags)
	if err != nil {
		return nil, err
	}
	return s.binary()
}

// builds holds what this process knows of each binary, by module root,
// package and tags: an app (or a test binary) that deploys the same
// function to several stages lists and builds it once.
var builds sync.Map

// build is one binary: where its sources are, the key of its inputs, and
// the binary itself once asked for.
type build struct {
	root, pkg string
	tags      []string

	listOnce       sync.Once
	dir, slot, key string
	listErr        error

	buildOnce sync.Once
	bin       []byte
	buildErr  error
}

func source(root, pkg string, tags []string) (*build, error) {
	id := root + "\x00" + pkg + "\x00" + strings.Join(tags, ",")
	v, _ := builds.LoadOrStore(id, &build{root: root, pkg: pkg, tags: tags})
	b := v.(*build)
	b.listOnce.Do(func() { b.dir, b.slot, b.key, b.listErr = describe(root, pkg, tags) })
	return b, b.listErr
}

func (b *build) binary() ([]byte, error) {
	b.buildOnce.Do(func() {
		if bin, ok := cacheGet(b.slot, b.key); ok {
			b.bin = bin
			return
		}
		b.bin, b.buildErr = b.compile()
		if b.buildErr == nil {
			cachePut(b.slot, b.key, b.bin)
		}
	})
	return b.bin, b.buildErr
}

// goBuilds counts the go build commands this process ran, for tests.
var goBuilds atomic.Int64

func (b *build) compile() ([]byte, error) {
	goBuilds.Add(1)
	dir, err := os.MkdirTemp("", "gobundle-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "main")
	args := []string{"build", "-trimpath", "-buildvcs=false", "-ldflags", "-s -w", "-o", out}
	if len(b.tags) > 0 {
		args = append(args, "-tags", strings.Join(b.tags, ","))
	}
	cmd := exec.Command("go", append(args, b.pkg)...)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), targetEnv...)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gobundle: %s does not build for linux/arm64: %s", b.pkg, complaint(output.String(), err))
	}
	return os.ReadFile(out)
}

// complaint is the go command's first line of output that says what is
// wrong (skipping the "# package" headers of compiler output), with a
// count of the lines after it, so one line of an error says it all; the
// whole output follows on the next lines.
func complaint(output string, err error) string {
	output = strings.TrimSpace(output)
	lines := strings.Split(output, "\n")
	for i, line := range lines {
		if line == "" || strings.HasPrefix(line, "# ") {
			continue
		}
		if rest := len(lines) - i - 1; rest > 0 {
			return fmt.Sprintf("%s (and %d more lines below)\n%s", line, rest, output)
		}
		return line
	}
	return err.Error()
}
