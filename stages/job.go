package stages

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Job is what Build and AcceptanceTests have in common: a CodeBuild job of
// the line, with its commands, environment and JUnit test reports.
type Job struct {
	// Install runs first (phase install): toolchains and dependencies.
	Install []string
	// Commands run after Install (phase build). A failing command fails the
	// job, and a failed job stops the line.
	Commands []string
	// Env holds plaintext environment variables. Names that look like
	// credentials (PASSWORD, TOKEN, SECRET, ...) are rejected: use Secrets.
	Env map[string]string
	// Secrets are environment variables read at run time from Secrets
	// Manager or Parameter Store.
	Secrets map[string]Secret
	// ComputeType is the CodeBuild instance size. Default:
	// awscodebuild.ComputeType_MEDIUM (4 vCPU, 7 GB), enough for a Go CDK synth.
	ComputeType awscodebuild.ComputeType
	// Timeout stops a hung job. Default: 30 minutes; whole minutes, at most
	// 36 hours.
	Timeout time.Duration
	// TestReports is a glob, relative to $REPORTS_DIR, of the JUnit XML
	// files the commands write; they are published to a CodeBuild report
	// group even when the job fails. Default: "**/*.xml".
	TestReports string
	// Runtimes pin the job's toolchains (runtime-versions), e.g.
	// {"nodejs": "22"}; "golang": stages.GoModRuntime picks go.mod's Go.
	// Default: the preset's (Build), Go's (GoAcceptanceTests), otherwise
	// none, and the job gets the image's defaults (Go 1.20, Node.js 18).
	Runtimes Runtimes
}

// reportsDir is where jobs write their JUnit XML. It is exported to the
// commands as $REPORTS_DIR (absolute).
const reportsDir = "reports"

// exportReportsDir is the first install command of a job with test reports.
const exportReportsDir = `export REPORTS_DIR="$CODEBUILD_SRC_DIR/` + reportsDir + `" && mkdir -p "$REPORTS_DIR"`

const (
	defaultTimeout     = 30 * time.Minute
	maxTimeout         = 36 * time.Hour
	defaultTestReports = "**/*.xml"
)

func (j *Job) validate(ps *Problems) {
	validRelative(ps, "TestReports", j.TestReports, `a glob relative to $REPORTS_DIR, e.g. "**/*.xml"`)
	validCommands(ps, "Install", j.Install)
	validCommands(ps, "Commands", j.Commands)
	validComputeType(ps, "ComputeType", j.ComputeType)
	validEnv(ps, "Env", j.Env)
	for _, name := range sortedKeys(j.Secrets) {
		if !validEnvVar(name) {
			ps.Add("Secrets", name, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*, not CODEBUILD_*)")
		}
		if _, dup := j.Env[name]; dup {
			ps.Add("Secrets", name, "a name that is not also in Env")
		}
		j.Secrets[name].validate("Secrets["+name+"]", ps)
	}
	if j.Timeout != 0 && (j.Timeout < 5*time.Minute || j.Timeout > maxTimeout || j.Timeout%time.Minute != 0) {
		ps.Add("Timeout", j.Timeout.String(), "whole minutes from 5m to 36h (CodeBuild's limits)")
	}
	j.Runtimes.validate("Runtimes", ps)
}

// validEnv checks plaintext environment variables: valid names, and no
// name that looks like a credential.
func validEnv(ps *Problems, prop string, env map[string]string) {
	for _, name := range sortedKeys(env) {
		if !validEnvVar(name) {
			ps.Add(prop, name, "an environment variable name ([A-Za-z_][A-Za-z0-9_]*, not CODEBUILD_*)")
		} else if secretishPattern.MatchString(name) {
			ps.Add(prop+"["+name+"]", "<redacted>", "no plaintext credentials: move "+name+" to Secrets (stages.FromSecretsManager or stages.FromParameterStore)")
		}
	}
}

// validCommands checks that each command has something to run: a blank
// line in a buildspec passes and hides a command that was meant to be there.
func validCommands(ps *Problems, prop string, cmds []string) {
	for i, c := range cmds {
		if strings.TrimSpace(c) == "" {
			ps.Add(fmt.Sprintf("%s[%d]", prop, i), c, "a non-empty shell command")
		}
	}
}

// computeTypes are the CodeBuild compute types of an on-demand Linux
// container fleet, which the line's image (BuildImage) runs on. Lambda
// compute needs Lambda images; attribute-based and custom instance types
// need a reserved fleet.
var computeTypes = []awscodebuild.ComputeType{
	awscodebuild.ComputeType_SMALL, awscodebuild.ComputeType_MEDIUM, awscodebuild.ComputeType_LARGE,
	awscodebuild.ComputeType_X_LARGE, awscodebuild.ComputeType_X2_LARGE,
}

// validComputeType checks a compute type before it reaches jsii, which
// cannot even read one that is not in its enum.
func validComputeType(ps *Problems, prop string, ct awscodebuild.ComputeType) {
	if ct == "" || slices.Contains(computeTypes, ct) {
		return
	}
	ps.Add(prop, string(ct), "one of awscodebuild.ComputeType_SMALL, _MEDIUM, _LARGE, _X_LARGE or _X2_LARGE (the line's jobs run on a Linux container image)")
}

// jobSpec is how a Job becomes a CodeBuildStep.
type jobSpec struct {
	scope       constructs.Construct
	id          string
	input       pipelines.IFileSetProducer
	reportGroup awscodebuild.IReportGroup
	outputDir   string
	cachePaths  []string
	cache       awscodebuild.Cache
	outputs     map[string]awscdk.CfnOutput
	// policies are the line's own permissions for the job, besides
	// publishing its test reports.
	policies []awsiam.PolicyStatement
	// exportedVariables are the buildspec's exported-variables.
	exportedVariables []string
}

// environment returns the job's environment variables (Env and
// Secrets), and its compute type and timeout with their defaults.
func (j *Job) environment() (map[string]*awscodebuild.BuildEnvironmentVariable, awscodebuild.ComputeType, time.Duration) {
	env := map[string]*awscodebuild.BuildEnvironmentVariable{}
	for k, v := range j.Env {
		env[k] = &awscodebuild.BuildEnvironmentVariable{Value: jsii.String(v)}
	}
	for k, s := range j.Secrets {
		env[k] = &awscodebuild.BuildEnvironmentVariable{Type: s.kind, Value: jsii.String(s.ref)}
	}
	compute := j.ComputeType
	if compute == "" {
		compute = awscodebuild.ComputeType_MEDIUM
	}
	timeout := j.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	return env, compute, timeout
}

func (j *Job) step(spec jobSpec) pipelines.CodeBuildStep {
	env, compute, timeout := j.environment()
	buildSpec := map[string]interface{}{}
	var policies []awsiam.PolicyStatement
	if spec.reportGroup != nil {
		buildSpec["reports"] = j.reports(spec.reportGroup)
		policies = append(policies, publishTestReports(spec.reportGroup))
	}
	policies = append(policies, spec.policies...)
	if len(spec.exportedVariables) > 0 {
		buildSpec["env"] = map[string]interface{}{"exported-variables": spec.exportedVariables}
	}
	if len(spec.cachePaths) > 0 {
		buildSpec["cache"] = map[string]interface{}{"paths": spec.cachePaths}
	}
	runtimes := jobRuntimes(spec.scope, j.Runtimes)
	if len(runtimes) > 0 {
		buildSpec["phases"] = map[string]interface{}{"install": map[string]interface{}{"runtime-versions": runtimes.object()}}
	}
	// One shell runs all commands of a buildspec 0.2, so the export holds
	// for every command after it.
	install := append([]string{exportReportsDir}, j.Install...)
	checkJob(spec.scope, spec.id, "", runtimes, install, j.Commands, spec.cachePaths, j.Env)

	var outputs *map[string]awscdk.CfnOutput
	if len(spec.outputs) > 0 {
		outputs = &spec.outputs
	}
	props := &pipelines.CodeBuildStepProps{
		Input:             spec.input,
		InstallCommands:   jsii.Strings(install...),
		Commands:          jsii.Strings(j.Commands...),
		EnvFromCfnOutputs: outputs,
		BuildEnvironment: &awscodebuild.BuildEnvironment{
			BuildImage:           BuildImage(),
			ComputeType:          compute,
			EnvironmentVariables: &env,
		},
		PartialBuildSpec:     awscodebuild.BuildSpec_FromObject(&buildSpec),
		Timeout:              awscdk.Duration_Minutes(jsii.Number(timeout.Minutes())),
		Cache:                spec.cache,
		RolePolicyStatements: &policies,
	}
	if spec.outputDir != "" {
		props.PrimaryOutputDirectory = jsii.String(spec.outputDir)
	}
	return pipelines.NewCodeBuildStep(jsii.String(spec.id), props)
}

// reports is the buildspec's reports section: the job's JUnit files into
// group.
func (j *Job) reports(group awscodebuild.IReportGroup) map[string]interface{} {
	files := j.TestReports
	if files == "" {
		files = defaultTestReports
	}
	return map[string]interface{}{
		*group.ReportGroupArn(): map[string]interface{}{
			"files":          []string{files},
			"base-directory": reportsDir,
			"file-format":    "JUNITXML",
		},
	}
}

// publishTestReports lets a job write its JUnit results into group.
func publishTestReports(group awscodebuild.IReportGroup) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PublishTestReports"),
		Actions:   jsii.Strings("codebuild:CreateReport", "codebuild:UpdateReport", "codebuild:BatchPutTestCases", "codebuild:BatchPutCodeCoverages"),
		Resources: jsii.Strings(*group.ReportGroupArn()),
	})
}

// newReportGroup creates the JUnit report group of a job. Test results are
// evidence of what shipped, so the group outlives the stack.
func newReportGroup(scope constructs.Construct, id string) awscodebuild.ReportGroup {
	return awscodebuild.NewReportGroup(scope, jsii.String(id), &awscodebuild.ReportGroupProps{
		Type:          awscodebuild.ReportGroupType_TEST,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// mergeRuntimes returns base with over's entries on top.
func mergeRuntimes(base, over Runtimes) Runtimes {
	if len(base)+len(over) == 0 {
		return nil
	}
	return Runtimes(merge(base, over))
}

// sortedKeys returns the keys of m in order, for output that does not
// change from run to run.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
