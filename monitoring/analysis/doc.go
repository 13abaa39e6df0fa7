// Package analysis judges whether a deploy made a service worse, the way
// automated canary analysis does (Spinnaker's Kayenta, Argo Rollouts,
// Flagger): it compares a metric's datapoints after the deploy with those
// before it, and calls a regression only when the difference is both
// statistically significant and large enough to matter.
//
// The test is the Mann-Whitney U test (Wilcoxon rank-sum), as in Kayenta:
// it compares ranks, not means, so it needs no assumption about the
// distribution of the metric (latencies are skewed, error counts are mostly
// zero) and one outlier cannot decide it. The p-value comes from the normal
// approximation with the correction for ties and for continuity, which is
// accurate from about 8 datapoints per side; with fewer, Judge answers
// NoData rather than guess.
//
// The package is plain Go, with no AWS or jsii dependency, so the
// judgement is unit-tested on metric series alone.
package analysis
