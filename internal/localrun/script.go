package localrun

import (
	"fmt"
	"strings"

	"github.com/velocity-cdk/velocity/internal/buildspec"
)

// script renders a buildspec as one shell script, as CodeBuild runs a
// version 0.2 buildspec: every command in the same shell, so directory
// changes and variables carry from one command to the next; phases in
// order; a variable a command sets reaches the processes of later commands;
// a failed command ends its phase; a failed install or pre_build
// ends the build (unless on-failure is CONTINUE), a failed build still
// runs post_build; finally blocks always run. The script reports to the
// status file: "RUN phase n" before each command, "FAIL phase n rc" after a
// failed one, "EXPORT name base64(value)" for exported variables, "DONE".
func script(spec *buildspec.Spec, status string) string {
	var b strings.Builder
	w := func(format string, args ...interface{}) { fmt.Fprintf(&b, format+"\n", args...) }
	// A variable one command sets is in the environment of the next
	// command's processes on CodeBuild, exported or not (CDK Pipelines'
	// permissions check relies on it): export every assignment.
	w("set -a")
	w("__vst=%s", quote(status))
	w("__vrun() {")
	w("  printf 'RUN %%s %%s\\n' \"$1\" \"$2\" >> \"$__vst\"")
	w("  printf '[Container] Running command %%s\\n' \"$3\"")
	w("  eval \"$3\"")
	w("  __vrc=$?")
	w("  if [ \"$__vrc\" -ne 0 ]; then")
	w("    printf 'FAIL %%s %%s %%s\\n' \"$1\" \"$2\" \"$__vrc\" >> \"$__vst\"")
	w("    printf '[Container] Command did not exit successfully %%s exit status %%s\\n' \"$3\" \"$__vrc\"")
	w("    return 1")
	w("  fi")
	w("}")
	w("__vstop=0")
	w("export CODEBUILD_BUILD_SUCCEEDING=1")
	for _, name := range buildspec.PhaseNames {
		phase, ok := spec.Phases[name]
		if !ok {
			continue
		}
		w("if [ \"$__vstop\" = 0 ]; then")
		w("  printf '[Container] Entering phase %s\\n'", strings.ToUpper(name))
		w("  __vok=1")
		for i, c := range phase.Commands {
			w("  if [ \"$__vok\" = 1 ]; then __vrun %s %d %s || __vok=0; fi", name, i, quote(c))
		}
		for i, c := range phase.Finally {
			w("  __vrun %s f%d %s || __vok=0", name, i, quote(c))
		}
		w("  if [ \"$__vok\" = 0 ]; then")
		w("    export CODEBUILD_BUILD_SUCCEEDING=0")
		if phase.OnFailure != "CONTINUE" && (name == "install" || name == "pre_build" || name == "post_build") {
			w("    __vstop=1")
		}
		w("  fi")
		w("fi")
	}
	for _, v := range spec.ExportedVariables {
		if validName(v) {
			w("printf 'EXPORT %s %%s\\n' \"$(printf '%%s' \"${%s}\" | base64 | tr -d '\\n')\" >> \"$__vst\"", v, v)
		}
	}
	w("printf 'DONE\\n' >> \"$__vst\"")
	return b.String()
}

// quote quotes s for a POSIX shell.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if !(r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
