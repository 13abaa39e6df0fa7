package monitoring_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/monitoring"
)

// svcWidget is one widget of a synthesized dashboard body.
type svcWidget struct {
	Type       string  `json:"type"`
	X          float64 `json:"x"`
	Y          float64 `json:"y"`
	Width      float64 `json:"width"`
	Height     float64 `json:"height"`
	Properties struct {
		Title       string          `json:"title"`
		Markdown    string          `json:"markdown"`
		Region      string          `json:"region"`
		Alarms      []string        `json:"alarms"`
		Metrics     [][]interface{} `json:"metrics"`
		Annotations struct {
			Horizontal []struct {
				Value float64 `json:"value"`
				Label string  `json:"label"`
			} `json:"horizontal"`
		} `json:"annotations"`
	} `json:"properties"`
}

// svcDashboard returns the name and the widgets of the only dashboard of
// the stack. The body is an Fn::Join; references are flattened to REF(id)
// and ATT(id.attr) inside its strings.
func svcDashboard(t *testing.T, stack awscdk.Stack) (string, []svcWidget) {
	t.Helper()
	boards := cdktest.Resources(t, cdktest.Template(t, stack), "AWS::CloudWatch::Dashboard")
	if len(boards) != 1 {
		t.Fatalf("%d dashboards, want 1", len(boards))
	}
	for _, b := range boards {
		props := b["Properties"].(map[string]interface{})
		var body struct {
			Widgets []svcWidget `json:"widgets"`
		}
		raw := svcFlatten(props["DashboardBody"])
		if err := json.Unmarshal([]byte(raw), &body); err != nil {
			t.Fatalf("DashboardBody is not JSON: %v\n%s", err, raw)
		}
		return svcFlatten(props["DashboardName"]), body.Widgets
	}
	return "", nil
}

func TestServiceDashboardGoldenSignals(t *testing.T) {
	_, stack := newStack()
	m, _ := svcMonitor(stack)
	alb, tg := svcALB(stack)
	m.MonitorALB(alb, tg, nil)
	m.MonitorLambda(svcFunction(stack, nil), nil, nil)
	m.MonitorECS(svcECS(stack), 2, nil)
	m.MonitorAPIGateway(svcRestAPI(stack), "", nil)
	m.MonitorHTTPAPI(svcHTTPAPI(stack), "", nil)
	m.MonitorAutoScaling(awsautoscaling.AutoScalingGroup_FromAutoScalingGroupName(stack, jsii.String("Web"), jsii.String("web-asg")), &monitoring.AutoScalingThresholds{Burstable: true})
	m.MonitorCanary(svcCanary(stack), nil)
	// A team's own widget goes below the golden signals.
	m.Dashboard.AddWidgets(awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{Markdown: jsii.String("team notes"), Width: jsii.Number(24)}))

	name, widgets := svcDashboard(t, stack)
	if name != "orders-Monitoring-eu-west-1" {
		t.Errorf("DashboardName = %q, want orders-Monitoring-eu-west-1", name)
	}

	// The alarm status widget first, listing every alarm of the monitor.
	alarms := widgets[0]
	if alarms.Type != "alarm" || alarms.Properties.Title != "orders alarms" || alarms.Width != 24 {
		t.Fatalf("first widget = %+v, want the alarm status of the monitor", alarms)
	}
	if got, want := len(alarms.Properties.Alarms), len(m.Alarms()); got != want || want != 22 {
		t.Errorf("alarm status lists %d alarms, want all %d (22)", got, want)
	}
	for _, a := range alarms.Properties.Alarms {
		if !strings.HasPrefix(a, "ATT(Orders") || !strings.HasSuffix(a, ".Arn)") {
			t.Errorf("alarm status entry %q is not the ARN of an alarm of the monitor", a)
		}
	}

	// Then one header and row per golden signal, in order, each followed by
	// its graphs.
	var headers []string
	titles := map[string]svcWidget{}
	signalOf := map[string]string{}
	current := ""
	for _, w := range widgets[1:] {
		switch w.Type {
		case "text":
			if strings.HasPrefix(w.Properties.Markdown, "## ") {
				current = strings.TrimPrefix(strings.SplitN(w.Properties.Markdown, "\n", 2)[0], "## ")
				headers = append(headers, current)
			}
		case "metric":
			titles[w.Properties.Title] = w
			signalOf[w.Properties.Title] = current
			if w.Properties.Region != "eu-west-1" {
				t.Errorf("%s: region %q, want eu-west-1", w.Properties.Title, w.Properties.Region)
			}
		}
	}
	if got := strings.Join(headers, ","); got != "Traffic,Errors,Latency,Saturation" {
		t.Errorf("rows = %s, want Traffic,Errors,Latency,Saturation", got)
	}
	want := map[string]string{
		"ALB LB: requests":                      "Traffic",
		"Lambda Handler: invocations":           "Traffic",
		"APIGateway Api: requests":              "Traffic",
		"HTTPAPI HttpApi: requests":             "Traffic",
		"AutoScaling Web: network":              "Traffic",
		"ALB LB: 5XX responses":                 "Errors",
		"Lambda Handler: errors and throttles":  "Errors",
		"APIGateway Api: 5XX and 4XX":           "Errors",
		"APIGateway Api: 4XX rate":              "Errors",
		"HTTPAPI HttpApi: 5XX and 4XX":          "Errors",
		"HTTPAPI HttpApi: 4XX rate":             "Errors",
		"AutoScaling Web: status checks":        "Errors",
		"Canary Probe: success":                 "Errors",
		"ALB LB: response time":                 "Latency",
		"Lambda Handler: duration":              "Latency",
		"APIGateway Api: latency":               "Latency",
		"HTTPAPI HttpApi: latency":              "Latency",
		"Canary Probe: run duration":            "Latency",
		"ALB LB: hosts":                         "Saturation",
		"ALB LB: connections":                   "Saturation",
		"Lambda Handler: concurrent executions": "Saturation",
		"ECS Service: CPU and memory":           "Saturation",
		"ECS Service: running tasks":            "Saturation",
		"AutoScaling Web: CPU":                  "Saturation",
		"AutoScaling Web: CPU credits":          "Saturation",
	}
	for title, signal := range want {
		if _, ok := titles[title]; !ok {
			t.Errorf("no widget %q", title)
		} else if signalOf[title] != signal {
			t.Errorf("widget %q is in row %s, want %s", title, signalOf[title], signal)
		}
	}
	if len(titles) != len(want) {
		t.Errorf("%d graphs, want %d: %v", len(titles), len(want), titles)
	}

	// Graphs draw the alarm thresholds: 1 s for the ALB's p95.
	rt := titles["ALB LB: response time"]
	if h := rt.Properties.Annotations.Horizontal; len(h) != 1 || h[0].Value != 1 || !strings.Contains(h[0].Label, "> 1") {
		t.Errorf("response time annotations = %+v, want the 1 s threshold", h)
	}
	if m := rt.Properties.Metrics[0]; len(m) != 7 || m[0] != "AWS/ApplicationELB" || m[1] != "TargetResponseTime" ||
		!strings.HasPrefix(fmt.Sprint(m[3]), "ATT(LB") || !strings.HasPrefix(fmt.Sprint(m[5]), "ATT(Targets") {
		t.Errorf("response time metric = %v, want AWS/ApplicationELB TargetResponseTime by LoadBalancer and TargetGroup", m)
	}
	// The 4XX rate is metric math with hidden inputs.
	rate := titles["APIGateway Api: 4XX rate"].Properties.Metrics
	if len(rate) != 3 || !strings.Contains(fmt.Sprint(rate[0][0]), "100 * m1 / m2") {
		t.Errorf("4XX rate metrics = %v, want an expression over two hidden metrics", rate)
	}
	// An HTTP API's graphs use its metric names and dimensions.
	if m := titles["HTTPAPI HttpApi: 5XX and 4XX"].Properties.Metrics; len(m) != 2 ||
		fmt.Sprint(m[0][:3]) != "[AWS/ApiGateway 5xx ApiId]" || fmt.Sprint(m[1][1]) != "4xx" || fmt.Sprint(m[0][5]) != "$default" {
		t.Errorf("HTTP API error metrics = %v, want 5xx and 4xx by ApiId and Stage $default", m)
	}

	svcCheckLayout(t, widgets)
	last := widgets[len(widgets)-1]
	if last.Properties.Markdown != "team notes" {
		t.Errorf("last widget = %+v, want the team's own", last)
	}
}

// svcCheckLayout checks that the widgets fit the 24-unit grid and do not
// overlap.
func svcCheckLayout(t *testing.T, widgets []svcWidget) {
	t.Helper()
	for i, a := range widgets {
		if a.X < 0 || a.X+a.Width > 24 || a.Width <= 0 || a.Height <= 0 {
			t.Errorf("widget %d (%s%s) at x=%g width %g does not fit the grid", i, a.Properties.Title, a.Properties.Markdown, a.X, a.Width)
		}
		for j, b := range widgets[:i] {
			if a.X < b.X+b.Width && b.X < a.X+a.Width && a.Y < b.Y+b.Height && b.Y < a.Y+a.Height {
				t.Errorf("widget %d (%s) overlaps widget %d (%s)", i, a.Properties.Title, j, b.Properties.Title)
			}
		}
	}
}

func TestServiceDashboardWrapsRowsAndSplitsAlarmStatus(t *testing.T) {
	_, stack := newStack()
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders"})
	// 34 functions: 3 alarms each and the account alarm make 103 alarms,
	// more than one alarm status widget may list.
	for i := 0; i < 34; i++ {
		fn := awslambda.Function_FromFunctionName(stack, jsii.String(fmt.Sprintf("Fn%d", i)), jsii.String(fmt.Sprintf("fn-%d", i)))
		m.MonitorLambda(fn, nil, nil)
	}
	_, widgets := svcDashboard(t, stack)
	var status []int
	perRow := map[float64]int{}
	for _, w := range widgets {
		if w.Type == "alarm" {
			status = append(status, len(w.Properties.Alarms))
		}
		if w.Type == "metric" {
			perRow[w.Y]++
		}
	}
	if fmt.Sprint(status) != "[100 3]" {
		t.Errorf("alarm status widgets list %v alarms, want [100 3]", status)
	}
	for y, n := range perRow {
		if n > 4 {
			t.Errorf("%d graphs at y=%g, want at most 4 per line", n, y)
		}
	}
	svcCheckLayout(t, widgets)
}

func TestServiceDashboardWithoutResources(t *testing.T) {
	_, stack := newStack()
	monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders"})
	_, widgets := svcDashboard(t, stack)
	if len(widgets) != 1 || widgets[0].Type != "text" || !strings.Contains(widgets[0].Properties.Markdown, "No resource is monitored yet") {
		t.Fatalf("widgets = %+v, want one text widget saying nothing is monitored", widgets)
	}
}

func TestServiceDashboardInEnvironmentAgnosticStack(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Agnostic"), nil)
	m := monitoring.NewServiceMonitor(stack, "Orders", &monitoring.ServiceMonitorProps{Name: "orders"})
	m.MonitorLambda(awslambda.Function_FromFunctionName(stack, jsii.String("Fn"), jsii.String("fn")), nil, nil)
	name, widgets := svcDashboard(t, stack)
	if name != "orders-Agnostic-REF(AWS::Region)" {
		t.Errorf("DashboardName = %q, want orders-Agnostic-REF(AWS::Region)", name)
	}
	for _, w := range widgets {
		if w.Type == "metric" && w.Properties.Region != "REF(AWS::Region)" {
			t.Errorf("%s: region %q, want the stack's region (Ref AWS::Region)", w.Properties.Title, w.Properties.Region)
		}
	}
}
