package monitoring_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring"
)

func ExampleServiceMonitor_MonitorLambda() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Service"), nil)
	handler := awslambda.NewFunction(stack, jsii.String("Handler"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_22_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => ({ statusCode: 200 });")),
		Timeout: awscdk.Duration_Seconds(jsii.Number(10)),
	})

	alerts := monitoring.NewAlerts(stack, "Alerts", &monitoring.AlertsProps{Emails: []string{"team@example.com"}})
	monitor := monitoring.NewServiceMonitor(stack, "Monitor", &monitoring.ServiceMonitorProps{
		Name:   "orders",
		Alerts: alerts, // every alarm notifies the team, in ALARM and back to OK
	})
	// One call per resource; nil timeout reads the function's own (10 s),
	// and each threshold left 0 keeps its default.
	alarms := monitor.MonitorLambda(handler, nil, &monitoring.LambdaThresholds{
		Errors: 5, // tolerate up to 5 errors a minute
	})
	fmt.Println(len(alarms), "alarms")

	tpl := assertions.Template_FromStack(stack, nil)
	var lines []string
	for _, r := range *tpl.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil) {
		p := (*r)["Properties"].(map[string]interface{})
		if p["Namespace"] != "AWS/Lambda" {
			continue // the alerts topic's own delivery alarm
		}
		stat := p["Statistic"]
		if stat == nil {
			stat = p["ExtendedStatistic"]
		}
		lines = append(lines, fmt.Sprintf("%s %s over %vs > %v in %v of %v, missing data %s",
			p["MetricName"], stat, p["Period"], p["Threshold"], p["DatapointsToAlarm"], p["EvaluationPeriods"], p["TreatMissingData"]))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Println(len(*tpl.FindResources(jsii.String("AWS::CloudWatch::Dashboard"), nil)), "dashboard")
	// Output:
	// 4 alarms
	// ConcurrentExecutions Maximum over 60s > 800 in 3 of 3, missing data notBreaching
	// Duration p99 over 60s > 8000 in 3 of 3, missing data notBreaching
	// Errors Sum over 60s > 5 in 1 of 1, missing data notBreaching
	// Throttles Sum over 60s > 0 in 1 of 1, missing data notBreaching
	// 1 dashboard
}

func ExampleServiceMonitor_MonitorHTTPAPI() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Service"), nil)
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		ApiName: jsii.String("orders"),
	})

	monitor := monitoring.NewServiceMonitor(stack, "Monitor", &monitoring.ServiceMonitorProps{Name: "orders"})
	// "" watches the API's $default stage; a field left 0 keeps its default.
	alarms := monitor.MonitorHTTPAPI(api, "", &monitoring.HTTPAPIThresholds{
		LatencyP99: 300, // milliseconds
	})
	fmt.Println(len(alarms), "alarms")

	tpl := assertions.Template_FromStack(stack, nil)
	var lines []string
	for _, r := range *tpl.FindResources(jsii.String("AWS::CloudWatch::Alarm"), nil) {
		p := (*r)["Properties"].(map[string]interface{})
		if p["MetricName"] == nil {
			lines = append(lines, fmt.Sprintf("metric math > %v in %v of %v", p["Threshold"], p["DatapointsToAlarm"], p["EvaluationPeriods"]))
			continue
		}
		stat := p["Statistic"]
		if stat == nil {
			stat = p["ExtendedStatistic"]
		}
		var dims []string
		for _, d := range p["Dimensions"].([]interface{}) {
			dims = append(dims, d.(map[string]interface{})["Name"].(string))
		}
		lines = append(lines, fmt.Sprintf("%s %s %v by %v over %vs > %v in %v of %v", p["Namespace"], p["MetricName"], stat, dims,
			p["Period"], p["Threshold"], p["DatapointsToAlarm"], p["EvaluationPeriods"]))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	// Output:
	// 3 alarms
	// AWS/ApiGateway 5xx Sum by [ApiId Stage] over 60s > 0 in 1 of 1
	// AWS/ApiGateway Latency p99 by [ApiId Stage] over 60s > 300 in 3 of 3
	// metric math > 5 in 1 of 1
}
