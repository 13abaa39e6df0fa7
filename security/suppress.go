package security

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"
	"time"
)

// DefaultSuppressionsFile is where a team keeps its suppressions, relative
// to the repository root.
const DefaultSuppressionsFile = ".velocity/suppressions.json"

// DateLayout is the layout of Suppression.Expires: YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Suppression accepts one known finding, for a reason, until a date. It is
// the JSON object of an entry in the suppressions file:
//
//	{"id": "G402", "tool": "gosec", "path": "cmd/probe/main.go",
//	 "reason": "talks only to the local test server", "expires": "2026-12-31"}
type Suppression struct {
	// ID names what is accepted: a rule id (gosec "G402", gitleaks
	// "generic-api-key"), a vulnerability id or any of its aliases
	// ("GO-2021-0113", "CVE-2021-38561", "GHSA-…"), or a gitleaks
	// fingerprint ("config/test.env:generic-api-key:3"). Required.
	ID string `json:"id"`
	// Reason says why the finding is acceptable; auditors read it.
	// Required.
	Reason string `json:"reason"`
	// Expires is the last day (YYYY-MM-DD, UTC) the suppression holds.
	// From the day after, the finding counts again and the suppression
	// itself fails the check, so that someone looks at it again. Empty:
	// it never expires.
	Expires string `json:"expires,omitempty"`
	// Tool limits the suppression to one scanner: "gitleaks", "gosec",
	// "govulncheck", "osv-scanner", or a SARIF tool's name. Empty: every
	// scanner (an expired suppression without Tool then fails every check).
	Tool string `json:"tool,omitempty"`
	// Path limits the suppression to findings in files matching it,
	// relative to the repository root: a file ("cmd/probe/main.go"), a
	// path.Match pattern ("testdata/*.env"), or a directory ending in "/"
	// ("testdata/"). Empty: anywhere.
	Path string `json:"path,omitempty"`
}

// SuppressionsFile is the format of the suppressions file,
// .velocity/suppressions.json:
//
//	{"suppressions": [ {…}, {…} ]}
type SuppressionsFile struct {
	Suppressions []Suppression `json:"suppressions"`
}

var (
	idPattern   = regexp.MustCompile(`^\S{1,200}$`)
	toolPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	datePattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// Validate reports every problem of the suppression as one error; nil when
// it is valid.
func (s Suppression) Validate() error {
	var errs []error
	if !idPattern.MatchString(s.ID) {
		errs = append(errs, fmt.Errorf("id %s is invalid; want a finding id without spaces, e.g. \"G402\" or \"GO-2021-0113\"", quoteClip(s.ID)))
	}
	if strings.TrimSpace(s.Reason) == "" {
		errs = append(errs, fmt.Errorf("reason is empty; want why the finding is acceptable"))
	}
	if s.Expires != "" {
		if _, err := parseDate(s.Expires); err != nil {
			errs = append(errs, fmt.Errorf("expires %s is invalid; want a date YYYY-MM-DD", quoteClip(s.Expires)))
		}
	}
	if s.Tool != "" && !toolPattern.MatchString(s.Tool) {
		errs = append(errs, fmt.Errorf("tool %s is invalid; want a scanner name such as gitleaks, gosec, govulncheck or osv-scanner", quoteClip(s.Tool)))
	}
	if s.Path != "" {
		if strings.HasPrefix(s.Path, "/") || strings.Contains("/"+s.Path+"/", "/../") {
			errs = append(errs, fmt.Errorf("path %s is invalid; want a path relative to the repository root", quoteClip(s.Path)))
		} else if _, err := path.Match(s.Path, ""); err != nil {
			errs = append(errs, fmt.Errorf("path %s is invalid: %v", quoteClip(s.Path), err))
		}
	}
	return errors.Join(errs...)
}

func parseDate(s string) (time.Time, error) {
	if !datePattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("not YYYY-MM-DD")
	}
	return time.Parse(DateLayout, s)
}

// ExpiredOn reports whether the suppression no longer holds on the given
// day: its expiry date is before that day (in UTC). A suppression holds on
// its expiry date itself.
func (s Suppression) ExpiredOn(today time.Time) bool {
	if s.Expires == "" {
		return false
	}
	exp, err := parseDate(s.Expires)
	if err != nil {
		return true
	}
	y, m, d := today.UTC().Date()
	return exp.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

// AppliesTo reports whether the suppression concerns the tool.
func (s Suppression) AppliesTo(tool string) bool {
	return s.Tool == "" || strings.EqualFold(s.Tool, tool)
}

// Matches reports whether the suppression names the finding (whatever its
// expiry).
func (s Suppression) Matches(f Finding) bool {
	if !s.AppliesTo(f.Tool) {
		return false
	}
	named := strings.EqualFold(s.ID, f.ID) || (f.Fingerprint != "" && s.ID == f.Fingerprint)
	for _, a := range f.Aliases {
		named = named || strings.EqualFold(s.ID, a)
	}
	if !named {
		return false
	}
	if s.Path == "" {
		return true
	}
	return matchPath(s.Path, f.File)
}

func matchPath(pattern, file string) bool {
	if file == "" {
		return false
	}
	if pattern == file {
		return true
	}
	if strings.HasSuffix(pattern, "/") {
		return strings.HasPrefix(file, pattern)
	}
	ok, _ := path.Match(pattern, file)
	return ok
}

// String renders the suppression on one line.
func (s Suppression) String() string {
	out := s.ID
	if s.Tool != "" {
		out = s.Tool + " " + out
	}
	if s.Path != "" {
		out += " in " + s.Path
	}
	if s.Expires != "" {
		out += " until " + s.Expires
	}
	return out + " (" + s.Reason + ")"
}

// ParseSuppressions reads a suppressions file. It is read as strictly as
// a report (see the package's strict JSON layer): one JSON object, no
// duplicate key, and field names exactly as documented — an unknown field
// (a misspelt "expiry") or one that differs only in case ("Expires") is an
// error, as either could silently make a suppression permanent. Every
// invalid entry is an error too; the error names each one by its index.
// An empty file (or only white space) holds no suppressions.
func ParseSuppressions(data []byte) ([]Suppression, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	var file SuppressionsFile
	if err := decodeStrict(data, &file, strictOptions{knownFieldsOnly: true, noNull: true}); err != nil {
		return nil, fmt.Errorf("suppressions: %w (want {\"suppressions\": [{\"id\": …, \"reason\": …, \"expires\": \"YYYY-MM-DD\"}]})", err)
	}
	if err := ValidateSuppressions(file.Suppressions); err != nil {
		return nil, err
	}
	return file.Suppressions, nil
}

// ValidateSuppressions validates every suppression and joins the errors,
// each prefixed with "suppressions[i]" (the first 20, then how many more).
func ValidateSuppressions(sups []Suppression) error {
	var errs []error
	for i, s := range sups {
		if err := s.Validate(); err != nil {
			for _, e := range unjoin(err) {
				errs = append(errs, fmt.Errorf("suppressions[%d]: %w", i, e))
			}
		}
	}
	if n := len(errs); n > maxProblems {
		errs = append(errs[:maxProblems], fmt.Errorf("… and %d more problems (%d in all)", n-maxProblems, n))
	}
	return errors.Join(errs...)
}

// maxProblems is how many problems of a suppressions file an error lists.
const maxProblems = 20

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
