package dora

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"
)

const line = "velocity-line"

var t0 = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)

// at returns t0 plus the given minutes.
func at(minutes float64) time.Time {
	return t0.Add(time.Duration(minutes * float64(time.Minute)))
}

func pipelineEvent(id, state string, t time.Time) Event {
	return Event{
		Version: "0", DetailType: DetailTypePipeline, Source: Source, Account: "111111111111",
		Time: t, Region: "eu-west-1",
		Detail: Detail{Pipeline: line, ExecutionID: id, State: state, Version: 7, PipelineExecutionAttempt: 1},
	}
}

func started(id string, t time.Time, trigger string) Event {
	e := pipelineEvent(id, StateStarted, t)
	e.Detail.ExecutionTrigger = &ExecutionTrigger{TriggerType: trigger}
	return e
}

func stageEvent(id, stage, state string, t time.Time) Event {
	e := pipelineEvent(id, state, t)
	e.DetailType = DetailTypeStage
	e.Detail.Stage = stage
	return e
}

func attempt(e Event, n int) Event {
	e.Detail.PipelineExecutionAttempt = Number(n)
	return e
}

// deploy is a whole execution that passes Build and Production.
func deploy(id string, start float64) []Event {
	return []Event{
		started(id, at(start), TriggerWebhook),
		stageEvent(id, "Build", StateStarted, at(start)),
		stageEvent(id, "Build", StateSucceeded, at(start+4)),
		stageEvent(id, "Production", StateStarted, at(start+5)),
		stageEvent(id, "Production", StateSucceeded, at(start+10)),
		pipelineEvent(id, StateSucceeded, at(start+10)),
	}
}

// shortDeploy is an execution that goes straight to a successful
// production stage (Source and Build left out).
func shortDeploy(id string, start float64) []Event {
	return []Event{
		started(id, at(start), TriggerWebhook),
		stageEvent(id, "Production", StateStarted, at(start+5)),
		stageEvent(id, "Production", StateSucceeded, at(start+10)),
		pipelineEvent(id, StateSucceeded, at(start+10)),
	}
}

// failProduction is a whole execution that fails in Production.
func failProduction(id string, start float64) []Event {
	return []Event{
		started(id, at(start), TriggerWebhook),
		stageEvent(id, "Production", StateStarted, at(start+5)),
		stageEvent(id, "Production", StateFailed, at(start+10)),
		pipelineEvent(id, StateFailed, at(start+10)),
	}
}

// rollback is a rollback execution of the Production stage.
func rollback(id, trigger string, start, minutes float64) []Event {
	return []Event{
		started(id, at(start), trigger),
		stageEvent(id, "Production", StateStarted, at(start)),
		stageEvent(id, "Production", StateSucceeded, at(start+minutes)),
		pipelineEvent(id, StateSucceeded, at(start+minutes)),
	}
}

func concat(seqs ...[]Event) []Event {
	var all []Event
	for _, s := range seqs {
		all = append(all, s...)
	}
	return all
}

// revs stubs the lookup with revision times only (no trigger): creation
// times per execution id, in minutes from t0.
func revs(m map[string][]float64) Lookup {
	return func(pipeline, id string) (Details, error) {
		if pipeline != line {
			return Details{}, fmt.Errorf("unexpected pipeline %q", pipeline)
		}
		var d Details
		for _, min := range m[id] {
			d.Revisions = append(d.Revisions, at(min))
		}
		return d, nil
	}
}

// roundTrip encodes and decodes the state as the store does, and fails if
// it does not come back equal.
func roundTrip(t testing.TB, s State) State {
	t.Helper()
	body, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("encoding state: %v", err)
	}
	var back State
	if err := json.Unmarshal(body, &back); err != nil {
		t.Fatalf("decoding state: %v", err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Fatalf("state does not round-trip through JSON:\n%+v\n%+v", s, back)
	}
	return back
}

// run applies the events in order, each at the function's clock just after
// the newest event so far (events arrive in time, some out of order),
// round-tripping the state through JSON between events as the store does,
// then ticks once everything has settled. It returns the final state and
// every datum published.
func run(t testing.TB, r Rules, events []Event, look Lookup) (State, []Datum) {
	t.Helper()
	var s State
	var now time.Time
	var out []Datum
	for i, e := range events {
		if e.Time.After(now) {
			now = e.Time
		}
		var data []Datum
		s, data = r.Apply(s, e, now.Add(time.Second), look)
		for _, d := range data {
			if d.Dimensions[DimensionPipeline] != line {
				t.Fatalf("event %d: datum %s without Pipeline=%s: %v", i, d.Name, line, d.Dimensions)
			}
		}
		out = append(out, data...)
		s = roundTrip(t, s)
	}
	s, data := r.Tick(s, now.Add(r.withDefaults().Settle+time.Minute), look)
	return roundTrip(t, s), append(out, data...)
}

// byName groups values per metric ("StageDuration/<stage>" for stage
// metrics), in the order of their times (then values).
func byName(data []Datum) map[string][]float64 {
	data = append([]Datum(nil), data...)
	sort.SliceStable(data, func(i, j int) bool {
		if !data[i].Time.Equal(data[j].Time) {
			return data[i].Time.Before(data[j].Time)
		}
		return data[i].Value < data[j].Value
	})
	got := map[string][]float64{}
	for _, d := range data {
		name := d.Name
		if st, ok := d.Dimensions[DimensionStage]; ok {
			name += "/" + st
		}
		got[name] = append(got[name], d.Value)
	}
	return got
}

func TestApplySequences(t *testing.T) {
	min := func(m float64) float64 { return m * 60 }
	tests := []struct {
		name   string
		rules  Rules
		events []Event
		revs   map[string][]float64
		want   map[string][]float64
		check  func(*testing.T, State)
	}{{
		name: "clean success",
		events: []Event{
			started("a", at(0), TriggerWebhook),
			stageEvent("a", "Source", StateStarted, at(0)),
			stageEvent("a", "Source", StateSucceeded, at(1)),
			stageEvent("a", "Build", StateStarted, at(1)),
			stageEvent("a", "Build", StateSucceeded, at(5)),
			stageEvent("a", "Production", StateStarted, at(30)),
			stageEvent("a", "Production", StateSucceeded, at(42)),
			pipelineEvent("a", StateSucceeded, at(42)),
		},
		revs: map[string][]float64{"a": {-10}},
		want: map[string][]float64{
			"ExecutionsStarted":        {1},
			"StageDuration/Source":     {min(1)},
			"StageDuration/Build":      {min(4)},
			"StageDuration/Production": {min(12)},
			"Deployments":              {1},
			"ProductionAttempts":       {1},
			"LeadTime":                 {min(52)},
			"ExecutionsSucceeded":      {1},
			"LineRed":                  {0},
		},
		check: func(t *testing.T, s State) {
			if s.Production.FailingSince != 0 || len(s.Production.Pending) != 0 {
				t.Errorf("state after a clean success: %+v", s)
			}
			want := []string{"deploy|1", "duration|Build|1", "duration|Production|1", "duration|Source|1", "started|1", "succeeded|1"}
			if x := s.Executions["a"]; !reflect.DeepEqual(x.Done, want) || !x.Known || !x.Looked {
				t.Errorf("execution after a clean success: %+v", x)
			}
		},
	}, {
		name:   "failure then restore",
		events: concat(deploy("a", 0), failProduction("b", 50), deploy("c", 110)),
		revs:   map[string][]float64{"a": {-5}, "b": {45}, "c": {105}},
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1, 1},
			"StageDuration/Build":      {min(4), min(4)},
			"StageDuration/Production": {min(5), min(5), min(5)},
			"Deployments":              {1, 1},
			"ProductionAttempts":       {1, 1, 1},
			"ProductionFailures":       {1},
			// b's change never reached production; it ships with c.
			"LeadTime":            {min(15), min(120 - 45)},
			"TimeToRestore":       {min(120 - 60)},
			"ExecutionsSucceeded": {1, 1},
			"ExecutionsFailed":    {1},
			"LineRed":             {0, 1, 0},
		},
		check: func(t *testing.T, s State) {
			if s.Production.FailingSince != 0 {
				t.Errorf("state after restore: %+v", s)
			}
			if len(s.Production.Pending) != 0 {
				t.Errorf("b's revision was not consumed by c's lead time: %+v", s.Production)
			}
		},
	}, {
		name:   "two failures then restore count twice and restore from the first",
		events: concat(deploy("a", 0), failProduction("b", 50), failProduction("c", 80), deploy("d", 110)),
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1, 1, 1},
			"StageDuration/Build":      {min(4), min(4)},
			"StageDuration/Production": {min(5), min(5), min(5), min(5)},
			"Deployments":              {1, 1},
			"ProductionAttempts":       {1, 1, 1, 1},
			"ProductionFailures":       {1, 1},
			"TimeToRestore":            {min(120 - 60)},
			"ExecutionsSucceeded":      {1, 1},
			"ExecutionsFailed":         {1, 1},
			"LineRed":                  {0, 1, 1, 0},
		},
	}, {
		name: "automated rollback after a failed deployment counts one failure",
		events: concat(deploy("a", 0), failProduction("b", 50),
			rollback("r", TriggerAutomatedRollback, 61, 9)),
		revs: map[string][]float64{"a": {-5}, "b": {45}, "r": {-5}},
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1, 1},
			"StageDuration/Build":      {min(4)},
			"StageDuration/Production": {min(5), min(5), min(9)},
			"Deployments":              {1},
			"ProductionAttempts":       {1, 1},
			"ProductionFailures":       {1},
			"LeadTime":                 {min(15)},
			"TimeToRestore":            {min(70 - 60)},
			"ExecutionsSucceeded":      {1, 1},
			"ExecutionsFailed":         {1},
			"LineRed":                  {0, 1, 0},
		},
		check: func(t *testing.T, s State) {
			if s.Production.FailingSince != 0 {
				t.Errorf("rollback did not restore: %+v", s)
			}
			if x := s.Executions["r"]; contains(x.Done, "deploy|1") || x.Trigger != TriggerAutomatedRollback {
				t.Errorf("rollback execution: %+v", x)
			}
			if want := []Pending{{Execution: "b", Oldest: MillisOf(at(45))}}; !reflect.DeepEqual(s.Production.Pending, want) {
				t.Errorf("b's rolled-back change should wait for the next deployment: %+v", s.Production)
			}
		},
	}, {
		name:   "manual rollback after a successful deployment counts one failure",
		events: concat(deploy("a", 0), rollback("m", TriggerManualRollback, 100, 8)),
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1},
			"StageDuration/Build":      {min(4)},
			"StageDuration/Production": {min(5), min(8)},
			"Deployments":              {1},
			"ProductionAttempts":       {1},
			"ProductionFailures":       {1},
			"TimeToRestore":            {min(8)},
			"ExecutionsSucceeded":      {1, 1},
			"LineRed":                  {0, 0},
		},
	}, {
		name: "rollback events arriving before the failure they remedy",
		events: concat(deploy("a", 0),
			[]Event{started("b", at(50), TriggerWebhook), stageEvent("b", "Production", StateStarted, at(55))},
			[]Event{started("r", at(61), TriggerAutomatedRollback), stageEvent("r", "Production", StateStarted, at(61))},
			[]Event{stageEvent("b", "Production", StateFailed, at(60)), pipelineEvent("b", StateFailed, at(60))},
			[]Event{stageEvent("r", "Production", StateSucceeded, at(70)), pipelineEvent("r", StateSucceeded, at(70))},
		),
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1, 1},
			"StageDuration/Build":      {min(4)},
			"StageDuration/Production": {min(5), min(5), min(9)},
			"Deployments":              {1},
			"ProductionAttempts":       {1, 1},
			"ProductionFailures":       {1},
			"TimeToRestore":            {min(70 - 60)},
			"ExecutionsSucceeded":      {1, 1},
			"ExecutionsFailed":         {1},
			"LineRed":                  {0, 1, 0},
		},
	}, {
		name: "rollback trigger known only after the production stage started",
		events: concat(deploy("a", 0), []Event{
			stageEvent("m", "Production", StateStarted, at(100)),
			started("m", at(100), TriggerManualRollback),
			stageEvent("m", "Production", StateSucceeded, at(104)),
		}),
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1},
			"StageDuration/Build":      {min(4)},
			"StageDuration/Production": {min(5), min(4)},
			"Deployments":              {1},
			"ProductionAttempts":       {1},
			"ProductionFailures":       {1},
			"TimeToRestore":            {min(4)},
			"ExecutionsSucceeded":      {1},
			"LineRed":                  {0},
		},
	}, {
		name: "rollback of another stage is not a production failure",
		events: concat(deploy("a", 0), []Event{
			started("s", at(100), TriggerManualRollback),
			stageEvent("s", "Staging", StateStarted, at(100)),
			stageEvent("s", "Staging", StateSucceeded, at(103)),
			pipelineEvent("s", StateSucceeded, at(103)),
		}),
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1},
			"StageDuration/Build":      {min(4)},
			"StageDuration/Production": {min(5)},
			"StageDuration/Staging":    {min(3)},
			"Deployments":              {1},
			"ProductionAttempts":       {1},
			"ExecutionsSucceeded":      {1, 1},
			"LineRed":                  {0, 0},
		},
	}, {
		name:   "several commits in one execution count from the oldest",
		events: deploy("a", 0),
		revs:   map[string][]float64{"a": {-5, -30, -10}},
		want: map[string][]float64{
			"ExecutionsStarted":        {1},
			"StageDuration/Build":      {min(4)},
			"StageDuration/Production": {min(5)},
			"Deployments":              {1},
			"ProductionAttempts":       {1},
			"LeadTime":                 {min(40)},
			"ExecutionsSucceeded":      {1},
			"LineRed":                  {0},
		},
	}, {
		name: "superseded executions ship with the next deployment, newer failures wait",
		events: concat(
			[]Event{started("b", at(0), TriggerWebhook), pipelineEvent("b", StateSuperseded, at(3))},
			[]Event{started("d", at(8), TriggerWebhook), pipelineEvent("d", StateFailed, at(9))},
			deploy("c", 2),
			deploy("e", 20),
		),
		revs: map[string][]float64{"b": {-20}, "c": {1}, "d": {7}, "e": {19}},
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1, 1, 1},
			"StageDuration/Build":      {min(4), min(4)},
			"StageDuration/Production": {min(5), min(5)},
			"Deployments":              {1, 1},
			"ProductionAttempts":       {1, 1},
			// c (deployed at 12) ships b's change (-20); d (7) is newer
			// than c's newest revision (1) and ships with e (deployed at 30).
			"LeadTime":            {min(12 + 20), min(30 - 7)},
			"ExecutionsSucceeded": {1, 1},
			"ExecutionsFailed":    {1},
			"LineRed":             {1, 0, 0},
		},
	}, {
		name: "stage durations, retries and stops",
		events: []Event{
			stageEvent("a", "Build", StateStarted, at(0)),
			stageEvent("a", "Build", StateFailed, at(2)),
			attempt(stageEvent("a", "Build", StateResumed, at(10)), 2),
			attempt(stageEvent("a", "Build", StateSucceeded, at(13)), 2),
			attempt(stageEvent("a", "Assets", StateStarted, at(13)), 2),
			attempt(stageEvent("a", "Assets", StateStopping, at(14)), 2),
			attempt(stageEvent("a", "Assets", StateStopped, at(15)), 2),
			stageEvent("b", "Build", StateStarted, at(20)),
			stageEvent("b", "Build", StateCanceled, at(21)),
			attempt(stageEvent("b", "Build", StateSucceeded, at(22)), 2), // no start of attempt 2: no duration
		},
		want: map[string][]float64{
			"StageDuration/Build": {min(2), min(3)},
		},
	}, {
		name: "production retry: failed attempt then successful attempt",
		events: concat(deploy("a", 0), []Event{
			started("b", at(50), TriggerWebhook),
			stageEvent("b", "Production", StateStarted, at(55)),
			stageEvent("b", "Production", StateFailed, at(60)),
			pipelineEvent("b", StateFailed, at(60)),
			attempt(pipelineEvent("b", StateResumed, at(70)), 2),
			attempt(stageEvent("b", "Production", StateResumed, at(70)), 2),
			attempt(stageEvent("b", "Production", StateSucceeded, at(75)), 2),
			attempt(pipelineEvent("b", StateSucceeded, at(75)), 2),
		}),
		revs: map[string][]float64{"a": {-1}, "b": {40}},
		want: map[string][]float64{
			"ExecutionsStarted":        {1, 1},
			"StageDuration/Build":      {min(4)},
			"StageDuration/Production": {min(5), min(5), min(5)},
			"Deployments":              {1, 1},
			"ProductionAttempts":       {1, 1, 1},
			"ProductionFailures":       {1},
			"LeadTime":                 {min(11), min(35)},
			"TimeToRestore":            {min(15)},
			"ExecutionsSucceeded":      {1, 1},
			"ExecutionsFailed":         {1},
			"LineRed":                  {0, 1, 0},
		},
	}, {
		// Without pipeline STARTED events the production results wait
		// until they settle (they might be a rollback's), then count as
		// deployments; a late STARTED still times its stage, and an older
		// failure arriving after a newer success is folded in its place.
		name: "out of order, without pipeline STARTED: the same as in order",
		events: []Event{
			stageEvent("a", "Build", StateSucceeded, at(5)),
			stageEvent("a", "Build", StateStarted, at(1)),
			pipelineEvent("a", StateSucceeded, at(20)),
			pipelineEvent("z", StateFailed, at(10)),
			stageEvent("a", "Production", StateSucceeded, at(20)),
			stageEvent("z", "Production", StateFailed, at(10)),
			stageEvent("y", "Production", StateSucceeded, at(40)),
		},
		want: map[string][]float64{
			"StageDuration/Build": {min(4)},
			"ExecutionsSucceeded": {1},
			"ExecutionsFailed":    {1},
			"LineRed":             {1, 0},
			"Deployments":         {1, 1},
			"ProductionAttempts":  {1, 1, 1},
			"ProductionFailures":  {1},
			"TimeToRestore":       {min(10)},
		},
		check: func(t *testing.T, s State) {
			if s.Production.FailingSince != 0 {
				t.Errorf("production still failing: %+v", s.Production)
			}
		},
	}, {
		name:  "custom production stage",
		rules: Rules{ProductionStage: "Prod"},
		events: []Event{
			stageEvent("a", "Production", StateSucceeded, at(1)),
			stageEvent("a", "Prod", StateSucceeded, at(2)),
		},
		want: map[string][]float64{"Deployments": {1}, "ProductionAttempts": {1}},
	}, {
		name: "ignored events",
		events: func() []Event {
			other := stageEvent("a", "Production", StateSucceeded, at(1))
			other.Detail.Pipeline = "other-line"
			action := stageEvent("a", "Production", StateSucceeded, at(1))
			action.DetailType = DetailTypeAction
			action.Detail.Action = "Deploy"
			noID := stageEvent("", "Production", StateSucceeded, at(1))
			noStage := stageEvent("a", "", StateSucceeded, at(1))
			noTime := stageEvent("a", "Production", StateSucceeded, time.Time{})
			unknown := stageEvent("a", "Production", StateSucceeded, at(1))
			unknown.DetailType = "EC2 Instance State-change Notification"
			wrongSource := stageEvent("a", "Production", StateSucceeded, at(1))
			wrongSource.Source = "aws.ec2"
			first := pipelineEvent("x", StateStarted, at(60*24*30))
			stale := stageEvent("a", "Production", StateSucceeded, at(1)) // 30 days before first
			return []Event{first, other, action, noID, noStage, noTime, unknown, wrongSource, stale}
		}(),
		want: map[string][]float64{"ExecutionsStarted": {1}},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rev Lookup
			if tc.revs != nil {
				rev = revs(tc.revs)
			}
			s, data := run(t, tc.rules, tc.events, rev)
			if got := byName(data); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("metrics:\n got %v\nwant %v", got, tc.want)
			}
			if tc.check != nil {
				tc.check(t, s)
			}

			// Every event delivered twice, the second time right after the
			// first or after the whole sequence: the same metrics.
			var twice []Event
			for _, e := range tc.events {
				twice = append(twice, e, e)
			}
			if _, data := run(t, tc.rules, twice, rev); !reflect.DeepEqual(byName(data), tc.want) {
				t.Errorf("with duplicates:\n got %v\nwant %v", byName(data), tc.want)
			}
			if _, data := run(t, tc.rules, append(append([]Event(nil), tc.events...), tc.events...), rev); !reflect.DeepEqual(byName(data), tc.want) {
				t.Errorf("replayed:\n got %v\nwant %v", byName(data), tc.want)
			}
		})
	}
}

func TestApplyDatumShape(t *testing.T) {
	s, _ := Apply(State{}, started("a", at(0), TriggerWebhook), at(0), nil)
	s, _ = Apply(s, stageEvent("a", "Production", StateStarted, at(0)), at(0), nil)
	_, data := Apply(s, stageEvent("a", "Production", StateSucceeded, at(3)), at(3), nil)
	want := []Datum{
		{Name: MetricStageDuration, Value: 180, Unit: UnitSeconds, Time: at(3),
			Dimensions: map[string]string{DimensionPipeline: line, DimensionStage: "Production"}},
		{Name: MetricDeployments, Value: 1, Unit: UnitCount, Time: at(3),
			Dimensions: map[string]string{DimensionPipeline: line}},
		{Name: MetricProductionAttempts, Value: 1, Unit: UnitCount, Time: at(3),
			Dimensions: map[string]string{DimensionPipeline: line}},
	}
	if !reflect.DeepEqual(data, want) {
		t.Errorf("data:\n got %+v\nwant %+v", data, want)
	}
}

func TestApplyDoesNotModifyItsInput(t *testing.T) {
	s, _ := run(t, Rules{}, concat(deploy("a", 0), failProduction("b", 50)[:2]), nil)
	before, _ := json.Marshal(s)
	next, data := Apply(s, stageEvent("b", "Production", StateFailed, at(60)), at(300), nil)
	if len(data) == 0 {
		t.Fatal("expected data")
	}
	if next, _ = Tick(next, at(600), nil); len(next.Executions) == 0 {
		t.Fatal("expected executions")
	}
	after, _ := json.Marshal(s)
	if string(before) != string(after) {
		t.Errorf("Apply or Tick modified its input state:\n%s\n%s", before, after)
	}
	if reflect.DeepEqual(next, s) {
		t.Error("Apply returned the input state")
	}
}

func TestApplyRevisionLookupFailure(t *testing.T) {
	failing := func(string, string) (Details, error) { return Details{}, errors.New("throttled") }
	empty := func(string, string) (Details, error) { return Details{Revisions: []time.Time{{}}}, nil }
	for name, rev := range map[string]Lookup{"error": failing, "no times": empty, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, data := run(t, Rules{}, concat(failProduction("b", 0), deploy("a", 20)), rev)
			got := byName(data)
			if _, ok := got[MetricLeadTime]; ok {
				t.Errorf("lead time without revision times: %v", got[MetricLeadTime])
			}
			if len(got[MetricDeployments]) != 1 || len(got[MetricTimeToRestore]) != 1 {
				t.Errorf("other metrics should not depend on revisions: %v", got)
			}
		})
	}
}

func TestApplyPrunesState(t *testing.T) {
	var events []Event
	// One deployment every 2 hours for 10 days.
	for i := 0; i < 120; i++ {
		events = append(events, deploy(fmt.Sprintf("exec-%03d", i), float64(i*120))...)
	}
	s, data := run(t, Rules{}, events, nil)
	if n := len(byName(data)[MetricDeployments]); n != 120 {
		t.Fatalf("deployments: %d", n)
	}
	if n := len(s.Executions); n == 0 || n > 7*12+1 {
		t.Errorf("%d executions remembered", n)
	}
	for id, x := range s.Executions {
		if x.newest() < s.Floor {
			t.Errorf("execution %s, newest event %v, is older than the floor %v", id, x.newest().Time(), s.Floor.Time())
		}
	}
	body, _ := json.Marshal(s)
	if len(body) > 64<<10 {
		t.Errorf("state is %d bytes", len(body))
	}

	s, _ = run(t, Rules{MaxExecutions: 10}, events, nil)
	if n := len(s.Executions); n != 10 {
		t.Errorf("MaxExecutions 10: %d executions remembered", n)
	}
	if _, ok := s.Executions["exec-119"]; !ok {
		t.Error("the newest execution was pruned")
	}
}

func TestApplyKeepsOtherPipelinesOut(t *testing.T) {
	s, _ := Apply(State{}, pipelineEvent("a", StateFailed, at(0)), at(0), nil)
	if s.Pipeline != line || len(s.Executions) != 1 {
		t.Fatalf("state: %+v", s)
	}
	e := pipelineEvent("b", StateSucceeded, at(1))
	e.Detail.Pipeline = "other"
	if next, data := Apply(s, e, at(1), nil); data != nil || !reflect.DeepEqual(next, s) {
		t.Errorf("event of another pipeline applied: %+v %v", next, data)
	}
	if err := (Rules{}).Accepts(s, e, at(1)); err == nil {
		t.Error("Accepts: no reason for another pipeline's event")
	}
}

func TestDedupeKeyIncludesAttempt(t *testing.T) {
	s, _ := run(t, Rules{}, []Event{pipelineEvent("a", StateFailed, at(0)), attempt(pipelineEvent("a", StateFailed, at(5)), 2)}, nil)
	x := s.Executions["a"]
	if want := map[string]Millis{"|FAILED|1": MillisOf(at(0)), "|FAILED|2": MillisOf(at(5))}; !reflect.DeepEqual(x.Events, want) {
		t.Errorf("event keys %v, want %v", x.Events, want)
	}
	if Number(2).String() != "2" || Number(1.5).String() != "1.5" {
		t.Error("Number.String")
	}
}
