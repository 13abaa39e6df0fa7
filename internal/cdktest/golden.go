package cdktest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden templates under testdata/ instead of comparing with them")

// assetHash matches the content hashes CDK writes into templates (asset
// object keys, hashes in logical ids of assets). They change with every
// bundled binary and Node.js version, so golden files compare without them.
var assetHash = regexp.MustCompile(`[0-9a-f]{64}|current_account-current_region-[0-9a-f]{8}`)

// Golden compares template (any JSON value) with testdata/<name>.json (name
// may hold a directory), after
// replacing asset hashes with "<hash>". Run `go test -update` to rewrite the
// file after an intended change, and review the diff.
func Golden(t testing.TB, name string, template interface{}) {
	t.Helper()
	got, err := json.MarshalIndent(template, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(assetHash.ReplaceAll(got, []byte("<hash>")), '\n')
	path := filepath.Join("testdata", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		// #nosec G703 -- a golden file under the package's testdata/
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("template differs from %s; review the change and run go test -update to accept it.\nfirst difference: %s", path, firstDiff(want, got))
	}
}

func firstDiff(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "line " + itoa(i+1) + ":\n  want: " + string(w) + "\n  got:  " + string(g)
		}
	}
	return "none"
}

func itoa(i int) string { return strconv.Itoa(i) }

// EmbeddedBlock checks that the file at path holds want between the lines
// "<!-- name:start -->" and "<!-- name:end -->"; with -update it writes it
// there. It keeps generated parts of documents current.
func EmbeddedBlock(t testing.TB, path, name, want string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	start, end := "<!-- "+name+":start -->\n", "<!-- "+name+":end -->"
	doc := string(raw)
	i, j := strings.Index(doc, start), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s has no %s ... %s block", path, strings.TrimSpace(start), end)
	}
	got := doc[i+len(start) : j]
	if got == want {
		return
	}
	if *update {
		// #nosec G703 -- the path is the test's own document, given in code
		if err := os.WriteFile(path, []byte(doc[:i+len(start)]+want+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the %s block of %s is out of date; run go test -update to regenerate it.\nwant:\n%s", name, path, want)
}
