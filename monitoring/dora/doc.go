// Package dora computes the DORA metrics of an assembly line from the line's
// own CodePipeline events and publishes them, with a few line-health metrics,
// as CloudWatch metrics per pipeline.
//
// It is plain Go (no CDK, no jsii): the event types and the computation are
// pure and unit-tested on event sequences; a small Lambda function
// (cmd/handler, built from [Main]) runs them. An EventBridge rule with
// [RulePattern] sends the pipeline's pipeline-level and stage-level execution
// events to the function. For each event the function loads the pipeline's
// [State] from a DynamoDB table, applies the event at its own clock
// ([Apply]), saves the state with optimistic concurrency and prints the
// resulting metrics to stdout in CloudWatch Embedded Metric Format ([EMF]),
// which CloudWatch Logs turns into metrics: no cloudwatch:PutMetricData
// permission is needed.
//
// # Metrics
//
// All metrics are in the namespace "Velocity/Line" (NAMESPACE), with the
// dimension Pipeline=<pipeline name>; StageDuration also has Stage=<stage
// name>. Each value is stamped with the time of the event it comes from. The
// production stage is the stage named "Production" (PRODUCTION_STAGE). A
// "rollback" is an execution whose trigger type is AutomatedRollback or
// ManualRollback.
//
// The four DORA metrics:
//
//   - Deployment frequency: Deployments (Count) is 1 for each production
//     stage execution that SUCCEEDED, rollbacks excluded. Its Sum over a
//     period is the number of deployments in that period.
//
//   - Lead time for changes: LeadTime (Seconds) is emitted for each
//     deployment: the production stage's SUCCEEDED time minus the creation
//     time of the oldest source revision it ships
//     (codepipeline:GetPipelineExecution, artifactRevisions[].created), so
//     when one execution ships several commits or several sources the lead
//     time counts from the oldest. Executions that ended without reaching
//     production (FAILED, SUPERSEDED, STOPPED, CANCELED) keep their oldest
//     revision waiting: it ships with the first later deployment whose
//     newest revision is not older, and that deployment's lead time counts
//     from it. Average and percentiles of LeadTime are the lead time.
//
//   - Change failure rate: ProductionFailures (Count) is 1 for each
//     production stage execution that FAILED (rollbacks excluded), and 1 for
//     a manual rollback into a healthy production (see Rollbacks below).
//     ProductionAttempts (Count) is 1 for each production stage execution
//     that SUCCEEDED or FAILED, rollbacks excluded. The change failure rate is
//     the metric math SUM(ProductionFailures) / SUM(ProductionAttempts).
//
//   - Time to restore service: production goes from healthy to failing at
//     the first production failure after a production success. The next
//     production stage execution that SUCCEEDED, a rollback's included,
//     emits TimeToRestore (Seconds) = its time minus that failure's time.
//     Further failures in between do not move the start.
//
// Rollbacks: a rollback never counts a Deployment, a LeadTime or a
// ProductionAttempt, and its success restores production. An
// AutomatedRollback follows a failed production stage, already counted, and
// counts nothing else. A ManualRollback that runs the production stage
// while production is healthy (its first production event after a
// production success) counts one ProductionFailure and starts the time to
// restore: rolling back a deployment that succeeded reveals a failed change,
// which no other event reports; while production is failing it remedies a
// failure already counted and counts nothing. So a failure and the rollback
// that remedies it count once. Whether an execution is a rollback is its
// trigger type (AutomatedRollback or ManualRollback), from its pipeline
// STARTED event or from GetPipelineExecution (trigger.triggerType); until
// one of them is known, its production results publish nothing.
//
// Line health, for the line's dashboard and its "line is red" alarm:
//
//   - ExecutionsStarted, ExecutionsSucceeded, ExecutionsFailed (Count): 1 per
//     pipeline execution STARTED, SUCCEEDED, FAILED.
//   - LineRed (None): 1 when a pipeline execution FAILED, 0 when one
//     SUCCEEDED, each at its time. An alarm on its Maximum with
//     TreatMissingData IGNORE stays in ALARM from a failed execution until
//     the next successful one.
//   - StageDuration (Seconds), per stage: a stage execution's SUCCEEDED or
//     FAILED time minus its STARTED (or, after a retry, RESUMED) time in the
//     same pipeline execution attempt. Stopped and canceled stages emit
//     nothing.
//
// # Events, order and duplicates
//
// EventBridge delivers events at least once and in no guaranteed order, so
// the metrics are a function of the set of distinct events, whatever their
// order and however often each arrives. The [State] keeps the facts: per
// execution, each distinct event (execution id, stage, state,
// pipeline-execution-attempt) with its time, what CodePipeline said about the
// execution, and which of its metric values are published. A duplicate
// changes nothing and publishes nothing, and each value is published once:
//
//   - values that depend on one execution's events (the counts, LineRed,
//     StageDuration, and Deployments, ProductionAttempts and
//     ProductionFailures once the trigger is known) as soon as those events
//     are in;
//   - values that depend on other executions (LeadTime, TimeToRestore, the
//     failure a manual rollback reveals) once no event that could change
//     them can still arrive: Settle (1 hour) after their time, in time
//     order. The function's rule and its asynchronous invocations give up
//     retrying well within that; what they give up on lands in a
//     dead-letter queue with an alarm. A schedule invokes the function
//     every 15 minutes ([TickSource]) so these are published while the line
//     is idle too.
//
// An event that arrives after its time has settled (a message replayed from
// the dead-letter queue, hours later) still publishes its own execution's
// values, once, and a deployment's lead time from its own revisions; what
// depends on other executions and was already published is not revised.
//
// Time is the function's clock, never an event's: an event dated more than 5
// minutes after it, or more than 7 days (Horizon) before it, is refused and
// logged. Executions are forgotten 7 days after their newest event (the
// oldest go sooner beyond 200), far longer than EventBridge retries
// (24 hours at most); an event of an execution the state no longer
// remembers, dated at or before the newest event forgotten, is refused
// rather than counted twice. The state stays far below DynamoDB's 400 KB
// item limit (about 1 KB per execution). Action-level events are parsed but
// not used.
//
// # The Lambda function
//
// The function (Go on provided.al2023, built with GOOS=linux GOARCH=arm64
// CGO_ENABLED=0 go build -tags lambda.norpc) reads TABLE_NAME (required),
// PRODUCTION_STAGE and NAMESPACE. Its table has the partition key "pipeline"
// (S) and stores the state as JSON in "state" (S) with its version in
// "version" (N); writes are conditional on the version and retried on
// conflict, so concurrent invocations are safe. It needs dynamodb:GetItem
// and dynamodb:PutItem on the table and codepipeline:GetPipelineExecution on
// the pipelines. It must log to stdout unchanged (Lambda's default text log
// format) for the EMF lines to become metrics. Its payload is an event of
// the rule, the scheduled tick, or a message of its dead-letter queue
// (either the event itself or a Lambda failure-destination record), so a
// dead letter is replayed by invoking the function with the message's body.
package dora
