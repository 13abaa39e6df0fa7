package monitoring_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/monitoring"
)

// svcValidator is what every Thresholds struct and ServiceMonitorProps
// offer.
type svcValidator interface{ Validate() error }

// TestThresholdsValidate checks one invalid threshold at a time: each must
// yield a Problem naming the field, echoing the value and saying what is
// valid. It needs no jsii runtime.
func TestThresholdsValidate(t *testing.T) {
	n := jsii.Number[float64]
	cases := []struct {
		name  string
		in    svcValidator
		prop  string
		value string
	}{
		{"negative error count", &monitoring.LambdaThresholds{Errors: n(-1)}, "Errors", "-1"},
		{"negative throttles", &monitoring.LambdaThresholds{Throttles: n(-0.5)}, "Throttles", "-0.5"},
		{"duration above the timeout", &monitoring.LambdaThresholds{DurationPercentOfTimeout: n(120)}, "DurationPercentOfTimeout", "120"},
		{"duration at 0% of the timeout", &monitoring.LambdaThresholds{DurationPercentOfTimeout: n(0)}, "DurationPercentOfTimeout", "0"},
		{"no duration evaluation period", &monitoring.LambdaThresholds{DurationEvaluationPeriods: n(0)}, "DurationEvaluationPeriods", "0"},
		{"fractional evaluation periods", &monitoring.LambdaThresholds{DurationEvaluationPeriods: n(2.5)}, "DurationEvaluationPeriods", "2.5"},
		{"more than a day of periods", &monitoring.LambdaThresholds{DurationEvaluationPeriods: n(1441)}, "DurationEvaluationPeriods", "1441"},
		{"concurrency above 100%", &monitoring.LambdaThresholds{ConcurrentExecutionsPercent: n(150)}, "ConcurrentExecutionsPercent", "150"},
		{"account limit 0", &monitoring.LambdaThresholds{AccountConcurrencyLimit: n(0)}, "AccountConcurrencyLimit", "0"},
		{"NaN threshold", &monitoring.ALBThresholds{ELB5XXCount: n(math.NaN())}, "ELB5XXCount", "NaN"},
		{"negative target 5XX", &monitoring.ALBThresholds{Target5XXCount: n(-3)}, "Target5XXCount", "-3"},
		{"negative response time", &monitoring.ALBThresholds{TargetResponseTimeP95: n(-1)}, "TargetResponseTimeP95", "-1"},
		{"negative response time periods", &monitoring.ALBThresholds{TargetResponseTimeEvaluationPeriods: n(-2)}, "TargetResponseTimeEvaluationPeriods", "-2"},
		{"infinite unhealthy hosts", &monitoring.ALBThresholds{UnhealthyHostCount: n(math.Inf(1))}, "UnhealthyHostCount", "+Inf"},
		{"negative rejected connections", &monitoring.ALBThresholds{RejectedConnectionCount: n(-1)}, "RejectedConnectionCount", "-1"},
		{"CPU above 100%", &monitoring.AutoScalingThresholds{CPUUtilization: n(101)}, "CPUUtilization", "101"},
		{"negative status check", &monitoring.AutoScalingThresholds{StatusCheckFailed: n(-1)}, "StatusCheckFailed", "-1"},
		{"negative credit balance", &monitoring.AutoScalingThresholds{CPUCreditBalance: n(-20)}, "CPUCreditBalance", "-20"},
		{"ECS CPU negative", &monitoring.ECSThresholds{CPUUtilization: n(-5)}, "CPUUtilization", "-5"},
		{"ECS memory above 100%", &monitoring.ECSThresholds{MemoryUtilization: n(200)}, "MemoryUtilization", "200"},
		{"negative 5XX", &monitoring.APIGatewayThresholds{ServerErrors: n(-1)}, "ServerErrors", "-1"},
		{"4XX rate above 100%", &monitoring.APIGatewayThresholds{ClientErrorRate: n(105)}, "ClientErrorRate", "105"},
		{"negative latency", &monitoring.APIGatewayThresholds{LatencyP99: n(-100)}, "LatencyP99", "-100"},
		{"latency periods 0", &monitoring.APIGatewayThresholds{LatencyEvaluationPeriods: n(0)}, "LatencyEvaluationPeriods", "0"},
		{"canary success above 100%", &monitoring.CanaryThresholds{SuccessPercent: n(101)}, "SuccessPercent", "101"},
		{"canary success 0%", &monitoring.CanaryThresholds{SuccessPercent: n(0)}, "SuccessPercent", "0"},
		{"canary periods beyond a day", &monitoring.CanaryThresholds{EvaluationPeriods: n(289)}, "EvaluationPeriods", "289"},
		{"empty name", &monitoring.ServiceMonitorProps{}, "Name", ""},
		{"name with a space", &monitoring.ServiceMonitorProps{Name: "orders api"}, "Name", "orders api"},
		{"name too long", &monitoring.ServiceMonitorProps{Name: strings.Repeat("a", 65)}, "Name", strings.Repeat("a", 65)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.in.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want a problem with %s", c.prop)
			}
			var p monitoring.Problem
			if !errors.As(err, &p) {
				t.Fatalf("Validate() = %v, want a Problem", err)
			}
			if p.Prop != c.prop || p.Value != c.value || p.Want == "" {
				t.Fatalf("problem = %+v, want Prop %q, Value %q and a Want", p, c.prop, c.value)
			}
		})
	}
}

func TestThresholdsValidateAccepts(t *testing.T) {
	n := jsii.Number[float64]
	for name, v := range map[string]svcValidator{
		"nil lambda":       (*monitoring.LambdaThresholds)(nil),
		"zero lambda":      &monitoring.LambdaThresholds{},
		"nil alb":          (*monitoring.ALBThresholds)(nil),
		"nil autoscaling":  (*monitoring.AutoScalingThresholds)(nil),
		"nil ecs":          (*monitoring.ECSThresholds)(nil),
		"nil api gateway":  (*monitoring.APIGatewayThresholds)(nil),
		"nil canary":       (*monitoring.CanaryThresholds)(nil),
		"edges lambda":     &monitoring.LambdaThresholds{Errors: n(0), DurationPercentOfTimeout: n(100), DurationEvaluationPeriods: n(1440), AccountConcurrencyLimit: n(1)},
		"edges alb":        &monitoring.ALBThresholds{TargetResponseTimeP95: n(0.25), TargetResponseTimeEvaluationPeriods: n(1)},
		"edges percent":    &monitoring.ECSThresholds{CPUUtilization: n(0), MemoryUtilization: n(100)},
		"edges canary":     &monitoring.CanaryThresholds{SuccessPercent: n(100), EvaluationPeriods: n(288)},
		"valid props":      &monitoring.ServiceMonitorProps{Name: "orders_api-2"},
		"api gateway rate": &monitoring.APIGatewayThresholds{ClientErrorRate: n(0), LatencyP99: n(1)},
	} {
		if err := v.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", name, err)
		}
	}
}

func TestThresholdsValidateReportsAllProblems(t *testing.T) {
	n := jsii.Number[float64]
	err := (&monitoring.ALBThresholds{ELB5XXCount: n(-1), TargetResponseTimeP95: n(-1), TargetResponseTimeEvaluationPeriods: n(0)}).Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 3 {
		t.Fatalf("Validate() = %v, want 3 problems joined", err)
	}
}
