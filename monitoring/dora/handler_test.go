package dora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
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

type fakeRevisions struct {
	times map[string][]time.Time
	err   error
	calls []string
}

func (f *fakeRevisions) RevisionTimes(_ context.Context, pipeline, id string) ([]time.Time, error) {
	f.calls = append(f.calls, pipeline+"/"+id)
	return f.times[id], f.err
}

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
	revs := &fakeRevisions{times: map[string][]time.Time{
		"0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b01": {time.Date(2025, 3, 4, 9, 50, 0, 0, time.UTC), time.Date(2025, 3, 4, 9, 40, 0, 0, time.UTC)},
		"0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b02": {time.Date(2025, 3, 4, 11, 25, 0, 0, time.UTC)},
	}}
	var out bytes.Buffer
	h := &Handler{Store: DynamoStore{Client: db, Table: db.table}, Revisions: revs, Namespace: "Test/Line", Out: &out}
	for _, name := range story {
		if err := h.Handle(ctx, cloudWatchEvent(t, files[name])); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
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
	wantCalls := []string{line + "/0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b01", line + "/0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b02"}
	if !reflect.DeepEqual(revs.calls, wantCalls) {
		t.Errorf("revision lookups %v, want %v", revs.calls, wantCalls)
	}
	s, v, err := h.Store.Load(ctx, line)
	if err != nil || !s.FailingSince.IsZero() || !s.LineRed || v == 0 {
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
	if out.Len() != 0 || db.puts != puts {
		t.Errorf("replay published %q and saved %d times", out.String(), db.puts-puts)
	}
	if want := gets + len(story) - 3; db.gets != want {
		t.Errorf("replay read %d times, want %d (no reads for action events)", db.gets-gets, want-gets)
	}
}

func TestHandlerRetriesOnConflict(t *testing.T) {
	ctx := context.Background()
	db := newFakeDynamo()
	store := DynamoStore{Client: db, Table: db.table}
	var out bytes.Buffer
	h := &Handler{Store: store, Namespace: "Test/Line", Out: &out, Backoff: time.Millisecond}

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
		s, _ = Apply(s, started("a", at(0), TriggerWebhook), nil)
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
	keys := s.Executions["a"].Applied
	sort.Strings(keys)
	if v != 2 || !reflect.DeepEqual(keys, []string{"Production|SUCCEEDED|1", "|STARTED|1"}) {
		t.Errorf("v%d, applied %v", v, keys)
	}
}

func TestHandlerGivesUpAfterConflicts(t *testing.T) {
	db := newFakeDynamo()
	var out bytes.Buffer
	h := &Handler{Store: conflictingStore{DynamoStore{Client: db, Table: db.table}}, Out: &out, SaveAttempts: 3, Backoff: time.Millisecond}
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
	revs := &fakeRevisions{err: errors.New("throttled")}
	h := &Handler{Store: DynamoStore{Client: db, Table: db.table}, Revisions: revs, Out: &out}

	// A failed revision lookup fails the invocation before anything is
	// saved or published, so that Lambda retries it.
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

func TestCodePipelineRevisions(t *testing.T) {
	t1 := time.Date(2025, 3, 4, 9, 40, 0, 0, time.UTC)
	t2 := time.Date(2025, 3, 4, 9, 50, 0, 0, time.UTC)
	fake := &fakeCodePipeline{out: &codepipeline.GetPipelineExecutionOutput{PipelineExecution: &cptypes.PipelineExecution{
		ArtifactRevisions: []cptypes.ArtifactRevision{
			{Name: aws.String("app"), Created: aws.Time(t2)},
			{Name: aws.String("s3"), Created: nil},
			{Name: aws.String("config"), Created: aws.Time(t1)},
		},
	}}}
	got, err := CodePipelineRevisions{Client: fake}.RevisionTimes(context.Background(), line, "exec-1")
	if err != nil || !reflect.DeepEqual(got, []time.Time{t2, t1}) {
		t.Errorf("times %v, %v", got, err)
	}
	if aws.ToString(fake.in.PipelineName) != line || aws.ToString(fake.in.PipelineExecutionId) != "exec-1" {
		t.Errorf("input %+v", fake.in)
	}
	fake.out = &codepipeline.GetPipelineExecutionOutput{}
	if got, err := (CodePipelineRevisions{Client: fake}).RevisionTimes(context.Background(), line, "x"); err != nil || got != nil {
		t.Errorf("no execution: %v %v", got, err)
	}
	fake.err = errors.New("AccessDenied")
	if _, err := (CodePipelineRevisions{Client: fake}).RevisionTimes(context.Background(), line, "x"); err == nil {
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
	if _, ok := h.Revisions.(CodePipelineRevisions); !ok || h.Rules.ProductionStage != "Prod" || h.Namespace != "Team/Line" {
		t.Errorf("handler %+v", h)
	}
}
