package dora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// story is the order in which the sample events happened.
var story = []string{
	"pipeline-started.json",
	"action-succeeded-source.json",
	"stage-started.json",
	"action-started.json",
	"stage-succeeded.json",
	"pipeline-succeeded.json",
	"action-failed.json",
	"stage-failed.json",
	"pipeline-failed.json",
	"pipeline-started-automated-rollback.json",
	"stage-started-rollback.json",
	"stage-succeeded-rollback.json",
}

type fakeDetails struct {
	times map[string][]time.Time
	err   error
	calls []string
}

func (f *fakeDetails) Details(_ context.Context, pipeline, id string) (Details, error) {
	f.calls = append(f.calls, pipeline+"/"+id)
	return Details{Revisions: f.times[id]}, f.err
}

// clock is a settable clock for the handler.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func cloudWatchEvent(t *testing.T, body []byte) events.CloudWatchEvent {
	t.Helper()
	var e events.CloudWatchEvent
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// metrics reads EMF lines back into "Metric" or "Metric/Stage" → values.
func metrics(t *testing.T, out string) map[string][]float64 {
	t.Helper()
	got := map[string][]float64{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m emfLine
		var top map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		_ = json.Unmarshal([]byte(l), &top)
		if ns := m.AWS.CloudWatchMetrics[0].Namespace; ns != "Test/Line" {
			t.Errorf("namespace %s", ns)
		}
		for _, metric := range m.AWS.CloudWatchMetrics[0].Metrics {
			name := metric.Name
			if st, ok := top[DimensionStage].(string); ok {
				name += "/" + st
			}
			got[name] = append(got[name], top[metric.Name].(float64))
		}
	}
	return got
}

func TestHandlerReplaysSampleStory(t *testing.T) {
	ctx := context.Background()
	files := sampleFiles(t, "events")
	db := newFakeDynamo()
	revs := &fakeDetails{times: map[string][]time.Time{
		"0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b01": {time.Date(2025, 3, 4, 9, 50, 0, 0, time.UTC), time.Date(2025, 3, 4, 9, 40, 0, 0, time.UTC)},
		"0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b02": {time.Date(2025, 3, 4, 11, 25, 0, 0, time.UTC)},
	}}
	var out bytes.Buffer
	clk := &clock{}
	h := &Handler{Store: DynamoStore{Client: db, Table: db.table}, Details: revs, Namespace: "Test/Line", Out: &out, Now: clk.now}
	for _, name := range story {
		cwe := cloudWatchEvent(t, files[name])
		clk.t = cwe.Time.Add(2 * time.Second)
		if err := h.Handle(ctx, cwe); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// An hour later the schedule's tick publishes what has settled.
	clk.t = clk.t.Add(DefaultSettle + time.Minute)
	tick := events.CloudWatchEvent{Source: TickSource, DetailType: TickDetailType, Detail: json.RawMessage(`{"pipeline":"` + line + `"}`)}
	if err := h.Handle(ctx, tick); err != nil {
		t.Fatal(err)
	}
	want := map[string][]float64{
		"ExecutionsStarted":        {1, 1},
		"StageDuration/Production": {748, 630},
		"Deployments":              {1},
		"ProductionAttempts":       {1, 1},
		"LeadTime":                 {3750}, // 10:42:30 - 09:40:00
		"ExecutionsSucceeded":      {1},
		"ExecutionsFailed":         {1},
		"LineRed":                  {0, 1},
		"ProductionFailures":       {1},
		"TimeToRestore":            {634}, // 12:21:17 - 12:10:43
	}
	if got := metrics(t, out.String()); !reflect.DeepEqual(got, want) {
		t.Errorf("metrics:\n got %v\nwant %v", got, want)
	}
	// Every execution that reaches production is looked up once, a
	// rollback's too (so that what the state knows does not depend on the
	// order of the events).
	wantCalls := []string{line + "/0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b01", line + "/0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b02", line + "/0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b03"}
	if !reflect.DeepEqual(revs.calls, wantCalls) {
		t.Errorf("revision lookups %v, want %v", revs.calls, wantCalls)
	}
	s, v, err := h.Store.Load(ctx, line)
	if err != nil || s.Production.FailingSince != 0 || len(s.Executions) != 3 || v == 0 {
		t.Errorf("state: v%d %v %+v", v, err, s)
	}

	// At-least-once delivery: the whole story again publishes and saves
	// nothing, and action events never touch the table.
	out.Reset()
	gets, puts := db.gets, db.puts
	for _, name := range story {
		if err := h.Handle(ctx, cloudWatchEvent(t, files[name])); err != nil {
			t.Fatalf("%s again: %v", name, err)
		}
	}
	if err := h.Handle(ctx, tick); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || db.puts != puts {
		t.Errorf("replay published %q and saved %d times", out.String(), db.puts-puts)
	}
	if want := gets + len(story) - 3 + 1; db.gets != want {
		t.Errorf("replay read %d times, want %d (no reads for action events)", db.gets-gets, want-gets)
	}
	if len(revs.calls) != len(wantCalls) {
		t.Errorf("replay looked executions up again: %v", revs.calls)
	}
}

func TestHandlerTicksAndReplays(t *testing.T) {
	ctx := context.Background()
	db := newFakeDynamo()
	var out bytes.Buffer
	clk := &clock{t: at(0)}
	h := &Handler{Store: DynamoStore{Client: db, Table: db.table}, Namespace: "Test/Line", Out: &out, Now: clk.now}
	tick := events.CloudWatchEvent{Source: TickSource, DetailType: TickDetailType, Detail: json.RawMessage(`{"pipeline":"` + line + `"}`)}

	// A tick before any event reads the state and writes nothing.
	if err := h.Handle(ctx, tick); err != nil || db.puts != 0 {
		t.Fatalf("tick on nothing: %v, %d puts", err, db.puts)
	}
	for _, e := range concat(deploy("a", 0), failProduction("b", 20)) {
		clk.t = e.Time.Add(time.Second)
		if err := h.HandleEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// The failure's restore comes from a rollback whose events are
	// replayed from the dead-letter queue: a Lambda failure-destination
	// record and an EventBridge dead letter (the event itself).
	for i, e := range rollback("r", TriggerAutomatedRollback, 31, 4) {
		body, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			body = []byte(`{"version":"1.0","requestContext":{"condition":"RetriesExhausted"},"requestPayload":` + string(body) + `,"responsePayload":{"errorMessage":"throttled"}}`)
		}
		clk.t = e.Time.Add(time.Minute)
		if err := h.HandlePayload(ctx, body); err != nil {
			t.Fatal(err)
		}
	}
	if got := metrics(t, out.String()); got["TimeToRestore"] != nil {
		t.Errorf("time to restore before it settled: %v", got)
	}
	out.Reset()
	clk.t = at(40).Add(DefaultSettle)
	if err := h.Handle(ctx, tick); err != nil {
		t.Fatal(err)
	}
	if got := metrics(t, out.String()); !reflect.DeepEqual(got, map[string][]float64{"TimeToRestore": {300}}) {
		t.Errorf("tick published %v", got)
	}
	puts := db.puts
	out.Reset()
	if err := h.Handle(ctx, tick); err != nil || db.puts != puts || out.Len() != 0 {
		t.Errorf("a second tick: %v, %d puts, published %q", err, db.puts-puts, out.String())
	}
	for _, bad := range []string{`{"source":"velocity.dora","detail-type":"Other"}`, `{"source":"velocity.dora","detail-type":"Velocity DORA Tick","detail":{}}`, `[1,2]`, `{"requestPayload":null}`} {
		if err := h.HandlePayload(ctx, []byte(bad)); err != nil || db.puts != puts {
			t.Errorf("%s: %v", bad, err)
		}
	}

	// An event dated in the future is refused: not saved, not published.
	if err := h.HandleEvent(ctx, deploy("f", 60*24)[0]); err != nil || db.puts != puts || out.Len() != 0 {
		t.Errorf("future event: %v, %d puts, published %q", err, db.puts-puts, out.String())
	}
}

func TestHandlerRetriesOnConflict(t *testing.T) {
	ctx := context.Background()
	db := newFakeDynamo()
	store := DynamoStore{Client: db, Table: db.table}
	var out bytes.Buffer
	h := &Handler{Store: store, Namespace: "Test/Line", Out: &out, Backoff: time.Millisecond, Now: (&clock{at(10)}).now}

	// While the handler applies the production success, another
	// invocation saves the pipeline's STARTED first.
	db.beforePut = func(n int) {
		if n != 1 {
			return
		}
		s, v, err := store.Load(ctx, line)
		if err != nil {
			t.Error(err)
			return
		}
		s, _ = Apply(s, started("a", at(0), TriggerWebhook), at(0), nil)
		db.beforePut = nil
		if err := store.Save(ctx, line, s, v); err != nil {
			t.Error(err)
		}
	}
	if err := h.HandleEvent(ctx, stageEvent("a", "Production", StateSucceeded, at(10))); err != nil {
		t.Fatal(err)
	}
	if got := metrics(t, out.String()); !reflect.DeepEqual(got, map[string][]float64{"Deployments": {1}, "ProductionAttempts": {1}}) {
		t.Errorf("published %v", got)
	}
	s, v, _ := store.Load(ctx, line)
	keys := sortedKeys(s.Executions["a"].Events)
	if v != 2 || !reflect.DeepEqual(keys, []string{"Production|SUCCEEDED|1", "|STARTED|1"}) {
		t.Errorf("v%d, applied %v", v, keys)
	}
}

func TestHandlerGivesUpAfterConflicts(t *testing.T) {
	db := newFakeDynamo()
	var out bytes.Buffer
	h := &Handler{Store: conflictingStore{DynamoStore{Client: db, Table: db.table}}, Out: &out, SaveAttempts: 3, Backoff: time.Millisecond, Now: (&clock{at(0)}).now}
	err := h.HandleEvent(context.Background(), pipelineEvent("a", StateFailed, at(0)))
	if !errors.Is(err, ErrConflict) || out.Len() != 0 {
		t.Errorf("err %v, published %q", err, out.String())
	}
	if db.gets != 3 {
		t.Errorf("%d loads, want 3", db.gets)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.HandleEvent(ctx, pipelineEvent("a", StateFailed, at(0))); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

type conflictingStore struct{ Store }

func (conflictingStore) Save(context.Context, string, State, int64) error { return ErrConflict }

func TestHandlerFailures(t *testing.T) {
	ctx := context.Background()
	db := newFakeDynamo()
	var out bytes.Buffer
	revs := &fakeDetails{err: errors.New("throttled")}
	h := &Handler{Store: DynamoStore{Client: db, Table: db.table}, Details: revs, Out: &out, Now: (&clock{at(1)}).now}

	// A failed lookup fails the invocation before anything is saved or
	// published, so that Lambda retries it.
	if err := h.HandleEvent(ctx, stageEvent("a", "Production", StateSucceeded, at(1))); err == nil || !strings.Contains(err.Error(), "throttled") {
		t.Errorf("revision error: %v", err)
	}
	if db.puts != 0 || out.Len() != 0 {
		t.Errorf("saved %d times, published %q", db.puts, out.String())
	}

	// Malformed events are dropped, not retried.
	for name, e := range map[string]events.CloudWatchEvent{
		"bad detail":  {DetailType: DetailTypeStage, Time: at(0), Detail: json.RawMessage(`{"version":"x"}`)},
		"no pipeline": {DetailType: DetailTypeStage, Time: at(0), Detail: json.RawMessage(`{}`)},
		"other type":  {DetailType: "Scheduled Event", Time: at(0)},
	} {
		if err := h.Handle(ctx, e); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if db.gets != 1 {
		t.Errorf("malformed events loaded state: %d loads", db.gets)
	}

	db.getErr = errors.New("table gone")
	if err := h.HandleEvent(ctx, pipelineEvent("a", StateFailed, at(0))); err == nil {
		t.Error("load error swallowed")
	}
	db.getErr, db.putErr = nil, errors.New("table gone")
	if err := h.HandleEvent(ctx, pipelineEvent("a", StateFailed, at(0))); err == nil || out.Len() != 0 {
		t.Errorf("save error: %v, published %q", err, out.String())
	}
	if err := (&Handler{}).HandleEvent(ctx, pipelineEvent("a", StateFailed, at(0))); err == nil {
		t.Error("handler without a store")
	}
}

func TestFromCloudWatchEvent(t *testing.T) {
	for name, body := range sampleFiles(t, "events") {
		want, err := ParseEvent(body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := FromCloudWatchEvent(cloudWatchEvent(t, body))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v\n got %+v\nwant %+v", name, err, got, want)
		}
	}
}

type fakeCodePipeline struct {
	out *codepipeline.GetPipelineExecutionOutput
	err error
	in  *codepipeline.GetPipelineExecutionInput
}

func (f *fakeCodePipeline) GetPipelineExecution(_ context.Context, in *codepipeline.GetPipelineExecutionInput, _ ...func(*codepipeline.Options)) (*codepipeline.GetPipelineExecutionOutput, error) {
	f.in = in
	return f.out, f.err
}

func TestCodePipelineDetails(t *testing.T) {
	t1 := time.Date(2025, 3, 4, 9, 40, 0, 0, time.UTC)
	t2 := time.Date(2025, 3, 4, 9, 50, 0, 0, time.UTC)
	fake := &fakeCodePipeline{out: &codepipeline.GetPipelineExecutionOutput{PipelineExecution: &cptypes.PipelineExecution{
		Trigger: &cptypes.ExecutionTrigger{TriggerType: cptypes.TriggerTypeManualRollback},
		ArtifactRevisions: []cptypes.ArtifactRevision{
			{Name: aws.String("app"), Created: aws.Time(t2)},
			{Name: aws.String("s3"), Created: nil},
			{Name: aws.String("config"), Created: aws.Time(t1)},
		},
	}}}
	got, err := CodePipelineDetails{Client: fake}.Details(context.Background(), line, "exec-1")
	if err != nil || !reflect.DeepEqual(got, Details{Trigger: TriggerManualRollback, Revisions: []time.Time{t2, t1}}) {
		t.Errorf("details %+v, %v", got, err)
	}
	if aws.ToString(fake.in.PipelineName) != line || aws.ToString(fake.in.PipelineExecutionId) != "exec-1" {
		t.Errorf("input %+v", fake.in)
	}
	fake.out = &codepipeline.GetPipelineExecutionOutput{}
	if got, err := (CodePipelineDetails{Client: fake}).Details(context.Background(), line, "x"); err != nil || !reflect.DeepEqual(got, Details{}) {
		t.Errorf("no execution: %v %v", got, err)
	}
	fake.err = errors.New("AccessDenied")
	if _, err := (CodePipelineDetails{Client: fake}).Details(context.Background(), line, "x"); err == nil {
		t.Error("error swallowed")
	}
}

func TestNewHandlerFromEnv(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	t.Setenv(EnvTableName, "")
	if _, err := NewHandlerFromEnv(context.Background()); err == nil {
		t.Error("no error without TABLE_NAME")
	}
	t.Setenv(EnvTableName, "dora-state")
	t.Setenv(EnvProductionStage, "Prod")
	t.Setenv(EnvNamespace, "Team/Line")
	h, err := NewHandlerFromEnv(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if st, ok := h.Store.(DynamoStore); !ok || st.Table != "dora-state" || st.Client == nil {
		t.Errorf("store %+v", h.Store)
	}
	if _, ok := h.Details.(CodePipelineDetails); !ok || h.Rules.ProductionStage != "Prod" || h.Namespace != "Team/Line" {
		t.Errorf("handler %+v", h)
	}
}
