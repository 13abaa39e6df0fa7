package canaryanalysis

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/velocity-cdk/velocity/monitoring/analysis"
)

// Metrics is what the function asks of CloudWatch.
type Metrics interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// watched is one alarm's metric, as the analysis reads it.
type watched struct {
	alarm string
	worse analysis.Worse
	// queries return one series (the one the alarm evaluates) at 1-minute
	// periods.
	queries []types.MetricDataQuery
	// counts: a minute without a datapoint counted nothing (Sum,
	// SampleCount), rather than being unknown.
	counts bool
}

// alarmInRule finds the alarms a composite alarm's rule names.
var alarmInRule = regexp.MustCompile(`(?:ALARM|OK|INSUFFICIENT_DATA)\("([^"]+)"\)`)

// alarmName is the name in an alarm ARN, or the name itself.
func alarmName(ref string) string {
	if i := strings.Index(ref, ":alarm:"); i >= 0 {
		return ref[i+len(":alarm:"):]
	}
	return ref
}

// gateState returns the state of the gate alarm.
func gateState(ctx context.Context, m Metrics, name string) (types.StateValue, error) {
	out, err := m.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{name},
		AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm, types.AlarmTypeMetricAlarm}})
	if err != nil {
		return "", fmt.Errorf("reading the gate alarm %s: %w", name, err)
	}
	for _, a := range out.CompositeAlarms {
		return a.StateValue, nil
	}
	for _, a := range out.MetricAlarms {
		return a.StateValue, nil
	}
	return "", fmt.Errorf("the gate alarm %s does not exist", name)
}

// watchedMetrics returns the metric of every metric alarm under the gate,
// following composite alarms inside it (to three levels).
func watchedMetrics(ctx context.Context, m Metrics, gate string) ([]watched, error) {
	var out []watched
	seen := map[string]bool{}
	level := []string{gate}
	for depth := 0; len(level) > 0 && depth < 4; depth++ {
		var next []string
		for start := 0; start < len(level); start += 100 { // DescribeAlarms takes 100 names
			names := level[start:min(start+100, len(level))]
			resp, err := m.DescribeAlarms(ctx, &cloudwatch.DescribeAlarmsInput{AlarmNames: names,
				AlarmTypes: []types.AlarmType{types.AlarmTypeCompositeAlarm, types.AlarmTypeMetricAlarm}})
			if err != nil {
				return nil, fmt.Errorf("reading the alarms under %s: %w", gate, err)
			}
			for _, c := range resp.CompositeAlarms {
				for _, ref := range alarmInRule.FindAllStringSubmatch(aws.ToString(c.AlarmRule), -1) {
					if name := alarmName(ref[1]); !seen[name] {
						seen[name] = true
						next = append(next, name)
					}
				}
			}
			for _, a := range resp.MetricAlarms {
				if w, ok := watch(a); ok {
					out = append(out, w)
				}
			}
		}
		level = next
	}
	sort.Slice(out, func(i, j int) bool { return out[i].alarm < out[j].alarm })
	return out, nil
}

// watch turns a metric alarm into the series to judge; false for alarms
// that have no direction (anomaly bands) or no metric.
func watch(a types.MetricAlarm) (watched, bool) {
	w := watched{alarm: aws.ToString(a.AlarmName)}
	switch a.ComparisonOperator {
	case types.ComparisonOperatorGreaterThanThreshold, types.ComparisonOperatorGreaterThanOrEqualToThreshold, types.ComparisonOperatorGreaterThanUpperThreshold:
		w.worse = analysis.Higher
	case types.ComparisonOperatorLessThanThreshold, types.ComparisonOperatorLessThanOrEqualToThreshold, types.ComparisonOperatorLessThanLowerThreshold:
		w.worse = analysis.Lower
	default:
		return w, false
	}
	minute := aws.Int32(60)
	switch {
	case a.MetricName != nil:
		stat := string(a.Statistic)
		if a.ExtendedStatistic != nil {
			stat = *a.ExtendedStatistic
		}
		w.counts = stat == "Sum" || stat == "SampleCount"
		w.queries = []types.MetricDataQuery{{
			Id: aws.String("m"),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{Namespace: a.Namespace, MetricName: a.MetricName, Dimensions: a.Dimensions},
				Period: minute, Stat: aws.String(stat),
			},
			ReturnData: aws.Bool(true),
		}}
	case len(a.Metrics) > 0:
		for _, q := range a.Metrics {
			q := q
			if q.MetricStat != nil {
				stat := *q.MetricStat
				stat.Period = minute
				q.MetricStat = &stat
				w.counts = w.counts || aws.ToString(stat.Stat) == "Sum"
			} else {
				q.Period = minute
			}
			// The alarm's own query returns data unless it says otherwise.
			if q.ReturnData == nil {
				q.ReturnData = aws.Bool(true)
			}
			w.queries = append(w.queries, q)
		}
	default:
		return w, false
	}
	return w, true
}

// series reads each watched metric's datapoints from start for window, one
// per minute, in order; a minute without data is 0 for counts and left out
// otherwise.
func series(ctx context.Context, m Metrics, metrics []watched, start time.Time, window time.Duration) ([][]float64, error) {
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(start.Add(window)), ScanBy: types.ScanByTimestampAscending}
	prefix := func(i int) string { return fmt.Sprintf("w%d_", i) }
	for i, w := range metrics {
		for _, q := range w.queries {
			q.Id = aws.String(prefix(i) + aws.ToString(q.Id))
			if q.Expression != nil {
				// Expressions refer to the other queries by id.
				expr := *q.Expression
				for _, other := range w.queries {
					id := aws.ToString(other.Id)
					expr = regexp.MustCompile(`\b`+regexp.QuoteMeta(id)+`\b`).ReplaceAllString(expr, prefix(i)+id)
				}
				q.Expression = aws.String(expr)
			}
			in.MetricDataQueries = append(in.MetricDataQueries, q)
		}
	}
	values := map[string]map[int64]float64{}
	for {
		resp, err := m.GetMetricData(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("reading the metrics: %w", err)
		}
		for _, r := range resp.MetricDataResults {
			id := aws.ToString(r.Id)
			if values[id] == nil {
				values[id] = map[int64]float64{}
			}
			for k, ts := range r.Timestamps {
				values[id][ts.Unix()/60] = r.Values[k]
			}
		}
		if resp.NextToken == nil {
			break
		}
		in.NextToken = resp.NextToken
	}
	out := make([][]float64, len(metrics))
	for i, w := range metrics {
		for _, q := range w.queries {
			if !aws.ToBool(q.ReturnData) {
				continue
			}
			got := values[prefix(i)+aws.ToString(q.Id)]
			for t := start.Unix() / 60; t < start.Add(window).Unix()/60; t++ {
				if v, ok := got[t]; ok {
					out[i] = append(out[i], v)
				} else if w.counts {
					out[i] = append(out[i], 0)
				}
			}
			break // one series per alarm
		}
	}
	return out, nil
}
