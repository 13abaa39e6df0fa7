// Package dora computes the DORA metrics of an assembly line from the line's
// own CodePipeline events and publishes them, with a few line-health metrics,
// as CloudWatch metrics per pipeline.
//
// It is plain Go (no CDK, no jsii): the event types and the computation are
// pure and unit-tested on event sequences; a small Lambda function
// (cmd/handler, built from [Main]) runs them. An EventBridge rule with
// [RulePattern] sends the pipeline's pipeline-level and stage-level execution
// events to the function. For each event the function loads the pipeline's
// [State] from a DynamoDB table, applies the event ([Apply]), saves the state
// with optimistic concurrency and prints the resulting metrics to stdout in
// CloudWatch Embedded Metric Format ([EMF]), which CloudWatch Logs turns into
// metrics: no cloudwatch:PutMetricData permission is needed.
//
// # Metrics
//
// All metrics are in the namespace "Velocity/Line" (NAMESPACE), with the
// dimension Pipeline=<pipeline name>; StageDuration also has Stage=<stage
// name>. Each value is stamped with the time of the event it comes from. The
// production stage is the stage named "Production" (PRODUCTION_STAGE). A
// "rollback" is an execution whose execution-trigger.trigger-type is
// AutomatedRollback or ManualRollback.
//
// The four DORA metrics:
//
//   - Deployment frequency: Deployments (Count) is 1 for each production
//     stage execution that SUCCEEDED, rollbacks excluded. Its Sum over a
//     period is the number of deployments in that period.
//
//   - Lead time for changes: LeadTime (Seconds) is emitted with each
//     Deployment: the production stage's SUCCEEDED time minus the creation
//     time of the oldest source revision of the execution
//     (codepipeline:GetPipelineExecution, artifactRevisions[].created), so
//     when one execution ships several commits or several sources the lead
//     time counts from the oldest. Executions that ended without reaching
//     production (FAILED, SUPERSEDED, STOPPED, CANCELED) are remembered with
//     their oldest revision: their changes ship with the next deployment
//     whose newest revision is not older, and its lead time counts from
//     them. Average and percentiles of LeadTime are the lead time.
//
//   - Change failure rate: ProductionFailures (Count) is 1 for each
//     production stage execution that FAILED (rollbacks excluded), and 1 for
//     a rollback into a healthy production (see Rollbacks below).
//     ProductionAttempts (Count) is 1 for each production stage execution
//     that SUCCEEDED or FAILED, rollbacks excluded. The change failure rate is
//     the metric math SUM(ProductionFailures) / SUM(ProductionAttempts).
//
//   - Time to restore service: when production goes from healthy to
//     failing (the first production failure after a production success),
//     the time of that failure is kept in the state. The next production
//     stage execution that SUCCEEDED, a rollback's included, emits
//     TimeToRestore (Seconds) = its time minus that failure's time, and the
//     failure is cleared. Further failures in between do not move the start.
//
// Rollbacks: a rollback that runs the production stage counts one
// ProductionFailure, and starts the time to restore, only if production is
// healthy at that moment: rolling back a deployment that succeeded reveals a
// failed change, which no other event reports. A rollback after a failed
// production stage (an automatic rollback on failure, or a manual one while
// production is failing) counts nothing: it remedies a failure already
// counted, so a failure and its rollback count once. If the failed stage's
// event arrives after the rollback's, it is recognised by its earlier time
// and counted as the same failure. A rollback never counts a Deployment, a
// LeadTime or a ProductionAttempt, and its failure counts nothing (production
// stays failing); its success restores production. A rollback is recognised
// from the trigger on its pipeline-level events, which CodePipeline sends when
// the execution starts, before the stage runs.
//
// Line health, for the line's dashboard and its "line is red" alarm:
//
//   - ExecutionsStarted, ExecutionsSucceeded, ExecutionsFailed (Count): 1 per
//     pipeline execution STARTED, SUCCEEDED, FAILED.
//   - LineRed (None): 1 when a pipeline execution FAILED, 0 when one
//     SUCCEEDED (an older result arriving late changes nothing). An alarm on
//     its Maximum with TreatMissingData IGNORE stays in ALARM from a failed
//     execution until the next successful one.
//   - StageDuration (Seconds), per stage: a stage execution's SUCCEEDED or
//     FAILED time minus its STARTED (or, after a retry, RESUMED) time in the
//     same pipeline execution. Stopped and canceled stages emit nothing.
//
// # Events and state
//
// EventBridge delivers events at least once and not necessarily in order.
// A change is applied once per execution id, stage, state and
// pipeline-execution-attempt (a retried stage fails or succeeds again under a
// new attempt); duplicates change nothing and publish nothing. A STARTED that
// arrives after its stage's end starts no clock, a production failure older
// than the last production success is counted but does not reopen an
// incident, and a pipeline result older than the last one does not change
// LineRed. Action-level events are parsed but not used.
//
// The [State] of a pipeline holds the stage start times and applied changes of
// its recent executions, the start of the open production failure, the last
// production success and the LineRed state. Executions are forgotten 7 days
// after their newest event (at most 200 are kept), and events older than 7
// days behind the newest are ignored, so the state stays a few kilobytes.
//
// # The Lambda function
//
// The function (Go on provided.al2023, built with GOOS=linux GOARCH=arm64
// CGO_ENABLED=0 go build -tags lambda.norpc) reads TABLE_NAME (required),
// PRODUCTION_STAGE and NAMESPACE. Its table has the partition key "pipeline"
// (S) and stores the state as JSON in "state" (S) with its version in
// "version" (N); writes are conditional on the version and retried on
// conflict. It needs dynamodb:GetItem and dynamodb:PutItem on the table and
// codepipeline:GetPipelineExecution on the pipelines. It must log to stdout
// unchanged (Lambda's default text log format) for the EMF lines to become
// metrics.
package dora
