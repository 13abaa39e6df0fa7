package probe_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/velocity-cdk/velocity/monitoring/probe"
)

// fakeSynthetics stands in for the modules the Synthetics runtime provides:
// executeHttpStep makes the request with Node.js's own http and hands the
// response to the script's validator, as the runtime does.
const fakeSynthetics = `
const http = require('http');
exports.executeHttpStep = (name, url, validate) => new Promise((resolve, reject) => {
  http.get(url, (res) => validate(res).then(resolve, (e) => reject(new Error(name + ': ' + e.message)))).on('error', reject);
});
`

// TestScript runs the canary script under Node.js against a local server,
// with the Synthetics modules faked: it requests every path, and fails the
// run on an answer that is not 2xx, naming the step.
func TestScript(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	var got []string
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Path)
		if r.URL.Path == "/prod/missing" {
			http.NotFound(w, r)
		}
	}))
	defer server.Close()

	modules := t.TempDir()
	for name, src := range map[string]string{"Synthetics": fakeSynthetics, "SyntheticsLogger": "exports.info = () => {};"} {
		if err := os.MkdirAll(filepath.Join(modules, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(modules, name, "index.js"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dir, err := probe.Dir()
	if err != nil {
		t.Fatal(err)
	}
	run := func(paths string) (string, error) {
		script := filepath.Join(dir, "nodejs", "node_modules", "velocity-probe.js")
		cmd := exec.Command("node", "-e", `require(process.argv[1]).handler().then(() => console.log("passed"), (e) => { console.log(e.message); process.exit(1); })`, script)
		cmd.Env = append(os.Environ(), "NODE_PATH="+modules, "ENDPOINT="+server.URL+"/prod", "PATHS="+paths)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}

	if out, err := run("health, 5"); err != nil || out != "passed" {
		t.Errorf("healthy endpoint: %v, %s", err, out)
	}
	if strings.Join(got, " ") != "/prod/health /prod/5" {
		t.Errorf("requested %v, want the paths under the endpoint's base", got)
	}
	if out, err := run("health,missing"); err == nil || out != "GET /missing: 404 Not Found" {
		t.Errorf("a 404: %v, %s; want the run to fail naming the step", err, out)
	}
}
