package stages

import "fmt"

// Setting turns a safety setting on or off. Its zero value keeps the
// default documented on the field (which may differ between staging and
// production), so a struct literal names only what it changes:
// Gate{Rollback: stages.Disabled}.
type Setting uint8

const (
	// Enabled turns the setting on, whatever its default.
	Enabled Setting = iota + 1
	// Disabled turns the setting off, whatever its default.
	Disabled
)

// Or returns whether the setting is on, def when it is not set.
func (s Setting) Or(def bool) bool {
	switch s {
	case Enabled:
		return true
	case Disabled:
		return false
	}
	return def
}

// String names the setting as it is written in Go.
func (s Setting) String() string {
	switch s {
	case 0:
		return "default"
	case Enabled:
		return "stages.Enabled"
	case Disabled:
		return "stages.Disabled"
	}
	return fmt.Sprintf("stages.Setting(%d)", uint8(s))
}

func (s Setting) validate(prop string, ps *Problems) {
	if s > Disabled {
		ps.Add(prop, s.String(), "stages.Enabled, stages.Disabled, or nothing for the default")
	}
}
