package dora

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// Regression tests for the four miscounts of issue #14 ("DORA metrics
// under real events").

func sum(data []Datum, name string) float64 {
	var n float64
	for _, d := range data {
		if d.Name == name {
			n += d.Value
		}
	}
	return n
}

// A rollback counted as a deployment (with an extra lead time) when its
// stage SUCCEEDED arrived before its pipeline STARTED.
func TestRegressionRollbackStageBeforeItsStarted(t *testing.T) {
	events := concat(deploy("a", 0), failProduction("b", 50), []Event{
		stageEvent("r", "Production", StateSucceeded, at(70)),
		stageEvent("r", "Production", StateStarted, at(61)),
		started("r", at(61), TriggerAutomatedRollback),
		pipelineEvent("r", StateSucceeded, at(70)),
	})
	rv := map[string][]float64{"a": {-5}, "b": {45}, "r": {-5}}
	withTrigger := func(p, id string) (Details, error) {
		d, err := revs(rv)(p, id)
		if id == "r" {
			d.Trigger = TriggerAutomatedRollback
		}
		return d, err
	}
	for name, look := range map[string]Lookup{"trigger from the lookup": withTrigger, "trigger from the events": revs(rv), "no lookup": nil} {
		t.Run(name, func(t *testing.T) {
			_, data := run(t, Rules{}, events, look)
			got := byName(data)
			if d := got[MetricDeployments]; len(d) != 1 {
				t.Errorf("deployments %v, want only a's", d)
			}
			if lt := got[MetricLeadTime]; look != nil && !reflect.DeepEqual(lt, []float64{15 * 60}) {
				t.Errorf("lead times %v, want only a's (15 min)", lt)
			}
			if ttr := got[MetricTimeToRestore]; !reflect.DeepEqual(ttr, []float64{10 * 60}) {
				t.Errorf("time to restore %v, want 10 min", ttr)
			}
		})
	}

	// Before its STARTED arrives (and without a lookup that knows), the
	// rollback's success publishes no production metric at all.
	s, _ := run(t, Rules{}, concat(deploy("a", 0), failProduction("b", 50)), revs(rv))
	_, data := Apply(s, stageEvent("r", "Production", StateSucceeded, at(70)), at(70), revs(rv))
	if n := sum(data, MetricDeployments) + sum(data, MetricProductionAttempts); n != 0 {
		t.Errorf("rollback's stage alone published %+v", data)
	}
}

// A failure processed after the rollback that remedies it counted twice
// (change failure rate 100 % instead of 50 %).
func TestRegressionFailureAfterItsRollback(t *testing.T) {
	for _, trigger := range []string{TriggerAutomatedRollback, TriggerManualRollback} {
		t.Run(trigger, func(t *testing.T) {
			events := concat(deploy("a", 0), rollback("r", trigger, 61, 9), failProduction("b", 50))
			_, data := run(t, Rules{}, events, nil)
			failures, attempts := sum(data, MetricProductionFailures), sum(data, MetricProductionAttempts)
			if failures != 1 || attempts != 2 {
				t.Errorf("change failure rate %v/%v, want 1/2 (50 %%)", failures, attempts)
			}
			if ttr := byName(data)[MetricTimeToRestore]; !reflect.DeepEqual(ttr, []float64{10 * 60}) {
				t.Errorf("time to restore %v, want from b's failure (60) to the rollback (70)", ttr)
			}
		})
	}
}

// One event dated in the far future set the state's clock, and later
// deployments produced no data points.
func TestRegressionFutureEventKeepsTheClock(t *testing.T) {
	future := stageEvent("z", "Production", StateSucceeded, at(60*24*365))
	if err := (Rules{}).Accepts(State{}, future, at(0)); err == nil {
		t.Error("an event dated a year after the clock is accepted")
	}
	s, data := Apply(State{}, future, at(0), nil)
	if len(data) != 0 || !reflect.DeepEqual(s, State{}) {
		t.Errorf("future event applied: %+v %v", s, data)
	}
	// Within the skew it is applied.
	if _, data := Apply(State{}, started("y", at(4), TriggerWebhook), at(0), nil); len(data) != 1 {
		t.Errorf("event 4 minutes ahead of the clock: %v", data)
	}

	// The function's clock is its own: the future event first, then two
	// deployments, each at its time.
	rv := revs(map[string][]float64{"a": {-5}, "b": {55}})
	s, data = Apply(State{}, future, at(-1), rv)
	for _, e := range concat(deploy("a", 0), deploy("b", 60)) {
		var d []Datum
		s, d = Apply(s, e, e.Time, rv)
		data = append(data, d...)
	}
	s, d := Tick(s, at(70).Add(DefaultSettle), rv)
	if s.Floor > MillisOf(at(70)) || s.Settled > MillisOf(at(70)) {
		t.Errorf("the state's clocks moved ahead of the function's: %+v", s)
	}
	got := byName(append(data, d...))
	if len(got[MetricDeployments]) != 2 || !reflect.DeepEqual(got[MetricLeadTime], []float64{15 * 60, 15 * 60}) {
		t.Errorf("deployments after a future event: %v", got)
	}

	// A state of format 1 whose clock such an event had set: the floor it
	// leaves is ignored.
	var old State
	if err := json.Unmarshal([]byte(`{"pipeline":"velocity-line","latest":"2026-03-04T10:00:00Z"}`), &old); err != nil {
		t.Fatal(err)
	}
	if _, data := Apply(old, started("a", at(0), TriggerWebhook), at(0), nil); len(data) != 1 {
		t.Errorf("a state whose clock was in the future refuses events: %v", data)
	}
}

// A duplicate redelivered after its execution was pruned counted again.
func TestRegressionDuplicateAfterPruning(t *testing.T) {
	t.Run("pruned beyond MaxExecutions", func(t *testing.T) {
		events := concat(deploy("a", 0), deploy("c", 100), deploy("d", 200), deploy("e", 300))
		r := Rules{MaxExecutions: 2}
		s, data := run(t, r, events, nil)
		if _, ok := s.Executions["a"]; ok {
			t.Fatal("a was not pruned")
		}
		again := stageEvent("a", "Production", StateSucceeded, at(10))
		if err := r.Accepts(s, again, at(400)); err == nil {
			t.Error("a redelivered event of a pruned execution is accepted")
		}
		if _, more := r.Apply(s, again, at(400), nil); len(more) != 0 {
			t.Errorf("redelivered after pruning: %+v", more)
		}
		if n := sum(data, MetricDeployments); n != 4 {
			t.Errorf("%v deployments", n)
		}
	})
	t.Run("pruned after the horizon", func(t *testing.T) {
		s, _ := run(t, Rules{}, concat(deploy("a", 0), deploy("z", 60*24*8)), nil)
		if _, ok := s.Executions["a"]; ok {
			t.Fatal("a was not pruned")
		}
		if _, more := Apply(s, stageEvent("a", "Production", StateSucceeded, at(10)), at(60*24*8+20), nil); len(more) != 0 {
			t.Errorf("redelivered after the horizon: %+v", more)
		}
	})
	t.Run("a day later, still remembered", func(t *testing.T) {
		s, _ := run(t, Rules{}, deploy("a", 0), nil)
		for _, e := range deploy("a", 0) {
			if _, more := Apply(s, e, at(60*24), nil); len(more) != 0 {
				t.Errorf("redelivered a day later: %+v", more)
			}
		}
	})
}

// An event that arrives after its time has settled (a message replayed
// from the dead-letter queue hours later) publishes what depends on its own
// execution, once, and changes nothing that was already published.
func TestLateEvent(t *testing.T) {
	rv := revs(map[string][]float64{"a": {-5}, "b": {50}, "c": {95}})
	s, _ := run(t, Rules{}, concat(deploy("a", 0), failProduction("b", 60)[:2]), rv)
	late := concat(failProduction("b", 60)[2:], shortDeploy("c", 100))
	var data []Datum
	for _, e := range late {
		var d []Datum
		s, d = Apply(s, e, at(60*5), rv)
		data = append(data, d...)
	}
	for _, e := range late {
		if _, d := Apply(s, e, at(60*6), rv); len(d) != 0 {
			t.Errorf("late event again: %v", d)
		}
	}
	s, d := Tick(s, at(60*8), rv)
	data = append(data, d...)
	got := byName(data)
	want := map[string][]float64{
		"ExecutionsStarted": {1}, "ExecutionsFailed": {1}, "ExecutionsSucceeded": {1}, "LineRed": {1, 0},
		"StageDuration/Production": {300, 300},
		"Deployments":              {1}, "ProductionAttempts": {1, 1}, "ProductionFailures": {1},
		// c's lead time counts from its own revision only, without b's
		// waiting change; and there is no time to restore: both depend
		// on other executions, whose metrics are already published.
		"LeadTime": {15 * 60},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("late events published\n %v\nwant %v", got, want)
	}
	if x := s.Executions["c"]; len(x.Late) != 4 {
		t.Errorf("late events of c: %v", x.Late)
	}
}

func TestStateOfFormat1IsConverted(t *testing.T) {
	old := `{"pipeline":"velocity-line","latest":"2025-03-04T11:00:00Z","lineRed":true,
		"failingSince":"2025-03-04T10:50:00Z","lastProductionSuccess":"2025-03-04T10:10:00Z",
		"executions":{"a":{"seen":"2025-03-04T10:10:00Z","applied":["Production|SUCCEEDED|1"],"deployed":true},
		"b":{"seen":"2025-03-04T10:50:00Z","applied":["|FAILED|1"],"pending":"2025-03-04T10:45:00Z"}}}`
	var s State
	if err := json.Unmarshal([]byte(old), &s); err != nil {
		t.Fatal(err)
	}
	want := State{Format: StateFormat, Pipeline: line, Floor: MillisOf(at(60)),
		Production: Production{FailingSince: MillisOf(at(50)), Pending: []Pending{{Execution: "b", Oldest: MillisOf(at(45))}}}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("converted:\n %+v\nwant %+v", s, want)
	}
	roundTrip(t, s)
	// A redelivery of what the old state had applied is refused; new
	// events count, and the open failure and b's change carry over.
	if _, data := Apply(s, stageEvent("a", "Production", StateSucceeded, at(10)), at(61), nil); len(data) != 0 {
		t.Errorf("old event counted again: %v", data)
	}
	_, data := run(t, Rules{}, shortDeploy("c", 70), revs(map[string][]float64{"c": {65}}))
	if got := byName(data); len(got[MetricLeadTime]) != 1 {
		t.Fatalf("no lead time: %v", got)
	}
	s2 := s
	var out []Datum
	for _, e := range shortDeploy("c", 70) {
		var d []Datum
		s2, d = Apply(s2, e, e.Time, revs(map[string][]float64{"c": {65}}))
		out = append(out, d...)
	}
	_, d := Tick(s2, at(300), nil)
	got := byName(append(out, d...))
	if !reflect.DeepEqual(got[MetricLeadTime], []float64{35 * 60}) || !reflect.DeepEqual(got[MetricTimeToRestore], []float64{30 * 60}) {
		t.Errorf("after conversion: %v", got)
	}
	// A state of the current format is decoded as it is.
	var cur State
	if err := json.Unmarshal([]byte(`{"format":2,"floor":5,"latest":"2025-03-04T11:00:00Z"}`), &cur); err != nil || cur.Floor != 5 {
		t.Errorf("format 2: %+v %v", cur, err)
	}
}

func TestTickPublishesWhatSettled(t *testing.T) {
	rv := revs(map[string][]float64{"a": {-5}})
	var s State
	var data []Datum
	for _, e := range deploy("a", 0) {
		var d []Datum
		s, d = Apply(s, e, e.Time, rv)
		data = append(data, d...)
	}
	if lt := byName(data)[MetricLeadTime]; lt != nil {
		t.Errorf("lead time before it settled: %v", lt)
	}
	s, d := Tick(s, at(10).Add(DefaultSettle-time.Second), rv)
	if len(d) != 0 {
		t.Errorf("published before settling: %v", d)
	}
	s, d = Tick(s, at(10).Add(DefaultSettle), rv)
	if !reflect.DeepEqual(byName(d), map[string][]float64{MetricLeadTime: {15 * 60}}) {
		t.Errorf("tick published %v", d)
	}
	if _, d = Tick(s, at(10).Add(2*DefaultSettle), rv); len(d) != 0 {
		t.Errorf("second tick published %v", d)
	}
}
