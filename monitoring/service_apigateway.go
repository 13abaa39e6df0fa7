package monitoring

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// restStagePattern is API Gateway's rule for a REST API stage name.
var restStagePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// APIGatewayThresholds overrides the alarms MonitorAPIGateway creates.
// Every field is optional: 0 keeps the default, so the zero value (or a nil
// *APIGatewayThresholds) is every default.
type APIGatewayThresholds struct {
	// ServerErrors: the 5XXErrors alarm fires when the stage returns more
	// than this many 5XX responses (AWS/ApiGateway 5XXError, Sum over 60
	// s, 1 of 1). Missing data: not breaching. Default: 0.
	ServerErrors float64
	// ClientErrorRate: the 4XXRate alarm fires when more than this
	// percentage of requests get a 4XX response (metric math
	// 100*4XXError/Count, both Sum over 300 s, 1 of 1). Missing data: not
	// breaching. 0 keeps the default: 5. For an alarm on almost any 4XX,
	// set a small rate such as 0.1.
	ClientErrorRate float64
	// LatencyP99: the LatencyP99 alarm fires when the p99 of Latency (p99
	// over 60 s) is above this many milliseconds. Missing data: not
	// breaching. 0 keeps the default: 1000.
	LatencyP99 float64
	// LatencyEvaluationPeriods: how many consecutive 60 s periods the p99
	// must breach. 0 keeps the default: 3 (3 of 3).
	LatencyEvaluationPeriods float64
}

// Validate reports every invalid threshold, joined into one error
// (errors.As finds each Problem); nil when all are valid or t is nil.
func (t *APIGatewayThresholds) Validate() error { return t.problems().Err() }

func (t *APIGatewayThresholds) problems() problem.List {
	var ps problem.List
	if t == nil {
		return ps
	}
	atLeastZero(&ps, "ServerErrors", t.ServerErrors)
	belowLimit(&ps, "ClientErrorRate", t.ClientErrorRate)
	atLeastZero(&ps, "LatencyP99", t.LatencyP99)
	evaluationPeriods(&ps, "LatencyEvaluationPeriods", t.LatencyEvaluationPeriods, 60)
	return ps
}

// MonitorAPIGateway creates the alarms of one stage of a REST API (for an
// HTTP API, see MonitorHTTPAPI) and adds its graphs (requests; 4XX and
// 5XX; 4XX rate; latency and integration latency) to the dashboard. All
// metrics are AWS/ApiGateway with the dimensions ApiName and Stage:
//
//   - 5XXErrors: 5XXError Sum over 60 s > 0, 1 of 1.
//   - 4XXRate: 100 * 4XXError / Count (Sum over 300 s) > 5%, 1 of 1; a
//     period without requests counts as 0%.
//   - LatencyP99: Latency p99 over 60 s > 1000 ms, 3 of 3.
//
// Missing data is not breaching for all of them: no requests is neither an
// error nor slowness. stage is the stage's name; "" uses the API's
// deployment stage (awsapigateway.RestApi's DeploymentStage). t overrides
// thresholds (nil: defaults). It returns the alarms it created; invalid
// arguments create nothing and are reported as synth errors.
func (m *ServiceMonitor) MonitorAPIGateway(api awsapigateway.IRestApi, stage string, t *APIGatewayThresholds) []awscloudwatch.Alarm {
	var ps problem.List
	ps.Nest("APIGatewayThresholds", t.problems())
	var name string
	if api == nil {
		ps.Add("api", "nil", "an awsapigateway.IRestApi")
	} else if err := catchJSII(func() {
		name = *api.RestApiName()
		if stage == "" {
			stage = *api.DeploymentStage().StageName()
		}
	}); err != nil {
		ps.Add("stage", stage, "the name of the API's stage (the API has no deployment stage to default to): "+firstLine(err.Error()))
	} else if !unresolved(stage) && !restStagePattern.MatchString(stage) {
		ps.Add("stage", stage, "a REST API stage name: 1 to 128 letters, digits, - or _")
	} else if has, missing := missingRestStage(api, stage); missing {
		ps.Add("stage", stage, "a stage of the API, which has "+strings.Join(has, ", ")+": a stage it lacks has no metrics, so its alarms would never fire")
	}
	scope, label := m.start("MonitorAPIGateway", "APIGateway", api, ps)
	if scope == nil {
		return nil
	}
	return m.apiGatewayAlarms(scope, label, t, apiGatewayMetrics{
		dims:         []cwDim{{"ApiName", name}, {"Stage", stage}},
		serverErrors: "5XXError",
		clientErrors: "4XXError",
		where:        fmt.Sprintf("REST API %s (stage %s)", name, stage),
		logs:         "the stage's execution and access logs",
		overhead:     "authorizers and mapping templates",
	})
}

// missingRestStage says whether a REST API defined in this app lacks the
// stage, and names the stages it has (an awsapigateway.Stage, or a
// CfnStage of its own, anywhere in the app). Its deployment stage is
// there without a search; an imported API's stages are unknown.
func missingRestStage(api awsapigateway.IRestApi, stage string) (has []string, missing bool) {
	// An imported API is a RestApiBase too, but has no CfnRestApi.
	defined, ok := api.(awsapigateway.RestApiBase)
	if _, created := api.Node().DefaultChild().(awsapigateway.CfnRestApi); !ok || !created || unresolved(stage) {
		return nil, false
	}
	var deployed string
	// An API created with Deploy false has no deployment stage (a jsii error).
	_ = catchJSII(func() { deployed = *defined.DeploymentStage().StageName() })
	if deployed == stage {
		return nil, false
	}
	id := *api.RestApiId()
	for _, c := range *api.Node().Root().Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if s, ok := c.(awsapigateway.CfnStage); ok && s.RestApiId() != nil && *s.RestApiId() == id && s.StageName() != nil {
			has = append(has, *s.StageName())
		}
	}
	return has, !slices.Contains(has, stage)
}

// apiGatewayMetrics is what differs between the alarms of a REST API stage
// and of an HTTP API stage: the metrics are AWS/ApiGateway for both, with
// the same shapes, but other names and dimensions.
type apiGatewayMetrics struct {
	// dims are the dimensions of one stage: ApiName and Stage (REST), ApiId
	// and Stage (HTTP).
	dims []cwDim
	// serverErrors and clientErrors name the 5XX and 4XX metrics:
	// 5XXError and 4XXError (REST), 5xx and 4xx (HTTP). Count, Latency
	// and IntegrationLatency are named the same in both.
	serverErrors, clientErrors string
	// where names the stage in descriptions, e.g. "REST API orders
	// (stage prod)".
	where string
	// logs are where the 5XX runbook looks first; overhead is what adds
	// latency between the client and the integration.
	logs, overhead string
}

// apiGatewayAlarms creates the three alarms of an API stage (5XXErrors,
// 4XXRate, LatencyP99) in scope and adds its graphs to the dashboard.
// t may be nil (defaults).
func (m *ServiceMonitor) apiGatewayAlarms(scope constructs.Construct, label string, t *APIGatewayThresholds, a apiGatewayMetrics) []awscloudwatch.Alarm {
	if t == nil {
		t = &APIGatewayThresholds{}
	}
	apigw := func(n string) cwMetric { return cwMetric{namespace: "AWS/ApiGateway", name: n, dims: a.dims} }
	where := a.where
	m.recordRequests(apigw("Count"), true, where)

	serverErrors := alarmSpec{
		id: "5XXErrors", metric: apigw(a.serverErrors), label: "5XX errors", statistic: "Sum", period: 60,
		evaluationPeriods: 1, datapointsToAlarm: 1, threshold: orDefault(t.ServerErrors, 0),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	serverErrors.description = m.describe(
		fmt.Sprintf("%s returned more than %s HTTP 5XX responses over 1 minute (%s, Sum): requests fail on the server side (integration errors or timeouts, API Gateway limits).", where, fmtNum(serverErrors.threshold), a.serverErrors),
		"Check "+a.logs+" and the integration's logs; if the errors started with a deployment, roll it back.")
	clientRate := alarmSpec{
		id: "4XXRate", label: "4XX rate (%)", statistic: "Sum", period: 300,
		notAGate: "client errors: acceptance tests send bad requests on purpose",
		math: &cwMath{
			expression: "IF(m2 > 0, 100 * m1 / m2, 0)",
			using:      []cwMathInput{{"m1", apigw(a.clientErrors)}, {"m2", apigw("Count")}},
		},
		evaluationPeriods: 1, datapointsToAlarm: 1, threshold: orDefault(t.ClientErrorRate, 5),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	clientRate.description = m.describe(
		fmt.Sprintf("More than %s%% of the requests to %s got an HTTP 4XX response over 5 minutes: clients send bad or unauthorized requests, or are throttled (429).", fmtNum(clientRate.threshold), where),
		"Find the status codes and callers in the access logs; a rise right after a release usually means a breaking API change or a broken authorizer, so roll it back.")
	periods := orDefault(t.LatencyEvaluationPeriods, 3)
	lat := alarmSpec{
		id: "LatencyP99", metric: apigw("Latency"), label: "Latency p99", statistic: "p99", period: 60,
		evaluationPeriods: periods, datapointsToAlarm: periods, threshold: orDefault(t.LatencyP99, 1000),
		comparison: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, treatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
	}
	lat.description = m.describe(
		fmt.Sprintf("The p99 latency of %s was above %s ms %s: at least 1 in 100 requests is slow.", where, fmtNum(lat.threshold), windowText(60, periods, periods)),
		"Compare with IntegrationLatency on the dashboard: if the backend is slow, check its logs, cold starts and dependencies; otherwise check "+a.overhead+".")

	alarms := []awscloudwatch.Alarm{m.newAlarm(scope, serverErrors), m.newAlarm(scope, clientRate), m.newAlarm(scope, lat)}

	m.addGraph(sigTraffic, graphSpec{title: label + ": requests", unit: "Count", lines: []graphLine{
		{metric: apigw("Count"), stat: "Sum", period: 60, label: "Requests"},
	}})
	m.addGraph(sigErrors, alarmGraph(label+": 5XX and 4XX", "Count", serverErrors,
		graphLine{metric: apigw(a.clientErrors), stat: "Sum", period: 60, label: "4XX errors"}))
	m.addGraph(sigErrors, alarmGraph(label+": 4XX rate", "%", clientRate))
	m.addGraph(sigLatency, alarmGraph(label+": latency", "ms", lat,
		graphLine{metric: apigw("Latency"), stat: "p50", period: 60, label: "Latency p50"},
		graphLine{metric: apigw("IntegrationLatency"), stat: "p99", period: 60, label: "Integration latency p99"}))
	return alarms
}
