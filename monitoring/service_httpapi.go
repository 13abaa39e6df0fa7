package monitoring

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/velocity-cdk/velocity/internal/problem"
)

// DefaultHTTPAPIStage is the stage MonitorHTTPAPI watches when none is
// given: the stage an HTTP API serves from the root of its URL.
const DefaultHTTPAPIStage = "$default"

// httpStagePattern is API Gateway's rule for a stage name: letters,
// digits, - and _, at most 128, or $default.
var httpStagePattern = regexp.MustCompile(`^([A-Za-z0-9_-]{1,128}|\$default)$`)

// HTTPAPIThresholds overrides the alarms MonitorHTTPAPI creates. Every
// field is optional: 0 keeps the default, so the zero value (or a nil
// *HTTPAPIThresholds) is every default. The alarms have the shapes of
// MonitorAPIGateway's, so the fields are those of APIGatewayThresholds.
type HTTPAPIThresholds struct {
	// ServerErrors: the 5XXErrors alarm fires when the stage returns more
	// than this many 5XX responses (AWS/ApiGateway 5xx, Sum over 60 s, 1
	// of 1). Missing data: not breaching. Default: 0.
	ServerErrors float64
	// ClientErrorRate: the 4XXRate alarm fires when more than this
	// percentage of requests get a 4XX response (metric math
	// 100*4xx/Count, both Sum over 300 s, 1 of 1). Missing data: not
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
func (t *HTTPAPIThresholds) Validate() error { return t.problems().Err() }

// problems checks t as the APIGatewayThresholds it converts to: same
// fields, same rules.
func (t *HTTPAPIThresholds) problems() problem.List { return (*APIGatewayThresholds)(t).problems() }

// MonitorHTTPAPI creates the alarms of one stage of an HTTP API (API
// Gateway v2) and adds its graphs (requests; 4XX and 5XX; 4XX rate;
// latency and integration latency) to the dashboard. All metrics are
// AWS/ApiGateway with the dimensions ApiId and Stage, the stage-level
// metrics every HTTP API sends (no detailed metrics needed):
//
//   - 5XXErrors: 5xx Sum over 60 s > 0, 1 of 1.
//   - 4XXRate: 100 * 4xx / Count (Sum over 300 s) > 5%, 1 of 1; a period
//     without requests counts as 0%.
//   - LatencyP99: Latency p99 over 60 s > 1000 ms, 3 of 3.
//
// Missing data is not breaching for all of them: no requests is neither an
// error nor slowness. stage is the stage's name; "" uses the API's default
// stage ($default, DefaultHTTPAPIStage), and for an imported API
// (awsapigatewayv2.HttpApi_FromHttpApiAttributes) assumes it has one. An
// HttpApi of this app created without its default stage needs the name of
// the stage to watch. t overrides thresholds (nil: defaults). It returns
// the alarms it created; invalid arguments create nothing and are reported
// as synth errors.
func (m *ServiceMonitor) MonitorHTTPAPI(api awsapigatewayv2.IHttpApi, stage string, t *HTTPAPIThresholds) []awscloudwatch.Alarm {
	var ps problem.List
	ps.Nest("HTTPAPIThresholds", t.problems())
	var id, name string
	if api == nil {
		ps.Add("api", "nil", "an awsapigatewayv2.IHttpApi")
	} else if err := catchJSII(func() {
		id = *api.ApiId()
		name = id
		defined, inApp := api.(awsapigatewayv2.HttpApi)
		if inApp && defined.HttpApiName() != nil {
			name = *defined.HttpApiName()
		}
		if stage != "" {
			return
		}
		switch def := api.DefaultStage(); {
		case def != nil:
			stage = *def.StageName()
		case inApp:
			ps.Add("stage", stage, "the name of the stage to watch: the API has no default stage (HttpApiProps.CreateDefaultStage is false)")
		default:
			stage = DefaultHTTPAPIStage
		}
	}); err != nil {
		ps.Add("api", "imported", "an HTTP API with an API id: "+firstLine(err.Error()))
	}
	if stage != "" && !unresolved(stage) && !httpStagePattern.MatchString(stage) {
		ps.Add("stage", stage, "an HTTP API stage name: $default, or 1 to 128 letters, digits, - or _")
	}
	scope, label := m.start("MonitorHTTPAPI", "HTTPAPI", api, ps)
	if scope == nil {
		return nil
	}
	return m.apiGatewayAlarms(scope, label, (*APIGatewayThresholds)(t), apiGatewayMetrics{
		dims:         []cwDim{{"ApiId", id}, {"Stage", stage}},
		serverErrors: "5xx",
		clientErrors: "4xx",
		where:        fmt.Sprintf("HTTP API %s (stage %s)", name, stage),
		// HTTP APIs have access logs, not execution logs; parameter
		// mappings take the place of mapping templates.
		logs:     "the stage's access logs",
		overhead: "authorizers and parameter mappings",
	})
}
