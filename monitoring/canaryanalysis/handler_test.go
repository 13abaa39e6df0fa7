package canaryanalysis_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	cptypes "github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/velocity-cdk/velocity/monitoring/canaryanalysis"
)

var deployed = time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)

// fakePipeline records the job results.
type fakePipeline struct {
	success *codepipeline.PutJobSuccessResultInput
	failure *codepipeline.PutJobFailureResultInput
}

func (f *fakePipeline) PutJobSuccessResult(_ context.Context, in *codepipeline.PutJobSuccessResultInput, _ ...func(*codepipeline.Options)) (*codepipeline.PutJobSuccessResultOutput, error) {
	f.success = in
	return &codepipeline.PutJobSuccessResultOutput{}, nil
}

func (f *fakePipeline) PutJobFailureResult(_ context.Context, in *codepipeline.PutJobFailureResultInput, _ ...func(*codepipeline.Options)) (*codepipeline.PutJobFailureResultOutput, error) {
	f.failure = in
	return &codepipeline.PutJobFailureResultOutput{}, nil
}

// ListActionExecutions: this execution deployed the stage from 09:52;
// another execution's action in the same stage started earlier.
func (f *fakePipeline) ListActionExecutions(context.Context, *codepipeline.ListActionExecutionsInput, ...func(*codepipeline.Options)) (*codepipeline.ListActionExecutionsOutput, error) {
	at := func(m int) *time.Time { t := deployed.Add(time.Duration(m) * time.Minute); return &t }
	return &codepipeline.ListActionExecutionsOutput{ActionExecutionDetails: []cptypes.ActionExecutionDetail{
		{PipelineExecutionId: aws.String("e2"), StageName: aws.String("Production"), ActionName: aws.String("CanaryAnalysis"), Status: cptypes.ActionExecutionStatusInProgress, StartTime: at(0)},
		{PipelineExecutionId: aws.String("e2"), StageName: aws.String("Production"), ActionName: aws.String("Service.Deploy"), Status: cptypes.ActionExecutionStatusSucceeded, StartTime: at(-8)},
		{PipelineExecutionId: aws.String("e1"), StageName: aws.String("Production"), ActionName: aws.String("Service.Deploy"), Status: cptypes.ActionExecutionStatusSucceeded, StartTime: at(-90)},
	}}, nil
}

// fakeMetrics: the gate over an errors alarm (Sum) and a latency alarm
// (p99); the latency after the deploy is latencyAfter times that before.
type fakeMetrics struct {
	gate         types.StateValue
	latencyAfter float64
	errorsAfter  bool
	queried      []time.Time
}

func (f *fakeMetrics) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, name := range in.AlarmNames {
		switch name {
		case "Line-Production-gate":
			out.CompositeAlarms = append(out.CompositeAlarms, types.CompositeAlarm{AlarmName: aws.String(name), StateValue: f.gate,
				AlarmRule: aws.String(`(ALARM("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:orders-errors") OR ALARM("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:orders-latency"))`)})
		case "orders-errors":
			out.MetricAlarms = append(out.MetricAlarms, types.MetricAlarm{AlarmName: aws.String(name), Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Errors"),
				Statistic: types.StatisticSum, ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold})
		case "orders-latency":
			out.MetricAlarms = append(out.MetricAlarms, types.MetricAlarm{AlarmName: aws.String(name), Namespace: aws.String("AWS/Lambda"), MetricName: aws.String("Duration"),
				ExtendedStatistic: aws.String("p99"), ComparisonOperator: types.ComparisonOperatorGreaterThanThreshold})
		}
	}
	return out, nil
}

func (f *fakeMetrics) GetMetricData(_ context.Context, in *cloudwatch.GetMetricDataInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error) {
	start := *in.StartTime
	f.queried = append(f.queried, start)
	after := !start.Before(deployed)
	r := rand.New(rand.NewPCG(uint64(start.Unix()), 7))
	out := &cloudwatch.GetMetricDataOutput{}
	for _, q := range in.MetricDataQueries {
		res := types.MetricDataResult{Id: q.Id}
		for t := start; t.Before(*in.EndTime); t = t.Add(time.Minute) {
			switch *q.MetricStat.Metric.MetricName {
			case "Duration":
				v := 120 * (1 + 0.1*r.NormFloat64())
				if after {
					v *= f.latencyAfter
				}
				res.Timestamps, res.Values = append(res.Timestamps, t), append(res.Values, v)
			case "Errors":
				// Errors in most minutes after the deploy, none before: a
				// minute without errors has no datapoint (the function
				// fills in the zeros).
				if after && f.errorsAfter && r.IntN(4) != 0 {
					res.Timestamps, res.Values = append(res.Timestamps, t), append(res.Values, float64(1+r.IntN(5)))
				}
			}
		}
		out.MetricDataResults = append(out.MetricDataResults, res)
	}
	return out, nil
}

func event(t *testing.T, token string) canaryanalysis.Event {
	t.Helper()
	params, _ := json.Marshal(canaryanalysis.Params{Pipeline: "Line", Stage: "Production", Action: "CanaryAnalysis", Alarm: "Line-Production-gate", WindowMinutes: 10})
	var e canaryanalysis.Event
	e.Job.ID = "job-1"
	e.Job.Data.ActionConfiguration.Configuration.UserParameters = string(params)
	e.Job.Data.ContinuationToken = token
	return e
}

func handler(p *fakePipeline, m *fakeMetrics, now *time.Time) *canaryanalysis.Handler {
	return &canaryanalysis.Handler{
		Pipeline:   p,
		MetricsFor: func(context.Context, string, string) (canaryanalysis.Metrics, error) { return m, nil },
		Now:        func() time.Time { return *now },
		Sleep:      func(_ context.Context, d time.Duration) { *now = now.Add(d) },
	}
}

// TestAnalysisRunsForItsWindow follows one analysis from the first job to
// the verdict: each job waits, checks the gate and hands on its state until
// the window is over; the before window ends where the stage started
// deploying (09:52), not at the analysis.
func TestAnalysisRunsForItsWindow(t *testing.T) {
	for _, c := range []struct {
		name         string
		latencyAfter float64
		errorsAfter  bool
		fails        string
	}{
		{"no regression", 1, false, ""},
		{"latency doubled", 2, false, "orders-latency: worse after the deploy"},
		{"errors appeared", 1, true, "orders-errors: worse after the deploy"},
	} {
		now := deployed
		p, m := &fakePipeline{}, &fakeMetrics{gate: types.StateValueOk, latencyAfter: c.latencyAfter, errorsAfter: c.errorsAfter}
		h := handler(p, m, &now)
		token, jobs := "", 0
		for {
			*p = fakePipeline{}
			if err := h.Handle(context.Background(), event(t, token)); err != nil {
				t.Fatal(err)
			}
			jobs++
			if p.failure != nil || p.success.ContinuationToken == nil {
				break
			}
			token = *p.success.ContinuationToken
			if jobs > 20 {
				t.Fatal("the analysis does not end")
			}
		}
		if jobs != 14 { // 10 minutes in waits of 45 s, then the verdict
			t.Errorf("%s: %d jobs, want 14", c.name, jobs)
		}
		if len(m.queried) != 2 || !m.queried[0].Equal(deployed.Add(-18*time.Minute)) || !m.queried[1].Equal(deployed) {
			t.Errorf("%s: windows from %v, want 09:42 (10 minutes before the deploy began at 09:52) and 10:00", c.name, m.queried)
		}
		switch {
		case c.fails == "" && p.failure != nil:
			t.Errorf("%s: failed: %s", c.name, *p.failure.FailureDetails.Message)
		case c.fails != "" && (p.failure == nil || !strings.Contains(*p.failure.FailureDetails.Message, c.fails)):
			t.Errorf("%s: result %+v (%s), want a failure with %q", c.name, p, aws.ToString(p.success.ExecutionDetails.Summary), c.fails)
		case c.fails == "" && !strings.Contains(*p.success.ExecutionDetails.Summary, "Canary analysis passed"):
			t.Errorf("%s: summary %q", c.name, *p.success.ExecutionDetails.Summary)
		}
	}
}

// TestAnalysisFailsWhenTheGateAlarms: the gate in ALARM during the window
// fails the job at once.
func TestAnalysisFailsWhenTheGateAlarms(t *testing.T) {
	now := deployed
	p, m := &fakePipeline{}, &fakeMetrics{gate: types.StateValueAlarm, latencyAfter: 1}
	if err := handler(p, m, &now).Handle(context.Background(), event(t, "")); err != nil {
		t.Fatal(err)
	}
	if p.failure == nil || !strings.Contains(*p.failure.FailureDetails.Message, "went into ALARM") {
		t.Fatalf("result %+v, want a failure naming the gate", p)
	}
}

// TestAnalysisReportsBadParameters: a job it cannot run is failed, not
// left for CodePipeline to time out.
func TestAnalysisReportsBadParameters(t *testing.T) {
	now := deployed
	p := &fakePipeline{}
	e := event(t, "")
	e.Job.Data.ActionConfiguration.Configuration.UserParameters = `{"pipeline": "Line"}`
	if err := handler(p, &fakeMetrics{}, &now).Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if p.failure == nil || !strings.Contains(*p.failure.FailureDetails.Message, "required") {
		t.Fatalf("result %+v, want a failure", p)
	}
	if err := handler(p, &fakeMetrics{}, &now).Handle(context.Background(), canaryanalysis.Event{}); err == nil {
		t.Error("an event without a job id: no error")
	}
}

// TestAnalysisReportsAnUnknownPipeline: a function that could not read its
// pipeline's name fails each job with the reason.
func TestAnalysisReportsAnUnknownPipeline(t *testing.T) {
	now := deployed
	p := &fakePipeline{}
	h := handler(p, &fakeMetrics{}, &now)
	h.PipelineNameErr = errors.New("reading the pipeline's name from /velocity/x: AccessDenied")
	e := event(t, "")
	e.Job.Data.ActionConfiguration.Configuration.UserParameters = `{"stage":"Production","action":"CanaryAnalysis","alarm":"Line-Production-gate","windowMinutes":10}`
	if err := h.Handle(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	if p.failure == nil || !strings.Contains(*p.failure.FailureDetails.Message, "AccessDenied") {
		t.Fatalf("result %+v, want a failure with the reason", p)
	}
}
