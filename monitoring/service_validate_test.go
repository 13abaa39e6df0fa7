package monitoring_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/velocity-cdk/velocity/monitoring"
)

// svcValidator is what every Thresholds struct and ServiceMonitorProps
// offer.
type svcValidator interface{ Validate() error }

// TestThresholdsValidate checks one invalid threshold at a time: each must
// yield a Problem naming the field, echoing the value and saying what is
// valid. It needs no jsii runtime.
func TestThresholdsValidate(t *testing.T) {
	cases := []struct {
		name  string
		in    svcValidator
		prop  string
		value string
	}{
		{"negative error count", &monitoring.LambdaThresholds{Errors: -1}, "Errors", "-1"},
		{"negative throttles", &monitoring.LambdaThresholds{Throttles: -0.5}, "Throttles", "-0.5"},
		{"duration above the timeout", &monitoring.LambdaThresholds{DurationPercentOfTimeout: 120}, "DurationPercentOfTimeout", "120"},
		{"duration at the timeout, which p99 cannot exceed", &monitoring.LambdaThresholds{DurationPercentOfTimeout: 100}, "DurationPercentOfTimeout", "100"},
		{"concurrency at the account limit", &monitoring.LambdaThresholds{ConcurrentExecutionsPercent: 100}, "ConcurrentExecutionsPercent", "100"},
		{"every request a 4XX", &monitoring.APIGatewayThresholds{ClientErrorRate: 100}, "ClientErrorRate", "100"},
		{"instances at all their CPU", &monitoring.AutoScalingThresholds{CPUUtilization: 100}, "CPUUtilization", "100"},
		{"negative duration percentage", &monitoring.LambdaThresholds{DurationPercentOfTimeout: -10}, "DurationPercentOfTimeout", "-10"},
		{"negative duration evaluation periods", &monitoring.LambdaThresholds{DurationEvaluationPeriods: -1}, "DurationEvaluationPeriods", "-1"},
		{"fractional evaluation periods", &monitoring.LambdaThresholds{DurationEvaluationPeriods: 2.5}, "DurationEvaluationPeriods", "2.5"},
		{"more than a day of periods", &monitoring.LambdaThresholds{DurationEvaluationPeriods: 1441}, "DurationEvaluationPeriods", "1441"},
		{"concurrency above 100%", &monitoring.LambdaThresholds{ConcurrentExecutionsPercent: 150}, "ConcurrentExecutionsPercent", "150"},
		{"fractional account limit", &monitoring.LambdaThresholds{AccountConcurrencyLimit: 0.5}, "AccountConcurrencyLimit", "0.5"},
		{"NaN threshold", &monitoring.ALBThresholds{ELB5XXCount: math.NaN()}, "ELB5XXCount", "NaN"},
		{"negative target 5XX", &monitoring.ALBThresholds{Target5XXCount: -3}, "Target5XXCount", "-3"},
		{"negative response time", &monitoring.ALBThresholds{TargetResponseTimeP95: -1}, "TargetResponseTimeP95", "-1"},
		{"negative response time periods", &monitoring.ALBThresholds{TargetResponseTimeEvaluationPeriods: -2}, "TargetResponseTimeEvaluationPeriods", "-2"},
		{"infinite unhealthy hosts", &monitoring.ALBThresholds{UnhealthyHostCount: math.Inf(1)}, "UnhealthyHostCount", "+Inf"},
		{"negative rejected connections", &monitoring.ALBThresholds{RejectedConnectionCount: -1}, "RejectedConnectionCount", "-1"},
		{"CPU above 100%", &monitoring.AutoScalingThresholds{CPUUtilization: 101}, "CPUUtilization", "101"},
		{"negative status check", &monitoring.AutoScalingThresholds{StatusCheckFailed: -1}, "StatusCheckFailed", "-1"},
		{"negative credit balance", &monitoring.AutoScalingThresholds{CPUCreditBalance: -20}, "CPUCreditBalance", "-20"},
		{"ECS CPU negative", &monitoring.ECSThresholds{CPUUtilization: -5}, "CPUUtilization", "-5"},
		{"ECS memory above 100%", &monitoring.ECSThresholds{MemoryUtilization: 200}, "MemoryUtilization", "200"},
		{"negative 5XX", &monitoring.APIGatewayThresholds{ServerErrors: -1}, "ServerErrors", "-1"},
		{"4XX rate above 100%", &monitoring.APIGatewayThresholds{ClientErrorRate: 105}, "ClientErrorRate", "105"},
		{"negative latency", &monitoring.APIGatewayThresholds{LatencyP99: -100}, "LatencyP99", "-100"},
		{"fractional latency periods", &monitoring.APIGatewayThresholds{LatencyEvaluationPeriods: 1.5}, "LatencyEvaluationPeriods", "1.5"},
		{"HTTP API 4XX rate above 100%", &monitoring.HTTPAPIThresholds{ClientErrorRate: 101}, "ClientErrorRate", "101"},
		{"HTTP API negative 5XX", &monitoring.HTTPAPIThresholds{ServerErrors: -2}, "ServerErrors", "-2"},
		{"HTTP API latency periods beyond a day", &monitoring.HTTPAPIThresholds{LatencyEvaluationPeriods: 1441}, "LatencyEvaluationPeriods", "1441"},
		{"canary success above 100%", &monitoring.CanaryThresholds{SuccessPercent: 101}, "SuccessPercent", "101"},
		{"canary success negative", &monitoring.CanaryThresholds{SuccessPercent: -1}, "SuccessPercent", "-1"},
		{"canary periods beyond a day", &monitoring.CanaryThresholds{EvaluationPeriods: 289}, "EvaluationPeriods", "289"},
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
	for name, v := range map[string]svcValidator{
		"nil lambda":       (*monitoring.LambdaThresholds)(nil),
		"zero lambda":      &monitoring.LambdaThresholds{},
		"nil alb":          (*monitoring.ALBThresholds)(nil),
		"nil autoscaling":  (*monitoring.AutoScalingThresholds)(nil),
		"nil ecs":          (*monitoring.ECSThresholds)(nil),
		"nil api gateway":  (*monitoring.APIGatewayThresholds)(nil),
		"nil canary":       (*monitoring.CanaryThresholds)(nil),
		"nil http api":     (*monitoring.HTTPAPIThresholds)(nil),
		"edges lambda":     &monitoring.LambdaThresholds{Errors: 0, DurationPercentOfTimeout: 99.9, DurationEvaluationPeriods: 1440, AccountConcurrencyLimit: 1},
		"edges alb":        &monitoring.ALBThresholds{TargetResponseTimeP95: 0.25, TargetResponseTimeEvaluationPeriods: 1},
		"edges percent":    &monitoring.ECSThresholds{CPUUtilization: 0, MemoryUtilization: 100},
		"edges canary":     &monitoring.CanaryThresholds{SuccessPercent: 100, EvaluationPeriods: 288},
		"valid props":      &monitoring.ServiceMonitorProps{Name: "orders_api-2"},
		"api gateway rate": &monitoring.APIGatewayThresholds{ClientErrorRate: 0.1, LatencyP99: 1},
		// 0 keeps the default, also where the default is not 0 and where
		// 0 itself would make no sense (a share of a timeout, a count of
		// evaluation periods).
		"zero alb":         &monitoring.ALBThresholds{},
		"zero autoscaling": &monitoring.AutoScalingThresholds{},
		"zero ecs":         &monitoring.ECSThresholds{},
		"zero api gateway": &monitoring.APIGatewayThresholds{},
		"zero canary":      &monitoring.CanaryThresholds{},
		"zero http api":    &monitoring.HTTPAPIThresholds{},
		"zero props":       &monitoring.ServiceMonitorProps{Name: "orders", NoDashboard: true},
	} {
		if err := v.Validate(); err != nil {
			t.Errorf("%s: Validate() = %v, want nil", name, err)
		}
	}
}

func TestThresholdsValidateReportsAllProblems(t *testing.T) {
	err := (&monitoring.ALBThresholds{ELB5XXCount: -1, TargetResponseTimeP95: -1, TargetResponseTimeEvaluationPeriods: 0.5}).Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 3 {
		t.Fatalf("Validate() = %v, want 3 problems joined", err)
	}
}
