package problem

// From returns the problems an error returned by a Validate method joins:
// each Problem errors.As finds in its tree. An error that holds no Problem
// becomes one problem with Want set to its text, so nothing is lost.
func From(err error) List {
	if err == nil {
		return nil
	}
	var out List
	var walk func(error) bool
	walk = func(e error) bool {
		if p, ok := e.(Problem); ok {
			out = append(out, p)
			return true
		}
		found := false
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, inner := range u.Unwrap() {
				found = walk(inner) || found
			}
		case interface{ Unwrap() error }:
			if inner := u.Unwrap(); inner != nil {
				found = walk(inner)
			}
		}
		return found
	}
	if !walk(err) {
		out = List{{Prop: "", Value: "", Want: err.Error()}}
	}
	return out
}

// NestError records the problems of a nested Validate's error under
// prefix, as Nest does for a List.
func (l *List) NestError(prefix string, err error) {
	l.Nest(prefix, From(err))
}
