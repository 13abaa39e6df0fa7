package dora

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
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

// revs stubs the revision lookup: creation times per execution id, in
// minutes from t0.
func revs(m map[string][]float64) RevisionTimes {
	return func(pipeline, id string) ([]time.Time, error) {
		if pipeline != line {
			return nil, fmt.Errorf("unexpected pipeline %q", pipeline)
		}
		var ts []time.Time
		for _, min := range m[id] {
			ts = append(ts, at(min))
		}
		return ts, nil
	}
}

// run applies the events in order, round-tripping the state through JSON
// between events as the store does, and returns the final state and the
// values per metric ("StageDuration/<stage>" for stage metrics) in order.
func run(t *testing.T, r Rules, events []Event, rev RevisionTimes) (State, map[string][]float64) {
	t.Helper()
	var s State
	got := map[string][]float64{}
	for i, e := range events {
		var data []Datum
		s, data = r.Apply(s, e, rev)
		for _, d := range data {
			if d.Dimensions[DimensionPipeline] != line {
				t.Fatalf("event %d: datum %s without Pipeline=%s: %v", i, d.Name, line, d.Dimensions)
			}
			if !d.Time.Equal(e.Time) {
				t.Fatalf("event %d: datum %s at %v, event at %v", i, d.Name, d.Time, e.Time)
			}
			name := d.Name
			if st, ok := d.Dimensions[DimensionStage]; ok {
				name += "/" + st
			}
			got[name] = append(got[name], d.Value)
		}
		body, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("event %d: encoding state: %v", i, err)
		}
		var back State
		if err := json.Unmarshal(body, &back); err != nil {
			t.Fatalf("event %d: decoding state: %v", i, err)
		}
		if !reflect.DeepEqual(back, s) {
			t.Fatalf("event %d: state does not round-trip through JSON:\n%+v\n%+v", i, s, back)
		}
		s = back
	}
	return s, got
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
			if s.LineRed || !s.FailingSince.IsZero() || !s.LastProductionSuccess.Equal(at(42)) {
				t.Errorf("state after a clean success: %+v", s)
			}
			if x := s.Executions["a"]; len(x.Started) != 0 || !x.Deployed {
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
			if !s.FailingSince.IsZero() || s.LineRed {
				t.Errorf("state after restore: %+v", s)
			}
			if !s.Executions["b"].Pending.IsZero() {
				t.Errorf("b's revision was not consumed by c's lead time: %+v", s.Executions["b"])
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
			if !s.FailingSince.IsZero() {
				t.Errorf("rollback did not restore: %+v", s)
			}
			if s.Executions["r"].Deployed || !s.Executions["r"].RollbackCounted {
				t.Errorf("rollback execution: %+v", s.Executions["r"])
			}
			if s.Executions["b"].Pending != at(45) {
				t.Errorf("b's rolled-back change should wait for the next deployment: %+v", s.Executions["b"])
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
			stageEvent("b", "Build", StateSucceeded, at(22)), // no start left: no duration
		},
		want: map[string][]float64{
			"StageDuration/Build": {min(2), min(3)},
		},
		check: func(t *testing.T, s State) {
			for id, x := range s.Executions {
				if len(x.Started) != 0 {
					t.Errorf("execution %s still has running stages: %v", id, x.Started)
				}
			}
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
		name: "out of order: late STARTED, late FAILED results",
		events: []Event{
			stageEvent("a", "Build", StateSucceeded, at(5)),
			stageEvent("a", "Build", StateStarted, at(1)), // after its end: no clock
			pipelineEvent("a", StateSucceeded, at(20)),
			pipelineEvent("z", StateFailed, at(10)), // older than the last result
			stageEvent("a", "Production", StateSucceeded, at(20)),
			stageEvent("z", "Production", StateFailed, at(10)), // older than the last success
			stageEvent("y", "Production", StateSucceeded, at(40)),
		},
		want: map[string][]float64{
			"ExecutionsSucceeded": {1},
			"ExecutionsFailed":    {1},
			"LineRed":             {0},
			"Deployments":         {1, 1},
			"ProductionAttempts":  {1, 1, 1},
			"ProductionFailures":  {1},
		},
		check: func(t *testing.T, s State) {
			if s.LineRed || !s.FailingSince.IsZero() {
				t.Errorf("late results changed the line: %+v", s)
			}
			if len(s.Executions["a"].Started) != 0 {
				t.Errorf("late STARTED started a clock: %+v", s.Executions["a"])
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
			var rev RevisionTimes
			if tc.revs != nil {
				rev = revs(tc.revs)
			}
			s, got := run(t, tc.rules, tc.events, rev)
			if !reflect.DeepEqual(got, tc.want) {
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
			if _, got := run(t, tc.rules, twice, rev); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("with duplicates:\n got %v\nwant %v", got, tc.want)
			}
			if _, got := run(t, tc.rules, append(append([]Event(nil), tc.events...), tc.events...), rev); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("replayed:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestApplyDatumShape(t *testing.T) {
	s, _ := Apply(State{}, stageEvent("a", "Production", StateStarted, at(0)), nil)
	_, data := Apply(s, stageEvent("a", "Production", StateSucceeded, at(3)), nil)
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
	next, data := Apply(s, stageEvent("b", "Production", StateFailed, at(60)), nil)
	if len(data) == 0 {
		t.Fatal("expected data")
	}
	after, _ := json.Marshal(s)
	if string(before) != string(after) {
		t.Errorf("Apply modified its input state:\n%s\n%s", before, after)
	}
	if reflect.DeepEqual(next, s) {
		t.Error("Apply returned the input state")
	}
}

func TestApplyRevisionLookupFailure(t *testing.T) {
	failing := func(string, string) ([]time.Time, error) { return nil, errors.New("throttled") }
	empty := func(string, string) ([]time.Time, error) { return []time.Time{{}}, nil }
	for name, rev := range map[string]RevisionTimes{"error": failing, "no times": empty, "nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, got := run(t, Rules{}, concat(failProduction("b", 0), deploy("a", 20)), rev)
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
	s, got := run(t, Rules{}, events, nil)
	if n := len(got[MetricDeployments]); n != 120 {
		t.Fatalf("deployments: %d", n)
	}
	cutoff := s.Latest.Add(-DefaultRetention)
	for id, x := range s.Executions {
		if x.Seen.Before(cutoff) {
			t.Errorf("execution %s seen %v, before the cutoff %v", id, x.Seen, cutoff)
		}
	}
	if n := len(s.Executions); n == 0 || n > 7*12+1 {
		t.Errorf("%d executions remembered", n)
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
	s, _ := Apply(State{}, pipelineEvent("a", StateFailed, at(0)), nil)
	if s.Pipeline != line || !s.LineRed {
		t.Fatalf("state: %+v", s)
	}
	e := pipelineEvent("b", StateSucceeded, at(1))
	e.Detail.Pipeline = "other"
	if next, data := Apply(s, e, nil); data != nil || !reflect.DeepEqual(next, s) {
		t.Errorf("event of another pipeline applied: %+v %v", next, data)
	}
}

func TestDedupeKeyIncludesAttempt(t *testing.T) {
	s, _ := run(t, Rules{}, []Event{pipelineEvent("a", StateFailed, at(0))}, nil)
	x := s.Executions["a"]
	if want := []string{"|FAILED|1"}; !reflect.DeepEqual(x.Applied, want) {
		t.Errorf("applied keys %v, want %v", x.Applied, want)
	}
	if !strings.Contains(fmt.Sprint(Number(2)), "2") || Number(1.5).String() != "1.5" {
		t.Error("Number.String")
	}
}
