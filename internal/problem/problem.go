// Package problem is the one shape of a props mistake in Velocity: the
// stages, pipeline and monitoring packages report invalid props with it, so
// every message reads the same and tests can find each one with errors.As.
// It also holds the checks more than one of them applies (ValidEmail), so a
// value is valid or invalid the same way everywhere.
package problem

import (
	"errors"
	"fmt"
)

// Problem is one invalid prop.
type Problem struct {
	// Prop is the path of the prop inside the props struct, for example
	// "Source.Repository" or "Staging.Post[1]".
	Prop string
	// Value is the offending value as the user wrote it.
	Value string
	// Want says what would be valid.
	Want string
}

// Error renders the problem as `Prop: "value" is invalid; want ...`.
func (p Problem) Error() string {
	return fmt.Sprintf("%s: %q is invalid; want %s", p.Prop, p.Value, p.Want)
}

// List is everything wrong with a set of props.
type List []Problem

// Add records a problem.
func (l *List) Add(prop, value, want string) {
	*l = append(*l, Problem{Prop: prop, Value: value, Want: want})
}

// Nest records problems found by a nested validator under prefix, so that
// "Repository" found while validating the source becomes "Source.Repository".
func (l *List) Nest(prefix string, nested List) {
	for _, p := range nested {
		switch {
		case prefix == "":
		case p.Prop == "":
			p.Prop = prefix
		default:
			p.Prop = prefix + "." + p.Prop
		}
		*l = append(*l, p)
	}
}

// Err returns nil when there are no problems, and otherwise one error that
// joins them all (errors.As finds each Problem).
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	errs := make([]error, len(l))
	for i, p := range l {
		errs[i] = p
	}
	return errors.Join(errs...)
}
