package config

import (
	"regexp"
	"testing"
)

func TestImageVersion(t *testing.T) {
	valid := regexp.MustCompile(`^1\.0\.(0|[1-9]\d*)$`)
	a, b := ImageVersion("bundle-a"), ImageVersion("bundle-b")
	for _, v := range []string{a, b} {
		if !valid.MatchString(v) {
			t.Errorf("ImageVersion = %q, want 1.0.n", v)
		}
	}
	if a != ImageVersion("bundle-a") {
		t.Errorf("ImageVersion is not deterministic")
	}
	if a == b {
		t.Errorf("ImageVersion(bundle-a) = ImageVersion(bundle-b) = %s", a)
	}
	// sha256("") starts with e3b0c442: 0xe3b0c442 mod 2^30 = 0x23b0c442.
	if got, want := ImageVersion(""), "1.0.598787138"; got != want {
		t.Errorf("ImageVersion(\"\") = %s, want %s", got, want)
	}
}
