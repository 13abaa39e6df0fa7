package stages

import (
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
