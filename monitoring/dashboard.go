package monitoring

import (
	"math"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
)

// This file is the widget factory of the service monitors. The dashboard
// of a ServiceMonitor is an awscloudwatch.Dashboard whose first (and, unless
// a team adds its own, only) widget is dashboardLayout: a Go value that
// implements awscloudwatch.IWidget and renders the golden-signal rows in Go
// when the app is synthesized. Monitoring a resource therefore adds its
// graphs without a single jsii call, and the rows stay grouped by signal
// however many resources are added, in whatever order. (aws-cdk-lib's
// Row.addWidget cannot be used for this: in 2.276.0 it places each added
// widget below and to the right of the previous one.)

// signal is one of the four golden signals; each is a row of the dashboard.
type signal int

const (
	sigTraffic signal = iota
	sigErrors
	sigLatency
	sigSaturation
	sigCount
)

var signalHeaders = [sigCount]string{
	"## Traffic\nRequests, invocations and network traffic.",
	"## Errors\nFailed requests, errors, throttles and failed health checks. The red line is the alarm threshold.",
	"## Latency\nResponse time percentiles. The red line is the alarm threshold.",
	"## Saturation\nHow full the service is: CPU, memory, concurrency, running tasks and hosts.",
}

// Sizes on the 24-unit wide dashboard grid.
const (
	gridWidth    = 24
	graphWidth   = 6
	graphHeight  = 6
	headerHeight = 2
	// maxAlarmsPerWidget is CloudWatch's limit for an alarm status widget.
	maxAlarmsPerWidget = 100
)

// graphLine is one metric (or metric math expression) on a graph.
type graphLine struct {
	metric cwMetric
	// math, when set, is drawn instead of metric; its inputs are hidden.
	math   *cwMath
	stat   string
	period float64
	label  string
}

// graphAnnotation is a horizontal line on a graph, usually an alarm threshold.
type graphAnnotation struct {
	value float64
	label string
}

// graphSpec is one time series widget.
type graphSpec struct {
	title       string
	lines       []graphLine
	annotations []graphAnnotation
	// unit labels the left axis ("ms", "%", "Count").
	unit string
	// max, when above 0, fixes the top of the left axis (100 for
	// percentages).
	max float64
}

// dashboardLayout is the golden-signals body of a ServiceMonitor's
// dashboard: the alarm status of every alarm of the monitor, then a header
// and a row of graphs for each signal that has any. It implements
// awscloudwatch.IWidget; aws-cdk-lib asks it for its size, position and
// JSON only when the app is synthesized. Its fields are unexported so the
// jsii runtime does not expose them as properties.
type dashboardLayout struct {
	// region is the region of the monitor's stack (a token when the stack
	// is environment-agnostic); metric widgets must name one.
	region string
	// title names the alarm status widget.
	title  string
	rows   [sigCount][]graphSpec
	alarms []string // alarm ARNs (tokens)
	x, y   float64
}

func (l *dashboardLayout) add(s signal, g graphSpec) { l.rows[s] = append(l.rows[s], g) }

// Width is the full width of the dashboard grid.
func (l *dashboardLayout) Width() *float64 { w := float64(gridWidth); return &w }

// Height is the height of every row and widget of the layout.
func (l *dashboardLayout) Height() *float64 {
	_, h := l.render()
	return &h
}

// Position places the layout; aws-cdk-lib calls it before ToJson.
func (l *dashboardLayout) Position(x *float64, y *float64) {
	if x != nil {
		l.x = *x
	}
	if y != nil {
		l.y = *y
	}
}

// ToJson returns the CloudWatch dashboard widgets of the layout.
func (l *dashboardLayout) ToJson() *[]interface{} {
	widgets, _ := l.render()
	return &widgets
}

// Warnings is nil: the layout produces no warnings.
func (l *dashboardLayout) Warnings() *[]*string { return nil }

// WarningsV2 is nil: the layout produces no warnings.
func (l *dashboardLayout) WarningsV2() *map[string]*string { return nil }

// render lays the widgets out from (l.x, l.y) and returns them with the
// total height.
func (l *dashboardLayout) render() ([]interface{}, float64) {
	var out []interface{}
	y := 0.0
	place := func(w map[string]interface{}, x, width, height float64) {
		w["x"], w["y"], w["width"], w["height"] = l.x+x, l.y+y, width, height
		out = append(out, w)
	}
	for i := 0; i < len(l.alarms); i += maxAlarmsPerWidget {
		chunk := l.alarms[i:min(i+maxAlarmsPerWidget, len(l.alarms))]
		arns := make([]interface{}, len(chunk))
		for j, a := range chunk {
			arns[j] = a
		}
		h := max(3, 1+math.Ceil(float64(len(chunk))/6))
		place(map[string]interface{}{
			"type":       "alarm",
			"properties": map[string]interface{}{"title": l.title + " alarms", "alarms": arns},
		}, 0, gridWidth, h)
		y += h
	}
	empty := true
	for s, graphs := range l.rows {
		if len(graphs) == 0 {
			continue
		}
		empty = false
		place(textWidget(signalHeaders[s]), 0, gridWidth, headerHeight)
		y += headerHeight
		for i, g := range graphs {
			col := float64(i % (gridWidth / graphWidth))
			if i > 0 && col == 0 {
				y += graphHeight
			}
			place(l.graphJSON(g), col*graphWidth, graphWidth, graphHeight)
		}
		y += graphHeight
	}
	if empty && len(l.alarms) == 0 {
		place(textWidget("No resource is monitored yet: call one of the ServiceMonitor.Monitor methods."), 0, gridWidth, headerHeight)
		y += headerHeight
	}
	return out, y
}

func textWidget(markdown string) map[string]interface{} {
	return map[string]interface{}{"type": "text", "properties": map[string]interface{}{"markdown": markdown}}
}

// graphJSON renders a time series widget in the dashboard body format
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html).
func (l *dashboardLayout) graphJSON(g graphSpec) map[string]interface{} {
	var metrics []interface{}
	for i, ln := range g.lines {
		opts := map[string]interface{}{"stat": ln.stat, "period": ln.period}
		if ln.math == nil {
			if ln.label != "" {
				opts["label"] = ln.label
			}
			metrics = append(metrics, metricJSON(ln.metric, opts))
			continue
		}
		metrics = append(metrics, []interface{}{map[string]interface{}{
			"expression": ln.math.expression, "label": ln.label, "id": "e" + strconv.Itoa(i+1),
		}})
		for _, in := range ln.math.using {
			metrics = append(metrics, metricJSON(in.metric, map[string]interface{}{
				"stat": ln.stat, "period": ln.period, "id": in.id, "visible": false,
			}))
		}
	}
	left := map[string]interface{}{"min": 0, "showUnits": false}
	if g.unit != "" {
		left["label"] = g.unit
	}
	if g.max > 0 {
		left["max"] = g.max
	}
	props := map[string]interface{}{
		"view":    "timeSeries",
		"title":   g.title,
		"region":  l.region,
		"stacked": false,
		"metrics": metrics,
		"yAxis":   map[string]interface{}{"left": left},
	}
	if len(g.annotations) > 0 {
		h := make([]interface{}, len(g.annotations))
		for i, a := range g.annotations {
			h[i] = map[string]interface{}{"value": a.value, "label": a.label, "color": "#d62728"}
		}
		props["annotations"] = map[string]interface{}{"horizontal": h}
	}
	return map[string]interface{}{"type": "metric", "properties": props}
}

// metricJSON renders [namespace, name, dim1, value1, ..., options].
func metricJSON(x cwMetric, opts map[string]interface{}) []interface{} {
	out := make([]interface{}, 0, 3+2*len(x.dims))
	out = append(out, x.namespace, x.name)
	for _, d := range x.dims {
		out = append(out, d.name, d.value)
	}
	return append(out, opts)
}

// addGraph adds g to row s of the dashboard (nothing without a dashboard).
func (m *ServiceMonitor) addGraph(s signal, g graphSpec) {
	if m.layout != nil {
		m.layout.add(s, g)
	}
}

// alarmGraph is a graph of the metric an alarm watches, with its threshold.
func alarmGraph(title, unit string, s alarmSpec, extra ...graphLine) graphSpec {
	g := graphSpec{
		title:       title,
		unit:        unit,
		lines:       append([]graphLine{{metric: s.metric, math: s.math, stat: s.statistic, period: s.period, label: s.label}}, extra...),
		annotations: []graphAnnotation{thresholdOf(s)},
	}
	if unit == "%" {
		g.max = 100
	}
	return g
}

// thresholdOf is the annotation that draws the threshold of an alarm.
func thresholdOf(s alarmSpec) graphAnnotation {
	op := ">"
	switch s.comparison {
	case awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD:
		op = "<"
	case awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD:
		op = ">="
	case awscloudwatch.ComparisonOperator_LESS_THAN_OR_EQUAL_TO_THRESHOLD:
		op = "<="
	}
	return graphAnnotation{value: s.threshold, label: s.label + " alarm " + op + " " + fmtNum(s.threshold)}
}
