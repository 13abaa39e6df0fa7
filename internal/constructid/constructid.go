// Package constructid lets Velocity's constructors take an id the
// constructs library would panic on (empty, or already taken in its scope)
// and report it as a synth error, like every other mistake in their
// arguments, instead of a Go panic with a goroutine dump.
package constructid

import (
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// Usable returns id when scope can take a child of that id. Otherwise it
// returns an id scope can take, for the construct that carries the error,
// and the problem with id. call names the constructor in the message, e.g.
// "pipeline.New". A nil scope makes a root construct, which takes any id.
func Usable(scope constructs.Construct, id, call string) (string, *problem.Problem) {
	if scope == nil {
		return id, nil
	}
	var want string
	switch {
	case id == "":
		want = "a construct id that is not empty, e.g. " + call + `(stack, "Line", ...)`
	case taken(scope, id):
		want = "an id no other construct in " + *scope.Node().Path() + " has"
	default:
		return id, nil
	}
	base := "Invalid" + strings.ReplaceAll(call, ".", "")
	fallback := base
	for n := 2; taken(scope, fallback); n++ {
		fallback = base + strconv.Itoa(n)
	}
	return fallback, &problem.Problem{Prop: "id", Value: id, Want: want}
}

// taken says whether scope has a child of that id; constructs stores ids
// with "/" replaced by "--".
func taken(scope constructs.Construct, id string) bool {
	return scope.Node().TryFindChild(jsii.String(strings.ReplaceAll(id, "/", "--"))) != nil
}
