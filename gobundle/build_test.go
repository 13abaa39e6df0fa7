package gobundle

import (
	"bytes"
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// module writes a small Go module with a main package that uses a package
// of its own and an embedded file, and returns its root.
func module(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	write(t, root, "go.mod", "module example.com/fn\n\ngo 1.26\n")
	write(t, root, "cmd/fn/main.go", `package main

import (
	_ "embed"

	"example.com/fn/greet"
)

//go:embed message.txt
var message string

func main() { println(greet.Hello(message)) }
`)
	write(t, root, "cmd/fn/message.txt", "world")
	write(t, root, "greet/greet.go", "package greet\n\nfunc Hello(s string) string { return \"hello \" + s }\n")
	return root
}

func write(t *testing.T, root, name, content string) {
	t.Helper()
	path := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// newSynth forgets what this process built, as a new synth (a new process)
// would.
func newSynth() { builds.Clear() }

// buildsDuring returns how many times f ran go build.
func buildsDuring(t *testing.T, f func()) int64 {
	t.Helper()
	before := goBuilds.Load()
	f()
	return goBuilds.Load() - before
}

func mustBinary(t *testing.T, root, pkg string, tags ...string) []byte {
	t.Helper()
	bin, err := Binary(root, pkg, tags...)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func TestBinaryIsALinuxArm64Executable(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	newSynth()
	bin := mustBinary(t, module(t), "./cmd/fn")
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		t.Fatalf("not an ELF binary: %v", err)
	}
	if f.Machine != elf.EM_AARCH64 || f.Type != elf.ET_EXEC {
		t.Errorf("got machine %v, type %v; want an arm64 executable", f.Machine, f.Type)
	}
}

func TestBinaryIsBuiltOncePerProcessAndReusedByTheNextSynth(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(CacheEnv, cache)
	newSynth()
	root := module(t)
	var first, again, next []byte
	if n := buildsDuring(t, func() { first = mustBinary(t, root, "./cmd/fn") }); n != 1 {
		t.Fatalf("first synth: %d go builds, want 1", n)
	}
	if n := buildsDuring(t, func() { again = mustBinary(t, root, "./cmd/fn") }); n != 0 {
		t.Errorf("same binary again in the same synth: %d go builds, want 0", n)
	}
	newSynth()
	if n := buildsDuring(t, func() { next = mustBinary(t, root, "./cmd/fn") }); n != 0 {
		t.Errorf("next synth, nothing changed: %d go builds, want 0 (the cached binary)", n)
	}
	if !bytes.Equal(first, again) || !bytes.Equal(first, next) {
		t.Error("the reused binary differs from the one built")
	}
	// The same package named by its import path is the same binary.
	newSynth()
	if n := buildsDuring(t, func() { mustBinary(t, root, "example.com/fn/cmd/fn") }); n != 0 {
		t.Errorf("by import path: %d go builds, want 0", n)
	}
}

func TestBinaryIsRebuiltWhenAnInputChanges(t *testing.T) {
	for _, tc := range []struct {
		name    string
		change  func(t *testing.T, root string)
		tags    []string
		rebuild bool
	}{
		{"the main package", func(t *testing.T, root string) {
			write(t, root, "cmd/fn/extra.go", "package main\n\nvar extra = 1\n")
		}, nil, true},
		{"a package it imports", func(t *testing.T, root string) {
			write(t, root, "greet/greet.go", "package greet\n\nfunc Hello(s string) string { return \"hi \" + s }\n")
		}, nil, true},
		{"an embedded file", func(t *testing.T, root string) { write(t, root, "cmd/fn/message.txt", "there") }, nil, true},
		{"go.mod (a godebug line changes the binary)", func(t *testing.T, root string) {
			write(t, root, "go.mod", "module example.com/fn\n\ngo 1.26\n\ngodebug panicnil=1\n")
		}, nil, true},
		{"the build tags", func(*testing.T, string) {}, []string{"lambda.norpc"}, true},
		{"nothing it is built from: a test, a README, another package", func(t *testing.T, root string) {
			write(t, root, "cmd/fn/main_test.go", "package main\n")
			write(t, root, "README.md", "# fn\n")
			write(t, root, "other/other.go", "package other\n")
		}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(CacheEnv, t.TempDir())
			root := module(t)
			newSynth()
			before := mustBinary(t, root, "./cmd/fn")
			tc.change(t, root)
			newSynth()
			var after []byte
			n := buildsDuring(t, func() { after = mustBinary(t, root, "./cmd/fn", tc.tags...) })
			if tc.rebuild && n != 1 {
				t.Errorf("%d go builds after the change, want 1", n)
			}
			if !tc.rebuild && (n != 0 || !bytes.Equal(before, after)) {
				t.Errorf("%d go builds after the change, want 0 and the cached binary", n)
			}
		})
	}
}

func TestCacheOffBuildsAtEverySynth(t *testing.T) {
	t.Setenv(CacheEnv, "off")
	root := module(t)
	for i := range 2 {
		newSynth()
		if n := buildsDuring(t, func() { mustBinary(t, root, "./cmd/fn") }); n != 1 {
			t.Errorf("synth %d: %d go builds, want 1", i+1, n)
		}
	}
}

func TestBinaryErrorsSayWhatIsWrong(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	root := module(t)
	write(t, root, "broken/main.go", "package main\n\nvar n int = \"not a number\"\n\nfunc main() {}\n")
	for _, tc := range []struct{ pkg, want string }{
		{"./broken", `cannot use "not a number"`},
		{"./greet", "not a main package"},
		{"./missing", "go list"},
	} {
		newSynth()
		_, err := Binary(root, tc.pkg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Binary(%s): got error %v, want one containing %q", tc.pkg, err, tc.want)
		}
	}
}

func TestTrimKeepsTheMostRecentlyUsedBuilds(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	for i, name := range []string{"a", "b", "c", "d", "e"} {
		write(t, dir, name, name)
		used := now.Add(-time.Duration(i) * time.Hour)
		if err := os.Chtimes(filepath.Join(dir, name), used, used); err != nil {
			t.Fatal(err)
		}
	}
	trim(dir)
	entries, _ := os.ReadDir(dir)
	var kept []string
	for _, e := range entries {
		kept = append(kept, e.Name())
	}
	if strings.Join(kept, ",") != "a,b,c" {
		t.Errorf("kept %v, want the %d most recently used [a b c]", kept, keepPerBinary)
	}
}

func TestPrefetchLeavesErrorsToCode(t *testing.T) {
	t.Setenv(CacheEnv, t.TempDir())
	root := module(t)
	t.Chdir(root)
	newSynth()
	Prefetch("./cmd/fn")
	Prefetch("./missing")
	if b, err := source(root, "./cmd/fn", lambdaTags); err != nil || b.dir != filepath.Join(root, "cmd", "fn") {
		t.Errorf("after Prefetch: dir %q, error %v; want %s", b.dir, err, filepath.Join(root, "cmd", "fn"))
	}
	if _, err := source(root, "./missing", lambdaTags); err == nil || !strings.Contains(err.Error(), "go list") {
		t.Errorf("after Prefetch of a missing package: error %v, want the go list error", err)
	}
}
