// Package probe holds the script of a Velocity line's synthetic traffic: a
// CloudWatch Synthetics canary for the Node.js runtimes that requests each
// of a list of paths of an endpoint and fails on any answer but 2xx.
//
// The script is embedded in the Go module, and Dir writes it out at synth
// for the canary's file asset, so an app that imports Velocity needs no
// files of its own and no Docker.
package probe

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed canary
var canary embed.FS

// Handler is the canary's handler: the script's file name and function.
const Handler = "velocity-probe.handler"

// Script returns the canary script.
func Script() []byte {
	b, err := canary.ReadFile("canary/nodejs/node_modules/velocity-probe.js")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

// Dir returns a directory that holds the script in the layout Synthetics
// wants (nodejs/node_modules/velocity-probe.js), written once under the
// system's temporary directory at a path named after its content.
func Dir() (string, error) {
	sum := sha256.Sum256(Script())
	dir := filepath.Join(os.TempDir(), "velocity-probe-"+hex.EncodeToString(sum[:8]))
	if _, err := os.Stat(filepath.Join(dir, "nodejs", "node_modules", "velocity-probe.js")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "velocity-probe-*")
	if err != nil {
		return "", fmt.Errorf("probe: %w", err)
	}
	sub, _ := fs.Sub(canary, "canary")
	if err := os.CopyFS(tmp, sub); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("probe: writing the canary script: %w", err)
	}
	// Another synth may have written it meanwhile: either copy will do.
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(dir); statErr != nil {
			return "", fmt.Errorf("probe: %w", err)
		}
	}
	return dir, nil
}
