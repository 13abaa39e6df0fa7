package dora

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sampleFiles(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no sample events in testdata/%s", dir)
	}
	files := map[string][]byte{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[filepath.Base(p)] = b
	}
	return files
}

func TestParseEverySample(t *testing.T) {
	for name, body := range sampleFiles(t, "events") {
		t.Run(name, func(t *testing.T) {
			e, err := ParseEvent(body)
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			if e.Source != Source || e.Version != "0" || e.ID == "" || e.Account != "111111111111" || e.Region != "eu-west-1" {
				t.Errorf("envelope: %+v", e)
			}
			if len(e.Resources) != 1 || !strings.HasSuffix(e.Resources[0], ":"+e.Detail.Pipeline) {
				t.Errorf("resources %v do not name pipeline %q", e.Resources, e.Detail.Pipeline)
			}
			if e.Detail.Version != 7 {
				t.Errorf("detail.version = %v", e.Detail.Version)
			}
			if n := e.Detail.PipelineExecutionAttempt; n < 1 {
				t.Errorf("pipeline-execution-attempt = %v", n)
			}
			prefix := strings.SplitN(name, "-", 2)[0]
			if got := e.Level().String(); got != prefix {
				t.Errorf("level %s, file says %s", got, prefix)
			}
			state := strings.ToUpper(strings.SplitN(strings.SplitN(name, "-", 3)[1], ".", 2)[0])
			if state == "RESUMED" || state == "SUCCEEDED" || state == "STARTED" || state == "FAILED" ||
				state == "STOPPING" || state == "STOPPED" || state == "ABANDONED" {
				if e.Detail.State != state {
					t.Errorf("state %s, file says %s", e.Detail.State, state)
				}
			}
			if e.Level() == LevelAction && (e.Detail.Action == "" || e.Detail.Type == nil || e.Detail.ActionExecutionID == "") {
				t.Errorf("action detail: %+v", e.Detail)
			}
			if strings.Contains(name, "rollback") && e.Level() == LevelPipeline && !IsRollback(e.Trigger()) {
				t.Errorf("rollback sample with trigger %q", e.Trigger())
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	files := sampleFiles(t, "events")
	parse := func(name string) Event {
		t.Helper()
		e, err := ParseEvent(files[name])
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	e := parse("pipeline-started.json")
	if e.Level() != LevelPipeline || e.Detail.State != StateStarted || e.Trigger() != TriggerWebhook ||
		e.Detail.ExecutionID != "0b7c9e4a-1f2d-4c3b-8a6e-5d4f3e2a1b01" ||
		!e.Time.Equal(time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("pipeline STARTED: %+v", e)
	}
	if e := parse("pipeline-started-automated-rollback.json"); e.Trigger() != TriggerAutomatedRollback {
		t.Errorf("automated rollback trigger %q", e.Trigger())
	}
	if e := parse("pipeline-started-manual-rollback.json"); e.Trigger() != TriggerManualRollback {
		t.Errorf("manual rollback trigger %q", e.Trigger())
	}
	if e := parse("pipeline-succeeded-git-branch.json"); e.Trigger() != "" ||
		e.Detail.ExecutionTrigger.BranchName != "main" || e.Detail.ExecutionTrigger.CommitID == "" {
		t.Errorf("git trigger: %+v", e.Detail.ExecutionTrigger)
	}
	if e := parse("pipeline-failed-git-tag.json"); e.Detail.ExecutionTrigger.TagName != "v1.4.0" {
		t.Errorf("git tag trigger: %+v", e.Detail.ExecutionTrigger)
	}
	if e := parse("pipeline-stopping.json"); e.Detail.StopExecutionComments == "" {
		t.Errorf("stop comments: %+v", e.Detail)
	}
	if e := parse("stage-resumed-after-retry.json"); e.Detail.PipelineExecutionAttempt != 2 ||
		e.Detail.Stage != "Build" || e.Detail.StageLastRetryAttemptTime == "" {
		t.Errorf("stage RESUMED: %+v", e.Detail)
	}
	e = parse("action-failed.json")
	want := ActionType{Owner: "AWS", Category: "Deploy", Provider: "CloudFormation", Version: "1"}
	if e.Detail.Type == nil || *e.Detail.Type != want || e.Detail.ExecutionResult == nil ||
		e.Detail.ExecutionResult.ErrorCode != "JobFailed" || e.Detail.Region != "eu-west-1" {
		t.Errorf("action FAILED: %+v", e.Detail)
	}
}

func TestParseProcessedEvent(t *testing.T) {
	for name, body := range sampleFiles(t, "processed") {
		e, err := ParseEvent(body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if e.Level() != LevelPipeline || e.Detail.State != StateFailed {
			t.Errorf("%s: %+v", name, e)
		}
	}
}

func TestParseEventErrors(t *testing.T) {
	for name, body := range map[string]string{
		"not json":          `{`,
		"not an object":     `[]`,
		"unknown type":      `{"detail-type":"EC2 Instance State-change Notification","time":"2025-03-04T10:00:00Z","detail":{}}`,
		"wrong source":      `{"detail-type":"CodePipeline Pipeline Execution State Change","source":"aws.ec2","time":"2025-03-04T10:00:00Z","detail":{"pipeline":"p","execution-id":"e","state":"STARTED"}}`,
		"no time":           `{"detail-type":"CodePipeline Pipeline Execution State Change","detail":{"pipeline":"p","execution-id":"e","state":"STARTED"}}`,
		"bad time":          `{"detail-type":"CodePipeline Pipeline Execution State Change","time":"yesterday","detail":{"pipeline":"p","execution-id":"e","state":"STARTED"}}`,
		"no execution":      `{"detail-type":"CodePipeline Pipeline Execution State Change","time":"2025-03-04T10:00:00Z","detail":{"pipeline":"p","state":"STARTED"}}`,
		"stage without one": `{"detail-type":"CodePipeline Stage Execution State Change","time":"2025-03-04T10:00:00Z","detail":{"pipeline":"p","execution-id":"e","state":"STARTED"}}`,
		"bad version":       `{"detail-type":"CodePipeline Pipeline Execution State Change","time":"2025-03-04T10:00:00Z","detail":{"pipeline":"p","execution-id":"e","state":"STARTED","version":"one"}}`,
		"invalid doc JSON":  `{"version":"0","id":01234567-EXAMPLE,"detail-type":"CodePipeline Stage Execution State Change"}`,
	} {
		if _, err := ParseEvent([]byte(body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNumber(t *testing.T) {
	for in, want := range map[string]Number{`1`: 1, `1.0`: 1, `"1"`: 1, `" 2.5 "`: 2.5, `null`: 0, `""`: 0, `32.0`: 32} {
		var n Number
		if err := json.Unmarshal([]byte(in), &n); err != nil || n != want {
			t.Errorf("%s: %v, %v; want %v", in, n, err, want)
		}
	}
	for _, in := range []string{`"x"`, `true`, `{}`, `"1"x`} {
		var n Number
		if err := json.Unmarshal([]byte(in), &n); err == nil {
			t.Errorf("%s: no error", in)
		}
	}
	if b, _ := json.Marshal(Number(7)); string(b) != "7" {
		t.Errorf("marshal: %s", b)
	}
	if Number(2).String() != "2" || Number(1.5).String() != "1.5" {
		t.Error("String")
	}
}

func TestRulePatternMatchesSamples(t *testing.T) {
	all := RulePattern()
	named := RulePattern("velocity-line")
	other := RulePattern("another-line")
	red := LineRedPattern("velocity-line")
	for name, body := range sampleFiles(t, "events") {
		e, err := ParseEvent(body)
		if err != nil {
			t.Fatal(err)
		}
		wantAll := e.Level() == LevelPipeline || e.Level() == LevelStage
		wantRed := e.Level() == LevelPipeline && (e.Detail.State == StateFailed || e.Detail.State == StateSucceeded)
		for _, c := range []struct {
			name string
			p    Pattern
			want bool
		}{{"all", all, wantAll}, {"named", named, wantAll}, {"other", other, false}, {"red", red, wantRed}} {
			got, err := c.p.Matches(body)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s: %s pattern matches = %v, want %v", name, c.name, got, c.want)
			}
		}
	}
	// Processed events are not what rules see: detail-type is absent.
	for name, body := range sampleFiles(t, "processed") {
		if ok, _ := all.Matches(body); ok {
			t.Errorf("processed %s matches the rule pattern", name)
		}
	}
}

func TestPatternJSON(t *testing.T) {
	b, err := json.Marshal(RulePattern("velocity-line"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"source":["aws.codepipeline"],"detail-type":["CodePipeline Pipeline Execution State Change","CodePipeline Stage Execution State Change"],"detail":{"pipeline":["velocity-line"]}}`
	if string(b) != want {
		t.Errorf("pattern JSON:\n got %s\nwant %s", b, want)
	}
	b, _ = json.Marshal(RulePattern())
	if strings.Contains(string(b), `"detail"`) {
		t.Errorf("pattern for every pipeline filters the detail: %s", b)
	}
	var back Pattern
	if err := json.Unmarshal([]byte(want), &back); err != nil || !reflect.DeepEqual(back, RulePattern("velocity-line")) {
		t.Errorf("round trip: %+v %v", back, err)
	}
}

func TestPatternMatching(t *testing.T) {
	p := Pattern{Source: []string{"a"}, Detail: map[string][]string{"k": {"v"}}}
	for body, want := range map[string]bool{
		`{"source":"a","detail":{"k":"v"}}`:         true,
		`{"source":"a","detail":{"k":["x","v"]}}`:   true,
		`{"source":"a","detail":{"k":"w"}}`:         false,
		`{"source":"a","detail":{}}`:                false,
		`{"source":"a","detail":"k"}`:               false,
		`{"source":"b","detail":{"k":"v"}}`:         false,
		`{"source":["a"],"detail":{"k":{"v":1}}}`:   false,
		`{"detail":{"k":"v"}}`:                      false,
		`{"source":"a","detail":{"k":"v","x":1}}`:   true,
		`{"source":"a","detail":{"k":["v"]},"z":0}`: true,
	} {
		got, err := p.Matches([]byte(body))
		if err != nil || got != want {
			t.Errorf("%s: %v, %v; want %v", body, got, err, want)
		}
	}
	if _, err := p.Matches([]byte(`{`)); err == nil {
		t.Error("no error for invalid JSON")
	}
	if ok, _ := (Pattern{Source: []string{}}).Matches([]byte(`{"source":"a"}`)); ok {
		t.Error("an empty list matched")
	}
}
