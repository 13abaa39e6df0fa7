package dora

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// FuzzApply feeds arbitrary JSON to the parser and every event that parses
// to Apply, on an empty state and on a state with history, and checks that
// nothing panics and that the results are sane: finite, non-negative values
// that render as EMF, a state that round-trips through JSON, and a second
// delivery of the same event that changes nothing, before and after the
// state has settled.
func FuzzApply(f *testing.F) {
	for _, body := range sampleFiles(f, "events") {
		f.Add(body)
	}
	for _, body := range sampleFiles(f, "processed") {
		f.Add(body)
	}
	f.Add([]byte(`{"detail-type":"CodePipeline Stage Execution State Change","time":"2025-03-04T10:00:00Z","detail":{"pipeline":"velocity-line","execution-id":"a","stage":"Production","state":"SUCCEEDED","pipeline-execution-attempt":"2"}}`))
	f.Add([]byte(`{"detail-type":"CodePipeline Pipeline Execution State Change","time":"0001-01-01T00:00:01Z","detail":{"pipeline":"velocity-line","execution-id":"a","state":"FAILED","execution-trigger":{"trigger-type":"ManualRollback"}}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))

	rev := func(_, id string) (Details, error) {
		if len(id)%3 == 0 {
			return Details{}, nil
		}
		return Details{Trigger: map[bool]string{true: TriggerManualRollback}[len(id)%5 == 0],
			Revisions: []time.Time{time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC), {}, time.Unix(int64(len(id))*1e9, 0)}}, nil
	}
	var history State
	for _, e := range concat(deploy("a", 0), failProduction("b", 50), rollback("r", TriggerAutomatedRollback, 61, 5)) {
		e.Detail.Pipeline = "velocity-line"
		history, _ = Apply(history, e, e.Time, rev)
	}
	historyJSON, _ := json.Marshal(history)

	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseEvent(body)
		if err != nil {
			return
		}
		// The function's clock: just after the event, and an hour later
		// (everything before it settled).
		for _, start := range []State{{}, history} {
			now := e.Time.Add(time.Second)
			if start.Pipeline != "" && now.Before(at(120)) {
				now = at(120)
			}
			s, data := Apply(start, e, now, rev)
			checkData(t, data)
			if _, err := EMF(DefaultNamespace, data); err != nil {
				t.Fatalf("EMF: %v", err)
			}
			raw, err := json.Marshal(s)
			if err != nil {
				t.Fatalf("encoding state: %v", err)
			}
			var back State
			if err := json.Unmarshal(raw, &back); err != nil {
				t.Fatalf("decoding state: %v", err)
			}
			again, data := Apply(back, e, now, rev)
			if len(data) != 0 {
				t.Fatalf("second delivery produced %+v", data)
			}
			if !reflect.DeepEqual(again, back) {
				t.Fatalf("second delivery changed the state")
			}
			later, data := Tick(back, now.Add(2*time.Hour), rev)
			checkData(t, data)
			if _, data := Apply(later, e, now.Add(2*time.Hour), rev); len(data) != 0 && (Rules{}).Accepts(start, e, now) == nil {
				t.Fatalf("delivery after the tick produced %+v", data)
			}
		}
		if after, _ := json.Marshal(history); string(after) != string(historyJSON) {
			t.Fatal("Apply modified its input state")
		}
	})
}

func checkData(t *testing.T, data []Datum) {
	t.Helper()
	for _, d := range data {
		if math.IsNaN(d.Value) || math.IsInf(d.Value, 0) || d.Value < 0 {
			t.Fatalf("%s = %v", d.Name, d.Value)
		}
		switch d.Unit {
		case UnitCount:
			if d.Value != 1 {
				t.Fatalf("%s counts %v", d.Name, d.Value)
			}
		case UnitNone:
			if d.Value != 0 && d.Value != 1 {
				t.Fatalf("%s = %v", d.Name, d.Value)
			}
		case UnitSeconds:
		default:
			t.Fatalf("%s has unit %q", d.Name, d.Unit)
		}
		if d.Dimensions[DimensionPipeline] == "" {
			t.Fatalf("%s without pipeline", d.Name)
		}
	}
}
