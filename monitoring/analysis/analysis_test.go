package analysis_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/velocity-cdk/velocity/monitoring/analysis"
)

// Small cases worked by hand: U counts the pairs (b, a) with a > b, ties
// one half; z = (U - n1*n2/2 - 1/2) / sd, with the variance
// n1*n2/12 * (n+1 - sum(t^3-t)/(n(n-1))) over the groups of t tied values;
// p = 1 - Phi(z). For "with ties": U = 22, groups 2, 3, 3, 2 (sum 60),
// variance 21.528, z = 1.940, p = 0.0262.
func TestMannWhitneyGreater(t *testing.T) {
	for _, c := range []struct {
		name          string
		before, after []float64
		u, p          float64
	}{
		{"after all greater", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, 25, 0.0061}, // z = 12/4.787 = 2.507
		{"after all smaller", []float64{6, 7, 8, 9, 10}, []float64{1, 2, 3, 4, 5}, 0, 0.9967},
		{"interleaved", []float64{1, 3, 5, 7, 9}, []float64{2, 4, 6, 8, 10}, 15, 0.3381},
		{"with ties", []float64{1, 1, 2, 2, 3}, []float64{2, 3, 3, 4, 4}, 22, 0.0262},
	} {
		got := analysis.MannWhitneyGreater(c.before, c.after)
		if got.U != c.u || math.Abs(got.P-c.p) > 0.00005 {
			t.Errorf("%s: U = %g, p = %.4f; want U = %g, p = %.4f", c.name, got.U, got.P, c.u, c.p)
		}
	}
	if got := analysis.MannWhitneyGreater([]float64{0, 0, 0}, []float64{0, 0}); got.P != 1 {
		t.Errorf("all tied: p = %g, want 1", got.P)
	}
}

func TestJudge(t *testing.T) {
	steady := []float64{100, 102, 98, 101, 99, 103, 97, 100, 101, 99}
	slower := []float64{131, 128, 135, 130, 127, 133, 129, 132, 130, 134}
	slightly := []float64{104, 106, 102, 105, 103, 107, 101, 104, 105, 103}
	for _, c := range []struct {
		name          string
		worse         analysis.Worse
		before, after []float64
		config        analysis.Config
		want          analysis.Verdict
	}{
		{"latency up 30 %", analysis.Higher, steady, slower, analysis.Config{}, analysis.Fail},
		{"latency down 30 %", analysis.Higher, slower, steady, analysis.Config{}, analysis.Pass},
		{"the same", analysis.Higher, steady, steady, analysis.Config{}, analysis.Pass},
		{"significant but 4 %, under the 10 % minimum", analysis.Higher, steady, slightly, analysis.Config{}, analysis.Pass},
		{"4 % with a 2 % minimum", analysis.Higher, steady, slightly, analysis.Config{MinEffect: 0.02}, analysis.Fail},
		{"success rate down", analysis.Lower, slower, steady, analysis.Config{}, analysis.Fail},
		{"success rate up", analysis.Lower, steady, slower, analysis.Config{}, analysis.Pass},
		{"errors from none to some minutes", analysis.Higher,
			[]float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []float64{0, 0.1, 0, 0.2, 0.1, 0, 0.1, 0.3, 0, 0.1, 0.2, 0.1}, analysis.Config{}, analysis.Fail},
		{"errors from none to some, under an absolute minimum", analysis.Higher,
			[]float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []float64{0, 0.1, 0, 0.2, 0.1, 0, 0.1, 0.3, 0, 0.1, 0.2, 0.1}, analysis.Config{MinAbsolute: 0.5}, analysis.Pass},
		{"too few datapoints after", analysis.Higher, steady, slower[:5], analysis.Config{}, analysis.NoData},
		{"NaNs do not count", analysis.Higher, steady, append([]float64{math.NaN(), math.NaN(), math.NaN()}, slower[:6]...), analysis.Config{}, analysis.NoData},
	} {
		got := analysis.Judge("m", c.worse, c.before, c.after, c.config)
		if got.Verdict != c.want {
			t.Errorf("%s: %v (%s), want %v", c.name, got.Verdict, got, c.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, bad := range []analysis.Config{{Alpha: -0.1}, {Alpha: 0.6}, {Alpha: math.NaN()}, {MinEffect: -1}, {MinAbsolute: -1}, {MinPoints: -1}} {
		if bad.Validate() == nil {
			t.Errorf("%+v: Validate() = nil, want an error", bad)
		}
	}
	if err := (analysis.Config{Alpha: 0.05, MinEffect: 0.2, MinPoints: 12}).Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
}

// series draws n datapoints of a metric with no regression in it.
type series func(r *rand.Rand, n int) []float64

// latency: log-normal per-minute p90 around 120 ms, the skewed shape
// latencies have.
func latency(scale float64) series {
	return func(r *rand.Rand, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = scale * 120 * math.Exp(0.25*r.NormFloat64())
		}
		return out
	}
}

// errorRate: 200 requests a minute, each failing with probability p: mostly
// zero, a few ties at small values.
func errorRate(p float64) series {
	return func(r *rand.Rand, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			failed := 0
			for range 200 {
				if r.Float64() < p {
					failed++
				}
			}
			out[i] = float64(failed) / 200
		}
		return out
	}
}

// rate returns the share of trials whose judgement is Fail.
func rate(before, after series, points, trials int) float64 {
	r := rand.New(rand.NewPCG(16, 1))
	fails := 0
	for range trials {
		if analysis.Judge("m", analysis.Higher, before(r, points), after(r, points), analysis.Config{}).Verdict == analysis.Fail {
			fails++
		}
	}
	return float64(fails) / float64(trials)
}

// TestFalsePositiveRate measures how often the judgement fails a deploy
// that changed nothing: two windows drawn from the same metric, with 10
// and 15 datapoints a side (a 10- or 15-minute window of 1-minute
// datapoints). At the default level, 0.01, it must stay within 1.5 %
// (the level plus three standard errors of the estimate over 4,000
// trials). It also measures the power: how often a real regression is
// caught.
func TestFalsePositiveRate(t *testing.T) {
	const trials = 4000
	for _, c := range []struct {
		name          string
		before, after series
		points        int
		min, max      float64
	}{
		{"latency, no regression", latency(1), latency(1), 10, 0, 0.015},
		{"latency, no regression", latency(1), latency(1), 15, 0, 0.015},
		{"error rate 0.5 %, no regression", errorRate(0.005), errorRate(0.005), 10, 0, 0.015},
		{"error rate 0.5 %, no regression", errorRate(0.005), errorRate(0.005), 15, 0, 0.015},
		{"latency up 50 %", latency(1), latency(1.5), 15, 0.9, 1},
		{"errors from 0.5 % to 3 %", errorRate(0.005), errorRate(0.03), 10, 0.99, 1},
	} {
		got := rate(c.before, c.after, c.points, trials)
		t.Logf("%s, %d datapoints a side: fails %.2f %% of %d trials", c.name, c.points, 100*got, trials)
		if got > c.max || got < c.min {
			t.Errorf("%s, %d datapoints a side: fail rate %.4f, want within [%g, %g]", c.name, c.points, got, c.min, c.max)
		}
	}
}
