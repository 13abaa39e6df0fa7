package stages

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// cronSpec is what one field of a CodePipeline cron expression admits.
type cronSpec struct {
	name     string
	min, max int
	// names are the field's value names (JAN..DEC, SUN..SAT), numbered
	// from min.
	names []string
	// question admits "?" (day-of-month and day-of-week).
	question bool
	// special admits the field's own forms: L, L-n, nW and LW in
	// day-of-month; nL and n#k in day-of-week.
	special func(c cronSpec, item string) bool
}

var cronSpecs = []cronSpec{
	{name: "seconds"},
	{name: "minutes", min: 0, max: 59},
	{name: "hours", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31, question: true, special: dayOfMonthSpecial},
	{name: "month", min: 1, max: 12, names: strings.Fields("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC")},
	{name: "day-of-week", min: 1, max: 7, names: strings.Fields("SUN MON TUE WED THU FRI SAT"), question: true, special: dayOfWeekSpecial},
	{name: "year", min: 1970, max: 2199},
}

// cronProblem returns what is wrong with a CodePipeline cron expression
// (six fields, or seven with a year), or "" when it is valid. Each field is
// checked against its range, so "* 99 25 ? FOO BAR" is refused rather than
// accepted by a pattern and never matched.
func cronProblem(expr string) string {
	fields := strings.Fields(expr)
	if len(fields) != 6 && len(fields) != 7 {
		return fmt.Sprintf("%d fields instead of 6 or 7", len(fields))
	}
	if fields[0] != "*" {
		return `seconds must be "*"`
	}
	for i := 1; i < len(fields); i++ {
		if why := cronSpecs[i].check(fields[i]); why != "" {
			return cronSpecs[i].name + " " + strconv.Quote(fields[i]) + ": " + why
		}
	}
	// The syntax is Quartz's, whose parser takes a value in exactly one
	// of the two day fields: "* * 9 * * *" and "* * 9 ? * ?" are refused.
	if (fields[3] == "?") == (fields[5] == "?") {
		return `exactly one of day-of-month and day-of-week must be "?"`
	}
	return neverOpens(fields, time.Now().UTC().Year())
}

// daysIn is the most days each month has (February in a leap year).
var daysIn = [...]int{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// neverOpens catches windows that are well-formed but match no time: a
// day the one month given does not have (30 FEB), or only years that are
// past.
func neverOpens(fields []string, thisYear int) string {
	day, dayErr := strconv.Atoi(fields[3])
	if month, ok := cronSpecs[4].value(fields[4]); ok && dayErr == nil && day > daysIn[month-1] {
		return fmt.Sprintf("%s has no day %d: the window never opens", cronSpecs[4].names[month-1], day)
	}
	if len(fields) == 7 && fields[6] != "*" {
		newest := 0
		for _, item := range strings.Split(fields[6], ",") {
			base, _, _ := strings.Cut(item, "/")
			_, hi, isRange := strings.Cut(base, "-")
			if !isRange {
				hi = base
			}
			if y, err := strconv.Atoi(hi); err == nil && y > newest {
				newest = y
			}
		}
		if newest < thisYear {
			return fmt.Sprintf("every year it names is past (the latest is %d): the window never opens", newest)
		}
	}
	return ""
}

// check returns what is wrong with one field, or "".
func (c cronSpec) check(field string) string {
	if c.question && field == "?" {
		return ""
	}
	for _, item := range strings.Split(field, ",") {
		if c.special != nil && c.special(c, strings.ToUpper(item)) {
			continue
		}
		if why := c.item(item); why != "" {
			return why
		}
	}
	return ""
}

// item checks one list item: *, a value, a range a-b, each with an
// optional /step.
func (c cronSpec) item(item string) string {
	base, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		n, err := strconv.Atoi(step)
		if err != nil || n < 1 || n > c.max-c.min+1 {
			return fmt.Sprintf("step %q is not a number from 1 to %d", step, c.max-c.min+1)
		}
	}
	if base == "*" {
		return ""
	}
	lo, hi, isRange := strings.Cut(base, "-")
	a, ok := c.value(lo)
	if !ok {
		return fmt.Sprintf("%q is not a value from %s", lo, c.valid())
	}
	if !isRange {
		return ""
	}
	b, ok := c.value(hi)
	if !ok {
		return fmt.Sprintf("%q is not a value from %s", hi, c.valid())
	}
	if a > b {
		return fmt.Sprintf("range %s runs backwards", base)
	}
	return ""
}

// value reads a number or a name of the field.
func (c cronSpec) value(s string) (int, bool) {
	for i, name := range c.names {
		if strings.EqualFold(s, name) {
			return c.min + i, true
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= c.min && n <= c.max
}

func (c cronSpec) valid() string {
	if len(c.names) > 0 {
		return fmt.Sprintf("%d-%d or %s-%s", c.min, c.max, c.names[0], c.names[len(c.names)-1])
	}
	return fmt.Sprintf("%d-%d", c.min, c.max)
}

func dayOfMonthSpecial(_ cronSpec, item string) bool {
	switch {
	case item == "L" || item == "LW":
		return true
	case strings.HasPrefix(item, "L-"):
		n, err := strconv.Atoi(item[2:])
		return err == nil && n >= 1 && n <= 30
	case strings.HasSuffix(item, "W"):
		n, err := strconv.Atoi(strings.TrimSuffix(item, "W"))
		return err == nil && n >= 1 && n <= 31
	}
	return false
}

func dayOfWeekSpecial(c cronSpec, item string) bool {
	if item == "L" {
		return true
	}
	if day, ok := strings.CutSuffix(item, "L"); ok {
		return c.isDay(day)
	}
	if day, nth, ok := strings.Cut(item, "#"); ok {
		n, err := strconv.Atoi(nth)
		return c.isDay(day) && err == nil && n >= 1 && n <= 5
	}
	return false
}

func (c cronSpec) isDay(s string) bool { _, ok := c.value(s); return ok }
