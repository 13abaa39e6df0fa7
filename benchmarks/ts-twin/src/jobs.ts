// What every CodeBuild job of the line pins, and the options of the jobs CDK
// Pipelines creates itself (self-mutation, asset publishing, the
// permissions-broadening check), written with aws-cdk-lib directly: what
// stages/runtime.go and stages/cdk_pipelines_jobs.go do.
import * as fs from 'fs';
import * as path from 'path';
import { Stack } from 'aws-cdk-lib';
import * as codebuild from 'aws-cdk-lib/aws-codebuild';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { Construct } from 'constructs';

export const CDK_CLI_VERSION = '2.1148.1';
/** @aws-cdk/cdk-assets-lib, installed as cdk-assets (the CLI 4.7.3 reads cloud assembly schema 54 at most). */
export const CDK_ASSETS_INSTALL = 'npm:@aws-cdk/cdk-assets-lib@1.5.0';
/** The Node.js of every job that runs the CDK CLI or jsii. */
export const NODE_RUNTIME = '22';

/** The image every job runs on, and what it offers (internal/codebuild: Standard7). */
export const BUILD_IMAGE = codebuild.LinuxBuildImage.STANDARD_7_0;
const GO_RUNTIMES = ['1.20', '1.21', '1.22', '1.23', '1.24', '1.25', '1.26'];
const MIN_GO_RUNTIME = '1.21'; // the oldest Go that honours GOTOOLCHAIN=auto
const GOPATH = '/go';
const HOME = '/root';
export const GO_CACHE_PATHS = [GOPATH + '/pkg/mod/**/*', HOME + '/.cache/go-build/**/*'];

const compareVersions = (a: string, b: string): number => {
  const pa = a.split('.'), pb = b.split('.');
  for (let i = 0; i < pa.length || i < pb.length; i++) {
    const x = parseInt(pa[i] ?? '0', 10) || 0, y = parseInt(pb[i] ?? '0', 10) || 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
};

let goRuntime: string | undefined;

/**
 * The golang runtime-versions value for the Go module around the working
 * directory (stages.GoModRuntime): the major.minor of go.mod's go line (or
 * its toolchain line when newer), at least 1.21, at most the newest Go the
 * image offers; the newest without a go.mod.
 */
export function goModRuntime(): string {
  if (goRuntime !== undefined) return goRuntime;
  const newest = GO_RUNTIMES[GO_RUNTIMES.length - 1];
  goRuntime = newest;
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'go.mod');
    if (fs.existsSync(file)) {
      const text = fs.readFileSync(file, 'utf8');
      let want = /^go\s+([0-9.]+)\s*$/m.exec(text)?.[1] ?? '';
      const toolchain = /^toolchain\s+go([0-9.]+)\s*$/m.exec(text)?.[1];
      if (toolchain && compareVersions(toolchain, want) > 0) want = toolchain;
      if (want) {
        const mm = want.split('.').slice(0, 2).join('.');
        goRuntime = compareVersions(mm, newest) > 0 ? newest : compareVersions(mm, MIN_GO_RUNTIME) < 0 ? MIN_GO_RUNTIME : mm;
      }
      break;
    }
    if (path.dirname(dir) === dir) break;
  }
  return goRuntime;
}

/** The cdk-assets command on top of the library (stages/cdkassets/cdk-assets.js), read at synth so that it cannot drift. */
const cdkAssetsCommand = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'stages', 'cdkassets', 'cdk-assets.js'));

/** Writes the cdk-assets command next to npm's global binaries; base64 so that no shell quoting can change it. */
const installCDKAssetsCommand = 'export VELOCITY_CDK_ASSETS_LIB="$(npm root -g)/cdk-assets" && mkdir -p "$(npm prefix -g)/bin" && ' +
  `echo ${cdkAssetsCommand.toString('base64')} | base64 -d > "$(npm prefix -g)/bin/cdk-assets" && ` +
  'chmod +x "$(npm prefix -g)/bin/cdk-assets"';

/** The partial buildspec of a CDK Pipelines job that runs on Node.js: NODE_RUNTIME, and build commands before the job's own. */
function nodeJobSpec(...build: string[]): codebuild.BuildSpec {
  const phases: Record<string, unknown> = {};
  if (build.length > 0) phases.build = { commands: build };
  phases.install = { 'runtime-versions': { nodejs: NODE_RUNTIME } };
  return codebuild.BuildSpec.fromObject({ phases, version: '0.2' });
}

/** CodePipelineProps.selfMutationCodeBuildDefaults: the line's image and Node.js 22 for the CDK CLI. */
export const selfMutationDefaults = (): pipelines.CodeBuildOptions => ({
  buildEnvironment: { buildImage: BUILD_IMAGE },
  partialBuildSpec: nodeJobSpec(),
});

/** CodePipelineProps.assetPublishingCodeBuildDefaults: the line's image, Node.js 22 and the cdk-assets command. */
export const assetPublishingDefaults = (): pipelines.CodeBuildOptions => ({
  buildEnvironment: { buildImage: BUILD_IMAGE },
  partialBuildSpec: nodeJobSpec(installCDKAssetsCommand),
});

// The text of CDK Pipelines' permissions-check buildspec that
// pinPermissionsChecks changes (aws-cdk-lib 2.276).
const PERMISSIONS_CHECK_INSTALL = '"npm install -g aws-cdk",';
const PERMISSIONS_CHECK_PHASES = '"phases": {\n    "build": {';

/**
 * Pins the CDK CLI and Node.js of every permissions-broadening check under
 * scope (CDK Pipelines' CDKSecurityCheck project), after buildPipeline;
 * returns the paths of those it could not pin.
 */
export function pinPermissionsChecks(scope: Construct): string[] {
  const unpinned: string[] = [];
  for (const c of scope.node.findAll()) {
    if (c instanceof codebuild.Project && c.node.id === 'CDKSecurityCheck' && !pinPermissionsCheck(c)) unpinned.push(c.node.path);
  }
  return unpinned;
}

function pinPermissionsCheck(project: codebuild.Project): boolean {
  const cfn = project.node.defaultChild as codebuild.CfnProject;
  const source = Stack.of(project).resolve(cfn.source);
  if (!source || typeof source !== 'object') return false;
  let done = false;
  const pinned = (text: string): string => {
    if (!text.includes(PERMISSIONS_CHECK_INSTALL) || !text.includes(PERMISSIONS_CHECK_PHASES)) return text;
    done = true;
    return text
      .replace(PERMISSIONS_CHECK_INSTALL, `"npm install -g aws-cdk@${CDK_CLI_VERSION}",`)
      .replace(PERMISSIONS_CHECK_PHASES,
        `"phases": {\n    "install": {\n      "runtime-versions": {\n        "nodejs": "${NODE_RUNTIME}"\n      }\n    },\n    "build": {`);
  };
  // Resolving the L1 property gives its camelCase field names.
  const spec = source.buildSpec;
  let out: unknown;
  if (typeof spec === 'string') {
    out = pinned(spec);
  } else if (spec && typeof spec === 'object') {
    const join = spec['Fn::Join'];
    if (!Array.isArray(join) || join.length !== 2 || !Array.isArray(join[1])) return false;
    out = { 'Fn::Join': [join[0], join[1].map((part: unknown) => (typeof part === 'string' && !done ? pinned(part) : part))] };
  }
  if (done) cfn.addPropertyOverride('Source.BuildSpec', out);
  return done;
}
