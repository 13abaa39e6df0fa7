// Command profile shows where the synth time of the default example
// (examples/serverless) goes. It builds the same app as
// serverless.NewPipelineStack (config.PipelineStack), with its source and
// its stage function
// wrapped so the phases inside pipeline.New can be told apart, synthesizes
// it, and prints for each phase the wall time, the CPU time of the Go
// process, of the jsii kernel (node) and of the commands the app ran (go
// list, go build), and, with -calls, the number of jsii requests.
//
// Run it from the repository root, as the CLI runs the app (the examples
// find the Go module from the working directory):
//
//	go build -o /tmp/profile ./benchmarks/profile && /tmp/profile
//	/tmp/profile -calls                      # also count jsii requests per phase
//	/tmp/profile -c @aws-cdk/core:validateAgainstDefaultRules=false
//	CDK_VALIDATION=false /tmp/profile        # without aws-cdk-lib's template validation
//	/tmp/profile -cpuprofile /tmp/cpu.pprof  # Go CPU profile (go tool pprof)
//
// The app gets the context of the repository's cdk.json, as with the CLI.
// Most of the time is spent in the node process, so the wall time per
// phase, not the Go CPU profile, is what tells which phases dominate.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/examples/config"
	"github.com/velocity-cdk/velocity/examples/serverless"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

type contextFlags map[string]interface{}

func (c contextFlags) String() string { return fmt.Sprint(map[string]interface{}(c)) }
func (c contextFlags) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("want key=value, got %q", s)
	}
	if b, err := strconv.ParseBool(v); err == nil {
		c[k] = b
	} else {
		c[k] = v
	}
	return nil
}

// args returns the overrides as -c flags, sorted by key, to give the
// program when it runs itself again.
func (c contextFlags) args() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var args []string
	for _, k := range keys {
		args = append(args, "-c", fmt.Sprintf("%s=%v", k, c[k]))
	}
	return args
}

// tempPrefix starts the name of the temporary cloud assembly directory.
const tempPrefix = "velocity-profile-"

var (
	outdir     = flag.String("out", "", "cloud assembly directory (default: a temporary directory, removed afterwards)")
	cpuprofile = flag.String("cpuprofile", "", "write a Go CPU profile of the whole run to this file")
	calls      = flag.Bool("calls", false, "also run the app once more with JSII_DEBUG=1 and count the jsii requests of each phase")
	walks      = flag.Bool("walks", true, "after synth, time the kind of construct-tree walks the library does")
	markers    = flag.Bool("markers", false, "print phase markers on stderr (used by -calls)")
	overrides  = contextFlags{}
)

// phase is one measured step.
type phase struct {
	name                 string
	wall                 time.Duration
	goCPU, nodeCPU, cmds time.Duration
}

// clock measures consecutive phases: each mark ends the current phase.
type clock struct {
	phases                    []phase
	last                      time.Time
	lastGo, lastNode, lastCmd time.Duration
}

func newClock() *clock {
	c := &clock{last: time.Now()}
	c.lastGo, c.lastNode, c.lastCmd = cpuTimes()
	return c
}

// mark ends the current phase, named name, and starts the next.
func (c *clock) mark(name string) {
	now := time.Now()
	g, n, k := cpuTimes()
	c.phases = append(c.phases, phase{name: name, wall: now.Sub(c.last), goCPU: g - c.lastGo, nodeCPU: n - c.lastNode, cmds: k - c.lastCmd})
	c.last, c.lastGo, c.lastNode, c.lastCmd = now, g, n, k
	if *markers {
		fmt.Fprintf(os.Stderr, "\nvelocity-profile-mark %s\n", name)
	}
}

// cpuTimes returns the CPU time (user+system) of this process, of its live
// node descendants (the jsii kernel), and of its children that have exited
// (go list, go build).
func cpuTimes() (self, node, children time.Duration) {
	var ru syscall.Rusage
	tv := func(t syscall.Timeval) time.Duration {
		return time.Duration(t.Sec)*time.Second + time.Duration(t.Usec)*time.Microsecond
	}
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		self = tv(ru.Utime) + tv(ru.Stime)
	}
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru) == nil {
		children = tv(ru.Utime) + tv(ru.Stime)
	}
	return self, descendantsCPU("node"), children
}

// descendantsCPU sums the CPU time of the live descendants of this process
// whose command is comm, from /proc.
func descendantsCPU(comm string) time.Duration {
	type proc struct {
		ppid  int
		comm  string
		ticks int64
	}
	procs := map[int]proc{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		s := string(b)
		lp, rp := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if lp < 0 || rp < 0 {
			continue
		}
		f := strings.Fields(s[rp+2:])
		if len(f) < 13 {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:lp]))
		ppid, _ := strconv.Atoi(f[1])
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		procs[pid] = proc{ppid: ppid, comm: s[lp+1 : rp], ticks: utime + stime}
	}
	self := os.Getpid()
	var ticks int64
	for _, p := range procs {
		if p.comm != comm {
			continue
		}
		for a := p.ppid; a > 1; a = procs[a].ppid {
			if a == self {
				ticks += p.ticks
				break
			}
			if _, ok := procs[a]; !ok {
				break
			}
		}
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// timedSource wraps the line's source to mark when pipeline.New reaches it.
type timedSource struct {
	stages.Source
	c *clock
}

func (s timedSource) Produce(scope constructs.Construct, line *stages.Line) pipelines.CodePipelineSource {
	s.c.mark("line: key, access-log and artifact buckets, alerts topics")
	defer s.c.mark("line: source bucket")
	return s.Source.Produce(scope, line)
}

func (s timedSource) Connect(scope constructs.Construct, p awscodepipeline.Pipeline, a awscodepipeline.IAction) {
	s.c.mark("line: production protection and gate, acceptance and permissions-check steps, AddStage and AddWave (synthesizes both stages), BuildPipeline")
	defer s.c.mark("line: source trigger rule and output")
	s.Source.Connect(scope, p, a)
}

func main() {
	flag.Var(overrides, "c", "context key=value, as with cdk -c (repeatable; true/false are booleans)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "profile: unexpected arguments %q\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}
	if *calls && os.Getenv("JSII_DEBUG") == "" {
		countCalls()
		return
	}
	// The jsii runtime starts its node process while Go initializes the
	// packages (RegisterClass in every init), before main: the environment
	// the kernel needs (the context, where to write aws-cdk-lib's counters)
	// must be set before the program starts. So the program sets it and runs
	// itself again, as the CLI does when it runs an app.
	if os.Getenv("VELOCITY_PROFILE_EXEC") == "" {
		reexec()
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	out, perfFile, temporary := runPaths()
	if temporary {
		defer os.RemoveAll(out)
	}
	defer os.Remove(perfFile)
	execNanos, _ := strconv.ParseInt(os.Getenv("VELOCITY_PROFILE_EXEC"), 10, 64)
	initTime := time.Since(time.Unix(0, execNanos))
	start := time.Now()
	c := newClock()
	app := awscdk.NewApp(nil)
	c.mark("App: loading aws-cdk-lib and its dependencies into the kernel")

	// As serverless.NewPipelineStack, with the source and the stage function
	// timed.
	stack := awscdk.NewStack(app, jsii.String("VelocityServerless"), &awscdk.StackProps{
		Env:                   config.PipelineEnv(),
		Description:           jsii.String("Velocity assembly line for the serverless factorial service"),
		TerminationProtection: jsii.Bool(true),
	})
	c.mark("pipeline stack")
	pipeline.New(stack, "Line", &pipeline.Props{
		Source: timedSource{config.Source(stack), c},
		Build:  config.Build(stack, "serverless", nil),
		App: func(scope constructs.Construct, id string, env stages.Environment) awscdk.Stage {
			if id == "Staging" {
				c.mark("line: build step, Pipeline, CDK Pipelines construct")
			} else {
				c.mark("line: staging gate alarm")
			}
			defer c.mark("stage " + id + ": the service (Lambda: go list, bundling from the binary cache; API, CodeDeploy, alarms)")
			return serverless.NewServiceStage(scope, id, env)
		},
		Acceptance: stages.GoAcceptanceTests("./examples/service/acceptance/..."),
	})
	c.mark("line: approval, security checks, stage conditions, monitoring (rules, DORA function: bundling from the binary cache, its go list prefetched; dashboard), log groups, cdk-nag suppressions, diagram")
	app.Synth(nil)
	c.mark("app.Synth (aspects, resolve, files, built-in template validation)")
	if _, err := os.Stat(perfFile); err != nil {
		fmt.Fprintln(os.Stderr, "profile: aws-cdk-lib wrote no performance counters:", err)
	}
	total := time.Since(start)

	var walkPhases []phase
	if *walks {
		w := newClock()
		all := *stack.Node().FindAll(constructs.ConstructOrder_PREORDER)
		w.mark(fmt.Sprintf("FindAll over the pipeline stack (%d constructs)", len(all)))
		for _, n := range all {
			n.Node().Path()
		}
		w.mark(fmt.Sprintf("Node().Path() of each (%d)", len(all)))
		resources := 0
		for _, n := range all {
			if r, ok := n.(awscdk.CfnResource); ok {
				r.GetMetadata(jsii.String("cdk_nag"))
				resources++
			}
		}
		w.mark(fmt.Sprintf("GetMetadata(\"cdk_nag\") of each CfnResource (%d)", resources))
		walkPhases = w.phases
	}
	closeStart := time.Now()
	jsii.Close()
	closeTime := time.Since(closeStart)
	if *markers {
		return
	}

	fmt.Printf("Synth of the default example (serverless), phase by phase. Before main, %s from exec to main (Go runtime and package init, which starts the jsii kernel process); then %s from main to the end of app.Synth; then %s for jsii.Close.\n\n", round(initTime), round(total), round(closeTime))
	printPhases("Phase", c.phases, total)
	if len(walkPhases) > 0 {
		fmt.Printf("\nConstruct-tree walks, timed after synth (read-only; pipeline.New and nag.Suppress do walks like these):\n\n")
		printPhases("Walk", walkPhases, 0)
	}
	printCommands()
	printPerfCounters(perfFile)
}

// reexec runs this program again with the environment the CLI would give
// an app: the context of the repository's cdk.json (and -c), an output
// directory, and a file for aws-cdk-lib's performance counters.
func reexec() {
	out := filepath.Clean(*outdir)
	if *outdir == "" {
		dir, err := os.MkdirTemp("", tempPrefix)
		check(err)
		out = dir
	}
	ctx := cdkJSONContext()
	// Write the counters whatever the synth time (by default only when it
	// exceeds 10 s per stack).
	ctx["@aws-cdk/core.slowSynthThreshold"] = 0
	for k, v := range overrides {
		ctx[k] = v
	}
	ctxJSON, err := json.Marshal(ctx)
	check(err)
	self, err := os.Executable()
	check(err)
	env := setEnv(os.Environ(), "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(ctxJSON),
		"CDK_PERF_COUNTERS_FILE="+perfPath(out),
		fmt.Sprintf("VELOCITY_PROFILE_EXEC=%d", time.Now().UnixNano()))
	// The program itself, with the flags it parsed rather than its raw
	// command line.
	check(syscall.Exec(self, append([]string{self}, flagArgs()...), env))
}

// flagArgs returns the flags this run was given, with their values as
// parsed, to give the program when it runs itself again.
func flagArgs() []string {
	var args []string
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "c" {
			args = append(args, overrides.args()...)
			return
		}
		args = append(args, "-"+f.Name+"="+f.Value.String())
	})
	return args
}

// setEnv returns env with the variables of vars (key=value) set in place
// of any values env has for them: Go and node both read the first of
// duplicate variables, so appending would not override them.
func setEnv(env []string, vars ...string) []string {
	set := map[string]bool{}
	for _, v := range vars {
		k, _, _ := strings.Cut(v, "=")
		set[k] = true
	}
	var kept []string
	for _, v := range env {
		if k, _, _ := strings.Cut(v, "="); !set[k] {
			kept = append(kept, v)
		}
	}
	return append(kept, vars...)
}

// perfPath returns the file for aws-cdk-lib's performance counters of a
// synth into the cloud assembly directory out: next to it, not in it.
func perfPath(out string) string {
	return filepath.Join(filepath.Dir(out), filepath.Base(out)+"-perf.json")
}

// runPaths returns, in the program run by reexec, the cloud assembly
// directory and the counters file, and whether the directory is a
// temporary one to remove afterwards. The program removes them, so it
// does not take them from the environment as they are: it derives them as
// reexec does, from -out, or, for the temporary directory reexec made,
// from the name alone, in the temporary directory, and checks that the
// environment, which the kernel reads, names the same.
func runPaths() (out, perfFile string, temporary bool) {
	if *outdir != "" {
		out = filepath.Clean(*outdir)
	} else {
		name := filepath.Base(os.Getenv("CDK_OUTDIR"))
		if !strings.HasPrefix(name, tempPrefix) {
			fmt.Fprintf(os.Stderr, "profile: CDK_OUTDIR=%q is not a directory this program made; run it without VELOCITY_PROFILE_EXEC in the environment\n", os.Getenv("CDK_OUTDIR"))
			os.Exit(1)
		}
		out, temporary = filepath.Join(os.TempDir(), name), true
	}
	perfFile = perfPath(out)
	if os.Getenv("CDK_OUTDIR") != out || os.Getenv("CDK_PERF_COUNTERS_FILE") != perfFile {
		fmt.Fprintf(os.Stderr, "profile: CDK_OUTDIR=%q and CDK_PERF_COUNTERS_FILE=%q are not the ones this program sets (%q, %q); run it without VELOCITY_PROFILE_EXEC in the environment\n",
			os.Getenv("CDK_OUTDIR"), os.Getenv("CDK_PERF_COUNTERS_FILE"), out, perfFile)
		os.Exit(1)
	}
	return out, perfFile, temporary
}

func printPhases(title string, phases []phase, total time.Duration) {
	fmt.Printf("| %s | Wall | Share | Go CPU | node CPU | go list/build CPU |\n| --- | ---: | ---: | ---: | ---: | ---: |\n", title)
	for _, p := range phases {
		share := "—"
		if total > 0 {
			share = fmt.Sprintf("%.0f%%", 100*p.wall.Seconds()/total.Seconds())
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", p.name, round(p.wall), share, round(p.goCPU), round(p.nodeCPU), round(p.cmds))
	}
}

// printCommands times the go commands gobundle runs at synth, by themselves
// (warm build cache): go env once, go list -deps for each function while
// the stages are constructed (its answer is the key of the binary cache),
// and go build only for a binary the cache does not have.
func printCommands() {
	root, err := os.Getwd()
	check(err)
	tmp, err := os.MkdirTemp("", "velocity-profile-build-")
	check(err)
	defer os.RemoveAll(tmp)
	target := []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}
	run := func(label string, args ...string) {
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), target...)
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n%s", label, err, out)
		}
		fmt.Printf("| `%s` | %s |\n", label, round(time.Since(start)))
	}
	fmt.Printf("\nThe go commands the app runs at synth, timed alone (warm build cache; go build only when the binary cache misses):\n\n| Command | Wall |\n| --- | ---: |\n")
	run("go env GOVERSION GOFLAGS …", "env", "GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOARM64", "GOFIPS140", "GOWORK")
	for _, pkg := range []string{"./examples/service/cmd/lambda", "github.com/velocity-cdk/velocity/monitoring/dora/cmd/handler"} {
		run("go list -deps -json=… "+pkg, "list", "-deps", "-tags", "lambda.norpc",
			"-json=ImportPath,Name,Dir,Standard,Module,GoFiles,CgoFiles,SFiles,SysoFiles,EmbedFiles", pkg)
		run("go build "+pkg+" (linux/arm64; cache miss only)",
			"build", "-trimpath", "-buildvcs=false", "-tags", "lambda.norpc", "-ldflags", "-s -w", "-o", filepath.Join(tmp, "bootstrap"), pkg)
	}
}

// printPerfCounters prints aws-cdk-lib's own counters of the synth.
func printPerfCounters(file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		return
	}
	var doc struct{ Counters map[string]float64 }
	if json.Unmarshal(b, &doc) != nil {
		return
	}
	type counter struct {
		name    string
		ms, cnt float64
	}
	var cs []counter
	for k, v := range doc.Counters {
		if strings.HasSuffix(k, "(cnt)") || v < 50 {
			continue
		}
		cs = append(cs, counter{k, v, doc.Counters[k+"(cnt)"]})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ms > cs[j].ms })
	fmt.Printf("\naws-cdk-lib's performance counters (CDK_PERF_COUNTERS_FILE), ≥ 50 ms:\n\n| Counter | Time | Count |\n| --- | ---: | ---: |\n")
	for _, c := range cs {
		fmt.Printf("| %s | %.1f s | %.0f |\n", c.name, c.ms/1000, c.cnt)
	}
}

// countCalls runs this program again with JSII_DEBUG=1 and counts the
// requests the Go side sends to the jsii kernel in each phase, by kind.
func countCalls() {
	self, err := os.Executable()
	check(err)
	args := append([]string{"-markers", "-walks=false"}, overrides.args()...)
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "JSII_DEBUG=1")
	stderr, err := cmd.StderrPipe()
	check(err)
	check(cmd.Start())
	type row struct {
		name   string
		byKind map[string]int
		total  int
	}
	cur := &row{byKind: map[string]int{}}
	var rows []*row
	sc := bufio.NewScanner(stderr)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "velocity-profile-mark "); ok {
			cur.name = name
			rows = append(rows, cur)
			cur = &row{byKind: map[string]int{}}
			continue
		}
		if !strings.HasPrefix(line, "> {") {
			continue
		}
		var req map[string]json.RawMessage
		kind := "other"
		if json.Unmarshal([]byte(line[2:]), &req) == nil {
			if api, ok := req["api"]; ok {
				kind = strings.Trim(string(api), `"`)
			} else if _, ok := req["complete"]; ok {
				kind = "callback result"
			}
		}
		cur.byKind[kind]++
		cur.total++
	}
	_, _ = io.Copy(io.Discard, stderr)
	check(cmd.Wait())
	fmt.Printf("jsii requests from Go to the kernel per phase (JSII_DEBUG=1 run):\n\n| Phase | Requests | By kind |\n| --- | ---: | --- |\n")
	total := 0
	for _, r := range rows {
		var kinds []string
		for k, n := range r.byKind {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(kinds)
		fmt.Printf("| %s | %d | %s |\n", r.name, r.total, strings.Join(kinds, ", "))
		total += r.total
	}
	fmt.Printf("| total | %d | |\n", total)
}

func cdkJSONContext() map[string]interface{} {
	ctx := map[string]interface{}{}
	b, err := os.ReadFile("cdk.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile: no cdk.json in the working directory; run from the repository root")
		os.Exit(1)
	}
	var doc struct {
		Context map[string]interface{} `json:"context"`
	}
	check(json.Unmarshal(b, &doc))
	for k, v := range doc.Context {
		ctx[k] = v
	}
	return ctx
}

func round(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%d ms", d.Milliseconds())
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		os.Exit(1)
	}
}
