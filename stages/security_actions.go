package stages

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// SecurityActions are what the checks add to the line.
type SecurityActions struct {
	// Actions are the CodePipeline actions of the checks that run, one per
	// check, in the order Secrets, SAST, SCA, SBOM.
	Actions []awscodepipeline.IAction
	// Jobs are the resolved checks, in the same order.
	Jobs []SecurityJob
	// Projects are the checks' CodeBuild projects, by check.
	Projects map[CheckKind]awscodebuild.PipelineProject
	// Findings is the report group (JUnit) of the checks' findings.
	Findings awscodebuild.ReportGroup
	// Logs is the log group of the checks (one stream prefix per check).
	Logs awslogs.LogGroup
	// Disabled are the checks that do not run, with their reasons.
	Disabled []DisabledCheck
}

// Actions creates, in scope, a CodeBuild project per check that runs for
// build, and returns their CodePipeline actions: each reads input (the
// source artifact) and runs at runOrder, so that it runs in parallel with
// the build action of the same stage. Each project is encrypted with the
// line's key, logs to one retained log group, reports findings to one
// retained report group, and its role may only read the input, write its
// logs and reports and, for the SBOM, put objects under sbom/ in the
// artifact bucket. The props must be valid.
func (s *SecurityChecks) Actions(scope constructs.Construct, line *Line, build *Build, input awscodepipeline.Artifact, runOrder float64) *SecurityActions {
	if s == nil {
		s = &SecurityChecks{}
	}
	jobs, disabled := s.Resolve(build)
	out := &SecurityActions{Jobs: jobs, Disabled: disabled, Projects: map[CheckKind]awscodebuild.PipelineProject{}}
	if len(jobs) == 0 {
		return out
	}
	out.Findings = newReportGroup(scope, "Findings")
	out.Logs = NewLogGroup(scope, "Logs")
	compute := s.ComputeType
	if compute == "" {
		compute = awscodebuild.ComputeType_MEDIUM
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	for _, job := range jobs {
		project := job.project(scope, line, out, compute, timeout.Minutes())
		out.Projects[job.Check] = project
		props := &awscodepipelineactions.CodeBuildActionProps{
			ActionName: jsii.String(string(job.Check)),
			Project:    project,
			Input:      input,
			RunOrder:   jsii.Number(runOrder),
			Type:       awscodepipelineactions.CodeBuildActionType_TEST,
			EnvironmentVariables: &map[string]*awscodebuild.BuildEnvironmentVariable{
				"PIPELINE_EXECUTION_ID": {Value: jsii.String("#{codepipeline.PipelineExecutionId}")},
			},
		}
		if job.Check == CheckSBOM {
			props.VariablesNamespace = jsii.String(SBOMVariablesNamespace)
		}
		out.Actions = append(out.Actions, awscodepipelineactions.NewCodeBuildAction(props))
	}
	return out
}

// project creates the CodeBuild project of one check.
func (j SecurityJob) project(scope constructs.Construct, line *Line, out *SecurityActions, compute awscodebuild.ComputeType, minutes float64) awscodebuild.PipelineProject {
	env := map[string]*awscodebuild.BuildEnvironmentVariable{}
	for k, v := range j.Env {
		env[k] = &awscodebuild.BuildEnvironmentVariable{Value: jsii.String(v)}
	}
	for k, s := range j.Secrets {
		env[k] = &awscodebuild.BuildEnvironmentVariable{Type: s.kind, Value: jsii.String(s.ref)}
	}
	sbom := j.Check == CheckSBOM
	if sbom {
		env["VELOCITY_ARTIFACT_BUCKET"] = &awscodebuild.BuildEnvironmentVariable{Value: line.ArtifactBucket.BucketName()}
	}
	install := map[string]interface{}{"commands": j.Install}
	runtimes := jobRuntimes(scope, j.Runtimes)
	checkJob(scope, string(j.Check), "bash", runtimes, j.Install, j.Commands, image.GoCachePaths(), j.Env)
	if len(runtimes) > 0 {
		install["runtime-versions"] = runtimes.object()
	}
	spec := map[string]interface{}{
		"version": "0.2",
		"env":     map[string]interface{}{"shell": "bash"},
		"phases": map[string]interface{}{
			"install": install,
			"build":   map[string]interface{}{"commands": j.Commands},
		},
		// A local cache: the module and build caches survive between runs
		// on the same host without giving the role the artifact bucket.
		"cache": map[string]interface{}{"paths": image.GoCachePaths()},
	}
	if len(j.ExportedVariables) > 0 {
		spec["env"].(map[string]interface{})["exported-variables"] = j.ExportedVariables
	}
	if j.Reports {
		spec["reports"] = map[string]interface{}{
			*out.Findings.ReportGroupArn(): map[string]interface{}{
				"files":          []string{"*.xml"},
				"base-directory": securityReportsDir,
				"file-format":    "JUNITXML",
			},
		}
	}
	description := "Velocity security check " + string(j.Check) + ": " + j.Tool
	if j.Threshold != "" {
		description += ", fails at " + string(j.Threshold) + " and above"
	}
	project := awscodebuild.NewPipelineProject(scope, jsii.String(string(j.Check)), &awscodebuild.PipelineProjectProps{
		Description: jsii.String(description),
		BuildSpec:   awscodebuild.BuildSpec_FromObject(&spec),
		Environment: &awscodebuild.BuildEnvironment{
			BuildImage:  BuildImage(),
			ComputeType: compute,
		},
		EnvironmentVariables: &env,
		EncryptionKey:        line.Key,
		Timeout:              awscdk.Duration_Minutes(jsii.Number(minutes)),
		Cache:                awscodebuild.Cache_Local(awscodebuild.LocalCacheMode_CUSTOM),
		Logging: &awscodebuild.LoggingOptions{CloudWatch: &awscodebuild.CloudWatchLoggingOptions{
			LogGroup: out.Logs,
			Prefix:   jsii.String(strings.ToLower(string(j.Check))),
		}},
	})
	if j.Reports {
		out.Findings.GrantWrite(project)
	}
	if sbom {
		project.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("StoreSBOM"),
			Actions:   jsii.Strings("s3:PutObject"),
			Resources: jsii.Strings(*line.ArtifactBucket.ArnForObjects(jsii.String("sbom/*"))),
		}))
		// The bucket encrypts with the line's key, which the project may
		// already use: it is the project's EncryptionKey.
	}
	return project
}
