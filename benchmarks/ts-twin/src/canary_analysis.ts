// The line's canary analysis (monitoring/canary_analysis.go,
// pipeline/analysis.go): one function, and a Lambda invoke action at the
// end of each deploy stage.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { regex, suppress } from './nag';
import { assetDir } from './service';

/** One deploy stage to analyse: its name and its gate alarm. */
export interface AnalysedStage { name: string; gate: string }

export function addCanaryAnalysis(line: Construct, pipeline: codepipeline.Pipeline, analysed: AnalysedStage[]): cloudwatch.Alarm {
  const c = new Construct(line, 'CanaryAnalysis');
  const stack = Stack.of(c);
  const logGroup = new logs.LogGroup(c, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
  const parameterName = `/velocity/${stack.stackName}/${c.node.addr}/pipeline-name`;
  new ssm.StringParameter(c, 'PipelineName', {
    parameterName, stringValue: pipeline.pipelineName,
    description: "The pipeline whose deploys the Velocity line's canary analysis judges",
  });
  const role = new iam.Role(c, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: "Canary analysis of a Velocity line: reads its deploy stages' actions and the metrics of their gate alarms, reports to CodePipeline",
  });
  const fn = new lambda.Function(c, 'Function', {
    description: "Compares a deployed service's metrics after the deploy with before it (Mann-Whitney U) for a Velocity assembly line",
    runtime: lambda.Runtime.PROVIDED_AL2023,
    architecture: lambda.Architecture.ARM_64,
    handler: 'bootstrap',
    code: lambda.Code.fromAsset(assetDir('dora')),
    memorySize: 128,
    timeout: Duration.seconds(90),
    role,
    logGroup,
    environment: { PIPELINE_NAME_PARAMETER: parameterName },
  });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'],
    resources: [stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: parameterName.replace(/^\//, '') })] }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  suppress(role, true, { id: 'AwsSolutions-IAM5', appliesTo: [regex('^Resource::<.*Logs[A-F0-9]{8}\\.Arn>:\\*$')], reason: "Log streams of the function's own log group." });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['codepipeline:ListActionExecutions'], resources: [stack.formatArn({ service: 'codepipeline', resource: '*' })] }));
  suppress(role, true, { id: 'AwsSolutions-IAM5',
    appliesTo: ['Resource::*', regex('^Resource::arn:<AWS::Partition>:cloudwatch:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]{12}):alarm:\\*$'),
      'Resource::arn:<AWS::Partition>:codepipeline:<AWS::Region>:<AWS::AccountId>:*'],
    reason: "codepipeline:PutJob*Result and cloudwatch:GetMetricData, which have no resource-level permissions; " +
      "the alarms of the environments it analyses, whose names under the gate are the team's; " +
      "and the action executions of the account's pipelines (read only), as its own pipeline refers to the function and the function may not refer back." });
  const errors = fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }).createAlarm(c, 'ErrorsAlarm', {
    threshold: 0, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: "The canary analysis function of the Velocity line failed in the last 5 minutes: a deploy stage's analysis could not report its verdict. " +
      'Read the function\'s logs; CodePipeline fails the action when it gets no result.',
  });
  analysed.forEach((s, i) => {
    const stage = pipeline.stages.find((st) => st.stageName === s.name)!;
    const lastRunOrder = Math.max(...stage.actions.map((a) => a.actionProperties.runOrder ?? 1));
    stage.addAction(new cpactions.LambdaInvokeAction({
      actionName: 'CanaryAnalysis', lambda: fn, runOrder: lastRunOrder + 1,
      // The same JSON, in the same key order, as the Go line writes.
      userParametersString: JSON.stringify({ stage: s.name, action: 'CanaryAnalysis', alarm: s.gate, windowMinutes: 10 }),
    }));
    const actionRole = pipeline.node.tryFindChild(s.name)?.node.tryFindChild('CanaryAnalysis')?.node.tryFindChild('CodePipelineActionRole');
    if (actionRole) {
      suppress(actionRole, true, { id: 'AwsSolutions-IAM5',
        appliesTo: ['Resource::*', regex('^Resource::<[A-Za-z0-9]*CanaryAnalysisFunction[A-F0-9]{8}\\.Arn>:\\*$')],
        reason: "aws-cdk-lib's role for a Lambda invoke action: lambda:ListFunctions, which has no resource-level permissions, and invoking the analysis function and its versions." });
    }
    if (i === 0) {
      role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:DescribeAlarms'],
        resources: [stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));
      role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:GetMetricData'], resources: ['*'] }));
    }
  });
  return errors;
}
