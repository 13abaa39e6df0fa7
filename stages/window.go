package stages

import (
	"regexp"
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

func (w Window) validate(prop string, ps *Problems) {
	if why := cronProblem(w.Cron); why != "" {
		ps.Add(prop+".Cron", w.Cron, `a CodePipeline cron expression of 6 or 7 fields with "*" seconds and "?" in exactly one of day-of-month and day-of-week, e.g. "* * 9-16 ? * MON-THU" (`+why+`)`)
	}
	if w.TimeZone != "" {
		if _, err := time.LoadLocation(w.TimeZone); err != nil || !ianaZone.MatchString(w.TimeZone) {
			ps.Add(prop+".TimeZone", w.TimeZone, `an IANA time zone such as "Europe/Berlin" or "UTC"`)
		}
	}
}
