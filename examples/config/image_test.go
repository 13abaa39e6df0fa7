package ec2

import (
	"regexp"
	"testing"
)

func TestImageVersion(t *testing.T) {
	valid := regexp.MustCompile(`^1\.0\.(0|[1-9]\d*)$`)
	a, b := imageVersion("bundle-a"), imageVersion("bundle-b")
	for _, v := range []string{a, b} {
		if !valid.MatchString(v) {
			t.Errorf("imageVersion = %q, want 1.0.n", v)
		}
	}
	if a != imageVersion("bundle-a") {
		t.Errorf("imageVersion is not deterministic")
	}
	if a == b {
		t.Errorf("imageVersion(bundle-a) = imageVersion(bundle-b) = %s", a)
	}
	// sha256("") starts with e3b0c442: 0xe3b0c442 mod 2^30 = 0x23b0c442.
	if got, want := imageVersion(""), "1.0.598787138"; got != want {
		t.Errorf("imageVersion(\"\") = %s, want %s", got, want)
	}
}
