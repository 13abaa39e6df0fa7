// The alerts topics and the service monitor of Velocity's monitoring
// package, as the serverless example uses them: curated alarms for the
// function and the API, and a dashboard of the golden signals.
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as synthetics from 'aws-cdk-lib/aws-synthetics';
import * as cwactions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct, IConstruct } from 'constructs';

/** Metadata on alarms the bake-time gate does not watch. */
export const NOT_A_GATE = 'velocity:not-a-gate';
export const isGate = (c: IConstruct) => !c.node.metadata.some((m) => m.type === NOT_A_GATE);

/** The alerts topic and its fallback, encrypted with key (default: a new key). */
export function newAlerts(scope: Construct, id: string, displayName = 'Velocity alerts', key?: kms.Key): sns.Topic {
  const alerts = new Construct(scope, id);
  key ??= new kms.Key(alerts, 'Key', {
    description: 'Encrypts the alerts topics of ' + alerts.node.path,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const publishers = ['cloudwatch.amazonaws.com', 'events.amazonaws.com'];
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'AllowAlarmsAndEventsToUseKeyForAlertTopics',
    principals: publishers.map((s) => new iam.ServicePrincipal(s)),
    actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    resources: ['*'],
  }), true);
  const topic = (topicId: string, name: string, services: string[]) => {
    const t = new sns.Topic(alerts, topicId, { displayName: name, masterKey: key, enforceSSL: true });
    t.addToResourcePolicy(new iam.PolicyStatement({
      sid: 'AllowAccountAlarmsAndEventsToPublish',
      principals: services.map((s) => new iam.ServicePrincipal(s)),
      actions: ['sns:Publish'],
      resources: [t.topicArn],
      conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(alerts).account } },
    }));
    return t;
  };
  const main = topic('Topic', displayName, publishers);
  const fallback = topic('Fallback', displayName + ' (fallback)', ['cloudwatch.amazonaws.com']);
  const failed = new cloudwatch.Alarm(alerts, 'NotificationsFailed', {
    metric: main.metricNumberOfNotificationsFailed({ statistic: 'Sum', period: Duration.minutes(5) }),
    threshold: 0,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `The alerts topic ${main.topicName} failed to deliver notifications in the last 5 minutes: ` +
      'someone may have missed an alarm. Check its subscriptions (unconfirmed or bouncing emails, failing https endpoints, ' +
      'the AWS Chatbot configuration) and the KMS key policy, then review in the CloudWatch console the alarms that fired in this period.',
  });
  failed.addAlarmAction(new cwactions.SnsAction(fallback));
  failed.addOkAction(new cwactions.SnsAction(fallback));
  failed.node.addMetadata(NOT_A_GATE, 'watches the alerts topic, not the deployed service');
  return main;
}

type Dims = Record<string, string>;
interface MetricSpec { namespace: string; name: string; dims?: Dims }
interface AlarmSpec {
  id: string;
  metric?: MetricSpec;
  math?: { expression: string; using: Record<string, MetricSpec> };
  label: string;
  statistic: string;
  period: number;
  periods: number;
  threshold: number;
  description: string;
  notAGate?: string;
  // Defaults: greater than the threshold; missing data not breaching.
  below?: boolean;
  missingBreaches?: boolean;
}
interface Line { metric?: MetricSpec; math?: AlarmSpec['math']; stat: string; period: number; label: string }
interface Graph { title: string; unit: string; lines: Line[]; threshold?: AlarmSpec; max?: number }

const SIGNALS = [
  '## Traffic\nRequests, invocations and network traffic.',
  '## Errors\nFailed requests, errors, throttles and failed health checks. The red line is the alarm threshold.',
  '## Latency\nResponse time percentiles. The red line is the alarm threshold.',
  '## Saturation\nHow full the service is: CPU, memory, concurrency, running tasks and hosts.',
];
enum Signal { Traffic, Errors, Latency, Saturation }

/**
 * Golden-signal alarms and a dashboard for a service's resources, notifying
 * the alerts topic.
 */
export class ServiceMonitor extends Construct {
  private readonly layout = new Layout();
  private accountConcurrency?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, private readonly service: string, private readonly topic: sns.ITopic) {
    super(scope, id);
    const stack = Stack.of(this);
    this.layout.region = stack.region;
    this.layout.title = service;
    new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${service}-${stack.stackName}-${stack.region}`,
      widgets: [[this.layout]],
    });
  }

  monitorLambda(fn: lambda.Function, timeout: Duration): cloudwatch.Alarm[] {
    const scope = new Construct(this, 'Lambda-' + fn.node.id);
    const label = 'Lambda ' + fn.node.id;
    const name = fn.functionName;
    const m = (metric: string): MetricSpec => ({ namespace: 'AWS/Lambda', name: metric, dims: { FunctionName: name } });
    const ms = timeout.toMilliseconds();
    const errors: AlarmSpec = { id: 'Errors', metric: m('Errors'), label: 'Errors', statistic: 'Sum', period: 60, periods: 1, threshold: 0,
      description: this.describe(`Lambda function ${name} reported more than 0 errors over 1 minute (Errors, Sum): invocations are failing, timeouts and crashes included.`,
        "Open the function's CloudWatch Logs (and X-Ray traces, if enabled) for the failing invocations; if a deployment just went out, roll it back.") };
    const throttles: AlarmSpec = { id: 'Throttles', metric: m('Throttles'), label: 'Throttles', statistic: 'Sum', period: 60, periods: 1, threshold: 0,
      description: this.describe(`Lambda function ${name} was throttled more than 0 times over 1 minute: invocations were rejected because the function reached its reserved concurrency or the account's concurrency limit.`,
        "Raise the function's reserved concurrency, request a higher account limit in Service Quotas, or smooth the traffic (queues, retries with backoff).") };
    const duration: AlarmSpec = { id: 'DurationP99', metric: m('Duration'), label: 'Duration p99', statistic: 'p99', period: 60, periods: 3, threshold: Math.round(ms * 80) / 100,
      description: this.describe(`The p99 duration of Lambda function ${name} was above ${Math.round(ms * 80) / 100} ms (80% of its ${ms} ms timeout) in 3 of 3 consecutive periods of 1 minute: invocations are close to timing out.`,
        'Look for slow downstream calls and cold starts in its logs and traces; raise the timeout, or the memory size (which adds CPU), if the work is legitimately slower.') };
    const account: AlarmSpec = { id: 'AccountConcurrentExecutions', metric: { namespace: 'AWS/Lambda', name: 'ConcurrentExecutions' }, label: 'Account concurrent executions',
      statistic: 'Maximum', period: 60, periods: 3, threshold: 800, notAGate: 'account-wide: other functions of the account move it',
      description: this.describe('Lambda concurrent executions in this account and region were above 800 (80% of the account limit of 1000) in 3 of 3 consecutive periods of 1 minute: every function of the account will soon be throttled.',
        "Find the functions using the concurrency (ConcurrentExecutions by function), cap noisy ones with reserved concurrency, or request a higher limit in Service Quotas. If the account's limit is not 1000, set LambdaThresholds.AccountConcurrencyLimit.") };
    const alarms = [this.alarm(scope, errors), this.alarm(scope, throttles), this.alarm(scope, duration)];
    if (!this.accountConcurrency) {
      this.accountConcurrency = this.alarm(this, account);
      alarms.push(this.accountConcurrency);
    }
    this.layout.add(Signal.Traffic, { title: label + ': invocations', unit: 'Count', lines: [{ metric: m('Invocations'), stat: 'Sum', period: 60, label: 'Invocations' }] });
    this.layout.add(Signal.Errors, graph(label + ': errors and throttles', 'Count', errors, { metric: throttles.metric, stat: 'Sum', period: 60, label: 'Throttles' }));
    this.layout.add(Signal.Latency, graph(label + ': duration', 'ms', duration, { metric: m('Duration'), stat: 'p50', period: 60, label: 'Duration p50' }));
    this.layout.add(Signal.Saturation, { title: label + ': concurrent executions', unit: 'Count', threshold: account, lines: [
      { metric: m('ConcurrentExecutions'), stat: 'Maximum', period: 60, label: 'Function' },
      { metric: account.metric, stat: 'Maximum', period: 60, label: 'Account' },
    ] });
    return alarms;
  }

  monitorApiGateway(api: apigateway.RestApi, stage: string): cloudwatch.Alarm[] {
    const scope = new Construct(this, 'APIGateway-' + api.node.id);
    const label = 'APIGateway ' + api.node.id;
    const where = `REST API ${api.restApiName} (stage ${stage})`;
    const m = (metric: string): MetricSpec => ({ namespace: 'AWS/ApiGateway', name: metric, dims: { ApiName: api.restApiName, Stage: stage } });
    const serverErrors: AlarmSpec = { id: '5XXErrors', metric: m('5XXError'), label: '5XX errors', statistic: 'Sum', period: 60, periods: 1, threshold: 0,
      description: this.describe(`${where} returned more than 0 HTTP 5XX responses over 1 minute (5XXError, Sum): requests fail on the server side (integration errors or timeouts, API Gateway limits).`,
        "Check the stage's execution and access logs and the integration's logs; if the errors started with a deployment, roll it back.") };
    const clientRate: AlarmSpec = { id: '4XXRate', label: '4XX rate (%)', statistic: 'Sum', period: 300, periods: 1, threshold: 5,
      math: { expression: 'IF(m2 > 0, 100 * m1 / m2, 0)', using: { m1: m('4XXError'), m2: m('Count') } },
      notAGate: 'client errors: acceptance tests send bad requests on purpose',
      description: this.describe(`More than 5% of the requests to ${where} got an HTTP 4XX response over 5 minutes: clients send bad or unauthorized requests, or are throttled (429).`,
        'Find the status codes and callers in the access logs; a rise right after a release usually means a breaking API change or a broken authorizer, so roll it back.') };
    const latency: AlarmSpec = { id: 'LatencyP99', metric: m('Latency'), label: 'Latency p99', statistic: 'p99', period: 60, periods: 3, threshold: 1000,
      description: this.describe(`The p99 latency of ${where} was above 1000 ms in 3 of 3 consecutive periods of 1 minute: at least 1 in 100 requests is slow.`,
        'Compare with IntegrationLatency on the dashboard: if the backend is slow, check its logs, cold starts and dependencies; otherwise check authorizers and mapping templates.') };
    const alarms = [this.alarm(scope, serverErrors), this.alarm(scope, clientRate), this.alarm(scope, latency)];
    this.layout.add(Signal.Traffic, { title: label + ': requests', unit: 'Count', lines: [{ metric: m('Count'), stat: 'Sum', period: 60, label: 'Requests' }] });
    this.layout.add(Signal.Errors, graph(label + ': 5XX and 4XX', 'Count', serverErrors, { metric: m('4XXError'), stat: 'Sum', period: 60, label: '4XX errors' }));
    this.layout.add(Signal.Errors, graph(label + ': 4XX rate', '%', clientRate));
    this.layout.add(Signal.Latency, graph(label + ': latency', 'ms', latency,
      { metric: m('Latency'), stat: 'p50', period: 60, label: 'Latency p50' },
      { metric: m('IntegrationLatency'), stat: 'p99', period: 60, label: 'Integration latency p99' }));
    return alarms;
  }

  monitorCanary(canary: synthetics.Canary): cloudwatch.Alarm[] {
    const scope = new Construct(this, 'Canary-' + canary.node.id);
    const label = 'Canary ' + canary.node.id;
    const name = canary.canaryName;
    const dims = { CanaryName: name };
    const success: AlarmSpec = { id: 'SuccessPercent', metric: { namespace: 'CloudWatchSynthetics', name: 'SuccessPercent', dims }, label: 'Success',
      statistic: 'Average', period: 300, periods: 2, threshold: 100, below: true, missingBreaches: true,
      description: this.describe(`Synthetics canary ${name} succeeded in less than 100% of its runs in 2 of 2 consecutive periods of 5 minutes, or did not run: the endpoint it checks is failing or unreachable for users.`,
        "Open the canary's runs in the CloudWatch Synthetics console (screenshots, HAR files, logs) to see which step fails; missing data counts as breaching, so a stopped canary alarms too.") };
    const alarms = [this.alarm(scope, success)];
    this.layout.add(Signal.Errors, graph(label + ': success', '%', success));
    this.layout.add(Signal.Latency, { title: label + ': run duration', unit: 'ms', lines: [
      { metric: { namespace: 'CloudWatchSynthetics', name: 'Duration', dims }, stat: 'Average', period: 300, label: 'Duration' }] });
    return alarms;
  }

  private describe(what: string, todo: string) {
    return `[${this.service}] ${what} ${todo}`;
  }

  private alarm(scope: Construct, s: AlarmSpec): cloudwatch.Alarm {
    const metric = (x: MetricSpec) => new cloudwatch.Metric({
      namespace: x.namespace, metricName: x.name, dimensionsMap: x.dims, statistic: s.statistic, period: Duration.seconds(s.period),
    });
    const alarm = new cloudwatch.Alarm(scope, s.id, {
      metric: s.math
        ? new cloudwatch.MathExpression({
          expression: s.math.expression,
          usingMetrics: Object.fromEntries(Object.entries(s.math.using).map(([k, v]) => [k, metric(v)])),
          period: Duration.seconds(s.period),
          label: s.label,
        })
        : metric(s.metric!),
      threshold: s.threshold,
      comparisonOperator: s.below ? cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD : cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: s.periods,
      datapointsToAlarm: s.periods,
      treatMissingData: s.missingBreaches ? cloudwatch.TreatMissingData.BREACHING : cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: s.description,
    });
    alarm.addAlarmAction(new cwactions.SnsAction(this.topic));
    alarm.addOkAction(new cwactions.SnsAction(this.topic));
    if (s.notAGate) alarm.node.addMetadata(NOT_A_GATE, s.notAGate);
    this.layout.alarms.push(alarm.alarmArn);
    return alarm;
  }
}

function graph(title: string, unit: string, alarm: AlarmSpec, ...extra: Line[]): Graph {
  return {
    title, unit, threshold: alarm, max: unit === '%' ? 100 : undefined,
    lines: [{ metric: alarm.metric, math: alarm.math, stat: alarm.statistic, period: alarm.period, label: alarm.label }, ...extra],
  };
}

/** The dashboard's one widget: the alarms, then a row of graphs per golden signal. */
class Layout implements cloudwatch.IWidget {
  readonly width = 24;
  region = '';
  title = '';
  readonly alarms: string[] = [];
  private readonly rows: Graph[][] = [[], [], [], []];
  private x = 0;
  private y = 0;

  get height(): number {
    return this.render().height;
  }

  add(s: Signal, g: Graph) {
    this.rows[s].push(g);
  }

  position(x: number, y: number): void {
    this.x = x;
    this.y = y;
  }

  toJson(): any[] {
    return this.render().widgets;
  }

  private render() {
    const widgets: any[] = [];
    let y = 0;
    const place = (w: any, x: number, width: number, height: number) => widgets.push({ ...w, x: this.x + x, y: this.y + y, width, height });
    if (this.alarms.length) {
      const h = Math.max(3, 1 + Math.ceil(this.alarms.length / 6));
      place({ type: 'alarm', properties: { title: this.title + ' alarms', alarms: this.alarms } }, 0, 24, h);
      y += h;
    }
    this.rows.forEach((graphs, s) => {
      if (!graphs.length) return;
      place({ type: 'text', properties: { markdown: SIGNALS[s] } }, 0, 24, 2);
      y += 2;
      graphs.forEach((g, i) => {
        if (i > 0 && i % 4 === 0) y += 6;
        place(this.graphJson(g), (i % 4) * 6, 6, 6);
      });
      y += 6;
    });
    return { widgets, height: y };
  }

  private graphJson(g: Graph) {
    const metricJson = (x: MetricSpec, opts: object) => [x.namespace, x.name, ...Object.entries(x.dims ?? {}).flat(), opts];
    const metrics: any[] = [];
    g.lines.forEach((l, i) => {
      if (!l.math) {
        metrics.push(metricJson(l.metric!, { stat: l.stat, period: l.period, label: l.label }));
        return;
      }
      metrics.push([{ expression: l.math.expression, label: l.label, id: 'e' + (i + 1) }]);
      for (const [id, m] of Object.entries(l.math.using)) metrics.push(metricJson(m, { stat: l.stat, period: l.period, id, visible: false }));
    });
    const props: any = {
      view: 'timeSeries', title: g.title, region: this.region, stacked: false, metrics,
      yAxis: { left: { min: 0, showUnits: false, label: g.unit, ...(g.max ? { max: g.max } : {}) } },
    };
    if (g.threshold) {
      props.annotations = { horizontal: [{ value: g.threshold.threshold, label: `${g.threshold.label} alarm > ${g.threshold.threshold}`, color: '#d62728' }] };
    }
    return { type: 'metric', properties: props };
  }
}
