package stages

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// unitTestsAction creates the UnitTests job of the Build stage: the
// preset's install, static analysis and unit tests, on the source artifact
// input, with the build's runtimes, environment, secrets, compute type,
// timeout and directory. Its JUnit results go to reports. Its role may
// read the source and write its logs and reports: nothing it writes
// reaches a later step, and it has no part in publishing or deploying.
func (b *Build) unitTestsAction(scope constructs.Construct, line *Line, reports awscodebuild.ReportGroup, input awscodepipeline.Artifact) awscodepipeline.IAction {
	p := b.preset()
	job := b.Job
	job.Runtimes = mergeRuntimes(p.Runtimes, b.Runtimes)
	job.Env = merge(p.Env, b.Env)
	install := b.Install
	if install == nil {
		install = p.Install
	}
	commands := b.inDirectory(concat(p.Analyze, p.Test))
	install = append([]string{exportReportsDir}, b.inDirectory(install)...)
	runtimes := jobRuntimes(scope, job.Runtimes)
	installPhase := map[string]interface{}{"commands": install}
	if len(runtimes) > 0 {
		installPhase["runtime-versions"] = runtimes.object()
	}
	spec := map[string]interface{}{
		"version": "0.2",
		"phases":  map[string]interface{}{"install": installPhase, "build": map[string]interface{}{"commands": commands}},
		"reports": job.reports(reports),
	}
	// A local cache, as the security checks have: an S3 cache would give
	// the role write access to the artifact bucket, which holds the cloud
	// assembly the line deploys.
	var cache awscodebuild.Cache
	var cachePaths []string
	if !b.NoCache && len(p.CachePaths) > 0 {
		cachePaths = p.CachePaths
		spec["cache"] = map[string]interface{}{"paths": cachePaths}
		cache = awscodebuild.Cache_Local(awscodebuild.LocalCacheMode_CUSTOM)
	}
	checkJob(scope, "UnitTests", "", runtimes, install, commands, cachePaths, job.Env)

	env, compute, timeout := job.environment()
	project := awscodebuild.NewPipelineProject(scope, jsii.String("UnitTestsJob"), &awscodebuild.PipelineProjectProps{
		Description:          jsii.String("Velocity unit tests: the preset's static analysis and unit tests, beside the Build job"),
		BuildSpec:            awscodebuild.BuildSpec_FromObject(&spec),
		Environment:          &awscodebuild.BuildEnvironment{BuildImage: BuildImage(), ComputeType: compute},
		EnvironmentVariables: &env,
		EncryptionKey:        line.Key,
		Timeout:              awscdk.Duration_Minutes(jsii.Number(timeout.Minutes())),
		Cache:                cache,
		Logging: &awscodebuild.LoggingOptions{CloudWatch: &awscodebuild.CloudWatchLoggingOptions{
			LogGroup: NewLogGroup(scope, "UnitTestsLogs"),
		}},
	})
	project.AddToRolePolicy(publishTestReports(reports))
	return awscodepipelineactions.NewCodeBuildAction(&awscodepipelineactions.CodeBuildActionProps{
		ActionName: jsii.String("UnitTests"),
		Project:    project,
		Input:      input,
		Type:       awscodepipelineactions.CodeBuildActionType_TEST,
	})
}
