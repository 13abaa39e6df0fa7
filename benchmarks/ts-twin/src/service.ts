// The factorial service of examples/serverless: a Lambda function on arm64
// behind an API Gateway REST API, with a CodeDeploy canary and its alarms.
import * as path from 'path';
import { CfnOutput, Duration, RemovalPolicy, Stack, Stage, StageProps } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codedeploy from 'aws-cdk-lib/aws-codedeploy';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import { Construct } from 'constructs';
import { newAlerts, ServiceMonitor } from './monitoring';
import { suppress } from './nag';

/** Prebuilt stand-ins for the Go binaries the Velocity examples build at synth. */
export const assetDir = (name: string) => path.join(__dirname, '..', 'assets', name);

export function newServiceStage(scope: Construct, id: string, props: StageProps): Stage {
  const stage = new Stage(scope, id, props);
  newServiceStack(stage, 'Service');
  return stage;
}

function newServiceStack(scope: Construct, id: string): Stack {
  const stack = new Stack(scope, id, { description: 'Factorial service on AWS Lambda and Amazon API Gateway' });
  const timeout = Duration.seconds(10);
  const fn = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: lambda.Architecture.ARM_64,
    handler: 'bootstrap',
    code: lambda.Code.fromAsset(assetDir('service')),
    memorySize: 256,
    timeout,
    tracing: lambda.Tracing.ACTIVE,
    logGroup: new logs.LogGroup(stack, 'HandlerLogs', { retention: logs.RetentionDays.ONE_YEAR }),
  });
  const accessLogs = new logs.LogGroup(stack, 'ApiAccessLogs', { retention: logs.RetentionDays.ONE_YEAR });
  const api = new apigateway.RestApi(stack, 'Api', {
    description: 'Factorial as a service',
    cloudWatchRole: true,
    deployOptions: {
      stageName: 'live',
      tracingEnabled: true,
      loggingLevel: apigateway.MethodLoggingLevel.ERROR,
      metricsEnabled: true,
      accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigateway.AccessLogFormat.jsonWithStandardFields(),
    },
  });
  const get: apigateway.MethodOptions = {
    requestValidator: api.addRequestValidator('Validator', { validateRequestBody: true, validateRequestParameters: true }),
  };
  const alias = new lambda.Alias(stack, 'Live', { aliasName: 'live', version: fn.currentVersion });
  const integration = new apigateway.LambdaIntegration(alias);
  api.root.addMethod('GET', integration, get);
  api.root.addResource('{proxy+}').addMethod('GET', integration, get);
  suppress(fn.role!, true,
    { id: 'AwsSolutions-IAM4', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      reason: "AWS's managed policy for Lambda lets the function write its own logs and nothing else." },
    { id: 'AwsSolutions-IAM5', appliesTo: ['Resource::*'],
      reason: "X-Ray's PutTraceSegments and PutTelemetryRecords cannot be scoped to a resource." });
  suppress(api, true,
    { id: 'AwsSolutions-IAM4', appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs'],
      reason: "API Gateway's account-level logging role; AWS's managed policy is the documented way to let API Gateway write execution logs." },
    { id: 'AwsSolutions-APIG4', reason: 'The factorial service is a public, read-only API by design: it has no data to protect and no callers to identify.' },
    { id: 'AwsSolutions-COG4', reason: 'The factorial service is a public, read-only API by design; there is no user pool.' });
  // Golden signals and curated alarms for the function and the API; the
  // line's gate watches all of them, CodeDeploy's canary the two that mean
  // users see errors.
  const monitor = new ServiceMonitor(stack, 'Monitoring', 'factorial-serverless', newAlerts(stack, 'Alerts'));
  const fnAlarms = monitor.monitorLambda(fn, timeout);
  const apiAlarms = monitor.monitorApiGateway(api, 'live');
  newTrafficShifting(stack, alias, [...fnAlarms, ...apiAlarms].filter((a) => ['Errors', '5XXErrors'].includes(a.node.id)));
  new CfnOutput(stack, 'Endpoint', { description: 'Base URL of the factorial service', value: api.url });
  // The line's synthetic traffic (monitoring/synthetic_traffic.go), which
  // the Go line adds to the stage.
  const artifacts = new s3.Bucket(stack, 'VelocitySyntheticTrafficArtifacts', {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL, enforceSSL: true, encryption: s3.BucketEncryption.KMS_MANAGED,
    lifecycleRules: [{ expiration: Duration.days(30) }], removalPolicy: RemovalPolicy.RETAIN,
  });
  suppress(artifacts, false, { id: 'AwsSolutions-S1',
    reason: "The canary's run artifacts (screenshots, logs of each run), kept 30 days: access logs of this bucket would log the canary's own writes." });
  const canary = new synthetics.Canary(stack, 'VelocitySyntheticTraffic', {
    runtime: synthetics.Runtime.SYNTHETICS_NODEJS_PUPPETEER_13_0,
    test: synthetics.Test.custom({ code: synthetics.Code.fromAsset(assetDir('probe')), handler: 'velocity-probe.handler' }),
    schedule: synthetics.Schedule.rate(Duration.minutes(5)),
    timeout: Duration.minutes(1),
    environmentVariables: { ENDPOINT: api.url, PATHS: 'health' },
    artifactsBucketLocation: { bucket: artifacts },
    provisionedResourceCleanup: true,
  });
  suppress(canary, true, { id: 'AwsSolutions-IAM5',
    reason: "aws-cdk-lib's role for a Synthetics canary: it writes its run artifacts under its bucket's objects, its own logs and the CloudWatchSynthetics metrics (cloudwatch:PutMetricData has no resource-level permissions; a condition limits the namespace), and lists buckets as the runtime needs." });
  monitor.monitorCanary(canary);
  return stack;
}

function newTrafficShifting(stack: Stack, alias: lambda.Alias, rollbackOn: cloudwatch.Alarm[]) {
  const group = new codedeploy.LambdaDeploymentGroup(stack, 'Deployment', {
    alias,
    deploymentConfig: codedeploy.LambdaDeploymentConfig.CANARY_10PERCENT_5MINUTES,
    alarms: rollbackOn,
    autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
  });
  suppress(group.role, false, { id: 'AwsSolutions-IAM4',
    appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited'],
    reason: "AWS's managed policy for CodeDeploy on Lambda, limited to shifting alias traffic and invoking lifecycle hooks." });
}
