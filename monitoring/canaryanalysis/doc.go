// Package canaryanalysis is the Lambda function behind a Velocity line's
// canary analysis: a CodePipeline Lambda invoke action at the end of each
// deploy stage that compares the service's metrics after the deploy with
// those before it, and fails the stage (and so rolls it back, where
// rollback is on) on a significant regression.
//
// One invocation is one CodePipeline job. The first finds when the stage
// started deploying (the earliest action of this execution in the stage)
// and starts the analysis window; CodePipeline invokes the function again
// while it returns a continuation token, each time after the function has
// waited up to a minute, for as long as the window lasts (the action's
// limit is an hour). During the window a gate alarm in ALARM fails the job
// at once. When the window is over, the function reads the metrics of every
// alarm under the environment's gate alarm (the composite alarm the line
// creates), as 1-minute datapoints, for the window after the deploy and the
// same length of time before it, and judges each with package analysis.
// Metrics with too few datapoints (an idle service) are reported as not
// judged and do not fail the stage: the bake's traffic requirement
// (Gate.MinRequests) is the gate for silence.
package canaryanalysis

// HandlerPackage is the import path of the function's main package, for
// gobundle.
const HandlerPackage = "github.com/velocity-cdk/velocity/monitoring/canaryanalysis/cmd/handler"
