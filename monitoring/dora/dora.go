package dora

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Defaults of the computation and of its metrics.
const (
	// DefaultNamespace is the CloudWatch namespace of the line's metrics.
	DefaultNamespace = "Velocity/Line"
	// DefaultProductionStage is the name of the stage that deploys to
	// production.
	DefaultProductionStage = "Production"
	// DefaultHorizon is how long the state remembers an execution after its
	// newest event, and how old (by the function's clock) an event may be
	// to be applied at all. It is far longer than EventBridge's retries (24
	// hours at most), so a redelivery always finds its execution and counts
	// nothing twice.
	DefaultHorizon = 7 * 24 * time.Hour
	// DefaultSettle is how long after an event the metrics that depend on
	// other executions (LeadTime, TimeToRestore, the failure a manual
	// rollback reveals) wait for events that may still arrive before it. It
	// is longer than the delivery retries of the DORA function's rule and
	// of its asynchronous invocations together (monitoring.NewDORAFunction:
	// 15 and 30 minutes).
	DefaultSettle = time.Hour
	// DefaultMaxSkew is how far after the function's clock an event may be
	// dated; later events are refused.
	DefaultMaxSkew = 5 * time.Minute
	// DefaultMaxExecutions bounds the executions the state remembers, so the
	// stored item stays far below DynamoDB's 400 KB even for a busy line.
	DefaultMaxExecutions = 200
	// DefaultMaxPending bounds the changes that wait for a deployment to
	// ship them (see LeadTime).
	DefaultMaxPending = 100
)

// StateFormat is the format of [State] this package writes. A state of an
// earlier format (before exactly-once processing) is converted when it is
// decoded.
const StateFormat = 2

// Metric names, all in one namespace ([DefaultNamespace] by default).
const (
	// MetricDeployments is 1 per successful production stage execution
	// (rollbacks excluded). Sum = deployment frequency.
	MetricDeployments = "Deployments"
	// MetricLeadTime is, per deployment, the seconds from the creation of
	// the oldest source revision it ships to the production success.
	MetricLeadTime = "LeadTime"
	// MetricProductionFailures is 1 per failed production deployment, and 1
	// per manual rollback into a healthy production.
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
	// succeeds, at the time it does; an alarm on its Maximum that ignores
	// missing data stays in ALARM from a failure until the next success.
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

// Details is what CodePipeline says about a pipeline execution
// (codepipeline:GetPipelineExecution).
type Details struct {
	// Trigger is trigger.triggerType, "" if CodePipeline did not say.
	Trigger string
	// Revisions are the creation times of the execution's source revisions
	// (artifactRevisions[].created), in any order.
	Revisions []time.Time
}

// Lookup returns the [Details] of a pipeline execution. [Apply] calls it at
// most once per execution that reaches the production stage or ends
// without succeeding, and keeps the answer in the state; an error leaves
// the details unknown (the handler instead retries the whole event, see
// [Handler]). A nil Lookup leaves them unknown: no lead times, and whether
// an execution is a rollback is known only from its events.
type Lookup func(pipeline, executionID string) (Details, error)

// Millis is a time in milliseconds since the Unix epoch, as the state
// stores times; 0 is "none".
type Millis int64

// MillisOf returns t in milliseconds.
func MillisOf(t time.Time) Millis { return Millis(t.UnixMilli()) }

// Time returns m as a time in UTC.
func (m Millis) Time() time.Time { return time.UnixMilli(int64(m)).UTC() }

// State is what the computation remembers about one pipeline between events:
// the facts (events) of its recent executions, what each has already
// published, and the production timeline folded up to Settled. It is plain
// data and round-trips through encoding/json; the zero value is the state of
// a pipeline never seen.
type State struct {
	// Format is StateFormat once the state has been written by this
	// package.
	Format int `json:"format,omitempty"`
	// Pipeline is the pipeline's name.
	Pipeline string `json:"pipeline,omitempty"`
	// Floor: events of executions the state does not remember that are
	// dated at or before Floor are refused; the state may have forgotten
	// their execution, and applying them again could count them twice.
	Floor Millis `json:"floor,omitempty"`
	// Settled: the production facts dated at or before Settled are folded
	// into Production (and have published what depends on other
	// executions); events dated at or before it that arrive later are
	// "late" and only publish what depends on their own execution.
	Settled Millis `json:"settled,omitempty"`
	// Production is the production timeline up to Settled.
	Production Production `json:"production,omitzero"`
	// Executions are the recent executions, by execution id.
	Executions map[string]Execution `json:"execs,omitempty"`
}

// Production is the state of production at [State.Settled].
type Production struct {
	// FailingSince is the time of the first production failure that no
	// production success has followed yet; 0 while production is healthy.
	FailingSince Millis `json:"failingSince,omitempty"`
	// Pending are the changes of executions that ended without reaching
	// production, oldest first, until a deployment ships them.
	Pending []Pending `json:"pending,omitempty"`
}

// Pending is the change of an execution that ended without deploying.
type Pending struct {
	// Execution is the execution's id.
	Execution string `json:"execution"`
	// Oldest is the creation time of its oldest source revision.
	Oldest Millis `json:"oldest"`
}

// Execution is what the state knows about one pipeline execution: its
// events, keyed by "stage|STATE|attempt" (stage empty for pipeline events),
// with their times, what CodePipeline said about it, and which of its
// metric values are published.
type Execution struct {
	// Trigger is the execution's trigger type, once an event or the lookup
	// named it.
	Trigger string `json:"trigger,omitempty"`
	// Known is whether the trigger is known: a pipeline STARTED event (which
	// CodePipeline always sends with the trigger), an event naming it, or
	// the lookup. Until then a production result is not published, as it
	// may be a rollback's.
	Known bool `json:"known,omitempty"`
	// Looked is whether the lookup answered; Oldest and Newest are then
	// the creation times of its oldest and newest source revisions (0 if
	// it had none).
	Looked bool   `json:"looked,omitempty"`
	Oldest Millis `json:"oldest,omitempty"`
	Newest Millis `json:"newest,omitempty"`
	// Events are the times of the execution's distinct events.
	Events map[string]Millis `json:"events,omitempty"`
	// Late lists the events that arrived after Settled had passed their
	// time (sorted).
	Late []string `json:"late,omitempty"`
	// Done lists the metric values of the execution already published
	// (sorted), so that none is published twice.
	Done []string `json:"done,omitempty"`
}

// Rules configures the computation. The zero value uses the defaults.
type Rules struct {
	// ProductionStage is the name of the stage that deploys to production.
	// Default: "Production".
	ProductionStage string
	// Horizon is how long an execution is remembered after its newest
	// event, and the age beyond which events are refused. Default: 7 days.
	Horizon time.Duration
	// Settle is how long the metrics that depend on other executions wait
	// for late events. Default: 1 hour; at most half the horizon.
	Settle time.Duration
	// MaxSkew is how far in the future an event may be dated. Default: 5
	// minutes.
	MaxSkew time.Duration
	// MaxExecutions bounds the executions remembered; the oldest go first,
	// and events up to their newest are refused from then on. Default: 200.
	MaxExecutions int
}

func (r Rules) withDefaults() Rules {
	if r.ProductionStage == "" {
		r.ProductionStage = DefaultProductionStage
	}
	if r.Horizon <= 0 {
		r.Horizon = DefaultHorizon
	}
	if r.Settle <= 0 {
		r.Settle = DefaultSettle
	}
	if r.Settle > r.Horizon/2 {
		r.Settle = r.Horizon / 2
	}
	if r.MaxSkew <= 0 {
		r.MaxSkew = DefaultMaxSkew
	}
	if r.MaxExecutions <= 0 {
		r.MaxExecutions = DefaultMaxExecutions
	}
	return r
}

// Apply applies one event with the default [Rules].
func Apply(s State, e Event, now time.Time, look Lookup) (State, []Datum) {
	return Rules{}.Apply(s, e, now, look)
}

// Tick advances the state to now with the default [Rules].
func Tick(s State, now time.Time, look Lookup) (State, []Datum) {
	return Rules{}.Tick(s, now, look)
}

// Accepts says why Apply would not apply the event at now (nil: it would).
// Apply ignores invalid events (see [Event.Validate]), action events,
// events of another pipeline than s.Pipeline, events dated more than
// MaxSkew after now or more than Horizon before it, and events dated at or
// before s.Floor of executions the state no longer remembers.
func (r Rules) Accepts(s State, e Event, now time.Time) error {
	r = r.withDefaults()
	if err := e.Validate(); err != nil {
		return err
	}
	if lvl := e.Level(); lvl != LevelPipeline && lvl != LevelStage {
		return fmt.Errorf("dora: %s events are not used", lvl)
	}
	if s.Pipeline != "" && s.Pipeline != e.Detail.Pipeline {
		return fmt.Errorf("dora: event of pipeline %q applied to the state of %q", e.Detail.Pipeline, s.Pipeline)
	}
	if e.Time.After(now.Add(r.MaxSkew)) {
		return fmt.Errorf("dora: event dated %s, more than %s after the function's clock (%s)",
			e.Time.UTC().Format(time.RFC3339), r.MaxSkew, now.UTC().Format(time.RFC3339))
	}
	if e.Time.Before(now.Add(-r.Horizon)) {
		return fmt.Errorf("dora: event dated %s, more than %s before the function's clock (%s)",
			e.Time.UTC().Format(time.RFC3339), r.Horizon, now.UTC().Format(time.RFC3339))
	}
	if _, ok := s.Executions[e.Detail.ExecutionID]; !ok && MillisOf(e.Time) <= r.floor(s, now) {
		return fmt.Errorf("dora: event dated %s of execution %s, which may have been forgotten (the state forgets executions up to %s): refused rather than counted twice",
			e.Time.UTC().Format(time.RFC3339), e.Detail.ExecutionID, r.floor(s, now).Time().Format(time.RFC3339))
	}
	return nil
}

// floor is the state's Floor, ignoring one dated after now (left by a state
// of format 1, whose clock an event dated in the future could set).
func (r Rules) floor(s State, now time.Time) Millis {
	if s.Floor > MillisOf(now.Add(r.MaxSkew)) {
		return 0
	}
	return s.Floor
}

// Apply applies one event to a pipeline's state at now (the function's
// clock) and returns the new state and the metric values to publish. It
// never modifies s and never panics; the new state shares the executions it
// did not change with s, so treat states as values: change neither's maps
// or slices in place.
// The package documentation says which events produce which metric.
//
// The metrics are a function of the set of distinct events, whatever their
// order and however often each is delivered, provided each arrives within
// Settle of its time: an event is applied once per execution id, stage,
// state and pipeline-execution-attempt, and changes nothing after that;
// each metric value is published once, when the events it depends on are
// in. Events Apply ignores (see [Rules.Accepts]) return s unchanged and no
// data. Apply then does what [Rules.Tick] does.
func (r Rules) Apply(s State, e Event, now time.Time, look Lookup) (State, []Datum) {
	r = r.withDefaults()
	if r.Accepts(s, e, now) != nil {
		return s, nil
	}
	a := r.begin(s, now, look)
	a.s.Pipeline = e.Detail.Pipeline
	id := e.Detail.ExecutionID
	x := a.s.Executions[id]
	key := eventKey(e)
	if _, dup := x.Events[key]; !dup {
		t := MillisOf(e.Time)
		x = x.clone()
		if x.Events == nil {
			x.Events = map[string]Millis{}
		}
		x.Events[key] = t
		if t <= a.s.Settled {
			x.Late = insert(x.Late, key)
		}
		if e.Level() == LevelPipeline && e.Detail.State == StateStarted {
			x.Known = true
		}
		if tr := e.Trigger(); tr != "" {
			x.Known = true
			if x.Trigger == "" {
				x.Trigger = tr
			}
		}
		if a.needsDetails(x) {
			a.lookup(id, &x)
		}
		a.s.Executions[id] = x
		a.dirty = append(a.dirty, id)
	}
	a.tick()
	return a.s, a.out
}

// Tick advances the state to now without an event: it publishes what has
// settled since the last call (Settle after its events), decides the
// production results whose trigger is still unknown once they settle (as
// not rollbacks), and forgets executions older than the horizon. The
// function calls it on a schedule, so that metrics that wait to settle are
// published even when the line is idle.
func (r Rules) Tick(s State, now time.Time, look Lookup) (State, []Datum) {
	r = r.withDefaults()
	a := r.begin(s, now, look)
	a.tick()
	return a.s, a.out
}

type applier struct {
	rules Rules
	s     State
	now   time.Time
	look  Lookup
	dirty []string
	out   []Datum
}

// begin starts a change of s. The new state shares the executions'
// events and lists with s until it changes them (Execution.clone), so a
// change costs what it changes.
func (r Rules) begin(s State, now time.Time, look Lookup) *applier {
	c := s
	c.Production.Pending = append([]Pending(nil), s.Production.Pending...)
	if len(c.Production.Pending) == 0 {
		c.Production.Pending = nil
	}
	if s.Executions != nil {
		c.Executions = make(map[string]Execution, len(s.Executions))
		for id, x := range s.Executions {
			c.Executions[id] = x
		}
	}
	a := &applier{rules: r, s: c, now: now, look: look}
	a.s.Format = StateFormat
	a.s.Floor = r.floor(a.s, now)
	if a.s.Executions == nil {
		a.s.Executions = map[string]Execution{}
	}
	return a
}

func (a *applier) tick() {
	settled := a.s.Settled
	if w := MillisOf(a.now.Add(-a.rules.Settle)); w > settled {
		settled = w
	}
	ids := a.dirty
	if settled > a.s.Settled {
		// Production results whose trigger is unknown are decided now.
		ids = sortedKeys(a.s.Executions)
	}
	for _, id := range ids {
		x := a.s.Executions[id]
		a.publishLocal(id, &x, settled)
		a.s.Executions[id] = x
	}
	if settled > a.s.Settled {
		a.fold(a.s.Settled, settled)
		a.s.Settled = settled
	}
	a.prune()
}

// needsDetails: the lookup is asked, once, about every execution that reaches
// production (its trigger says whether it is a rollback; its revisions give
// the lead time) or that ends without succeeding (its change waits for a
// later deployment).
func (a *applier) needsDetails(x Execution) bool {
	if x.Looked || a.look == nil {
		return false
	}
	for k := range x.Events {
		stage, state, _ := splitKey(k)
		if stage == a.rules.ProductionStage || (stage == "" && endsUndeployed(state)) {
			return true
		}
	}
	return false
}

func (a *applier) lookup(id string, x *Execution) {
	d, err := a.look(a.s.Pipeline, id)
	if err != nil {
		return
	}
	x.Looked = true
	if d.Trigger != "" {
		x.Known = true
		if x.Trigger == "" {
			x.Trigger = d.Trigger
		}
	}
	for _, t := range d.Revisions {
		if t.IsZero() {
			continue
		}
		m := MillisOf(t)
		if x.Oldest == 0 || m < x.Oldest {
			x.Oldest = m
		}
		if m > x.Newest {
			x.Newest = m
		}
	}
}

func endsUndeployed(state string) bool {
	switch state {
	case StateFailed, StateSuperseded, StateStopped, StateCanceled:
		return true
	}
	return false
}

// rollback says whether x is a rollback, and whether that is decided for a
// result at t: the trigger is known, or t has settled (an execution whose
// pipeline STARTED never arrived is taken for an ordinary one).
func (x Execution) rollback(t, settled Millis) (rollback, decided bool) {
	if x.Known {
		return IsRollback(x.Trigger), true
	}
	return false, t <= settled
}

func (x Execution) revisions() bool { return x.Looked && x.Oldest != 0 }

func (a *applier) datum(name, unit string, value float64, t Millis, stage string) Datum {
	dims := map[string]string{DimensionPipeline: a.s.Pipeline}
	if stage != "" {
		dims[DimensionStage] = stage
	}
	return Datum{Name: name, Value: value, Unit: unit, Dimensions: dims, Time: t.Time()}
}

func (a *applier) emit(d ...Datum) {
	for _, v := range d {
		if !math.IsNaN(v.Value) && !math.IsInf(v.Value, 0) {
			a.out = append(a.out, v)
		}
	}
}

func seconds(from, to Millis) float64 { return float64(to-from) / 1000 }

// publishLocal publishes the values that depend on the execution's own
// events only, each once (x.Done), as soon as its events are in.
func (a *applier) publishLocal(id string, x *Execution, settled Millis) {
	prod := a.rules.ProductionStage
	owned := false
	publish := func(key string, data func() []Datum) {
		if contains(x.Done, key) {
			return
		}
		if !owned {
			*x, owned = x.clone(), true
		}
		x.Done = insert(x.Done, key)
		a.emit(data()...)
	}
	for _, k := range sortedKeys(x.Events) {
		stage, state, n := splitKey(k)
		t := x.Events[k]
		if stage == "" {
			switch state {
			case StateStarted:
				publish("started|"+n, func() []Datum { return []Datum{a.datum(MetricExecutionsStarted, UnitCount, 1, t, "")} })
			case StateSucceeded:
				publish("succeeded|"+n, func() []Datum {
					return []Datum{a.datum(MetricExecutionsSucceeded, UnitCount, 1, t, ""), a.datum(MetricLineRed, UnitNone, 0, t, "")}
				})
			case StateFailed:
				publish("failed|"+n, func() []Datum {
					return []Datum{a.datum(MetricExecutionsFailed, UnitCount, 1, t, ""), a.datum(MetricLineRed, UnitNone, 1, t, "")}
				})
			}
			continue
		}
		if state != StateSucceeded && state != StateFailed {
			continue
		}
		start, ok := x.Events[stage+"|"+StateResumed+"|"+n]
		if !ok {
			start, ok = x.Events[stage+"|"+StateStarted+"|"+n]
		}
		if ok && t >= start {
			publish("duration|"+stage+"|"+n, func() []Datum {
				return []Datum{a.datum(MetricStageDuration, UnitSeconds, seconds(start, t), t, stage)}
			})
		}
		if stage != prod {
			continue
		}
		if rb, decided := x.rollback(t, settled); rb || !decided {
			continue
		}
		if state == StateFailed {
			publish("failure|"+n, func() []Datum {
				return []Datum{a.datum(MetricProductionAttempts, UnitCount, 1, t, ""), a.datum(MetricProductionFailures, UnitCount, 1, t, "")}
			})
			continue
		}
		publish("deploy|"+n, func() []Datum {
			return []Datum{a.datum(MetricDeployments, UnitCount, 1, t, ""), a.datum(MetricProductionAttempts, UnitCount, 1, t, "")}
		})
		if contains(x.Late, k) && x.revisions() && t >= x.Oldest {
			// Arrived after its time settled: its lead time counts from
			// its own revisions only.
			publish("lead|"+n, func() []Datum { return []Datum{a.datum(MetricLeadTime, UnitSeconds, seconds(x.Oldest, t), t, "")} })
		}
	}
}

// Kinds of production facts, in the order they are folded at equal times.
const (
	factEnd      = iota // an execution ended without deploying
	factFailure         // a production stage failed
	factRevealed        // a manual rollback started in production
	factDeploy          // a production stage succeeded
	factRestore         // a rollback's production stage succeeded
)

type fact struct {
	t    Millis
	kind int
	id   string
	key  string
}

// fold walks the production facts dated in (from, to], in time order, and
// publishes what depends on more than one execution: lead times (with the
// changes that waited for a deployment), the failure a manual rollback
// into a healthy production reveals, and times to restore.
func (a *applier) fold(from, to Millis) {
	prod := a.rules.ProductionStage
	var facts []fact
	for _, id := range sortedKeys(a.s.Executions) {
		x := a.s.Executions[id]
		var first Millis
		touches := false
		for k, t := range x.Events {
			stage, state, _ := splitKey(k)
			if stage == prod && (!touches || t < first) {
				first, touches = t, true
			}
			if t <= from || t > to || contains(x.Late, k) {
				continue
			}
			rb := x.Known && IsRollback(x.Trigger)
			switch {
			case stage == "" && !rb && endsUndeployed(state):
				facts = append(facts, fact{t, factEnd, id, k})
			case stage != prod:
			case state == StateSucceeded && rb:
				facts = append(facts, fact{t, factRestore, id, k})
			case state == StateSucceeded:
				facts = append(facts, fact{t, factDeploy, id, k})
			case state == StateFailed && !rb:
				facts = append(facts, fact{t, factFailure, id, k})
			}
		}
		if touches && x.Known && x.Trigger == TriggerManualRollback && first > from && first <= to {
			facts = append(facts, fact{first, factRevealed, id, ""})
		}
	}
	sort.Slice(facts, func(i, j int) bool {
		fi, fj := facts[i], facts[j]
		if fi.t != fj.t {
			return fi.t < fj.t
		}
		if fi.kind != fj.kind {
			return fi.kind < fj.kind
		}
		if fi.id != fj.id {
			return fi.id < fj.id
		}
		return fi.key < fj.key
	})
	p := &a.s.Production
	restore := func(t Millis) {
		if p.FailingSince != 0 && t >= p.FailingSince {
			a.emit(a.datum(MetricTimeToRestore, UnitSeconds, seconds(p.FailingSince, t), t, ""))
			p.FailingSince = 0
		}
	}
	for _, f := range facts {
		switch f.kind {
		case factEnd:
			x := a.details(f.id)
			if x.deployedBy(prod, f.t) || !x.revisions() || p.pending(f.id) {
				continue
			}
			p.Pending = append(p.Pending, Pending{Execution: f.id, Oldest: x.Oldest})
			p.sortPending()
		case factFailure:
			if p.FailingSince == 0 {
				p.FailingSince = f.t
			}
		case factRevealed:
			if p.FailingSince == 0 {
				a.emit(a.datum(MetricProductionFailures, UnitCount, 1, f.t, ""))
				p.FailingSince = f.t
			}
		case factDeploy:
			if x := a.details(f.id); x.revisions() {
				oldest := x.Oldest
				var keep []Pending
				for _, w := range p.Pending {
					// Changes of earlier executions that never reached
					// production ship with this one if they are not
					// newer than its newest revision.
					if w.Execution == f.id || w.Oldest <= x.Newest {
						oldest = min(oldest, w.Oldest)
						continue
					}
					keep = append(keep, w)
				}
				p.Pending = keep
				if f.t >= oldest {
					a.emit(a.datum(MetricLeadTime, UnitSeconds, seconds(oldest, f.t), f.t, ""))
				}
			}
			restore(f.t)
		case factRestore:
			restore(f.t)
		}
	}
}

// details returns the execution, asking the lookup about it if no earlier
// call could.
func (a *applier) details(id string) Execution {
	x := a.s.Executions[id]
	if a.needsDetails(x) {
		a.lookup(id, &x)
		a.s.Executions[id] = x
	}
	return x
}

// deployedBy reports whether the execution's production stage succeeded at
// or before t (rollbacks are not deployments).
func (x Execution) deployedBy(prod string, t Millis) bool {
	if x.Known && IsRollback(x.Trigger) {
		return false
	}
	for k, at := range x.Events {
		if stage, state, _ := splitKey(k); stage == prod && state == StateSucceeded && at <= t {
			return true
		}
	}
	return false
}

func (p *Production) pending(id string) bool {
	for _, w := range p.Pending {
		if w.Execution == id {
			return true
		}
	}
	return false
}

func (p *Production) sortPending() {
	sort.Slice(p.Pending, func(i, j int) bool {
		if p.Pending[i].Oldest != p.Pending[j].Oldest {
			return p.Pending[i].Oldest < p.Pending[j].Oldest
		}
		return p.Pending[i].Execution < p.Pending[j].Execution
	})
	if len(p.Pending) > DefaultMaxPending {
		p.Pending = p.Pending[:DefaultMaxPending]
	}
}

func (x Execution) newest() Millis {
	var n Millis
	for _, t := range x.Events {
		n = max(n, t)
	}
	return n
}

// prune forgets executions whose newest event is older than the horizon,
// then the oldest beyond MaxExecutions, and raises Floor so that the
// events of forgotten executions are refused rather than counted again.
func (a *applier) prune() {
	floor := max(a.s.Floor, MillisOf(a.now.Add(-a.rules.Horizon)))
	for id, x := range a.s.Executions {
		if x.newest() < floor {
			delete(a.s.Executions, id)
		}
	}
	if over := len(a.s.Executions) - a.rules.MaxExecutions; over > 0 {
		ids := sortedKeys(a.s.Executions)
		sort.SliceStable(ids, func(i, j int) bool {
			return a.s.Executions[ids[i]].newest() < a.s.Executions[ids[j]].newest()
		})
		for _, id := range ids[:over] {
			floor = max(floor, a.s.Executions[id].newest())
			delete(a.s.Executions, id)
		}
	}
	a.s.Floor = floor
	if len(a.s.Executions) == 0 {
		a.s.Executions = nil
	}
}

// clone returns a copy of x that shares nothing with it.
func (x Execution) clone() Execution {
	if x.Events != nil {
		events := make(map[string]Millis, len(x.Events)+1)
		for k, v := range x.Events {
			events[k] = v
		}
		x.Events = events
	}
	if x.Late != nil {
		x.Late = append([]string(nil), x.Late...)
	}
	if x.Done != nil {
		x.Done = append([]string(nil), x.Done...)
	}
	return x
}

// UnmarshalJSON decodes a state, converting one of format 1 (before
// exactly-once processing): its open production failure and its waiting
// changes are kept, and Floor is set to the time of its newest event, so
// that a redelivered event of an execution it had applied is refused rather
// than counted again.
func (s *State) UnmarshalJSON(b []byte) error {
	type plain State
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*s = State(p)
	if s.Format >= StateFormat {
		return nil
	}
	var old struct {
		Latest       time.Time `json:"latest"`
		FailingSince time.Time `json:"failingSince"`
		Executions   map[string]struct {
			Pending time.Time `json:"pending"`
		} `json:"executions"`
	}
	if err := json.Unmarshal(b, &old); err != nil || (old.Latest.IsZero() && len(old.Executions) == 0) {
		return nil
	}
	s.Format = StateFormat
	s.Floor = max(s.Floor, MillisOf(old.Latest))
	if !old.FailingSince.IsZero() && s.Production.FailingSince == 0 {
		s.Production.FailingSince = MillisOf(old.FailingSince)
	}
	for id, x := range old.Executions {
		if !x.Pending.IsZero() && !s.Production.pending(id) {
			s.Production.Pending = append(s.Production.Pending, Pending{Execution: id, Oldest: MillisOf(x.Pending)})
		}
	}
	s.Production.sortPending()
	return nil
}

// eventKey identifies an event among the events of its execution:
// "stage|STATE|attempt", the stage empty for pipeline events.
func eventKey(e Event) string {
	stage := e.Detail.Stage
	if e.Level() == LevelPipeline {
		stage = ""
	}
	return stage + "|" + e.Detail.State + "|" + e.Detail.PipelineExecutionAttempt.String()
}

func splitKey(k string) (stage, state, attempt string) {
	stage, rest, _ := strings.Cut(k, "|")
	state, attempt, _ = strings.Cut(rest, "|")
	return stage, state, attempt
}

// sortedKeys returns the keys of m in order, for output that does not
// change from run to run.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// insert adds s to the sorted list if it is not there.
func insert(list []string, s string) []string {
	i := sort.SearchStrings(list, s)
	if i < len(list) && list[i] == s {
		return list
	}
	list = append(list, "")
	copy(list[i+1:], list[i:])
	list[i] = s
	return list
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}
