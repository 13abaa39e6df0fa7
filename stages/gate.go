package stages

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/velocity-cdk/velocity/monitoring"
)

// Gate holds the safety settings of a deploy stage, shared by Deploy and
// Wave.
type Gate struct {
	// BakeTime is how long the alarms of the deployed service must stay OK
	// after the deploy before the stage succeeds (a V2 OnSuccess condition
	// with a CloudWatchAlarm rule on one composite alarm per environment;
	// no CodeBuild minutes are spent waiting). Whole minutes up to 3
	// hours; 0 keeps the default, 5 minutes in staging and 15 in
	// production; NoBakeTime turns the gate off.
	BakeTime time.Duration
	// Alarms join the gate besides every CloudWatch alarm the stage's
	// stacks define (those are found automatically). They must be in the
	// environment's account and region.
	Alarms []AlarmName
	// Rollback, when the stage fails (a failed deploy, a failed post step,
	// or a breached gate), rolls the stage back to the last successful
	// execution (OnFailure ROLLBACK). Default: on in production, off in
	// staging, where a failure stops the line instead.
	Rollback Setting
	// MinRequests makes the bake a bake by data: the stage passes its
	// bake only if the service served at least this many requests during
	// the bake time, so an idle service does not pass because nothing
	// happened. The requests are those the stage's monitoring.ServiceMonitor
	// counts at the service's front door (its API or load balancer; else
	// its first Lambda function's invocations), through an alarm the line
	// adds to the bake (ServiceMonitor.NewTrafficAlarm), not to the entry
	// gate. A whole number; 0 keeps the default, off: the synthetic
	// traffic (Synthetic) already gives the alarms data around the clock,
	// and how much real traffic a bake must see is the team's call (a
	// one-box wave is where it matters most).
	MinRequests float64
	// Synthetic is the line's own traffic to each environment: a
	// CloudWatch Synthetics canary in the stack of the stage's "Endpoint"
	// output requests its paths on a schedule (monitoring.
	// NewSyntheticTraffic), so that the service's alarms, a bake's
	// MinRequests and the canary analysis have data when no user is
	// around; the canary's SuccessPercent alarm, made by the stage's
	// monitoring.ServiceMonitor, joins the gate. Default: on for every
	// stage with an Endpoint output, GET "health" every 5 minutes;
	// Synthetic.Off turns it off.
	Synthetic SyntheticTraffic
	// CanaryAnalysis, at the end of the stage (after its deploys and
	// tests, before the bake), compares the deployed service's metrics
	// with those before the deploy, and fails the stage (rolling it back
	// where rollback is on) when one got significantly worse: a
	// one-sided Mann-Whitney U test at 1 % on 1-minute datapoints of every
	// alarm under the environment's gate, and a worsening of at least 10 %
	// (package monitoring/analysis). A gate alarm in ALARM during the
	// window fails the stage at once; a metric without enough data (an
	// idle service) is reported, not failed. Default: on (a Lambda invoke
	// action of monitoring.CanaryAnalysis).
	CanaryAnalysis Setting
	// AnalysisWindow is how long the analysis watches after the deploy,
	// compared with as long before it. Whole minutes from 8 (the test
	// needs 8 datapoints a side) to 50; 0 keeps the default, 10 minutes.
	AnalysisWindow time.Duration
	// EntryWait is how long the stage waits before it deploys while an
	// environment's gate alarm is in ALARM: a line does not pile a change
	// onto an incident. If the alarm is still in ALARM when the wait ends,
	// the stage fails without deploying, and the execution's rule result
	// names the alarm (a V2 BeforeEntry condition with a CloudWatchAlarm
	// rule on the gate alarm of each environment). Whole minutes up to 3
	// hours; 0 keeps the default, 10 minutes; NoEntryGate turns the check
	// off. An environment whose alarms have no data yet (its first deploy)
	// is not in ALARM and is entered.
	EntryWait time.Duration
	// Window restricts when the stage may be entered; default: any time.
	// (CodePipeline ANDs the rules of a condition, so one window per stage:
	// express several periods in one cron expression.)
	Window *Window
}

// AlarmName names an existing CloudWatch alarm (metric or composite) that
// must stay OK during the bake time.
type AlarmName string

// NoBakeTime, as Gate.BakeTime, turns the stage's gate off: the stage
// succeeds as soon as its deploy and post steps do. (A BakeTime of 0 keeps
// the default.)
const NoBakeTime time.Duration = -1

const maxBakeTime = 3 * time.Hour

// SyntheticTraffic configures the line's own requests to an environment
// (Gate.Synthetic). The zero value is the default: on, GET "health" every
// 5 minutes.
type SyntheticTraffic struct {
	// Off turns the synthetic traffic off.
	Off bool
	// Paths are requested in order, relative to the Endpoint output, once
	// each per run; the run fails on any answer but 2xx. Default:
	// "health".
	Paths []string
	// Every is how often: whole minutes from 1 to 5 (the canary's alarm
	// needs a run in every 5 minutes); 0 keeps the default, 5 minutes.
	// CloudWatch Synthetics bills each run.
	Every time.Duration
}

// NoEntryGate, as Gate.EntryWait, turns the entry check off: the stage
// deploys even into an environment in alarm. (An EntryWait of 0 keeps the
// default.)
const NoEntryGate time.Duration = -1

// DefaultEntryWait is how long a stage waits, by default, for an
// environment in alarm to recover before it fails without deploying.
const DefaultEntryWait = 10 * time.Minute

func (g *Gate) validate(ps *Problems) {
	if b := g.BakeTime; b != NoBakeTime && (b < 0 || b > maxBakeTime || b%time.Minute != 0) {
		ps.Add("BakeTime", b.String(), "whole minutes up to 3h, 0 for the default, or stages.NoBakeTime to turn the gate off")
	}
	if m := g.MinRequests; math.IsNaN(m) || m < 0 || m != math.Trunc(m) || m > 1e9 {
		ps.Add("MinRequests", fmt.Sprint(m), "a whole number of requests (0 for none), at most 1e9")
	} else if m > 0 && g.BakeTime == NoBakeTime {
		ps.Add("MinRequests", fmt.Sprint(m), "no MinRequests with NoBakeTime: the requests are counted during the bake time")
	}
	if w := g.EntryWait; w != NoEntryGate && (w < 0 || w > maxBakeTime || w%time.Minute != 0) {
		ps.Add("EntryWait", w.String(), "whole minutes up to 3h, 0 for the default (10 minutes), or stages.NoEntryGate to turn the entry check off")
	}
	for _, p := range monitoring.SyntheticProblems(g.Synthetic.Paths, g.Synthetic.Every) {
		ps.Add("Synthetic."+p.Prop, p.Value, p.Want)
	}
	g.CanaryAnalysis.validate("CanaryAnalysis", ps)
	if w := g.AnalysisWindow; w != 0 && (w < MinAnalysisWindow || w > MaxAnalysisWindow || w%time.Minute != 0) {
		ps.Add("AnalysisWindow", w.String(), "whole minutes from 8m to 50m, or 0 for the default (10 minutes)")
	}
	g.Rollback.validate("Rollback", ps)
	for i, a := range g.Alarms {
		name := string(a)
		switch {
		case strings.TrimSpace(name) == "" || len(name) > 255 || strings.ContainsAny(name, "\"\n\t"):
			// The gate's composite alarm names each in ALARM("name").
			ps.Add(fmt.Sprintf("Alarms[%d]", i), name, "the name of a CloudWatch alarm: 1 to 255 characters, no quotes, tabs or newlines")
		case strings.HasPrefix(name, "arn:"):
			ps.Add(fmt.Sprintf("Alarms[%d]", i), name, "the alarm's name, not its ARN (the alarm is in the environment's account and region)")
		}
	}
	if len(g.Alarms) > 0 && g.BakeTime == NoBakeTime && g.EntryWait == NoEntryGate {
		ps.Add("Alarms", strings.Join(stringsOf(g.Alarms), ","), "no Alarms with both NoBakeTime and NoEntryGate: the gate watches them only before the deploy and during the bake time, which those turn off")
	}
	if g.Window != nil {
		g.Window.validate("Window", ps)
	}
}

// BakeTimeOr returns the bake time (0 with NoBakeTime), or def when none is
// set.
func (g *Gate) BakeTimeOr(def time.Duration) time.Duration {
	switch g.BakeTime {
	case 0:
		return def
	case NoBakeTime:
		return 0
	}
	return g.BakeTime
}

// Canary analysis windows: analysis.Judge needs 8 datapoints a side, and
// CodePipeline gives a Lambda action an hour.
const (
	MinAnalysisWindow     = 8 * time.Minute
	MaxAnalysisWindow     = 50 * time.Minute
	DefaultAnalysisWindow = 10 * time.Minute
)

// AnalysisWindowOr returns the canary analysis window, 0 when the analysis
// is off.
func (g *Gate) AnalysisWindowOr() time.Duration {
	switch {
	case !g.CanaryAnalysis.Or(true):
		return 0
	case g.AnalysisWindow == 0:
		return DefaultAnalysisWindow
	}
	return g.AnalysisWindow
}

// EntryWaitOr returns how long the stage waits for its environments to
// leave ALARM before it enters: 0 with NoEntryGate, DefaultEntryWait when
// none is set.
func (g *Gate) EntryWaitOr() time.Duration {
	switch g.EntryWait {
	case 0:
		return DefaultEntryWait
	case NoEntryGate:
		return 0
	}
	return g.EntryWait
}

// entryRules is how many rules the stage's entry condition holds for envs
// environments: one per environment's gate alarm, and the window's.
func (g *Gate) entryRules(envs int) int {
	n := 0
	if g.EntryWaitOr() > 0 {
		n = envs
	}
	if g.Window != nil {
		n++
	}
	return n
}

func stringsOf(names []AlarmName) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(n)
	}
	return out
}
