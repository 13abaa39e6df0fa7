package canaryanalysis

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/velocity-cdk/velocity/monitoring/analysis"
)

// Pipeline is what the function asks of CodePipeline.
type Pipeline interface {
	PutJobSuccessResult(ctx context.Context, in *codepipeline.PutJobSuccessResultInput, opts ...func(*codepipeline.Options)) (*codepipeline.PutJobSuccessResultOutput, error)
	PutJobFailureResult(ctx context.Context, in *codepipeline.PutJobFailureResultInput, opts ...func(*codepipeline.Options)) (*codepipeline.PutJobFailureResultOutput, error)
	ListActionExecutions(ctx context.Context, in *codepipeline.ListActionExecutionsInput, opts ...func(*codepipeline.Options)) (*codepipeline.ListActionExecutionsOutput, error)
}

// Handler handles the jobs of the canary analysis action.
type Handler struct {
	Pipeline Pipeline
	// PipelineName is the pipeline of actions whose parameters do not name
	// one; PipelineNameErr says why it is unknown, if it is.
	PipelineName    string
	PipelineNameErr error
	// MetricsFor returns the CloudWatch client of an environment: in
	// region (empty: the function's), through roleArn (empty: the
	// function's own role).
	MetricsFor func(ctx context.Context, region, roleArn string) (Metrics, error)
	// Now and Sleep are the clock; time.Now and a context-aware sleep by
	// default.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration)
	// Poll is how long one invocation waits before it hands on to the next
	// (default 45 s; the function's timeout must be longer).
	Poll time.Duration
	// Config holds the judgement's thresholds (zero: analysis's defaults).
	Config analysis.Config
}

// Event is the part of CodePipeline's invocation event the function reads.
type Event struct {
	Job struct {
		ID   string `json:"id"`
		Data struct {
			ActionConfiguration struct {
				Configuration struct {
					UserParameters string `json:"UserParameters"`
				} `json:"configuration"`
			} `json:"actionConfiguration"`
			ContinuationToken string `json:"continuationToken"`
		} `json:"data"`
	} `json:"CodePipeline.job"`
}

// Handle runs one job: it always reports the job's result to CodePipeline
// (a failure for anything that goes wrong, so the stage never waits for a
// job nobody finishes), and returns an error only when it cannot.
func (h *Handler) Handle(ctx context.Context, e Event) error {
	id := e.Job.ID
	if id == "" {
		return fmt.Errorf("canaryanalysis: the event has no CodePipeline job id")
	}
	next, summary, err := h.run(ctx, e)
	if err != nil {
		return h.fail(ctx, id, err.Error())
	}
	in := &codepipeline.PutJobSuccessResultInput{JobId: aws.String(id),
		ExecutionDetails: &cptypes.ExecutionDetails{Summary: aws.String(clip(summary, 2048))}}
	if next != nil {
		token, _ := json.Marshal(next)
		in.ContinuationToken = aws.String(string(token))
	}
	if _, err := h.Pipeline.PutJobSuccessResult(ctx, in); err != nil {
		return fmt.Errorf("canaryanalysis: reporting job %s: %w", id, err)
	}
	return nil
}

func (h *Handler) fail(ctx context.Context, id, message string) error {
	_, err := h.Pipeline.PutJobFailureResult(ctx, &codepipeline.PutJobFailureResultInput{JobId: aws.String(id),
		FailureDetails: &cptypes.FailureDetails{Type: cptypes.FailureTypeJobFailed, Message: aws.String(clip(message, 5000))}})
	if err != nil {
		return fmt.Errorf("canaryanalysis: reporting the failure of job %s (%s): %w", id, message, err)
	}
	return nil
}

// run does the job's work: it returns the state to continue with (nil when
// the analysis is done and passed) and a summary, or the reason to fail.
func (h *Handler) run(ctx context.Context, e Event) (*state, string, error) {
	p, err := ParseParams(e.Job.Data.ActionConfiguration.Configuration.UserParameters, h.PipelineName)
	if err != nil && p.Pipeline == "" && h.PipelineNameErr != nil {
		return nil, "", h.PipelineNameErr
	}
	if err != nil {
		return nil, "", err
	}
	now := h.now()
	var s state
	if token := e.Job.Data.ContinuationToken; token != "" {
		if err := json.Unmarshal([]byte(token), &s); err != nil {
			return nil, "", fmt.Errorf("canaryanalysis: the continuation token is not this function's: %w", err)
		}
	} else {
		s = state{DeployStart: h.deployStart(ctx, p, now), AnalysisStart: now}
	}
	metrics, err := h.MetricsFor(ctx, p.Region, p.RoleArn)
	if err != nil {
		return nil, "", fmt.Errorf("canaryanalysis: %w", err)
	}
	end := s.AnalysisStart.Add(p.window())
	if wait := end.Sub(now); wait > 0 {
		h.sleep(ctx, min(wait, h.poll()))
		if st, err := gateState(ctx, metrics, p.Alarm); err != nil {
			return nil, "", fmt.Errorf("canaryanalysis: %w", err)
		} else if st == types.StateValueAlarm {
			return nil, "", fmt.Errorf("the gate alarm %s went into ALARM during the canary analysis", p.Alarm)
		}
		if h.now().Before(end) {
			left := end.Sub(h.now()).Round(time.Second)
			return &s, fmt.Sprintf("Watching %s; comparing its metrics after the deploy with before it in %v.", p.Alarm, left), nil
		}
	}
	return h.judge(ctx, metrics, p, s)
}

// judge compares every metric under the gate, the window after the deploy
// with the window before the stage started deploying.
func (h *Handler) judge(ctx context.Context, m Metrics, p Params, s state) (*state, string, error) {
	watchedOnes, err := watchedMetrics(ctx, m, p.Alarm)
	if err != nil {
		return nil, "", fmt.Errorf("canaryanalysis: %w", err)
	}
	before, err := series(ctx, m, watchedOnes, s.DeployStart.Add(-p.window()), p.window())
	if err != nil {
		return nil, "", fmt.Errorf("canaryanalysis: %w", err)
	}
	after, err := series(ctx, m, watchedOnes, s.AnalysisStart, p.window())
	if err != nil {
		return nil, "", fmt.Errorf("canaryanalysis: %w", err)
	}
	var failed, lines []string
	for i, w := range watchedOnes {
		j := analysis.Judge(w.alarm, w.worse, before[i], after[i], h.Config)
		lines = append(lines, j.String())
		if j.Verdict == analysis.Fail {
			failed = append(failed, j.String())
		}
	}
	if len(watchedOnes) == 0 {
		lines = append(lines, "no metric alarms under "+p.Alarm+": nothing to compare")
	}
	if len(failed) > 0 {
		return nil, "", fmt.Errorf("canary analysis: %d of %d metrics regressed after the deploy: %s", len(failed), len(watchedOnes), strings.Join(failed, "; "))
	}
	return nil, fmt.Sprintf("Canary analysis passed (%d-minute windows, Mann-Whitney U): %s", p.WindowMinutes, strings.Join(lines, "; ")), nil
}

// deployStart is when this execution's first action in the stage started,
// found among the pipeline's recent action executions; now when it cannot
// be found (the before window then ends at the analysis, which still
// compares the service before and after the deploy's own minutes).
func (h *Handler) deployStart(ctx context.Context, p Params, now time.Time) time.Time {
	out, err := h.Pipeline.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String(p.Pipeline), MaxResults: aws.Int32(100)})
	if err != nil {
		return now
	}
	var execution string
	for _, d := range out.ActionExecutionDetails {
		if aws.ToString(d.StageName) == p.Stage && aws.ToString(d.ActionName) == p.Action && d.Status == cptypes.ActionExecutionStatusInProgress {
			execution = aws.ToString(d.PipelineExecutionId)
			break
		}
	}
	start := now
	for _, d := range out.ActionExecutionDetails {
		if execution != "" && aws.ToString(d.PipelineExecutionId) == execution && aws.ToString(d.StageName) == p.Stage &&
			d.StartTime != nil && d.StartTime.Before(start) {
			start = *d.StartTime
		}
	}
	return start
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) sleep(ctx context.Context, d time.Duration) {
	if h.Sleep != nil {
		h.Sleep(ctx, d)
		return
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func (h *Handler) poll() time.Duration {
	if h.Poll > 0 {
		return h.Poll
	}
	return 45 * time.Second
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}
