// The assembly line of examples/serverless with its defaults, written with
// aws-cdk-lib directly: what pipeline.New builds for that example.
import { Annotations, ArnFormat, Aws, CfnOutput, CfnResource, Duration, RemovalPolicy, Stack, Stage } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwactions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';
import { regex, Rule, suppress } from './nag';
import { isGate, newAlerts } from './monitoring';
import { assetPublishingDefaults, BUILD_IMAGE, CDK_ASSETS_INSTALL, CDK_CLI_VERSION, GO_CACHE_PATHS, goModRuntime, NODE_RUNTIME,
  pinPermissionsChecks, selfMutationDefaults } from './jobs';
import { addCanaryAnalysis } from './canary_analysis';
import { addSecurityChecks } from './security';
import { addUnitTests } from './unit_tests';
import { assetDir, newServiceStage } from './service';

const GOTESTSUM = 'v1.13.0';
const GO_ENV = { GOFLAGS: '-buildvcs=false', GOTOOLCHAIN: 'auto' };
const NAMESPACE = 'Velocity/Line';
const LAMBDA_BASIC = 'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

interface Env {
  name: string;
  production: boolean;
  stage: Stage;
  gate: string; // the gate's composite alarm name
  bakeMinutes: number;
}

export function newAssemblyLine(stack: Stack, id: string, example: string): Construct {
  const line = new Construct(stack, id);
  line.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
  line.node.setContext('aws:cdk:disable-stack-trace', true);

  // Storage: the key, the access-log bucket and the artifact store.
  const key = new kms.Key(line, 'Key', {
    description: 'Encrypts the artifacts, source and notifications of a Velocity assembly line',
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const accessLogs = new s3.Bucket(line, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
  });
  suppress(accessLogs, false, { id: 'AwsSolutions-S1', reason: 'This is the access log bucket itself; logging its access into itself would loop.' });
  const artifacts = new s3.Bucket(line, 'Artifacts', {
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    versioned: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'artifacts/',
    lifecycleRules: [{ id: 'expire-old-artifact-versions', noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
  });

  const alertsTopic = newAlerts(line, 'Alerts', 'Velocity line ' + stack.stackName, key);

  // Source: the line's own versioned bucket, started by an EventBridge rule.
  const sourceBucket = new s3.Bucket(line, 'SourceBucket', {
    versioned: true,
    eventBridgeEnabled: true,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: 'source-bucket/',
    lifecycleRules: [{ id: 'expire-old-sources', noncurrentVersionExpiration: Duration.days(90), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
  });
  const source = pipelines.CodePipelineSource.s3(sourceBucket, 'source.zip', { actionName: 'S3', trigger: cpactions.S3Trigger.NONE });

  // Build: cdk synth and the assets; beside it, the UnitTests job runs
  // gofmt, go vet and go test with a JUnit report.
  const unitTests = [
    'test -z "$(gofmt -l .)" || { echo "gofmt: these files need formatting:"; gofmt -l .; exit 1; }',
    'go vet ./...',
    `go run gotest.tools/gotestsum@${GOTESTSUM} --junitfile "$REPORTS_DIR/go-test.xml" -- ./...`,
  ];
  const build = job(line, 'Build', 'UnitTests', source, {
    install: ['npm install -g aws-cdk@' + CDK_CLI_VERSION, 'go version', 'go mod download'],
    commands: [
      `cdk synth -c 'example=${example}'`,
    ],
    outputDir: 'cdk.out',
    runtimes: { golang: goModRuntime(), nodejs: NODE_RUNTIME },
    cachePaths: GO_CACHE_PATHS,
    cache: codebuild.Cache.bucket(artifacts, { prefix: 'build-cache' }),
  });

  const pipeline = new codepipeline.Pipeline(line, 'Pipeline', {
    pipelineType: codepipeline.PipelineType.V2,
    executionMode: codepipeline.ExecutionMode.QUEUED,
    restartExecutionOnUpdate: true,
    artifactBucket: artifacts,
  });
  const cdkPipeline = new pipelines.CodePipeline(line, 'Line', {
    codePipeline: pipeline,
    synth: build,
    selfMutation: true,
    cliVersion: CDK_CLI_VERSION,
    cdkAssetsCliVersion: CDK_ASSETS_INSTALL,
    // Node.js 22 for the CDK CLI, and an asset publisher that reads the cloud assembly.
    selfMutationCodeBuildDefaults: selfMutationDefaults(),
    assetPublishingCodeBuildDefaults: assetPublishingDefaults(),
    useChangeSets: false,
    publishAssetsInParallel: false,
  });

  // Staging and production: the same app, production protected from termination.
  const staging = deploy(line, stack, 'Staging', false);
  const production = deploy(line, stack, 'Production', true);
  const endpoints: Record<string, CfnOutput> = {};
  for (const c of staging.stage.node.findAll()) {
    if (c instanceof CfnOutput) endpoints[upperSnake(c.node.id)] = c;
  }
  const acceptance = job(line, 'AcceptanceTests', 'AcceptanceTests', source, {
    install: ['go version'],
    commands: [`go run gotest.tools/gotestsum@${GOTESTSUM} --junitfile "$REPORTS_DIR/acceptance.xml" -- -count=1 -tags acceptance ./examples/service/acceptance/...`],
    envFromCfnOutputs: endpoints,
    runtimes: { golang: goModRuntime() },
  });
  const permissionsCheck = new pipelines.ConfirmPermissionsBroadening('PermissionsCheck', { stage: production.stage, notificationTopic: alertsTopic });
  cdkPipeline.addStage(staging.stage, { post: [acceptance, permissionsCheck] });
  cdkPipeline.addStage(production.stage);
  cdkPipeline.buildPipeline();
  for (const p of pinPermissionsChecks(line)) {
    Annotations.of(line).addWarningV2('velocity:permissions-check-unpinned',
      `Could not pin the CDK CLI of the permissions check ${p}: it installs the latest aws-cdk on Node.js 18`);
  }

  new events.Rule(line, 'SourceUploaded', {
    description: 'Starts the line when a new version of the source zip is uploaded',
    eventPattern: {
      source: ['aws.s3'],
      detailType: ['Object Created'],
      detail: { bucket: { name: [sourceBucket.bucketName] }, object: { key: ['source.zip'] } },
    },
    targets: [new targets.CodePipeline(pipeline)],
  });
  new CfnOutput(line, 'SourceBucketName', { description: 'Upload the source zip here as source.zip to start the line', value: sourceBucket.bucketName });

  const analysisErrors = addCanaryAnalysis(line, pipeline, [staging, production]);
  analysisErrors.addAlarmAction(new cwactions.SnsAction(alertsTopic));
  analysisErrors.addOkAction(new cwactions.SnsAction(alertsTopic));
  addGates(stack, pipeline, [staging, production]);
  addUnitTests(line, pipeline, key, line.node.findChild('UnitTests') as codebuild.ReportGroup, GO_ENV, unitTests);
  addSecurityChecks(line, pipeline, key, artifacts, GO_ENV);
  newLineMonitor(line, 'Monitoring', pipeline, cdkPipeline, alertsTopic);
  explicitLogs(line, stack);
  suppressPipelineFindings(line, stack);
  return line;
}

interface JobOptions {
  install: string[];
  commands: string[];
  outputDir?: string;
  cachePaths?: string[];
  cache?: codebuild.Cache;
  envFromCfnOutputs?: Record<string, CfnOutput>;
  runtimes?: Record<string, string>; // runtime-versions of the install phase
}

/** A CodeBuild step of the line with its JUnit report group. */
function job(scope: Construct, id: string, reportGroupId: string, input: pipelines.IFileSetProducer, o: JobOptions): pipelines.CodeBuildStep {
  const reports = new codebuild.ReportGroup(scope, reportGroupId, { type: codebuild.ReportGroupType.TEST, removalPolicy: RemovalPolicy.RETAIN });
  const buildSpec: Record<string, unknown> = {
    reports: { [reports.reportGroupArn]: { 'files': ['**/*.xml'], 'base-directory': 'reports', 'file-format': 'JUNITXML' } },
  };
  if (o.cachePaths) buildSpec.cache = { paths: o.cachePaths };
  if (o.runtimes) buildSpec.phases = { install: { 'runtime-versions': o.runtimes } };
  const env: Record<string, codebuild.BuildEnvironmentVariable> = {};
  for (const [k, v] of Object.entries(GO_ENV)) env[k] = { value: v };
  return new pipelines.CodeBuildStep(id, {
    input,
    installCommands: ['export REPORTS_DIR="$CODEBUILD_SRC_DIR/reports" && mkdir -p "$REPORTS_DIR"', ...o.install],
    commands: o.commands,
    envFromCfnOutputs: o.envFromCfnOutputs && Object.keys(o.envFromCfnOutputs).length ? o.envFromCfnOutputs : undefined,
    buildEnvironment: {
      buildImage: BUILD_IMAGE,
      computeType: codebuild.ComputeType.MEDIUM,
      environmentVariables: env,
    },
    partialBuildSpec: codebuild.BuildSpec.fromObject(buildSpec),
    timeout: Duration.minutes(30),
    cache: o.cache,
    primaryOutputDirectory: o.outputDir,
    rolePolicyStatements: [new iam.PolicyStatement({
      sid: 'PublishTestReports',
      actions: ['codebuild:CreateReport', 'codebuild:UpdateReport', 'codebuild:BatchPutTestCases', 'codebuild:BatchPutCodeCoverages'],
      resources: [reports.reportGroupArn],
    })],
  });
}

/** The app for one environment, with termination protection in production and its gate alarm. */
function deploy(line: Construct, pipelineStack: Stack, name: string, production: boolean): Env {
  const stage = newServiceStage(line, name, { env: {} });
  const stacks = stage.node.findAll().filter((c): c is Stack => Stack.isStack(c));
  if (production) stacks.forEach(protectFromTermination);
  // One composite alarm over the alarms of the stage (but those marked not a
  // gate), in the stack of the last one.
  const rules: cloudwatch.IAlarmRule[] = [];
  let home = stacks[stacks.length - 1];
  for (const c of stage.node.findAll()) {
    if ((c instanceof cloudwatch.Alarm || c instanceof cloudwatch.CompositeAlarm) && isGate(c)) {
      rules.push(c);
      home = Stack.of(c);
    }
  }
  const gate = `${pipelineStack.stackName}-${name}-gate`;
  new cloudwatch.CompositeAlarm(home, 'VelocityGate', {
    compositeAlarmName: gate,
    alarmRule: cloudwatch.AlarmRule.anyOf(...rules),
    alarmDescription: `Gate of the Velocity line ${pipelineStack.stackName} for ${name}: in ALARM when any alarm of the deployed service is. ` +
      'Before a deploy, ALARM holds the stage back (it fails if the alarm does not clear in time); ' +
      'while a deploy bakes, ALARM fails the stage (and rolls it back where rollback is on).',
  });
  return { name, production, stage, gate, bakeMinutes: production ? 15 : 5 };
}

/** Termination protection that also holds when CodePipeline deploys the stack. */
function protectFromTermination(stack: Stack) {
  stack.terminationProtection = true;
  const call: cr.AwsSdkCall = {
    service: 'CloudFormation',
    action: 'updateTerminationProtection',
    parameters: { StackName: Aws.STACK_NAME, EnableTerminationProtection: true },
    physicalResourceId: cr.PhysicalResourceId.of(Aws.STACK_NAME),
  };
  const firstCall = !stack.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
  new cr.AwsCustomResource(stack, 'TerminationProtection', {
    logGroup: firstCall ? new logs.LogGroup(stack, 'TerminationProtectionLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN }) : undefined,
    onCreate: call,
    onUpdate: call,
    installLatestAwsSdk: false,
    policy: cr.AwsCustomResourcePolicy.fromStatements([new iam.PolicyStatement({
      actions: ['cloudformation:UpdateTerminationProtection'],
      resources: [Aws.STACK_ID],
    })]),
  });
  const handler = stack.node.tryFindChild('AWS679f53fac002430cb0da5b7982bd2287');
  if (handler) {
    suppress(handler, true, { id: 'AwsSolutions-IAM4', appliesTo: [LAMBDA_BASIC],
      reason: "aws-cdk-lib's AwsCustomResource handler (termination protection); the managed policy only lets it write its own logs." });
  }
}

/** CodePipeline V2 stage conditions: the entry gate, the bake-time gate, and rollback in production. */
function addGates(stack: Stack, pipeline: codepipeline.Pipeline, envs: Env[]) {
  const cfn = pipeline.node.defaultChild as codepipeline.CfnPipeline;
  for (const env of envs) {
    const index = pipeline.stages.findIndex((s) => s.stageName === env.name);
    pipeline.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:DescribeAlarms'],
      resources: [stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: env.gate, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
    }));
    cfn.addPropertyOverride(`Stages.${index}.OnSuccess`, {
      Conditions: [{
        Result: env.production ? 'ROLLBACK' : 'FAIL',
        Rules: [{
          Name: 'Bake-' + env.name,
          RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'CloudWatchAlarm', Version: '1' },
          Configuration: { AlarmName: env.gate, WaitTime: String(env.bakeMinutes) },
        }],
      }],
    });
    if (env.production) cfn.addPropertyOverride(`Stages.${index}.OnFailure`, { Result: 'ROLLBACK' });
    cfn.addPropertyOverride(`Stages.${index}.BeforeEntry`, {
      Conditions: [{
        Result: 'FAIL',
        Rules: [{
          Name: 'Healthy-' + env.name,
          RuleTypeId: { Category: 'Rule', Owner: 'AWS', Provider: 'CloudWatchAlarm', Version: '1' },
          Configuration: { AlarmName: env.gate, WaitTime: '10' },
        }],
      }],
    });
  }
}

/** Alert rules, the DORA function, the line-is-red alarm and the line dashboard. */
function newLineMonitor(scope: Construct, id: string, pipeline: codepipeline.Pipeline, cdkPipeline: pipelines.CodePipeline, topic: sns.Topic) {
  const m = new Construct(scope, id);
  const name = pipeline.pipelineName;
  const projects = cdkPipeline.node.findAll().filter((c): c is codebuild.Project => c instanceof codebuild.Project);
  const toTopic = new targets.SnsTopic(topic);
  const rule = (ruleId: string, description: string, eventPattern: events.EventPattern) =>
    new events.Rule(m, ruleId, { description, eventPattern, targets: [toTopic] });
  const codePipeline = (detailType: string[], state: string): events.EventPattern =>
    ({ source: ['aws.codepipeline'], detailType, detail: { pipeline: [name], state: [state] } });
  rule('ExecutionFailed', 'Alert: an execution of the line failed', codePipeline(['CodePipeline Pipeline Execution State Change'], 'FAILED'));
  rule('ExecutionSucceeded', 'Notification: an execution of the line succeeded', codePipeline(['CodePipeline Pipeline Execution State Change'], 'SUCCEEDED'));
  rule('StageOrActionFailed', 'Alert: a stage or action of the line failed',
    codePipeline(['CodePipeline Stage Execution State Change', 'CodePipeline Action Execution State Change'], 'FAILED'));
  rule('BuildFailedOutsidePipeline', "Alert: a build of the line's CodeBuild projects, started outside the pipeline, failed", {
    source: ['aws.codebuild'],
    detailType: ['CodeBuild Build State Change'],
    detail: {
      'build-status': ['FAILED', 'FAULT', 'TIMED_OUT'],
      'project-name': projects.map((p) => p.projectName),
      'additional-information': { initiator: [{ 'anything-but': { prefix: 'codepipeline/' } }] },
    },
  });

  for (const alarm of newDORAFunction(m, 'DORA', pipeline, 'Production')) {
    alarm.addAlarmAction(new cwactions.SnsAction(topic));
    alarm.addOkAction(new cwactions.SnsAction(topic));
  }
  const metric = (metricName: string, statistic: string, period: Duration, label?: string, dims: Record<string, string> = {}) =>
    new cloudwatch.Metric({ namespace: NAMESPACE, metricName, dimensionsMap: { Pipeline: name, ...dims }, statistic, period, label });
  const lineRed = new cloudwatch.Alarm(m, 'LineRed', {
    metric: metric('LineRed', 'Maximum', Duration.minutes(1)),
    threshold: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.IGNORE,
    alarmDescription: 'The assembly line is red: its last execution failed. Open the pipeline, find the failed action, fix forward or revert; the alarm clears on the next successful execution.',
  });
  lineRed.addAlarmAction(new cwactions.SnsAction(topic));
  lineRed.addOkAction(new cwactions.SnsAction(topic));

  const day = Duration.days(1), week = Duration.days(7), hour = Duration.hours(1);
  const hours = (metricName: string, label: string) => new cloudwatch.MathExpression({
    expression: 'm / 3600', usingMetrics: { m: metric(metricName, 'Average', day, metricName) }, label, period: day,
  });
  const graph = (title: string, ...left: cloudwatch.IMetric[]) => new cloudwatch.GraphWidget({ title, left, width: 12, height: 6 });
  const durations = pipeline.stages.map((s, i) => new cloudwatch.MathExpression({
    expression: `d${i} / 60`,
    usingMetrics: { [`d${i}`]: metric('StageDuration', 'Average', hour, undefined, { Stage: s.stageName }) },
    label: s.stageName,
    period: hour,
  }));
  new cloudwatch.Dashboard(m, 'Dashboard', {
    widgets: [
      [new cloudwatch.AlarmStatusWidget({ title: 'Line status', alarms: [lineRed], width: 24, height: 2 })],
      [graph('Deployment frequency (production deploys per day)', metric('Deployments', 'Sum', day, 'Deployments')),
        graph('Lead time for changes (hours, commit to production)', hours('LeadTime', 'Lead time'))],
      [graph('Change failure rate (% of production deploys, weekly)', new cloudwatch.MathExpression({
        expression: '100 * FILL(f, 0) / a',
        usingMetrics: { a: metric('ProductionAttempts', 'Sum', week, 'Attempts'), f: metric('ProductionFailures', 'Sum', week, 'Failures') },
        label: 'Change failure rate',
        period: week,
      })), graph('Time to restore (hours, production failure to next success)', hours('TimeToRestore', 'Time to restore'))],
      [graph('Executions', metric('ExecutionsStarted', 'Sum', hour, 'Started'), metric('ExecutionsSucceeded', 'Sum', hour, 'Succeeded'),
        metric('ExecutionsFailed', 'Sum', hour, 'Failed')),
      graph('Duration per stage (minutes)', ...durations)],
    ],
  });
}

/** The DORA metrics function, its state table and its event rule. */
/** The DORA function, its state and its dead letters (monitoring/dora_function.go); returns the alarms to watch. */
function newDORAFunction(scope: Construct, id: string, pipeline: codepipeline.Pipeline, production: string): cloudwatch.Alarm[] {
  const d = new Construct(scope, id);
  const table = new dynamodb.Table(d, 'State', {
    partitionKey: { name: 'pipeline', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.AWS_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const logGroup = new logs.LogGroup(d, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
  const deadLetters = new sqs.Queue(d, 'DeadLetters', { encryption: sqs.QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
  suppress(deadLetters, false, { id: 'AwsSolutions-SQS3',
    reason: "This queue is the dead-letter queue itself: of the DORA function's EventBridge rules and of its asynchronous invocations; an alarm watches it." });
  const role = new iam.Role(d, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: "DORA metrics of a Velocity line: reads its pipeline's executions, keeps state, writes logs",
  });
  const fn = new lambda.Function(d, 'Function', {
    description: 'Computes the DORA metrics of a Velocity assembly line from its CodePipeline events',
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: lambda.Architecture.ARM_64,
    handler: 'bootstrap',
    code: lambda.Code.fromAsset(assetDir('dora')),
    memorySize: 128,
    timeout: Duration.seconds(30),
    role,
    logGroup,
    environment: { TABLE_NAME: table.tableName, PRODUCTION_STAGE: production, NAMESPACE },
  });
  fn.configureAsyncInvoke({ onFailure: new destinations.SqsDestination(deadLetters), retryAttempts: 2, maxEventAge: Duration.minutes(30) });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:PutItem'], resources: [table.tableArn] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['codepipeline:GetPipelineExecution'], resources: [pipeline.pipelineArn] }));
  suppress(role, true, { id: 'AwsSolutions-IAM5', appliesTo: [regex('^Resource::<.*Logs[A-F0-9]{8}\\.Arn>:\\*$')], reason: "Log streams of the function's own log group." });
  const target = (event?: events.RuleTargetInput) => new targets.LambdaFunction(fn, { event, deadLetterQueue: deadLetters, retryAttempts: 8, maxEventAge: Duration.minutes(15) });
  const rules = [
    new events.Rule(scope, id + 'Events', {
      description: "Feeds the line's pipeline and stage events to its DORA function",
      eventPattern: {
        source: ['aws.codepipeline'],
        detailType: ['CodePipeline Pipeline Execution State Change', 'CodePipeline Stage Execution State Change'],
        detail: { pipeline: [pipeline.pipelineName] },
      },
      targets: [target()],
    }),
    new events.Rule(scope, id + 'Tick', {
      description: 'Lets the line\'s DORA function publish the metrics that waited for late events',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      targets: [target(events.RuleTargetInput.fromObject({ source: 'velocity.dora', 'detail-type': 'Velocity DORA Tick', detail: { pipeline: pipeline.pipelineName } }))],
    }),
  ];
  const alarm = (alarmId: string, metric: cloudwatch.IMetric, alarmDescription: string) => new cloudwatch.Alarm(d, alarmId, {
    metric, threshold: 0, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD, evaluationPeriods: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, alarmDescription,
  });
  const lost: Record<string, cloudwatch.IMetric> = { lambda: fn.metric('DestinationDeliveryFailures', { statistic: 'Sum', period: Duration.minutes(5) }) };
  let expr = 'FILL(lambda, 0)';
  rules.forEach((r, i) => {
    lost['rule' + i] = new cloudwatch.Metric({ namespace: 'AWS/Events', metricName: 'InvocationsFailedToBeSentToDlq', dimensionsMap: { RuleName: r.ruleName }, statistic: 'Sum', period: Duration.minutes(5) });
    expr += ` + FILL(rule${i}, 0)`;
  });
  return [
    alarm('DeadLettersAlarm', deadLetters.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period: Duration.minutes(5) }), 'Events of the line are missing from its DORA metrics.'),
    alarm('ErrorsAlarm', fn.metricErrors({ statistic: 'Sum', period: Duration.minutes(15) }), 'The DORA function failed in the last 15 minutes.'),
    alarm('LostEventsAlarm', new cloudwatch.MathExpression({ expression: expr, usingMetrics: lost, label: 'Events lost', period: Duration.minutes(5) }), 'Events of the line were lost.'),
  ];
}

// The reasons recorded for the findings on resources aws-cdk-lib and CDK
// Pipelines create for the line (see pipeline/nag.go).
const grantRule: Rule = {
  id: 'AwsSolutions-IAM5',
  appliesTo: [
    'Action::s3:Abort*', 'Action::s3:DeleteObject*', 'Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*',
    'Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*',
    regex('^Resource::<[A-Za-z0-9]*Artifacts[A-F0-9]{8}\\.Arn>/\\*$'),
    regex('^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/<[A-Za-z0-9]+>:\\*$'),
    regex('^Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/<[A-Za-z0-9]+>-\\*$'),
  ],
  reason: "Grants from aws-cdk-lib on the line's own artifact bucket and KMS key (object-level actions need the /* resource), and the job's own CodeBuild log group and report groups.",
};
const assetRoleRule = (kind: string): Rule => ({
  id: 'AwsSolutions-IAM5',
  appliesTo: ['Resource::*', 'Resource::arn:<AWS::Partition>:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/*',
    'Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/*'],
  reason: `CDK Pipelines shares one role among all ${kind}-publishing jobs, whose CodeBuild projects are created after the role; it assumes only the bootstrap ${kind} publishing role.`,
});
const knownFindings: [string, Rule][] = [
  ['/UpdatePipeline/SelfMutation/Role/DefaultPolicy/Resource', { id: 'AwsSolutions-IAM5',
    appliesTo: ['Resource::*', 'Resource::arn:*:iam::<AWS::AccountId>:role/*'],
    reason: 'Self-mutation runs `cdk deploy` of the pipeline stack: it looks up the bootstrap stack (cloudformation:DescribeStacks, s3:ListBucket on names not known at synth) and may assume only roles tagged aws-cdk:bootstrap-role (condition on the statement).' }],
  ['/Assets/FileRole/DefaultPolicy/Resource', assetRoleRule('file')],
  ['/Assets/DockerRole/DefaultPolicy/Resource', assetRoleRule('image')],
  ['/PipelinesSecurityCheck/CDKSecurityCheck/Role/DefaultPolicy/Resource', { id: 'AwsSolutions-IAM5',
    appliesTo: ['Resource::*', regex('^Resource::<[A-Za-z0-9]*CDKPipelinesAutoApprove[A-F0-9]{8}\\.Arn>:\\*$')],
    reason: 'The permissions-broadening check runs `cdk diff` with the deploy role of any target account (assume-role limited by the aws-cdk:bootstrap-role=deploy tag condition), and invokes its own auto-approve function and its versions.' }],
  ['/PipelinesSecurityCheck/CDKPipelinesAutoApprove/ServiceRole/DefaultPolicy/Resource', { id: 'AwsSolutions-IAM5',
    appliesTo: ['Resource::*'],
    reason: 'The auto-approve function may approve only pipelines tagged SECURITY_CHECK=ALLOW_APPROVE (condition on the statement); pipeline ARNs are not known to this shared function.' }],
  ['/PipelinesSecurityCheck/CDKPipelinesAutoApprove/ServiceRole/Resource', { id: 'AwsSolutions-IAM4',
    appliesTo: [LAMBDA_BASIC],
    reason: "CDK Pipelines' auto-approve function of the permissions-broadening check; the managed policy only lets it write its own logs." }],
];

/** Log groups in the template for the jobs and functions that have none (pipeline/logs.go). */
function explicitLogs(line: Construct, stack: Stack) {
  // The line's own constructs only: the stages are synthesized already.
  const roots: Construct[] = line.node.children.filter((c) => !(c instanceof Stage)) as Construct[];
  const handler = stack.node.tryFindChild('BucketNotificationsHandler050a0587b7544547bf325f094a3db834');
  if (handler) roots.push(handler as Construct);
  let jobs: logs.LogGroup | undefined;
  for (const root of roots) {
    for (const c of root.node.findAll()) {
      if (c instanceof codebuild.CfnProject) {
        const project = c.node.scope as codebuild.Project;
        if (c.logsConfig) continue;
        jobs ??= new logs.LogGroup(line, 'JobLogs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
        c.addPropertyOverride('LogsConfig.CloudWatchLogs', { Status: 'ENABLED', GroupName: jobs.logGroupName, StreamName: project.node.path.slice(line.node.path.length + 1) });
        jobs.grantWrite(project);
      } else if (c instanceof lambda.CfnFunction || (c instanceof CfnResource && c.cfnResourceType === 'AWS::Lambda::Function')) {
        if ((c instanceof lambda.CfnFunction && c.loggingConfig) || c.node.scope!.node.tryFindChild('Logs')) continue;
        const group = new logs.LogGroup(c.node.scope as Construct, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
        (c as CfnResource).addPropertyOverride('LoggingConfig.LogGroup', group.logGroupName);
      }
    }
  }
}

function suppressPipelineFindings(line: Construct, stack: Stack) {
  // The line's own constructs, not those of the stages it deploys.
  const own = line.node.children.filter((c) => !Stage.isStage(c)).flatMap((c) => c.node.findAll());
  for (const c of own) {
    if (!(c instanceof iam.CfnPolicy || c instanceof iam.CfnRole)) continue;
    const rules: Rule[] = c instanceof iam.CfnPolicy ? [grantRule] : [];
    for (const [suffix, rule] of knownFindings) {
      if (c.node.path.endsWith(suffix)) rules.push(rule);
    }
    if (rules.length > 0) suppress(c, false, ...rules);
  }
  for (const c of stack.node.children) {
    if (c.node.id.startsWith('BucketNotificationsHandler')) {
      const role = c.node.tryFindChild('Role');
      if (role) {
        suppress(role, false, { id: 'AwsSolutions-IAM4', appliesTo: [LAMBDA_BASIC],
          reason: "aws-cdk-lib's handler that enables EventBridge notifications on the source bucket; the managed policy only lets it write its own logs." });
      }
    }
  }
}

/** "Endpoint" → "ENDPOINT", "ApiUrl" → "API_URL". */
function upperSnake(id: string): string {
  return id.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]/g, '_').toUpperCase();
}
