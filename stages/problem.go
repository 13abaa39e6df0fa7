package stages

import "github.com/velocity-cdk/velocity/internal/problem"

// Problem is one invalid prop: its path inside the props struct (Prop), the
// value as the user wrote it (Value) and what would be valid (Want). Velocity
// collects every Problem of a line's props before it builds anything, and
// those found while building, so a single `cdk synth` reports them all; the
// pipeline package attaches each one to the line, which puts the construct
// path in front of the message `Prop: "value" is invalid; want ...`.
type Problem = problem.Problem

// Problems is the list of everything wrong with a set of props: Add records
// one, Nest records a nested validator's under a prefix, Err joins them into
// one error (nil when there are none; errors.As finds each Problem).
type Problems = problem.List
