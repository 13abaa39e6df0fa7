package stages

import (
	"errors"
	"fmt"
)

// Problem is one invalid prop. Velocity collects every Problem of a line
// before it builds anything, so a single `cdk synth` reports them all; the
// pipeline package attaches each one to the construct it belongs to, which
// puts the construct path in front of the message.
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

// Problems is the list of everything wrong with a set of props.
type Problems []Problem

// Add records a problem.
func (ps *Problems) Add(prop, value, want string) {
	*ps = append(*ps, Problem{Prop: prop, Value: value, Want: want})
}

// Nest records problems found by a nested validator under prefix, so that
// "Repository" found while validating the source becomes "Source.Repository".
func (ps *Problems) Nest(prefix string, nested Problems) {
	for _, p := range nested {
		p.Prop = prefix + "." + p.Prop
		*ps = append(*ps, p)
	}
}

// Err returns nil when there are no problems, and otherwise one error that
// joins them all (errors.As finds each Problem).
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errors.Join(errs...)
}
