package stages

import "github.com/velocity-cdk/velocity/internal/codebuild"

// Preset is the recipe for one language. Teams may define their own.
type Preset struct {
	// Name shows in error messages, e.g. "Go".
	Name string
	// Install installs tools and dependencies.
	Install []string
	// Analyze runs static analysis; any finding fails the build.
	Analyze []string
	// Test runs the unit tests and writes JUnit XML under $REPORTS_DIR.
	Test []string
	// Synth produces the cloud assembly in cdk.out.
	Synth []string
	// Env is set for every command.
	Env map[string]string
	// CachePaths are kept between builds (buildspec cache paths).
	CachePaths []string
	// Runtimes are the toolchains the job pins (runtime-versions).
	// Build.Runtimes adds to and overrides them.
	Runtimes Runtimes
}

// The CDK CLI and test-report tool versions the presets pin, so a build is
// the same today and next year. CDKCLIVersion must read the cloud assembly
// schema that the pinned aws-cdk-lib writes (55 for aws-cdk-lib 2.276).
const (
	CDKCLIVersion    = codebuild.CDKCLIVersion
	GotestsumVersion = "v1.13.0"
)

var installCDK = "npm install -g aws-cdk@" + CDKCLIVersion

// Go is the preset for a CDK app and service written in Go: gofmt and go vet
// as static analysis, go test with a JUnit report (gotestsum), the Go of
// go.mod's go line (runtime-versions, see GoModRuntime; GOTOOLCHAIN=auto
// fetches a newer patch release when go.mod asks for one) and Node.js 22 for
// the CDK CLI and jsii.
var Go = &Preset{
	Name:    "Go",
	Install: []string{installCDK, "go version", "go mod download"},
	Analyze: []string{
		`test -z "$(gofmt -l .)" || { echo "gofmt: these files need formatting:"; gofmt -l .; exit 1; }`,
		"go vet ./...",
	},
	Test:       []string{`go run gotest.tools/gotestsum@` + GotestsumVersion + ` --junitfile "$REPORTS_DIR/go-test.xml" -- ./...`},
	Synth:      []string{"cdk synth"},
	Env:        map[string]string{"GOTOOLCHAIN": "auto", "GOFLAGS": "-buildvcs=false"},
	CachePaths: image.GoCachePaths(),
	Runtimes:   Runtimes{"golang": GoModRuntime, "nodejs": NodeRuntime},
}

// Node is the preset for a CDK app in TypeScript or JavaScript: npm ci, the
// lint script if the package has one, npm test (configure jest-junit, or any
// reporter, to write into $REPORTS_DIR), and cdk synth.
var Node = &Preset{
	Name:       "Node",
	Install:    []string{installCDK, "npm ci"},
	Analyze:    []string{"npm run lint --if-present"},
	Test:       []string{"npm test"},
	Synth:      []string{"cdk synth"},
	Env:        map[string]string{"JEST_JUNIT_OUTPUT_DIR": reportsDir},
	CachePaths: []string{image.Home + "/.npm/**/*"},
	Runtimes:   Runtimes{"nodejs": NodeRuntime},
}

// Python is the preset for a CDK app in Python: pip install of
// requirements.txt, a byte-compile of every module as the minimum static
// analysis, pytest with a JUnit report, and cdk synth.
var Python = &Preset{
	Name:       "Python",
	Install:    []string{installCDK, "pip install -r requirements.txt", "pip install pytest"},
	Analyze:    []string{"python -m compileall -q ."},
	Test:       []string{`python -m pytest --junitxml="$REPORTS_DIR/pytest.xml"`},
	Synth:      []string{"cdk synth"},
	CachePaths: []string{image.Home + "/.cache/pip/**/*"},
	Runtimes:   Runtimes{"python": PythonRuntime, "nodejs": NodeRuntime},
}
