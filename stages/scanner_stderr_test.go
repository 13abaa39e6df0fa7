package stages

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The scanner's stderr reaches the log whole when it is small, and cut at
// 64 KiB with a note when it is not, in the POSIX shell CodeBuild runs.
func TestScannerStderrIsBounded(t *testing.T) {
	for _, c := range []struct {
		size int
		cut  bool
	}{{100, false}, {65536, false}, {300000, true}} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "scanner.err"), []byte(strings.Repeat("x", c.size)), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sh", "-c", scannerStderr)
		cmd.Env = append(os.Environ(), "VELOCITY_OUT="+dir)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%d bytes: %v", c.size, err)
		}
		got := stderr.String()
		xs := strings.Count(got, "x")
		switch {
		case !c.cut && (xs != c.size || strings.Contains(got, "cut at")):
			t.Errorf("%d bytes: %d copied, note %v", c.size, xs, strings.Contains(got, "cut at"))
		case c.cut && (xs != 65536 || !strings.Contains(got, "cut at 64 KiB")):
			t.Errorf("%d bytes: %d copied, note %v", c.size, xs, strings.Contains(got, "cut at"))
		}
	}
}
