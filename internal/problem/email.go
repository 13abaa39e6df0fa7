package problem

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEmailLength is the longest address SMTP carries (RFC 5321: a path of
// 256 octets, angle brackets included).
const maxEmailLength = 254

// ValidEmail reports whether s looks like an address SNS can subscribe (an
// email subscription, an approval notification): at most 254 bytes of
// valid UTF-8 with no space or control character, exactly one @ with a
// non-empty local part before it, and a domain after it of at least two
// non-empty labels ("example.com", not "localhost", ".example.com" or
// "example..com"). It is the one email rule of every Velocity package.
func ValidEmail(s string) bool {
	if len(s) > maxEmailLength || !utf8.ValidString(s) {
		return false
	}
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || strings.Contains(domain, "@") {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" {
			return false
		}
	}
	return true
}
