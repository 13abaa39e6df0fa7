package stages

import "testing"

func TestCronFieldsAreCheckedAgainstTheirRanges(t *testing.T) {
	for _, c := range []struct {
		expr  string
		valid bool
	}{
		{"* * 9-16 ? * MON-THU", true},
		{"* 0/15 9-16 ? * MON-FRI", true},
		{"* * * L * ?", true},
		{"* * * 15W JAN-MAR ?", true},
		{"* * * ? * 6#3", true},
		{"* * * ? * FRIL", true},
		{"* * * ? * 2L 2030", true},
		{"* * * L-3 * ?", true},
		{"* 0,30 8 ? * mon", true},
		{"* 99 25 ? FOO BAR", false},
		{"* 60 * ? * *", false},
		{"* * 24 ? * *", false},
		{"* * * 32 * ?", false},
		{"* * * 0 * ?", false},
		{"* * * ? 13 *", false},
		{"* * * ? * 8", false},
		{"* * * ? * 6#6", false},
		{"* * 16-9 ? * *", false},
		{"* */0 * ? * *", false},
		{"* * * ? * * 1969", false},
		{"0 * * ? * *", false},
		{"* * * 1 * MON", false},
		{"* * 9-16 * * *", false},
		{"* * 9-16 * * MON-FRI", false},
		{"* * 9-16 ? * ?", false},
		{"* * 9-16 * * ?", true},
		{"* * * ?", false},
		{"* * 9-16 30 FEB ?", false},
		{"* * 9-16 29 FEB ?", true},
		{"* * 9-16 31 4 ?", false},
		{"* * 9-16 ? * MON-FRI 2001", false},
		{"* * 9-16 ? * MON-FRI 2001-2003,2010", false},
		{"* * 9-16 ? * MON-FRI 2025-2199", true},
	} {
		if got := cronProblem(c.expr) == ""; got != c.valid {
			t.Errorf("cron %q: valid = %v, want %v (%s)", c.expr, got, c.valid, cronProblem(c.expr))
		}
	}
}
