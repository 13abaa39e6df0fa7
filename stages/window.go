package stages

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	// Embeds the IANA time zone database, so time zones validate on every
	// machine, including CI images without /usr/share/zoneinfo.
	_ "time/tzdata"
)

// Window is a deployment window: a stage may be entered only at times that
// match Cron in TimeZone (a CodePipeline V2 BeforeEntry condition with a
// DeploymentWindow rule). A change that arrives outside every window stops
// before the stage and is deployed by the next run inside one.
type Window struct {
	// Cron is CodePipeline's cron expression: six fields (seconds, which
	// must be "*", minutes, hours, day-of-month, month, day-of-week) and an
	// optional year, e.g. "* * 9-16 ? * MON-THU" for Monday to Thursday,
	// 09:00 to 16:59.
	Cron string
	// TimeZone is an IANA time zone such as "Europe/Berlin". Default: UTC.
	TimeZone string
}

// ianaZone admits UTC and the canonical Area/Location names; the machine's
// zoneinfo also holds aliases like "localtime", "posixrules" or "right/UTC"
// that CodePipeline would not take.
var ianaZone = regexp.MustCompile(`^(UTC|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?)$`)

var cronField = []*regexp.Regexp{
	regexp.MustCompile(`^\*$`), // seconds: CodePipeline allows only *
	regexp.MustCompile(`^[0-9,\-*/]+$`),
	regexp.MustCompile(`^[0-9,\-*/]+$`),
	regexp.MustCompile(`^([0-9,\-*?/LW]+|L-[0-9]+)$`),
	regexp.MustCompile(`^[0-9A-Za-z,\-*/]+$`),
	regexp.MustCompile(`^[0-9A-Za-z,\-*?/L#]+$`),
	regexp.MustCompile(`^[0-9,\-*/]*$`),
}

func (w Window) validate(prop string, ps *Problems) {
	fields := strings.Fields(w.Cron)
	ok := len(fields) == 6 || len(fields) == 7
	for i := 0; ok && i < len(fields); i++ {
		ok = cronField[i].MatchString(fields[i])
	}
	if ok {
		ok = fields[3] == "?" || fields[5] == "?" || fields[3] == "*" || fields[5] == "*"
	}
	if !ok {
		ps.Add(prop+".Cron", w.Cron, `a CodePipeline cron expression of 6 or 7 fields with "*" seconds and "?" in day-of-month or day-of-week, e.g. "* * 9-16 ? * MON-THU"`)
	}
	if w.TimeZone != "" {
		if _, err := time.LoadLocation(w.TimeZone); err != nil || !ianaZone.MatchString(w.TimeZone) {
			ps.Add(prop+".TimeZone", w.TimeZone, `an IANA time zone such as "Europe/Berlin" or "UTC"`)
		}
	}
}

// Gate holds the safety settings of a deploy stage, shared by Deploy and
// Wave.
type Gate struct {
	// BakeTime is how long the alarms of the deployed service must stay OK
	// after the deploy before the stage succeeds (a V2 OnSuccess condition
	// with a CloudWatchAlarm rule on one composite alarm per environment;
	// no CodeBuild minutes are spent waiting). Default: 5 minutes in
	// staging, 15 in production. A pointer to 0 turns the gate off. Whole
	// minutes up to 3 hours.
	BakeTime *time.Duration
	// Alarms join the gate besides every CloudWatch alarm the stage's
	// stacks define (those are found automatically). They must be in the
	// environment's account and region.
	Alarms []AlarmName
	// Rollback, when the stage fails (a failed deploy, a failed post step,
	// or a breached gate), rolls the stage back to the last successful
	// execution (OnFailure ROLLBACK). Default: on in production, off in
	// staging, where a failure stops the line instead.
	Rollback *bool
	// Window restricts when the stage may be entered; default: any time.
	// (CodePipeline ANDs the rules of a condition, so one window per stage:
	// express several periods in one cron expression.)
	Window *Window
}

// AlarmName names an existing CloudWatch alarm (metric or composite) that
// must stay OK during the bake time.
type AlarmName string

const maxBakeTime = 3 * time.Hour

func (g *Gate) validate(ps *Problems) {
	if b := g.BakeTime; b != nil && (*b < 0 || *b > maxBakeTime || *b%time.Minute != 0) {
		ps.Add("BakeTime", b.String(), "0 (no gate) or whole minutes up to 3h")
	}
	for i, a := range g.Alarms {
		if strings.TrimSpace(string(a)) == "" || len(a) > 255 {
			ps.Add(fmt.Sprintf("Alarms[%d]", i), string(a), "the name of a CloudWatch alarm")
		}
	}
	if g.Window != nil {
		g.Window.validate("Window", ps)
	}
}

// BakeTimeOr returns the bake time, or def when none is set.
func (g *Gate) BakeTimeOr(def time.Duration) time.Duration {
	if g.BakeTime == nil {
		return def
	}
	return *g.BakeTime
}

// RollbackOr returns whether the stage rolls back on failure, or def when
// Rollback is not set.
func (g *Gate) RollbackOr(def bool) bool {
	if g.Rollback == nil {
		return def
	}
	return *g.Rollback
}
