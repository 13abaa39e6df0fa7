#!/usr/bin/env node
// The TypeScript twin of Velocity's default example (examples/serverless):
// the same assembly line and service, written with aws-cdk-lib directly.
// It is a benchmark fixture (benchmarks/synth.sh compares its synth time
// with the Go example's), not an example to copy: Velocity's constructs are
// the supported way to build a line.
import { App, Stack } from 'aws-cdk-lib';
import { newAssemblyLine } from './line';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
const stack = new Stack(app, 'VelocityServerless', {
  env: account && region ? { account, region } : undefined,
  description: 'Velocity assembly line for the serverless factorial service',
  terminationProtection: true,
});
newAssemblyLine(stack, 'Line', 'serverless');
app.synth();
