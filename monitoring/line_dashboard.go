package monitoring

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring/dora"
)

// The titles of the line dashboard's widgets.
const (
	WidgetLineStatus          = "Line status"
	WidgetDeploymentFrequency = "Deployment frequency (production deploys per day)"
	WidgetLeadTime            = "Lead time for changes (hours, commit to production)"
	WidgetChangeFailureRate   = "Change failure rate (% of production deploys, weekly)"
	WidgetTimeToRestore       = "Time to restore (hours, production failure to next success)"
	WidgetExecutions          = "Executions"
	WidgetStageDuration       = "Duration per stage (minutes)"
)

// newLineDashboard is the summary dashboard of a line: its status, the four
// DORA metrics, its executions and the duration of each stage.
func newLineDashboard(scope constructs.Construct, pipeline *string, stages []string, lineRed awscloudwatch.IAlarm) awscloudwatch.Dashboard {
	day, week, hour := awscdk.Duration_Days(jsii.Number(1)), awscdk.Duration_Days(jsii.Number(7)), awscdk.Duration_Hours(jsii.Number(1))
	metric := func(name, statistic string, period awscdk.Duration, label string) awscloudwatch.IMetric {
		return lineMetric(name, pipeline, statistic, nil).With(&awscloudwatch.MetricOptions{Period: period, Label: jsii.String(label)})
	}
	hours := func(name, label string) awscloudwatch.IMetric {
		return awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String("m / 3600"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{"m": metric(name, "Average", day, name)},
			Label:        jsii.String(label),
			Period:       day,
		})
	}
	graph := func(title string, metrics ...awscloudwatch.IMetric) awscloudwatch.IWidget {
		return awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
			Title: jsii.String(title), Left: &metrics, Width: jsii.Number(12), Height: jsii.Number(6),
		})
	}
	var durations []awscloudwatch.IMetric
	for i, s := range stages {
		id := fmt.Sprintf("d%d", i)
		durations = append(durations, awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String(id + " / 60"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{id: lineMetric(dora.MetricStageDuration, pipeline, "Average", map[string]*string{"Stage": jsii.String(s)}).With(&awscloudwatch.MetricOptions{Period: hour})},
			Label:        jsii.String(s),
			Period:       hour,
		}))
	}
	widgets := []awscloudwatch.IWidget{
		awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
			Title: jsii.String(WidgetLineStatus), Alarms: &[]interfacesawscloudwatch.IAlarmRef{lineRed}, Width: jsii.Number(24), Height: jsii.Number(2),
		}),
		graph(WidgetDeploymentFrequency, metric(dora.MetricDeployments, "Sum", day, "Deployments")),
		graph(WidgetLeadTime, hours(dora.MetricLeadTime, "Lead time")),
		graph(WidgetChangeFailureRate, awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("100 * FILL(f, 0) / a"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"f": metric(dora.MetricProductionFailures, "Sum", week, "Failures"),
				"a": metric(dora.MetricProductionAttempts, "Sum", week, "Attempts"),
			},
			Label:  jsii.String("Change failure rate"),
			Period: week,
		})),
		graph(WidgetTimeToRestore, hours(dora.MetricTimeToRestore, "Time to restore")),
		graph(WidgetExecutions,
			metric(dora.MetricExecutionsStarted, "Sum", hour, "Started"),
			metric(dora.MetricExecutionsSucceeded, "Sum", hour, "Succeeded"),
			metric(dora.MetricExecutionsFailed, "Sum", hour, "Failed")),
	}
	if len(durations) > 0 {
		widgets = append(widgets, graph(WidgetStageDuration, durations...))
	}
	// The status on a row of its own, then two graphs a row.
	first := widgets[:1]
	rows := []*[]awscloudwatch.IWidget{&first}
	for i := 1; i < len(widgets); i += 2 {
		row := widgets[i:min(i+2, len(widgets))]
		rows = append(rows, &row)
	}
	return awscloudwatch.NewDashboard(scope, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		Widgets: &rows,
	})
}
