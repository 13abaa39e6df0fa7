package stages

import (
	"path"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Build is step 2 of the line: static analysis and unit tests, and `cdk
// synth`, in two CodeBuild jobs of one stage that run side by side. The
// UnitTests job runs the preset's analysis and tests (JUnit results go to
// a CodeBuild report group named in the console as "UnitTests"); its role
// may only read the source and write its reports. The Build job installs
// the toolchain, runs `cdk synth` and publishes the assets of the stages it
// synthesized (see AssetsPublishedVariable; for container images it runs
// with a Docker daemon), so that a change to the app's code needs no asset
// job on the way to staging. The stage
// passes only when both jobs pass, so nothing reaches staging that did not
// compile, pass analysis and pass tests. With Commands of its own, the
// build is one job that runs them, and the Assets stage publishes.
//
// The zero value is the Go preset with its defaults.
type Build struct {
	// Preset gives the language's install, analysis, test and synth
	// commands. Default: Go.
	Preset *Preset
	// Directory is where the CDK app (cdk.json) lives, relative to the
	// repository root. Default: the root.
	Directory string
	// Job overrides the preset: non-nil Install or Commands replace the
	// preset's; Env and Secrets add to it.
	Job
	// Context is passed to every `cdk synth` of the preset as
	// `-c key=value`, so the line's own build synthesizes the app as
	// `cdk deploy` did: context given on the command line at the first
	// deploy does not reach the build otherwise, and self-mutation would
	// then turn the line into what the app is without that context.
	Context map[string]string
	// NoCache turns off the build cache (an S3 cache of the preset's
	// CachePaths in the artifact bucket). Default: cache on.
	NoCache bool
}

func (b *Build) preset() *Preset {
	if b.Preset == nil {
		return Go
	}
	return b.Preset
}

// Validate reports every invalid setting of the build.
func (b *Build) Validate() error {
	var ps Problems
	b.Job.validate(&ps)
	if b.Directory != "" && (path.IsAbs(b.Directory) || strings.Contains(b.Directory, "..") || strings.ContainsAny(b.Directory, " \t\n'\"$`\\")) {
		ps.Add("Directory", b.Directory, `a relative path inside the repository, e.g. "infra"`)
	}
	if b.Preset != nil {
		var pps Problems
		b.Preset.validate(&pps, b.Commands == nil)
		ps.Nest("Preset", pps)
	}
	for _, k := range sortedKeys(b.Context) {
		if k == "" || strings.ContainsAny(k, "= \t\n") {
			ps.Add("Context", k, "a CDK context key without spaces or =")
		}
	}
	if b.Commands != nil && len(b.Commands) == 0 {
		ps.Add("Commands", "[]", "at least one command (leave Commands nil for the preset's)")
	}
	if b.Commands != nil && len(b.Context) > 0 {
		ps.Add("Context", strings.Join(sortedKeys(b.Context), ","), "no Context with Commands: the line adds -c key=value to the preset's cdk synth; pass it in your own Commands")
	}
	return ps.Err()
}

// AddTo implements LineStep: the build reads the source and becomes the
// line's synth step.
func (b *Build) AddTo(plan *Plan) {
	plan.Build = b
	plan.Synth = b.Step(plan.Scope, plan.Line, plan.Source)
	if comparesPipeline(awscdk.Stack_Of(plan.Scope)) {
		plan.PipelineChanged = PipelineChangedVariable
	}
	if b.testsBeside() {
		plan.AssetsPublished = AssetsPublishedVariable
		reports := newReportGroup(plan.Scope, "UnitTests")
		plan.OnPipeline(func(built Built) {
			stage := PipelineStage(built.Pipeline, "Build")
			stage.AddAction(b.unitTestsAction(plan.Scope, plan.Line, reports, built.SourceOutput))
			if publishesImages(built.Pipeline) {
				enableImagePublishing(plan.Synth)
			}
		})
	}
}

// testsBeside says whether the preset's analysis and tests run in a job of
// their own beside the Build job: with Commands of its own, the build runs
// exactly those, in one job.
func (b *Build) testsBeside() bool {
	p := b.preset()
	return b.Commands == nil && len(p.Analyze)+len(p.Test) > 0
}

// comparesPipeline says whether the Build job can tell an unchanged
// pipeline: self-mutation deploys the pipeline stack and the stacks it
// depends on, and the job compares only the first.
func comparesPipeline(stack awscdk.Stack) bool {
	return len(*stack.Dependencies()) == 0
}

// Step creates the Build step of the line, reading input and writing the
// cloud assembly as its primary output.
func (b *Build) Step(scope constructs.Construct, line *Line, input pipelines.IFileSetProducer) pipelines.CodeBuildStep {
	p := b.preset()
	job := b.Job
	job.Runtimes = mergeRuntimes(p.Runtimes, b.Runtimes)
	if job.Install == nil {
		job.Install = p.Install
	}
	if job.Commands == nil {
		job.Commands = withContext(p.Synth, b.Context)
	}
	// The tests report from the Build job only when they run in it.
	var reports awscodebuild.IReportGroup
	if !b.testsBeside() {
		reports = newReportGroup(scope, "UnitTests")
	}
	job.Env = merge(p.Env, b.Env)
	job.Install, job.Commands = b.inDirectory(job.Install), b.inDirectory(job.Commands)
	outDir := path.Join(b.Directory, "cdk.out")
	spec := jobSpec{
		scope:       scope,
		id:          "Build",
		input:       input,
		reportGroup: reports,
		outputDir:   outDir,
	}
	if stack := awscdk.Stack_Of(scope); comparesPipeline(stack) {
		job.Commands = append(append([]string(nil), job.Commands...), pipelineChangedCommands(*stack.StackName(), path.Join(outDir, *stack.TemplateFile()))...)
		spec.policies = append(spec.policies, pipelineTemplateReader(stack))
		spec.exportedVariables = append(spec.exportedVariables, PipelineChangedVariable)
	}
	if b.testsBeside() {
		job.Commands = append(job.Commands, publishAssetsCommands(outDir)...)
		spec.policies = append(spec.policies, publishingRoles("file"))
		spec.exportedVariables = append(spec.exportedVariables, AssetsPublishedVariable)
	}
	if !b.NoCache && len(p.CachePaths) > 0 && line.ArtifactBucket != nil {
		spec.cachePaths = p.CachePaths
		spec.cache = awscodebuild.Cache_Bucket(line.ArtifactBucket, &awscodebuild.BucketCacheOptions{Prefix: jsii.String("build-cache")})
	}
	return job.step(spec)
}

// inDirectory puts a cd into Directory in front of commands (a phase of a
// job). Absolute, so it holds whether or not the shell kept the directory
// from the install phase.
func (b *Build) inDirectory(commands []string) []string {
	if b.Directory == "" || b.Directory == "." {
		return commands
	}
	return append([]string{`cd "$CODEBUILD_SRC_DIR/` + b.Directory + `"`}, commands...)
}

// withContext appends `-c key=value` for each context entry to the synth
// commands, shell-quoted and in key order.
func withContext(synth []string, context map[string]string) []string {
	if len(context) == 0 {
		return synth
	}
	var args strings.Builder
	for _, k := range sortedKeys(context) {
		args.WriteString(" -c " + shellQuote(k+"="+context[k]))
	}
	out := make([]string, len(synth))
	for i, c := range synth {
		out[i] = c
		if strings.HasPrefix(c, "cdk synth") || strings.HasPrefix(c, "npx cdk synth") {
			out[i] = c + args.String()
		}
	}
	return out
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func merge(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
