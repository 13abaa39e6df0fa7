// Package localrun runs the CodeBuild jobs of a synthesized line on this
// machine, the way CodeBuild runs them, in pipeline order: the command
// line's `velocity local`.
package localrun

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/velocity-cdk/velocity/internal/assembly"
	"github.com/velocity-cdk/velocity/internal/buildspec"
	"github.com/velocity-cdk/velocity/internal/codebuild"
)

// Options configure a run.
type Options struct {
	// Pipeline is the line to run, from Assembly.
	Assembly *assembly.Assembly
	Pipeline *assembly.Pipeline
	// Repo is the git repository whose HEAD is the source.
	Repo string
	// WorkDir keeps each job's directory, log and artifacts.
	WorkDir string
	// Jobs, when not empty, are the only actions run ("Build/SAST" or
	// "SAST"); the others are reported as skipped.
	Jobs []string
	// Env overrides and adds environment variables of every job, e.g.
	// ENDPOINT for the acceptance tests.
	Env map[string]string
	// Toolchains: ImageToolchains (default) or HostToolchains.
	Toolchains Toolchains
	// Cache is where fetched toolchains are kept.
	Cache string
	// Region is AWS_REGION in the jobs. Default: the pipeline stack's
	// region is not known before deploy, so us-east-1.
	Region string
	// Out receives progress lines; Verbose adds every job's output.
	Out     io.Writer
	Verbose bool
	// Timeout, when set, replaces every project's timeout (tests).
	Timeout time.Duration
	// Context stops the run: the running job's processes are killed and
	// the jobs after it are not started. Default: never.
	Context context.Context
}

// Run runs the line's jobs and returns one result per action. The error is
// for a run that could not start (no git repository, no image facts).
func Run(o Options) ([]Result, error) {
	r := &runner{o: o, artifacts: map[string]string{}, vars: map[string]map[string]string{},
		executionID: "local-" + time.Now().UTC().Format("20060102T150405")}
	if r.o.Out == nil {
		r.o.Out = io.Discard
	}
	if r.o.Region == "" {
		r.o.Region = "us-east-1"
	}
	if r.o.Context == nil {
		r.o.Context = context.Background()
	}
	if r.o.Toolchains == "" {
		r.o.Toolchains = ImageToolchains
	}
	r.image = codebuild.Standard7
	r.tools = &toolchains{cache: o.Cache, image: r.image, bins: map[string]string{}}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return nil, err
	}
	r.standIns = filepath.Join(o.WorkDir, "stand-ins")
	if err := standIns(r.standIns); err != nil {
		return nil, err
	}
	r.hostEnv = append(hostGoEnv(), hostNPMEnv()...)
	if err := r.checkJobs(); err != nil {
		return nil, err
	}
	var results []Result
	n := 0
	for _, st := range r.o.Pipeline.Stages {
		n += len(st.Actions)
	}
	i := 0
	for _, st := range r.o.Pipeline.Stages {
		for _, a := range st.Actions {
			if err := r.o.Context.Err(); err != nil {
				return results, fmt.Errorf("stopped before %s: %w", a.ID(), err)
			}
			i++
			fmt.Fprintf(r.o.Out, "[%d/%d] %s ...\n", i, n, a.ID())
			res := r.action(i, a)
			fmt.Fprintf(r.o.Out, "[%d/%d] %s: %s %s%s\n", i, n, a.ID(), res.Status, round(res.Duration), note(res.Note))
			if res.Status.failed() && res.LogTail != "" {
				fmt.Fprintf(r.o.Out, "----- last lines of %s\n%s\n-----\n", res.Log, res.LogTail)
			}
			results = append(results, res)
		}
	}
	return results, nil
}

// checkJobs refuses unknown job names before anything runs.
func (r *runner) checkJobs() error {
	for _, want := range r.o.Jobs {
		found := false
		var names []string
		for _, st := range r.o.Pipeline.Stages {
			for _, a := range st.Actions {
				found = found || a.ID() == want || a.Name == want
				names = append(names, a.ID())
			}
		}
		if !found {
			return fmt.Errorf("the line has no job %q; its jobs are %s", want, strings.Join(names, ", "))
		}
	}
	return nil
}

type runner struct {
	o           Options
	image       *codebuild.Image
	tools       *toolchains
	standIns    string
	hostEnv     []string // this machine's module proxy, registry and caches
	executionID string
	commit      string
	// artifacts maps artifact names to the directories holding them.
	artifacts map[string]string
	// vars are the exported variables of earlier actions, by namespace.
	vars map[string]map[string]string
}

func (r *runner) selected(a assembly.Action) bool {
	if len(r.o.Jobs) == 0 {
		return true
	}
	for _, j := range r.o.Jobs {
		if j == a.ID() || j == a.Name {
			return true
		}
	}
	return false
}

func (r *runner) action(i int, a assembly.Action) Result {
	start := time.Now()
	res := r.dispatch(i, a)
	res.Job = a.ID()
	res.Duration = time.Since(start)
	return res
}

func (r *runner) dispatch(i int, a assembly.Action) Result {
	switch {
	case a.Category == "Source":
		return r.source(a)
	case !r.selected(a):
		return Result{Status: Skipped, Note: "not selected (--job)"}
	case a.Provider == "CodeBuild" && a.Project != nil:
		return r.codeBuild(i, a)
	case a.Provider == "CloudFormation":
		return r.deploy(a)
	case a.Category == "Approval":
		return Result{Status: Manual, Note: "a manual approval: not run here"}
	}
	return Result{Status: NeedsAWS, Note: a.Provider + " action: runs only on AWS"}
}

// source makes the source artifact: `git archive` of HEAD, as the
// pipeline's source action hands the repository over (no .git).
func (r *runner) source(a assembly.Action) Result {
	if len(a.Outputs) == 0 {
		return Result{Status: Fail, Note: "source action without output artifact"}
	}
	dir := filepath.Join(r.o.WorkDir, "artifacts", a.Outputs[0])
	if err := os.RemoveAll(dir); err != nil {
		return Result{Status: Error, Note: err.Error()}
	}
	commit, err := gitArchive(r.o.Repo, dir)
	if err != nil {
		return Result{Status: Error, Note: err.Error()}
	}
	r.commit = commit
	r.artifacts[a.Outputs[0]] = dir
	note := "git archive of HEAD " + commit[:min(12, len(commit))]
	if dirty, _ := exec.Command("git", "-C", r.o.Repo, "status", "--porcelain", "--untracked-files=no").Output(); len(bytes.TrimSpace(dirty)) > 0 {
		note += "; uncommitted changes are not in it"
	}
	return Result{Status: Pass, Note: note}
}

// gitArchive extracts HEAD of repo into dir and returns its commit.
func gitArchive(repo, dir string) (string, error) {
	out, err := exec.Command("git", "-C", repo, "rev-parse", "HEAD").Output()
	if err != nil {
		return "", fmt.Errorf("%s is not a git repository with a commit: the line's source is the repository's HEAD", repo)
	}
	commit := strings.TrimSpace(string(out))
	cmd := exec.Command("git", "-C", repo, "archive", "--format=tar", commit)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return "", err
	}
	if err := cmd.Start(); err != nil {
		return "", err
	}
	if err := untar(pipe, dir); err != nil {
		_ = cmd.Wait()
		return "", err
	}
	return commit, cmd.Wait()
}

func untar(r io.Reader, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := path.Clean(h.Name)
		if name == "." {
			continue
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = root.MkdirAll(name, 0o755)
		case tar.TypeSymlink:
			if err = root.MkdirAll(path.Dir(name), 0o755); err == nil {
				err = root.Symlink(h.Linkname, name)
			}
		case tar.TypeReg:
			err = writeFile(root, name, tr, fs.FileMode(h.Mode&0o777))
		}
		if err != nil {
			return err
		}
	}
}

// deploy checks a CloudFormation deploy action statically: the template
// it deploys is in its input artifact.
func (r *runner) deploy(a assembly.Action) Result {
	tp := a.Config["TemplatePath"]
	art, file, ok := strings.Cut(tp, "::")
	if !ok {
		return Result{Status: Fail, Note: "TemplatePath " + tp + " is not ARTIFACT::FILE"}
	}
	dir, ok := r.artifacts[art]
	if !ok {
		return Result{Status: Skipped, Note: "its input " + art + " was not produced"}
	}
	if !exists(dir, file) {
		return Result{Status: Fail, Note: "the template it deploys, " + file + ", is not in " + art}
	}
	return Result{Status: NeedsAWS, Note: "CloudFormation deploy of " + a.Config["StackName"] + "; checked: " + file + " is in " + art}
}

var pipelineVar = regexp.MustCompile(`#\{([A-Za-z0-9@_-]+)\.([A-Za-z0-9@_.-]+)\}`)

// codeBuild runs one CodeBuild action.
func (r *runner) codeBuild(i int, a assembly.Action) Result {
	p := a.Project
	inputs := a.Inputs
	if len(inputs) == 0 {
		return Result{Status: Fail, Note: "CodeBuild action without input artifact"}
	}
	primary := inputs[0]
	if ps := a.Config["PrimarySource"]; ps != "" {
		primary = ps
	}
	for _, in := range inputs {
		if _, ok := r.artifacts[in]; !ok {
			return Result{Status: Skipped, Note: "its input " + in + " was not produced"}
		}
	}
	jobDir := filepath.Join(r.o.WorkDir, fmt.Sprintf("%02d-%s", i, safeName(a.ID())))
	if err := os.RemoveAll(jobDir); err != nil {
		return Result{Status: Error, Note: err.Error()}
	}
	src := filepath.Join(jobDir, "src")
	for _, in := range inputs {
		dst := src
		if in != primary {
			dst = filepath.Join(jobDir, "src-"+in)
		}
		if err := copyTree(r.artifacts[in], dst); err != nil {
			return Result{Status: Error, Note: err.Error()}
		}
	}
	text := p.BuildSpec
	if p.BuildSpecFile {
		raw, err := readIn(src, p.BuildSpec)
		if err != nil {
			return Result{Status: Fail, Note: "its buildspec file " + p.BuildSpec + " is not in its input " + primary}
		}
		text = string(raw)
	}
	spec, err := buildspec.Parse(text)
	if err != nil {
		return Result{Status: Fail, Note: err.Error()}
	}
	env, missing, err := r.environment(a, spec, jobDir, src, inputs, primary)
	if err != nil {
		return Result{Status: Error, Note: err.Error()}
	}
	if len(missing) > 0 {
		return Result{Status: Skipped, Note: "needs " + strings.Join(missing, ", ") + " (from an earlier action that runs only on AWS): give it with --env NAME=VALUE"}
	}
	timeout := time.Duration(p.TimeoutMinutes) * time.Minute
	if r.o.Timeout > 0 {
		timeout = r.o.Timeout
	}
	res := r.execute(jobDir, src, spec, env, timeout)
	if res.completed {
		if err := r.collectArtifacts(a, spec, src); err != nil {
			res.Status, res.Note = Fail, err.Error()
		}
	}
	counts, err := collectReports(spec, src)
	if err != nil && res.Status == Pass {
		res.Status, res.Note = Fail, err.Error()
	}
	if s := counts.String(); s != "" {
		res.Note = strings.TrimPrefix(res.Note+"; "+s, "; ")
	}
	if a.Namespace != "" {
		r.vars[a.Namespace] = res.exported
	}
	return res
}

// environment returns the job's environment, as CodeBuild builds it, and
// the pipeline variables it needs that no earlier action produced.
func (r *runner) environment(a assembly.Action, spec *buildspec.Spec, jobDir, src string, inputs []string, primary string) ([]string, []string, error) {
	home := filepath.Join(jobDir, "home")
	tmp := filepath.Join(jobDir, "tmp")
	npmPrefix := filepath.Join(jobDir, "npm-global")
	gopath := filepath.Join(r.o.WorkDir, "gopath")
	for _, d := range []string{home, tmp, npmPrefix, filepath.Join(gopath, "bin")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, nil, err
		}
	}
	bins := []string{filepath.Join(npmPrefix, "bin"), filepath.Join(gopath, "bin")}
	if r.o.Toolchains == ImageToolchains {
		for _, rt := range []string{"golang", "nodejs"} {
			v, _, err := r.image.Version(rt, spec.RuntimeVersions())
			if err != nil {
				return nil, nil, err
			}
			bin, err := r.tools.bin(rt, v)
			if err != nil {
				return nil, nil, err
			}
			bins = append(bins, bin)
		}
	}
	bins = append(bins, r.standIns, os.Getenv("PATH"))
	vars := map[string]string{}
	set := func(k, v string) { vars[k] = v }
	for k, v := range spec.Variables {
		set(k, v)
	}
	var missing []string
	for _, e := range append(append([]assembly.EnvVar{}, a.Project.Env...), a.Env...) {
		if e.Type != "PLAINTEXT" {
			if v, ok := r.o.Env[e.Name]; ok {
				set(e.Name, v)
			} else {
				missing = append(missing, e.Name+" ("+e.Type+" "+e.Value+")")
			}
			continue
		}
		set(e.Name, r.substitute(e.Name, e.Value, &missing))
	}
	project := strings.Trim(a.Project.LogicalID, "<>")
	buildID := project + ":" + r.executionID
	base := map[string]string{
		"PATH": strings.Join(bins, string(os.PathListSeparator)), "HOME": home, "TMPDIR": tmp,
		"LANG": "C.UTF-8", "LC_CTYPE": "C.UTF-8", "USER": "root",
		"GOPATH": gopath, "NPM_CONFIG_PREFIX": npmPrefix, "NPM_CONFIG_UPDATE_NOTIFIER": "false",
		"CODEBUILD_SRC_DIR": src, "CODEBUILD_BUILD_ID": buildID, "CODEBUILD_BUILD_NUMBER": "1",
		"CODEBUILD_BUILD_ARN":      "arn:aws:codebuild:" + r.o.Region + ":000000000000:build/" + buildID,
		"CODEBUILD_INITIATOR":      "codepipeline/" + strings.Trim(r.o.Pipeline.LogicalID, "<>"),
		"CODEBUILD_BUILD_IMAGE":    a.Project.Image,
		"CODEBUILD_CI":             "true",
		"CODEBUILD_START_TIME":     strconv.FormatInt(time.Now().UnixMilli(), 10),
		"CODEBUILD_SOURCE_VERSION": r.commit, "CODEBUILD_RESOLVED_SOURCE_VERSION": r.commit,
		"AWS_REGION": r.o.Region, "AWS_DEFAULT_REGION": r.o.Region,
		// No credentials, and no instance metadata to look them up from:
		// a job that needs AWS stops there instead of acting on an
		// account this machine happens to have credentials for.
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull,
	}
	for _, kv := range r.hostEnv {
		k, v, _ := strings.Cut(kv, "=")
		base[k] = v
	}
	// How this machine reaches the network: its proxies and the
	// certificates they are trusted with.
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
		"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR", "GIT_SSL_CAINFO", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "AWS_CA_BUNDLE", "PIP_CERT"} {
		if v, ok := os.LookupEnv(k); ok {
			base[k] = v
		}
	}
	for _, in := range inputs {
		if in != primary {
			base["CODEBUILD_SRC_DIR_"+in] = filepath.Join(jobDir, "src-"+in)
		}
	}
	for k, v := range vars {
		base[k] = v
	}
	for k, v := range r.o.Env {
		base[k] = v
	}
	env := make([]string, 0, len(base))
	for _, k := range slices.Sorted(maps.Keys(base)) {
		env = append(env, k+"="+base[k])
	}
	return env, missing, nil
}

// substitute resolves the pipeline variables in an action's variable.
func (r *runner) substitute(name, value string, missing *[]string) string {
	if _, ok := r.o.Env[name]; ok {
		return r.o.Env[name]
	}
	return pipelineVar.ReplaceAllStringFunc(value, func(m string) string {
		parts := pipelineVar.FindStringSubmatch(m)
		ns, v := parts[1], parts[2]
		if ns == "codepipeline" && v == "PipelineExecutionId" {
			return r.executionID
		}
		if got, ok := r.vars[ns][v]; ok {
			return got
		}
		*missing = append(*missing, name+" ("+m+")")
		return m
	})
}

// execute runs the job's script in a fresh shell and reads its status.
func (r *runner) execute(jobDir, src string, spec *buildspec.Spec, env []string, timeout time.Duration) Result {
	status := filepath.Join(jobDir, "status")
	scriptFile := filepath.Join(jobDir, "buildspec.sh")
	if err := os.WriteFile(scriptFile, []byte(script(spec, status)), 0o644); err != nil {
		return Result{Status: Error, Note: err.Error()}
	}
	shell := "sh"
	if spec.Shell != "" {
		shell = spec.Shell
	}
	logFile := filepath.Join(jobDir, "log.txt")
	log, err := os.Create(logFile)
	if err != nil {
		return Result{Status: Error, Note: err.Error()}
	}
	defer log.Close()
	ctx, cancel := context.WithTimeout(r.o.Context, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, shell, scriptFile)
	cmd.Dir = src
	cmd.Env = env
	cmd.Stdin = nil
	var w io.Writer = log
	if r.o.Verbose {
		w = io.MultiWriter(log, r.o.Out)
	}
	cmd.Stdout, cmd.Stderr = w, w
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	runErr := cmd.Run()
	res := Result{Log: logFile, Dir: jobDir}
	if r.o.Context.Err() != nil {
		res.Status, res.Note = Error, "interrupted"
		return res
	}
	if ctx.Err() == context.DeadlineExceeded {
		res.Status = Timeout
		res.Note = fmt.Sprintf("stopped after %s, the project's timeout", round(timeout))
		res.LogTail = tail(logFile, 15)
		return res
	}
	st, err := readStatus(status)
	if err != nil {
		res.Status, res.Note = Error, err.Error()
		return res
	}
	res.exported = st.exported
	switch {
	case st.failed != "":
		res.Status = Fail
		res.Note = "failed: " + st.failed
	case !st.done:
		res.Status = Fail
		res.Note = fmt.Sprintf("the shell exited during %s (%v)", st.last, runErr)
	default:
		res.completed = true
		res.Status, res.Note = classifyPass(logFile)
	}
	if res.Status == Fail {
		res.Status, res.Note = classify(logFile, res.Note)
		res.LogTail = tail(logFile, 25)
	}
	return res
}

type jobStatus struct {
	last, failed string
	done         bool
	exported     map[string]string
}

func readStatus(path string) (jobStatus, error) {
	st := jobStatus{exported: map[string]string{}}
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return st, errors.New("the job's shell did not start")
		}
		return st, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) >= 3 && fields[0] == "RUN":
			st.last = "phase " + fields[1] + " command " + fields[2]
		case len(fields) >= 4 && fields[0] == "FAIL" && st.failed == "":
			st.failed = fmt.Sprintf("phase %s, command %s, exit status %s", fields[1], fields[2], fields[3])
		case len(fields) >= 2 && fields[0] == "EXPORT":
			v := ""
			if len(fields) > 2 {
				raw, _ := base64.StdEncoding.DecodeString(fields[2])
				v = string(raw)
			}
			st.exported[fields[1]] = v
		case len(fields) == 1 && fields[0] == "DONE":
			st.done = true
		}
	}
	return st, sc.Err()
}

// collectArtifacts copies the primary artifact to where later actions
// read it.
func (r *runner) collectArtifacts(a assembly.Action, spec *buildspec.Spec, src string) error {
	if len(a.Outputs) == 0 || spec.Artifacts == nil {
		return nil
	}
	base := filepath.Join(src, spec.Artifacts.BaseDirectory)
	files, err := globFiles(base, spec.Artifacts.Files)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return fmt.Errorf("no artifact files match %v in %s", spec.Artifacts.Files, spec.Artifacts.BaseDirectory)
	}
	dst := filepath.Join(r.o.WorkDir, "artifacts", a.Outputs[0])
	if err := os.RemoveAll(dst); err != nil {
		return err
	}
	if err := copyFiles(base, dst, files); err != nil {
		return err
	}
	r.artifacts[a.Outputs[0]] = dst
	return nil
}

// collectReports reads the JUnit reports the buildspec names.
func collectReports(spec *buildspec.Spec, src string) (testCounts, error) {
	var c testCounts
	for _, group := range slices.Sorted(maps.Keys(spec.Reports)) {
		rep := spec.Reports[group]
		base := filepath.Join(src, rep.BaseDirectory)
		files, err := globFiles(base, rep.Files)
		if err != nil {
			return c, err
		}
		sort.Strings(files)
		for _, f := range files {
			if err := c.readJUnit(filepath.Join(base, f)); err != nil {
				return c, err
			}
		}
	}
	return c, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' {
			return '-'
		}
		return r
	}, s)
}

func tail(path string, n int) string {
	raw, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
