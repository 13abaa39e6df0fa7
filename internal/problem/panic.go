package problem

import (
	"fmt"
	"strings"
)

// PanicMessage is the first line of a recovered panic's message, for a
// problem that reports it: jsii errors carry the JavaScript stack after it.
func PanicMessage(r interface{}) string {
	msg := fmt.Sprint(r)
	if err, ok := r.(error); ok {
		msg = err.Error()
	}
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	return msg
}
