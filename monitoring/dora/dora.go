package dora

import (
	"math"
	"sort"
	"time"
)

// Defaults of the computation and of its metrics.
const (
	// DefaultNamespace is the CloudWatch namespace of the line's metrics.
	DefaultNamespace = "Velocity/Line"
	// DefaultProductionStage is the name of the stage that deploys to
	// production.
	DefaultProductionStage = "Production"
	// DefaultRetention is how long the state remembers an execution after
	// its last event; events older than that (behind the newest event seen)
	// are ignored.
	DefaultRetention = 7 * 24 * time.Hour
	// DefaultMaxExecutions bounds the executions the state remembers, so the
	// stored item stays far below DynamoDB's 400 KB even for a busy line.
	DefaultMaxExecutions = 200
)

// Metric names, all in one namespace ([DefaultNamespace] by default).
const (
	// MetricDeployments is 1 per successful production stage execution
	// (rollbacks excluded). Sum = deployment frequency.
	MetricDeployments = "Deployments"
	// MetricLeadTime is, per deployment, the seconds from the creation of
	// its oldest source revision to the production success.
	MetricLeadTime = "LeadTime"
	// MetricProductionFailures is 1 per failed production deployment, and 1
	// per rollback into a healthy production.
	MetricProductionFailures = "ProductionFailures"
	// MetricProductionAttempts is 1 per production stage execution that
	// ended (SUCCEEDED or FAILED; rollbacks excluded). Change failure rate =
	// ProductionFailures / ProductionAttempts.
	MetricProductionAttempts = "ProductionAttempts"
	// MetricTimeToRestore is the seconds from the first production failure
	// to the next production success.
	MetricTimeToRestore = "TimeToRestore"
	// MetricExecutionsStarted is 1 per pipeline execution started.
	MetricExecutionsStarted = "ExecutionsStarted"
	// MetricExecutionsSucceeded is 1 per pipeline execution that succeeded.
	MetricExecutionsSucceeded = "ExecutionsSucceeded"
	// MetricExecutionsFailed is 1 per pipeline execution that failed.
	MetricExecutionsFailed = "ExecutionsFailed"
	// MetricLineRed is 1 when a pipeline execution fails and 0 when one
	// succeeds; an alarm on its Maximum that ignores missing data stays in
	// ALARM from a failure until the next success.
	MetricLineRed = "LineRed"
	// MetricStageDuration is the seconds a stage execution took, from
	// STARTED (or RESUMED) to SUCCEEDED or FAILED.
	MetricStageDuration = "StageDuration"
)

// Units of the metrics (CloudWatch standard units).
const (
	// UnitCount is the unit of counts.
	UnitCount = "Count"
	// UnitSeconds is the unit of durations.
	UnitSeconds = "Seconds"
	// UnitNone is the unit of LineRed.
	UnitNone = "None"
)

// Dimension names of the metrics. Every metric has Pipeline; StageDuration
// has Stage too.
const (
	// DimensionPipeline holds the pipeline's name.
	DimensionPipeline = "Pipeline"
	// DimensionStage holds the stage's name.
	DimensionStage = "Stage"
)

// Datum is one metric value to publish.
type Datum struct {
	// Name is the metric's name, one of the Metric constants.
	Name string
	// Value is the metric's value.
	Value float64
	// Unit is a CloudWatch unit, one of the Unit constants.
	Unit string
	// Dimensions are the metric's dimensions, by name.
	Dimensions map[string]string
	// Time is the time of the value: the time of the event it comes from.
	Time time.Time
}

// RevisionTimes returns the creation times of the source revisions of a
// pipeline execution (artifactRevisions[].created of GetPipelineExecution),
// in any order. An error makes [Apply] leave the lead time out; the handler
// instead retries the whole event (see [Handler]).
type RevisionTimes func(pipeline, executionID string) ([]time.Time, error)

// State is what the computation remembers about one pipeline between events.
// It is plain data and round-trips through encoding/json; the zero value is
// the state of a pipeline never seen.
type State struct {
	// Pipeline is the pipeline's name.
	Pipeline string `json:"pipeline,omitempty"`
	// Latest is the time of the newest event applied.
	Latest time.Time `json:"latest,omitzero"`
	// LineRed is whether the newest pipeline execution that ended failed.
	LineRed bool `json:"lineRed,omitempty"`
	// LastResult is the time of that execution's end.
	LastResult time.Time `json:"lastResult,omitzero"`
	// FailingSince is the time of the first production failure that no
	// production success has followed yet; zero while production is healthy.
	FailingSince time.Time `json:"failingSince,omitzero"`
	// FailureByRollback is whether FailingSince was set by a rollback rather
	// than by a failed production stage (see [Rules.Apply] on rollbacks).
	FailureByRollback bool `json:"failureByRollback,omitempty"`
	// LastProductionSuccess is the time of the newest production success.
	LastProductionSuccess time.Time `json:"lastProductionSuccess,omitzero"`
	// Executions are the recent executions, by execution id.
	Executions map[string]Execution `json:"executions,omitempty"`
}

// Execution is what the state remembers about one pipeline execution.
type Execution struct {
	// Seen is the time of the newest event of the execution; the execution
	// is forgotten a retention period after it.
	Seen time.Time `json:"seen"`
	// Trigger is the execution's trigger type, once an event carried it.
	Trigger string `json:"trigger,omitempty"`
	// Started holds, per running stage, when its current attempt started.
	Started map[string]time.Time `json:"started,omitempty"`
	// Applied lists the changes already applied ("stage|STATE|attempt", the
	// stage empty for pipeline events), so duplicates are ignored.
	Applied []string `json:"applied,omitempty"`
	// InProduction is whether a production stage event of the execution was
	// seen.
	InProduction bool `json:"inProduction,omitempty"`
	// RollbackCounted is whether this rollback execution was already
	// considered as a production failure.
	RollbackCounted bool `json:"rollbackCounted,omitempty"`
	// Deployed is whether the execution's production stage succeeded.
	Deployed bool `json:"deployed,omitempty"`
	// Pending is the creation time of the oldest source revision of an
	// execution that ended without reaching production (failed, superseded,
	// stopped): its changes ship with a later execution, whose lead time
	// counts from it. Zero once consumed.
	Pending time.Time `json:"pending,omitzero"`
}

// Rules configures the computation. The zero value uses the defaults.
type Rules struct {
	// ProductionStage is the name of the stage that deploys to production.
	// Default: "Production".
	ProductionStage string
	// Retention is how long an execution is remembered after its newest
	// event. Default: 7 days.
	Retention time.Duration
	// MaxExecutions bounds the executions remembered; the oldest go first.
	// Default: 200.
	MaxExecutions int
}

func (r Rules) withDefaults() Rules {
	if r.ProductionStage == "" {
		r.ProductionStage = DefaultProductionStage
	}
	if r.Retention <= 0 {
		r.Retention = DefaultRetention
	}
	if r.MaxExecutions <= 0 {
		r.MaxExecutions = DefaultMaxExecutions
	}
	return r
}

// Apply applies one event to a pipeline's state with the default [Rules].
func Apply(s State, e Event, rev RevisionTimes) (State, []Datum) {
	return Rules{}.Apply(s, e, rev)
}

// Apply applies one event to a pipeline's state and returns the new state and
// the metric values the event produces. It never modifies s (the new state
// shares nothing with it) and never panics. The package documentation says
// which event produces which metric.
//
// Events that are not applied, and so return s unchanged and no data:
// invalid ones (see [Event.Validate]), action events, events of another
// pipeline than s.Pipeline, events more than the retention period older than
// the newest event applied, and events already applied (same execution id,
// stage, state and attempt: EventBridge delivers at least once).
//
// Rollbacks: an execution whose trigger type is AutomatedRollback or
// ManualRollback and that runs the production stage is a rollback into
// production. It counts one ProductionFailure (no ProductionAttempt) only if
// production is healthy at that moment (no failure since the last production
// success): a rollback after a deployment that succeeded reveals a failed
// change. A rollback after a failed production stage is the remedy of that
// failure, which was already counted, and counts nothing. Should the failed
// stage's event arrive after the rollback's (EventBridge does not order
// events), it is recognised by its earlier time and not counted either. The
// rollback's own production deployment is not a Deployment, has no LeadTime
// and counts no attempt; its success restores production (TimeToRestore).
func (r Rules) Apply(s State, e Event, rev RevisionTimes) (State, []Datum) {
	r = r.withDefaults()
	lvl := e.Level()
	if e.Validate() != nil || (lvl != LevelPipeline && lvl != LevelStage) {
		return s, nil
	}
	if s.Pipeline != "" && s.Pipeline != e.Detail.Pipeline {
		return s, nil
	}
	if !s.Latest.IsZero() && e.Time.Before(s.Latest.Add(-r.Retention)) {
		return s, nil
	}
	id := e.Detail.ExecutionID
	key := e.Detail.Stage + "|" + e.Detail.State + "|" + e.Detail.PipelineExecutionAttempt.String()
	if lvl == LevelPipeline {
		key = "|" + e.Detail.State + "|" + e.Detail.PipelineExecutionAttempt.String()
	}
	if x, ok := s.Executions[id]; ok && contains(x.Applied, key) {
		return s, nil
	}

	a := &applier{rules: r, s: s.clone(), e: e, rev: rev}
	a.s.Pipeline = e.Detail.Pipeline
	if a.s.Executions == nil {
		a.s.Executions = map[string]Execution{}
	}
	x := a.s.Executions[id]
	x.Applied = append(x.Applied, key)
	if e.Time.After(x.Seen) {
		x.Seen = e.Time
	}
	if t := e.Trigger(); t != "" && x.Trigger == "" {
		x.Trigger = t
	}
	if lvl == LevelPipeline {
		a.pipeline(&x)
	} else {
		a.stage(&x)
	}
	a.s.Executions[id] = x
	if e.Time.After(a.s.Latest) {
		a.s.Latest = e.Time
	}
	a.prune()
	return a.s, a.out
}

type applier struct {
	rules Rules
	s     State
	e     Event
	rev   RevisionTimes
	out   []Datum
}

func (a *applier) emit(name, unit string, value float64, stage string) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return
	}
	dims := map[string]string{DimensionPipeline: a.e.Detail.Pipeline}
	if stage != "" {
		dims[DimensionStage] = stage
	}
	a.out = append(a.out, Datum{Name: name, Value: value, Unit: unit, Dimensions: dims, Time: a.e.Time})
}

func (a *applier) pipeline(x *Execution) {
	t := a.e.Time
	a.countRollback(x)
	switch a.e.Detail.State {
	case StateStarted:
		a.emit(MetricExecutionsStarted, UnitCount, 1, "")
	case StateSucceeded:
		a.emit(MetricExecutionsSucceeded, UnitCount, 1, "")
		if !t.Before(a.s.LastResult) {
			a.s.LineRed, a.s.LastResult = false, t
			a.emit(MetricLineRed, UnitNone, 0, "")
		}
	case StateFailed:
		a.emit(MetricExecutionsFailed, UnitCount, 1, "")
		if !t.Before(a.s.LastResult) {
			a.s.LineRed, a.s.LastResult = true, t
			a.emit(MetricLineRed, UnitNone, 1, "")
		}
		a.remember(x)
	case StateSuperseded, StateStopped, StateCanceled:
		a.remember(x)
	}
}

// remember keeps the oldest revision of an execution that ended without
// deploying, for the lead time of the execution that will ship its changes.
func (a *applier) remember(x *Execution) {
	if IsRollback(x.Trigger) || x.Deployed || !x.Pending.IsZero() {
		return
	}
	if oldest, _, ok := a.revisions(a.e.Detail.ExecutionID); ok {
		x.Pending = oldest
	}
}

func (a *applier) revisions(id string) (oldest, newest time.Time, ok bool) {
	if a.rev == nil {
		return
	}
	times, err := a.rev(a.e.Detail.Pipeline, id)
	if err != nil {
		return
	}
	for _, t := range times {
		if t.IsZero() {
			continue
		}
		if !ok || t.Before(oldest) {
			oldest = t
		}
		if !ok || t.After(newest) {
			newest = t
		}
		ok = true
	}
	return
}

func (a *applier) stage(x *Execution) {
	stage, t := a.e.Detail.Stage, a.e.Time
	prod := stage == a.rules.ProductionStage
	if prod {
		x.InProduction = true
		a.countRollback(x)
	}
	switch a.e.Detail.State {
	case StateStarted:
		if !a.finished(x, stage) {
			if x.Started == nil {
				x.Started = map[string]time.Time{}
			}
			x.Started[stage] = t
		}
	case StateResumed:
		if x.Started == nil {
			x.Started = map[string]time.Time{}
		}
		x.Started[stage] = t
	case StateSucceeded, StateFailed:
		if start, ok := x.Started[stage]; ok {
			delete(x.Started, stage)
			if !t.Before(start) {
				a.emit(MetricStageDuration, UnitSeconds, t.Sub(start).Seconds(), stage)
			}
		}
		if prod && a.e.Detail.State == StateSucceeded {
			a.productionSucceeded(x)
		} else if prod {
			a.productionFailed(x)
		}
	case StateStopped, StateCanceled:
		delete(x.Started, stage)
	}
	if len(x.Started) == 0 {
		x.Started = nil
	}
}

// finished reports whether the current attempt of the stage already ended: a
// STARTED that arrives after its SUCCEEDED or FAILED must not start a clock.
func (a *applier) finished(x *Execution, stage string) bool {
	n := a.e.Detail.PipelineExecutionAttempt.String()
	for _, s := range []string{StateSucceeded, StateFailed, StateStopped, StateCanceled} {
		if contains(x.Applied, stage+"|"+s+"|"+n) {
			return true
		}
	}
	return false
}

func (a *applier) productionSucceeded(x *Execution) {
	t := a.e.Time
	if !IsRollback(x.Trigger) {
		x.Deployed = true
		a.emit(MetricDeployments, UnitCount, 1, "")
		a.emit(MetricProductionAttempts, UnitCount, 1, "")
		a.leadTime(x)
	}
	if !a.s.FailingSince.IsZero() && !t.Before(a.s.FailingSince) {
		a.emit(MetricTimeToRestore, UnitSeconds, t.Sub(a.s.FailingSince).Seconds(), "")
		a.s.FailingSince, a.s.FailureByRollback = time.Time{}, false
	}
	if t.After(a.s.LastProductionSuccess) {
		a.s.LastProductionSuccess = t
	}
}

func (a *applier) leadTime(x *Execution) {
	id := a.e.Detail.ExecutionID
	oldest, newest, ok := a.revisions(id)
	if !ok {
		return
	}
	if !x.Pending.IsZero() && x.Pending.Before(oldest) {
		oldest = x.Pending
	}
	x.Pending = time.Time{}
	// Changes of earlier executions that never reached production ship
	// with this one if they are not newer than its newest revision.
	for other, y := range a.s.Executions {
		if other == id || y.Pending.IsZero() || y.Pending.After(newest) {
			continue
		}
		if y.Pending.Before(oldest) {
			oldest = y.Pending
		}
		y.Pending = time.Time{}
		a.s.Executions[other] = y
	}
	if lt := a.e.Time.Sub(oldest); lt >= 0 {
		a.emit(MetricLeadTime, UnitSeconds, lt.Seconds(), "")
	}
}

func (a *applier) productionFailed(x *Execution) {
	if IsRollback(x.Trigger) {
		return // production stays failed; the incident is already counted
	}
	t := a.e.Time
	a.emit(MetricProductionAttempts, UnitCount, 1, "")
	if a.s.FailureByRollback && !a.s.FailingSince.IsZero() && t.Before(a.s.FailingSince) {
		// The failure a rollback already counted, arriving late.
		a.s.FailingSince, a.s.FailureByRollback = t, false
		return
	}
	a.emit(MetricProductionFailures, UnitCount, 1, "")
	if t.Before(a.s.LastProductionSuccess) {
		return // already restored by a later success that arrived first
	}
	if a.s.FailingSince.IsZero() || t.Before(a.s.FailingSince) {
		a.s.FailingSince, a.s.FailureByRollback = t, false
	}
}

// countRollback counts a rollback into production once both facts are known:
// its trigger (pipeline events) and that it runs the production stage.
func (a *applier) countRollback(x *Execution) {
	if !IsRollback(x.Trigger) || !x.InProduction || x.RollbackCounted {
		return
	}
	x.RollbackCounted = true
	t := a.e.Time
	if !a.s.FailingSince.IsZero() || t.Before(a.s.LastProductionSuccess) {
		return
	}
	a.emit(MetricProductionFailures, UnitCount, 1, "")
	a.s.FailingSince, a.s.FailureByRollback = t, true
}

func (a *applier) prune() {
	cutoff := a.s.Latest.Add(-a.rules.Retention)
	for id, x := range a.s.Executions {
		if x.Seen.Before(cutoff) {
			delete(a.s.Executions, id)
		}
	}
	if over := len(a.s.Executions) - a.rules.MaxExecutions; over > 0 {
		ids := make([]string, 0, len(a.s.Executions))
		for id := range a.s.Executions {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool {
			si, sj := a.s.Executions[ids[i]].Seen, a.s.Executions[ids[j]].Seen
			if !si.Equal(sj) {
				return si.Before(sj)
			}
			return ids[i] < ids[j]
		})
		for _, id := range ids[:over] {
			delete(a.s.Executions, id)
		}
	}
	if len(a.s.Executions) == 0 {
		a.s.Executions = nil
	}
}

func (s State) clone() State {
	c := s
	if s.Executions != nil {
		c.Executions = make(map[string]Execution, len(s.Executions))
		for id, x := range s.Executions {
			if x.Started != nil {
				started := make(map[string]time.Time, len(x.Started))
				for k, v := range x.Started {
					started[k] = v
				}
				x.Started = started
			}
			x.Applied = append([]string(nil), x.Applied...)
			c.Executions[id] = x
		}
	}
	return c
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
