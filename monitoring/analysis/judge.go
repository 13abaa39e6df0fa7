package analysis

import (
	"fmt"
	"math"
)

// Worse says which way a metric gets worse.
type Worse int

const (
	// Higher: errors, latency, throttles.
	Higher Worse = iota
	// Lower: success rate, throughput a healthy service keeps.
	Lower
)

// Config holds the thresholds of a judgement. The zero value is every
// default.
type Config struct {
	// Alpha is the significance level: the largest chance, with no real
	// difference, of calling a regression. 0 keeps the default, 0.01 (the
	// confidence level Kayenta uses, 99 %).
	Alpha float64
	// MinEffect is the smallest worsening that counts, relative to the
	// mean before the deploy: 0.1 is 10 %. (Means, not medians: an error
	// rate is mostly zero, so its median hides the minutes with errors.) A significant change smaller
	// than this passes. 0 keeps the default, 0.1.
	MinEffect float64
	// MinAbsolute is the smallest worsening that counts, in the metric's
	// unit, for metrics that are near zero before the deploy (an error rate
	// of 0 makes any relative change infinite). Default 0.
	MinAbsolute float64
	// MinPoints is how many datapoints each side needs; with fewer, the
	// verdict is NoData. 0 keeps the default, 8 (where the normal
	// approximation of the test becomes accurate); less than 8 is raised to 8.
	MinPoints int
}

const (
	defaultAlpha     = 0.01
	defaultMinEffect = 0.1
	minPoints        = 8
)

func (c Config) withDefaults() Config {
	if c.Alpha == 0 {
		c.Alpha = defaultAlpha
	}
	if c.MinEffect == 0 {
		c.MinEffect = defaultMinEffect
	}
	if c.MinPoints < minPoints {
		c.MinPoints = minPoints
	}
	return c
}

// Validate reports the first invalid threshold; nil when all are valid.
func (c Config) Validate() error {
	switch {
	case math.IsNaN(c.Alpha) || c.Alpha < 0 || c.Alpha > 0.5:
		return fmt.Errorf("analysis: Alpha %v: want 0 (the default, 0.01) or a level in (0, 0.5]", c.Alpha)
	case math.IsNaN(c.MinEffect) || c.MinEffect < 0:
		return fmt.Errorf("analysis: MinEffect %v: want 0 (the default, 0.1) or a positive fraction", c.MinEffect)
	case math.IsNaN(c.MinAbsolute) || c.MinAbsolute < 0:
		return fmt.Errorf("analysis: MinAbsolute %v: want 0 or more", c.MinAbsolute)
	case c.MinPoints < 0:
		return fmt.Errorf("analysis: MinPoints %d: want 0 (the default, 8) or more", c.MinPoints)
	}
	return nil
}

// Verdict is the outcome of a judgement.
type Verdict string

const (
	// Pass: no significant worsening of at least the minimum effect.
	Pass Verdict = "pass"
	// Fail: the metric got significantly and materially worse.
	Fail Verdict = "fail"
	// NoData: too few datapoints on one side to judge.
	NoData Verdict = "no data"
)

// Judgement is the verdict on one metric, with what it rests on.
type Judgement struct {
	Metric  string
	Verdict Verdict
	// P is the one-sided p-value of the worsening (1 without data).
	P float64
	// Before and After are the means of the two windows.
	Before, After float64
	// Points are the datapoints of each side.
	PointsBefore, PointsAfter int
}

// String says the verdict in one line, for the pipeline's console.
func (j Judgement) String() string {
	switch j.Verdict {
	case NoData:
		return fmt.Sprintf("%s: no data (%d datapoints before the deploy, %d after; at least %d each needed)", j.Metric, j.PointsBefore, j.PointsAfter, minPoints)
	case Fail:
		return fmt.Sprintf("%s: worse after the deploy (mean %.4g before, %.4g after; p = %.2g)", j.Metric, j.Before, j.After, j.P)
	}
	return fmt.Sprintf("%s: no regression (mean %.4g before, %.4g after; p = %.2g)", j.Metric, j.Before, j.After, j.P)
}

// Judge compares one metric's datapoints before and after a deploy (each
// a series of values per period, in any order; NaNs are dropped). It fails
// the metric when the worsening is significant at c.Alpha (one-sided
// Mann-Whitney U) and the means differ by at least c.MinEffect of the
// mean before and by at least c.MinAbsolute.
func Judge(metric string, worse Worse, before, after []float64, c Config) Judgement {
	c = c.withDefaults()
	before, after = finite(before), finite(after)
	j := Judgement{Metric: metric, P: 1, PointsBefore: len(before), PointsAfter: len(after),
		Before: mean(before), After: mean(after)}
	if len(before) < c.MinPoints || len(after) < c.MinPoints {
		j.Verdict = NoData
		return j
	}
	worsening := j.After - j.Before
	test := MannWhitneyGreater(before, after)
	if worse == Lower {
		worsening = -worsening
		test = MannWhitneyGreater(after, before)
	}
	j.P = test.P
	j.Verdict = Pass
	if test.P < c.Alpha && worsening > 0 && worsening >= c.MinEffect*math.Abs(j.Before) && worsening >= c.MinAbsolute {
		j.Verdict = Fail
	}
	return j
}

func mean(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	return sum / float64(len(values))
}

func finite(values []float64) []float64 {
	out := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out = append(out, v)
		}
	}
	return out
}
