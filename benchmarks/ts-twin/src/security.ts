// The security checks of the line (secrets, SAST, SCA, SBOM) with their
// defaults for the Go preset, written with aws-cdk-lib directly: what
// pipeline.addSecurityChecks builds for examples/serverless (see
// stages/security.go, stages/security_jobs.go, stages/security_actions.go).
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as cpactions from 'aws-cdk-lib/aws-codepipeline-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { BUILD_IMAGE, GO_CACHE_PATHS, goModRuntime } from './jobs';
import { regex, suppress } from './nag';

const GITLEAKS = 'v8.30.1';
const GOSEC = 'v2.30.0';
const GOVULNCHECK = 'v1.9.0';
const CYCLONEDX_GOMOD = 'v1.10.0';
const CHECKER = 'github.com/velocity-cdk/velocity/security/cmd/velocity-check';
// The scanner's stderr in the log, at most 64 KiB (stages/security_jobs.go).
const SCANNER_STDERR = '{ head -c 65536 "$VELOCITY_OUT/scanner.err"; ' +
  '[ "$(wc -c < "$VELOCITY_OUT/scanner.err")" -le 65536 ] || echo "... (the scanner\'s stderr is cut at 64 KiB)"; } >&2';
const SBOM_NAMESPACE = 'VelocitySBOM';
const THRESHOLD = 'HIGH';
const REPORTS_DIR = '.velocity-reports';
const SUPPRESSIONS_FILE = '.velocity/suppressions.json';
// The repository root in the job's shell; also the Go module of the example.
const SRC = '"$CODEBUILD_SRC_DIR"';

/** One check resolved for the build: what its CodeBuild job installs and runs. */
interface SecurityJob {
  check: string;
  tool: string;
  threshold?: string; // none for the SBOM
  install: string[];
  commands: string[];
  reports: boolean;
  exportedVariables?: string[];
}

const goInstall = (pkg: string, version: string) => `go install ${pkg}@${version}`;
const checker = (args: string) => `(cd ${SRC} && go run ${CHECKER} ${args})`;
/**
 * Fails a scanner run that exited above okExit, saying plainly when the
 * scanner could not reach its vulnerability database.
 */
const unreachableCheck = (scanner: string, okExit: string) =>
  `if [ "$rc" -gt ${okExit} ]; then ` +
  `if grep -qE 'fetching vulnerabilities|dial tcp|no such host|connection refused|i/o timeout|TLS handshake timeout' "$VELOCITY_OUT/scanner.err"; then ` +
  `echo "velocity security: vulnerability database unreachable (${scanner} could not fetch it): the check cannot pass without it" >&2; ` +
  `else echo "velocity security: ${scanner} failed with exit code $rc" >&2; fi; false; fi`;
const judge = (tool: string, input: string, base: string, threshold: string) =>
  checker(`-tool ${tool} -input "${input}" -threshold ${threshold} -root ${SRC} -base ${base} ` +
    `-suppressions "$CODEBUILD_SRC_DIR/${SUPPRESSIONS_FILE}" -junit "$REPORTS_DIR/${tool}.xml"`);

/** The four checks of the Go preset, all on, with the default threshold. */
function resolve(): SecurityJob[] {
  const setup = `export REPORTS_DIR="$CODEBUILD_SRC_DIR/${REPORTS_DIR}" VELOCITY_OUT="$(mktemp -d)" GOBIN="$HOME/.velocity/bin" && export PATH="$GOBIN:$PATH"`;
  const th = THRESHOLD;
  const jobs: SecurityJob[] = [
    {
      check: 'Secrets', tool: 'gitleaks ' + GITLEAKS, threshold: th, reports: true,
      install: [goInstall('github.com/zricethezav/gitleaks/v8', GITLEAKS)],
      commands: [
        `cd ${SRC} && gitleaks dir . --report-format json --report-path "$VELOCITY_OUT/gitleaks.json" --exit-code 0 --redact --no-banner`,
        judge('gitleaks', '$VELOCITY_OUT/gitleaks.json', SRC, th),
      ],
    },
    {
      check: 'SAST', tool: 'gosec ' + GOSEC, threshold: th, reports: true,
      install: [goInstall('github.com/securego/gosec/v2/cmd/gosec', GOSEC)],
      commands: [
        `cd ${SRC} && gosec -no-fail -exclude-generated -severity ${th.toLowerCase()} -fmt json -out "$VELOCITY_OUT/gosec.json" ./...`,
        judge('gosec', '$VELOCITY_OUT/gosec.json', SRC, th),
      ],
    },
    {
      check: 'SCA', tool: 'govulncheck ' + GOVULNCHECK, threshold: th, reports: true,
      install: [goInstall('golang.org/x/vuln/cmd/govulncheck', GOVULNCHECK)],
      commands: [
        `cd ${SRC} && rc=0 && { govulncheck -format json ./... > "$VELOCITY_OUT/govulncheck.json" 2> "$VELOCITY_OUT/scanner.err" || rc=$?; } && ` +
          SCANNER_STDERR + ' && ' + unreachableCheck('govulncheck', '0'),
        judge('govulncheck', '$VELOCITY_OUT/govulncheck.json', SRC, th),
      ],
    },
    {
      check: 'SBOM', tool: 'cyclonedx-gomod ' + CYCLONEDX_GOMOD, reports: false,
      install: ['export VELOCITY_SBOM="$VELOCITY_OUT/sbom.cdx.json"',
        goInstall('github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod', CYCLONEDX_GOMOD)],
      commands: [
        `cd ${SRC} && cyclonedx-gomod mod -json -licenses -output "$VELOCITY_SBOM" .`,
        checker('-tool cyclonedx -input "$VELOCITY_SBOM"'),
        'export SBOM_URI="s3://$VELOCITY_ARTIFACT_BUCKET/sbom/${PIPELINE_EXECUTION_ID:-codebuild-$CODEBUILD_BUILD_NUMBER}/sbom.cdx.json"' +
          ' && aws s3 cp "$VELOCITY_SBOM" "$SBOM_URI" --only-show-errors' +
          ` && echo "velocity security: sbom stored at $SBOM_URI (pipeline variable ${SBOM_NAMESPACE}.SBOM_URI)"`,
      ],
      exportedVariables: ['SBOM_URI'],
    },
  ];
  for (const j of jobs) j.install = [setup, ...j.install];
  return jobs;
}

/**
 * Adds the security checks to the Build stage, in parallel with the build
 * action (same input, the source artifact; same run order), and records
 * them in the line's metadata.
 */
export function addSecurityChecks(line: Construct, pipeline: codepipeline.Pipeline, key: kms.IKey, artifacts: s3.IBucket,
  buildEnv: Record<string, string>) {
  const stage = (name: string) => pipeline.stages.find((s) => s.stageName === name)!;
  const build = stage('Build');
  const runOrder = build.actions[0]?.actionProperties.runOrder ?? 1;
  const input = stage('Source').actions[0].actionProperties.outputs![0];

  const scope = new Construct(line, 'Security');
  const jobs = resolve();
  const findings = new codebuild.ReportGroup(scope, 'Findings', { type: codebuild.ReportGroupType.TEST, removalPolicy: RemovalPolicy.RETAIN });
  const logGroup = new logs.LogGroup(scope, 'Logs', { retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
  const projects: Record<string, codebuild.PipelineProject> = {};
  for (const job of jobs) {
    const project = newProject(scope, job, { ...buildEnv, GOTOOLCHAIN: 'auto' }, key, artifacts, findings, logGroup);
    projects[job.check] = project;
    build.addAction(new cpactions.CodeBuildAction({
      actionName: job.check,
      project,
      input,
      runOrder,
      type: cpactions.CodeBuildActionType.TEST,
      environmentVariables: { PIPELINE_EXECUTION_ID: { value: '#{codepipeline.PipelineExecutionId}' } },
      variablesNamespace: job.exportedVariables ? SBOM_NAMESPACE : undefined,
    }));
  }
  for (const job of jobs) {
    line.node.addMetadata('velocity:security-check',
      { check: job.check, tool: job.tool, ...(job.threshold ? { threshold: job.threshold } : {}) });
  }
  const sbomPolicy = projects.SBOM?.role?.node.tryFindChild('DefaultPolicy');
  if (sbomPolicy) {
    suppress(sbomPolicy, false, { id: 'AwsSolutions-IAM5',
      appliesTo: [regex('^Resource::<[A-Za-z0-9]*Artifacts[A-F0-9]{8}\\.Arn>/sbom/\\*$')],
      reason: "The SBOM check stores each run's SBOM under sbom/<pipeline execution id>/ in the line's artifact bucket; the execution id is known only at run time." });
  }
}

/** The CodeBuild project of one check. */
function newProject(scope: Construct, job: SecurityJob, env: Record<string, string>, key: kms.IKey, artifacts: s3.IBucket,
  findings: codebuild.ReportGroup, logGroup: logs.ILogGroup): codebuild.PipelineProject {
  const environmentVariables: Record<string, codebuild.BuildEnvironmentVariable> = {};
  for (const [k, v] of Object.entries(env)) environmentVariables[k] = { value: v };
  if (job.exportedVariables) environmentVariables.VELOCITY_ARTIFACT_BUCKET = { value: artifacts.bucketName };
  const spec: Record<string, unknown> = {
    version: '0.2',
    env: { 'shell': 'bash', ...(job.exportedVariables ? { 'exported-variables': job.exportedVariables } : {}) },
    // go.mod's Go, which every check needs to install its scanner and run velocity-check.
    phases: { install: { 'commands': job.install, 'runtime-versions': { golang: goModRuntime() } }, build: { commands: job.commands } },
    // A local cache: the module and build caches survive between runs on the same host.
    cache: { paths: GO_CACHE_PATHS },
  };
  if (job.reports) {
    spec.reports = { [findings.reportGroupArn]: { 'files': ['*.xml'], 'base-directory': REPORTS_DIR, 'file-format': 'JUNITXML' } };
  }
  const project = new codebuild.PipelineProject(scope, job.check, {
    description: `Velocity security check ${job.check}: ${job.tool}` + (job.threshold ? `, fails at ${job.threshold} and above` : ''),
    buildSpec: codebuild.BuildSpec.fromObject(spec),
    environment: { buildImage: BUILD_IMAGE, computeType: codebuild.ComputeType.MEDIUM },
    environmentVariables,
    encryptionKey: key,
    timeout: Duration.minutes(30),
    cache: codebuild.Cache.local(codebuild.LocalCacheMode.CUSTOM),
    logging: { cloudWatch: { logGroup, prefix: job.check.toLowerCase() } },
  });
  if (job.reports) findings.grantWrite(project);
  if (job.exportedVariables) {
    project.addToRolePolicy(new iam.PolicyStatement({
      sid: 'StoreSBOM',
      actions: ['s3:PutObject'],
      resources: [artifacts.arnForObjects('sbom/*')],
    }));
  }
  return project;
}
