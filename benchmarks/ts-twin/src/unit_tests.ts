// The UnitTests job beside the Build job: what stages.Build adds for the
// Go preset (stages/unit_tests.go). The Build job synthesizes and publishes
// the assets; this one runs the analysis and the tests, with no rights to
// publish or deploy.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUILD_IMAGE, GO_CACHE_PATHS, goModRuntime, NODE_RUNTIME } from './jobs';

export function addUnitTests(line: Construct, pipeline: codepipeline.Pipeline, key: kms.IKey, reports: codebuild.ReportGroup,
  env: Record<string, string>, commands: string[]) {
  const stage = (name: string) => pipeline.stages.find((s) => s.stageName === name)!;
  const input = stage('Source').actions[0].actionProperties.outputs![0];
  const environmentVariables: Record<string, codebuild.BuildEnvironmentVariable> = {};
  for (const [k, v] of Object.entries(env)) environmentVariables[k] = { value: v };
  const project = new codebuild.PipelineProject(line, 'UnitTestsJob', {
    description: "Velocity unit tests: the preset's static analysis and unit tests, beside the Build job",
    buildSpec: codebuild.BuildSpec.fromObject({
      version: '0.2',
      phases: {
        install: {
          'commands': ['export REPORTS_DIR="$CODEBUILD_SRC_DIR/reports" && mkdir -p "$REPORTS_DIR"', 'go mod download'],
          'runtime-versions': { golang: goModRuntime(), nodejs: NODE_RUNTIME },
        },
        build: { commands },
      },
      reports: { [reports.reportGroupArn]: { 'files': ['**/*.xml'], 'base-directory': 'reports', 'file-format': 'JUNITXML' } },
      cache: { paths: GO_CACHE_PATHS },
    }),
    environment: { buildImage: BUILD_IMAGE, computeType: codebuild.ComputeType.MEDIUM },
    environmentVariables,
    encryptionKey: key,
    timeout: Duration.minutes(30),
    cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
    logging: { cloudWatch: { logGroup: new logs.LogGroup(line, 'UnitTestsLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN }) } },
  });
  project.addToRolePolicy(new iam.PolicyStatement({
    sid: 'PublishTestReports',
    actions: ['codebuild:CreateReport', 'codebuild:UpdateReport', 'codebuild:BatchPutTestCases', 'codebuild:BatchPutCodeCoverages'],
    resources: [reports.reportGroupArn],
  }));
  stage('Build').addAction(new cpactions.CodeBuildAction({ actionName: 'UnitTests', project, input, type: cpactions.CodeBuildActionType.TEST }));
}
