// Command velocity is a team's command line for its Velocity line.
//
//	go run github.com/velocity-cdk/velocity/cmd/velocity local [flags]
//
// `velocity local` synthesizes the CDK app in the current directory (or
// reads a cloud assembly), finds the line in it, and runs the line's
// CodeBuild jobs on this machine the way CodeBuild runs them, in pipeline
// order, before a push: the source as `git archive` of HEAD, each job in a
// fresh copy of its input artifact, one shell per job, the buildspec's
// phases and variables, the Go and Node.js the job would get on the
// CodeBuild image. Jobs that need AWS run as far as they get without
// credentials and are reported as such, never as passed.
//
// `velocity local -check` is the preflight: it checks every job without
// running it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/velocity-cdk/velocity/internal/assembly"
	"github.com/velocity-cdk/velocity/internal/codebuild"
	"github.com/velocity-cdk/velocity/internal/localrun"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: velocity local [flags]

Runs the CodeBuild jobs of the line defined by the CDK app in this directory
on this machine, as CodeBuild runs them, in pipeline order.

Flags:
`

// listFlag is a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "local" {
		fmt.Fprint(stderr, usage)
		fmt.Fprintln(stderr, "  (run `velocity local -h` for the flags)")
		return 2
	}
	fs := flag.NewFlagSet("velocity local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var (
		app        = fs.String("app", ".", "the directory of the CDK app (its cdk.json)")
		asmDir     = fs.String("assembly", "", "read this cloud assembly instead of synthesizing the app")
		pipeName   = fs.String("pipeline", "", "the pipeline to run, by stack or logical id, when the assembly has several")
		workDir    = fs.String("workdir", "", "where each job's directory, log and artifacts are kept (default: a new directory under $TMPDIR)")
		toolchains = fs.String("toolchains", string(localrun.ImageToolchains), "image: the Go and Node.js versions of the CodeBuild image, fetched and cached; host: this machine's")
		check      = fs.Bool("check", false, "preflight only: check every job without running it")
		verbose    = fs.Bool("v", false, "print every job's output as it runs")
		cacheDir   = fs.String("cache", "", "where fetched toolchains are kept (default: the user cache directory)")
		jobs, env  listFlag
		cdkContext listFlag
	)
	fs.Var(&jobs, "job", "run only this job (\"Build/SAST\" or \"SAST\"); repeatable")
	fs.Var(&env, "env", "NAME=VALUE for every job, e.g. ENDPOINT=http://127.0.0.1:8080 for the acceptance tests; repeatable")
	fs.Var(&cdkContext, "c", "key=value CDK context for the synth; repeatable")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "velocity local: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	fail := func(err error) int { fmt.Fprintln(stderr, "velocity local:", err); return 2 }
	tc := localrun.Toolchains(*toolchains)
	if tc != localrun.ImageToolchains && tc != localrun.HostToolchains {
		return fail(fmt.Errorf("-toolchains %q: want image or host", *toolchains))
	}
	vars := map[string]string{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return fail(fmt.Errorf("-env %q: want NAME=VALUE", kv))
		}
		vars[k] = v
	}
	appDir, err := filepath.Abs(*app)
	if err != nil {
		return fail(err)
	}
	dir := *asmDir
	if dir == "" {
		out, err := os.MkdirTemp("", "velocity-synth-")
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "synthesizing %s (cdk synth, aws-cdk@%s) ...\n", appDir, codebuild.CDKCLIVersion)
		if err := synth(appDir, out, cdkContext, stderr); err != nil {
			return fail(err)
		}
		dir = out
	}
	asm, err := assembly.Open(dir)
	if err != nil {
		return fail(err)
	}
	pipe, err := choosePipeline(asm, *pipeName)
	if err != nil {
		return fail(err)
	}
	repo, err := gitTop(appDir)
	if err != nil {
		return fail(err)
	}
	problems, err := localrun.Preflight(localrun.PreflightOptions{Assembly: asm, Pipeline: pipe, Repo: repo, CDKCLIVersion: codebuild.CDKCLIVersion})
	if err != nil {
		return fail(err)
	}
	errs := 0
	for _, p := range problems {
		fmt.Fprintln(stdout, "preflight:", p)
		if p.Error {
			errs++
		}
	}
	fmt.Fprintf(stdout, "preflight: %s, stack %s: %d error(s), %d warning(s) in %d jobs\n", pipe.LogicalID, pipe.Stack.ID, errs, len(problems)-errs, countJobs(pipe))
	if *check {
		if errs > 0 {
			return 1
		}
		return 0
	}
	if *workDir == "" {
		*workDir, err = os.MkdirTemp("", "velocity-local-")
		if err != nil {
			return fail(err)
		}
	}
	if *cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			base = os.TempDir()
		}
		*cacheDir = filepath.Join(base, "velocity", "toolchains")
	}
	fmt.Fprintf(stdout, "running the jobs of %s with %s toolchains in %s\n", pipe.LogicalID, tc, *workDir)
	if tc == localrun.ImageToolchains {
		fmt.Fprintln(stdout, "what differs from CodeBuild: no container (this machine's other tools, files and network; a fresh HOME per job),"+
			" Go and Node.js are the image's versions but Python is this machine's, no AWS credentials (jobs that need them stop there), no Docker engine")
	}
	start := time.Now()
	// Ctrl-C stops the running job's processes too, not only the runner.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results, err := localrun.Run(localrun.Options{Assembly: asm, Pipeline: pipe, Repo: repo, WorkDir: *workDir, Jobs: jobs,
		Env: vars, Toolchains: tc, Cache: *cacheDir, Out: stdout, Verbose: *verbose, Context: ctx})
	if err != nil {
		return fail(err)
	}
	fmt.Fprintln(stdout)
	localrun.Summary(stdout, results)
	fmt.Fprintf(stdout, "\n%d jobs in %s; logs and working directories in %s\n", len(results), time.Since(start).Round(time.Second), *workDir)
	if localrun.Failed(results) {
		return 1
	}
	return 0
}

// synth runs the pinned CDK CLI's synth of the app into out.
func synth(appDir, out string, context []string, stderr io.Writer) error {
	if _, err := os.Stat(filepath.Join(appDir, "cdk.json")); err != nil {
		return fmt.Errorf("no cdk.json in %s: run from the CDK app's directory, give -app DIR, or -assembly DIR", appDir)
	}
	args := []string{"--yes", "aws-cdk@" + codebuild.CDKCLIVersion, "synth", "-q", "--output", out}
	for _, c := range context {
		args = append(args, "-c", c)
	}
	cmd := exec.Command("npx", args...)
	cmd.Dir = appDir
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("cdk synth failed (%v):\n%s", err, tailLines(log.String(), 30))
	}
	return nil
}

func choosePipeline(asm *assembly.Assembly, name string) (*assembly.Pipeline, error) {
	all := asm.Pipelines()
	if len(all) == 0 {
		var stacks []string
		for id := range asm.Stacks {
			stacks = append(stacks, id)
		}
		sort.Strings(stacks)
		return nil, fmt.Errorf("no pipeline in the cloud assembly at %s (its stacks: %s)", asm.Dir, strings.Join(stacks, ", "))
	}
	var names []string
	for _, p := range all {
		if name == "" && len(all) == 1 || name == p.LogicalID || name == p.Stack.ID {
			return p, nil
		}
		names = append(names, p.Stack.ID+"/"+p.LogicalID)
	}
	if name == "" {
		return nil, fmt.Errorf("the cloud assembly has %d pipelines (%s): choose one with -pipeline", len(all), strings.Join(names, ", "))
	}
	return nil, fmt.Errorf("no pipeline %q; the cloud assembly has %s", name, strings.Join(names, ", "))
}

func gitTop(dir string) (string, error) {
	out, err := exec.Command("git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err != nil {
		return "", errors.New(dir + " is not in a git repository: the line's source is the repository's HEAD")
	}
	return strings.TrimSpace(string(out)), nil
}

func countJobs(p *assembly.Pipeline) int {
	n := 0
	for _, s := range p.Stages {
		for _, a := range s.Actions {
			if a.Provider == "CodeBuild" {
				n++
			}
		}
	}
	return n
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
