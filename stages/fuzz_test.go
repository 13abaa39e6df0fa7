package stages_test

// Fuzz targets for the validation of every step's props. The invariant:
// any input either validates or yields Problems that each name the prop
// (a path under the step's props), echo a value and say what is valid;
// Validate never panics and is deterministic. Where the documentation of a
// prop states its rule exactly (timeouts, bake times, accounts, names,
// keys), the targets also check that rule independently.
//
// The targets build props from plain strings and numbers and never call
// jsii: validation is plain Go, and steps (pipelines.Step) are left out
// because creating one starts the jsii runtime. scripts/fuzz.sh runs each
// target for a bounded time; `go test` runs the seed corpus in
// testdata/fuzz.

import (
	"errors"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/internal/problem"
	"github.com/velocity-cdk/velocity/stages"
)

func TestMain(m *testing.M) { cdktest.Main(m) }

// list splits s into elements on newlines, keeping empty ones; "" is nil.
func list(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// pairs reads "key=value" lines into a map; a line without "=" is a key
// with an empty value.
func pairs(s string) map[string]string {
	if s == "" {
		return nil
	}
	m := map[string]string{}
	for _, l := range strings.Split(s, "\n") {
		k, v, _ := strings.Cut(l, "=")
		m[k] = v
	}
	return m
}

// secrets reads "NAME=sm:ref", "NAME=ps:name" or "NAME=" (a zero Secret)
// lines.
func secrets(s string) map[string]stages.Secret {
	if s == "" {
		return nil
	}
	m := map[string]stages.Secret{}
	for k, v := range pairs(s) {
		switch {
		case strings.HasPrefix(v, "sm:"):
			m[k] = stages.FromSecretsManager(v[3:])
		case strings.HasPrefix(v, "ps:"):
			m[k] = stages.FromParameterStore(v[3:])
		default:
			m[k] = stages.Secret{}
		}
	}
	return m
}

// checkProblems asserts the invariant on the Problems of one Validate call:
// each names a prop under one of roots ("Name", "Name[2]" or
// "Name.Field"), says what is valid, and shows up in the joined error.
func checkProblems(t *testing.T, ps stages.Problems, roots ...string) {
	t.Helper()
	for _, p := range ps {
		if p.Prop == "" || p.Want == "" {
			t.Fatalf("problem without a prop or without what is valid: %#v", p)
		}
		if !underRoot(p.Prop, roots) {
			t.Fatalf("problem names prop %q, want one of %v", p.Prop, roots)
		}
		if msg := p.Error(); !strings.HasPrefix(msg, p.Prop+": ") || !strings.Contains(msg, "want "+p.Want) {
			t.Fatalf("message %q does not start with the prop %q and say what is valid", msg, p.Prop)
		}
	}
	err := ps.Err()
	if (err == nil) != (len(ps) == 0) {
		t.Fatalf("Err() = %v for %d problems", err, len(ps))
	}
	if err == nil {
		return
	}
	var one stages.Problem
	if !errors.As(err, &one) {
		t.Fatalf("errors.As finds no Problem in %v", err)
	}
	for _, p := range ps {
		if !strings.Contains(err.Error(), p.Error()) {
			t.Fatalf("joined error lacks %q", p.Error())
		}
	}
}

func underRoot(prop string, roots []string) bool {
	for _, r := range roots {
		if prop == r || strings.HasPrefix(prop, r+"[") || strings.HasPrefix(prop, r+".") {
			return true
		}
	}
	return false
}

// sameProblems asserts that two Validate calls found the same problems
// (in any order: maps are iterated in random order).
func sameProblems(t *testing.T, a, b stages.Problems) {
	t.Helper()
	key := func(ps stages.Problems) []string {
		out := make([]string, len(ps))
		for i, p := range ps {
			out[i] = p.Error()
		}
		sort.Strings(out)
		return out
	}
	if !reflect.DeepEqual(key(a), key(b)) {
		t.Fatalf("Validate is not deterministic:\n%v\n%v", a, b)
	}
}

// find returns the problems of exactly prop.
func find(ps stages.Problems, prop string) []stages.Problem {
	var out []stages.Problem
	for _, p := range ps {
		if p.Prop == prop {
			out = append(out, p)
		}
	}
	return out
}

func FuzzGitSource(f *testing.F) {
	f.Fuzz(func(t *testing.T, provider uint8, repository, connectionArn, branch, includePaths, excludePaths, tags string) {
		opts := stages.GitOptions{ConnectionArn: connectionArn, Branch: branch,
			IncludePaths: list(includePaths), ExcludePaths: list(excludePaths), Tags: list(tags)}
		src := []func(string, stages.GitOptions) stages.Source{stages.GitHub, stages.GitLab, stages.Bitbucket}[provider%3](repository, opts)
		ps := problem.From(src.Validate())
		checkProblems(t, ps, "Repository", "ConnectionArn", "Branch", "IncludePaths", "ExcludePaths", "Tags")
		sameProblems(t, ps, problem.From(src.Validate()))

		if bad := find(ps, "Repository"); len(bad) == 0 {
			if !strings.Contains(repository, "/") || strings.Contains(repository, "..") || strings.ContainsAny(repository, " \t\n\r") {
				t.Fatalf("repository %q accepted", repository)
			}
		} else if bad[0].Value != repository {
			t.Fatalf("Repository problem shows %q, want the value %q", bad[0].Value, repository)
		}
		if len(find(ps, "ConnectionArn")) == 0 && (!strings.HasPrefix(connectionArn, "arn:") || !strings.Contains(connectionArn, ":connection/")) {
			t.Fatalf("connection ARN %q accepted", connectionArn)
		}
		if len(find(ps, "Branch")) == 0 && branch != "" && !plausibleBranch(branch) {
			t.Fatalf("branch %q accepted", branch)
		}
		for name, patterns := range map[string][]string{"IncludePaths": opts.IncludePaths, "ExcludePaths": opts.ExcludePaths, "Tags": opts.Tags} {
			if len(patterns) > 8 && len(find(ps, name)) == 0 {
				t.Fatalf("%d %s accepted; CodePipeline allows 8", len(patterns), name)
			}
		}
	})
}

// plausibleBranch applies a few of git check-ref-format's rules: no
// whitespace or control characters, no "..", no leading "-".
func plausibleBranch(b string) bool {
	for _, r := range b {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return !strings.Contains(b, "..") && !strings.HasPrefix(b, "-")
}

func FuzzCodeCommitSource(f *testing.F) {
	f.Fuzz(func(t *testing.T, branch string) {
		// The repository is nil: an IRepository needs jsii.
		ps := problem.From(stages.CodeCommit(nil, branch).Validate())
		checkProblems(t, ps, "Repository", "Branch")
		if len(find(ps, "Repository")) != 1 {
			t.Fatalf("nil repository not reported: %v", ps)
		}
		bad := find(ps, "Branch")
		if len(bad) == 0 && (branch == "" || !plausibleBranch(branch)) {
			t.Fatalf("branch %q accepted", branch)
		}
		if len(bad) > 0 && bad[0].Value != branch {
			t.Fatalf("Branch problem shows %q, want %q", bad[0].Value, branch)
		}
	})
}

func FuzzS3Source(f *testing.F) {
	f.Fuzz(func(t *testing.T, key string) {
		// The bucket is nil: an IBucket needs jsii.
		ps := problem.From(stages.S3(nil, key).Validate())
		checkProblems(t, ps, "Bucket", "Key")
		if len(find(ps, "Bucket")) != 1 {
			t.Fatalf("nil bucket not reported: %v", ps)
		}
		// The documented rule: an S3 object key (1 to 1024 bytes) without
		// a leading "/".
		wantBad := key == "" || strings.HasPrefix(key, "/") || len(key) > 1024
		if got := len(find(ps, "Key")) > 0; got != wantBad {
			t.Fatalf("key %q: problem reported = %v, want %v", key, got, wantBad)
		}
	})
}

// timeoutOK is Job.Timeout's documented rule: 0 (the default) or whole
// minutes from 5 minutes to 36 hours.
func timeoutOK(d time.Duration) bool {
	return d == 0 || d >= 5*time.Minute && d <= 36*time.Hour && d%time.Minute == 0
}

var secretish = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)`)

// checkJob checks what Build and AcceptanceTests share: timeouts, empty
// commands, and that plaintext credentials are never echoed.
func checkJob(t *testing.T, ps stages.Problems, job stages.Job) {
	t.Helper()
	if got := len(find(ps, "Timeout")) > 0; got == timeoutOK(job.Timeout) {
		t.Fatalf("timeout %v: problem reported = %v", job.Timeout, got)
	}
	for i, c := range job.Commands {
		if c == "" && len(find(ps, "Commands["+strconv.Itoa(i)+"]")) == 0 {
			t.Fatalf("empty command %d accepted", i)
		}
	}
	for _, p := range ps {
		if strings.HasPrefix(p.Prop, "Env[") && p.Value != "<redacted>" {
			t.Fatalf("%s shows the plaintext value %q", p.Prop, p.Value)
		}
	}
	for name, v := range job.Env {
		if !secretish.MatchString(name) || len(find(ps, "Env["+name+"]")) > 0 {
			continue
		}
		// An invalid name is reported as such instead.
		invalid := false
		for _, p := range find(ps, "Env") {
			invalid = invalid || p.Value == name
		}
		if !invalid {
			t.Fatalf("plaintext credential %s=%q accepted", name, v)
		}
	}
}

func FuzzBuild(f *testing.F) {
	presets := []*stages.Preset{nil, stages.Go, stages.Node, stages.Python, {Name: "Empty"}}
	f.Fuzz(func(t *testing.T, preset uint8, directory, install, commands string, nilCommands bool, env, secretRefs, context string, timeout int64, testReports string) {
		b := &stages.Build{
			Preset:    presets[int(preset)%len(presets)],
			Directory: directory,
			Job: stages.Job{
				Install:     list(install),
				Env:         pairs(env),
				Secrets:     secrets(secretRefs),
				Timeout:     time.Duration(timeout),
				TestReports: testReports,
			},
			Context: pairs(context),
		}
		if !nilCommands {
			b.Commands = list(commands)
			if b.Commands == nil {
				b.Commands = []string{}
			}
		}
		ps := problem.From(b.Validate())
		checkProblems(t, ps, "Install", "Commands", "Env", "Secrets", "Timeout", "TestReports", "Directory", "Context", "Preset")
		sameProblems(t, ps, problem.From(b.Validate()))
		checkJob(t, ps, b.Job)
		if b.Commands != nil && len(b.Commands) == 0 && len(find(ps, "Commands")) == 0 {
			t.Fatal("empty Commands accepted")
		}
		if len(find(ps, "Directory")) == 0 && directory != "" &&
			(strings.HasPrefix(directory, "/") || strings.Contains(directory, "..") || strings.ContainsAny(directory, " \t\n'\"$`")) {
			t.Fatalf("directory %q accepted", directory)
		}
	})
}

func FuzzAcceptanceTests(f *testing.F) {
	f.Fuzz(func(t *testing.T, install, commands, env, secretRefs, outputs string, timeout int64) {
		a := &stages.AcceptanceTests{
			Job: stages.Job{
				Install:  list(install),
				Commands: list(commands),
				Env:      pairs(env),
				Secrets:  secrets(secretRefs),
				Timeout:  time.Duration(timeout),
			},
			Outputs: pairs(outputs),
		}
		ps := problem.From(a.Validate())
		checkProblems(t, ps, "Install", "Commands", "Env", "Secrets", "Timeout", "TestReports", "Outputs")
		sameProblems(t, ps, problem.From(a.Validate()))
		checkJob(t, ps, a.Job)
		if len(a.Commands) == 0 && len(find(ps, "Commands")) == 0 {
			t.Fatal("acceptance tests without commands accepted")
		}
		for name, id := range a.Outputs {
			if id == "" && len(find(ps, "Outputs["+name+"]")) == 0 {
				t.Fatalf("output %s without a CfnOutput id accepted", name)
			}
		}
	})
}

// nameOK is Environment.Name's documented rule: letters, digits and
// hyphens, starting with a letter, at most 50 characters.
func nameOK(s string) bool {
	if s == "" || len(s) > 50 || !isLetter(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && !(c >= '0' && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func accountOK(s string) bool {
	if s == "" {
		return true
	}
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// bakeTimeOK is Gate.BakeTime's documented rule: 0 (the default),
// NoBakeTime (no gate) or whole minutes up to 3 hours.
func bakeTimeOK(b time.Duration) bool {
	return b == stages.NoBakeTime || b >= 0 && b <= 3*time.Hour && b%time.Minute == 0
}

// gate builds a Gate from fuzz input.
func gate(hasBakeTime bool, bakeTime int64, alarms string, rollback uint8, hasWindow bool, cron, timeZone string) stages.Gate {
	g := stages.Gate{}
	if hasBakeTime {
		g.BakeTime = time.Duration(bakeTime)
		// The entry wait has the same rule over its own values: twice the
		// bake time gives valid and invalid ones, NoEntryGate among them.
		g.EntryWait = 2 * time.Duration(bakeTime)
		if bakeTime == int64(stages.NoBakeTime) {
			g.EntryWait = stages.NoEntryGate
		}
	}
	for _, a := range list(alarms) {
		g.Alarms = append(g.Alarms, stages.AlarmName(a))
	}
	g.Rollback = stages.Setting(rollback % 4) // 3 is out of range
	if hasWindow {
		g.Window = &stages.Window{Cron: cron, TimeZone: timeZone}
	}
	return g
}

// checkGate checks the documented rules of a Gate.
func checkGate(t *testing.T, ps stages.Problems, g stages.Gate) {
	t.Helper()
	if got := len(find(ps, "BakeTime")) > 0; got == bakeTimeOK(g.BakeTime) {
		t.Fatalf("bake time %v: problem reported = %v", g.BakeTime, got)
	}
	if got := len(find(ps, "EntryWait")) > 0; got == (g.EntryWait == stages.NoEntryGate || bakeTimeOK(g.EntryWait)) {
		t.Fatalf("entry wait %v: problem reported = %v", g.EntryWait, got)
	}
	if got := len(find(ps, "Rollback")) > 0; got != (g.Rollback > stages.Disabled) {
		t.Fatalf("rollback %v: problem reported = %v", g.Rollback, got)
	}
	for i, a := range g.Alarms {
		if strings.TrimSpace(string(a)) == "" && len(find(ps, "Alarms["+strconv.Itoa(i)+"]")) == 0 {
			t.Fatalf("blank alarm name %d accepted", i)
		}
	}
	if g.Window == nil {
		return
	}
	if len(find(ps, "Window.Cron")) == 0 {
		fields := strings.Fields(g.Window.Cron)
		if len(fields) < 6 || len(fields) > 7 || fields[0] != "*" || (fields[3] == "?") == (fields[5] == "?") {
			t.Fatalf("cron %q accepted: want 6 or 7 fields with \"*\" seconds and one \"?\" day field", g.Window.Cron)
		}
	}
	if tz := g.Window.TimeZone; tz != "" && len(find(ps, "Window.TimeZone")) == 0 {
		if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
			t.Fatalf("time zone %q accepted", tz)
		}
	}
}

func FuzzDeploy(f *testing.F) {
	f.Fuzz(func(t *testing.T, name, account, region string, terminationProtection uint8, hasBakeTime bool, bakeTime int64, alarms string, rollback uint8, hasWindow bool, cron, timeZone string) {
		d := &stages.Deploy{
			Environment: stages.Environment{Name: name, Account: account, Region: region},
			Gate:        gate(hasBakeTime, bakeTime, alarms, rollback, hasWindow, cron, timeZone),
		}
		d.TerminationProtection = stages.Setting(terminationProtection % 4) // 3 is out of range
		ps := problem.From(d.Validate())
		checkProblems(t, ps, "Name", "Account", "Region", "BakeTime", "EntryWait", "Rollback", "TerminationProtection", "Alarms", "Window")
		if got := len(find(ps, "TerminationProtection")) > 0; got != (d.TerminationProtection > stages.Disabled) {
			t.Fatalf("termination protection %v: problem reported = %v", d.TerminationProtection, got)
		}
		sameProblems(t, ps, problem.From(d.Validate()))
		checkGate(t, ps, d.Gate)
		if got := len(find(ps, "Name")) > 0; got == nameOK(name) {
			t.Fatalf("name %q: problem reported = %v", name, got)
		}
		if got := len(find(ps, "Account")) > 0; got == accountOK(account) {
			t.Fatalf("account %q: problem reported = %v", account, got)
		}
		if len(find(ps, "Region")) == 0 && strings.ContainsAny(region, " /:\t\n") {
			t.Fatalf("region %q accepted", region)
		}
	})
}

// FuzzWindow concentrates on deployment windows: only Window.* problems
// may appear for an otherwise valid stage.
func FuzzWindow(f *testing.F) {
	f.Fuzz(func(t *testing.T, cron, timeZone string) {
		d := &stages.Deploy{
			Environment: stages.Environment{Name: "Production"},
			Gate:        stages.Gate{Window: &stages.Window{Cron: cron, TimeZone: timeZone}},
		}
		ps := problem.From(d.Validate())
		checkProblems(t, ps, "Window")
		checkGate(t, ps, d.Gate)
	})
}

// environments reads "Name/account/region" lines.
func environments(s string) []stages.Environment {
	var out []stages.Environment
	for _, l := range list(s) {
		parts := strings.SplitN(l, "/", 3)
		for len(parts) < 3 {
			parts = append(parts, "")
		}
		out = append(out, stages.Environment{Name: parts[0], Account: parts[1], Region: parts[2]})
	}
	return out
}

func FuzzWave(f *testing.F) {
	f.Fuzz(func(t *testing.T, name, envs string, hasBakeTime bool, bakeTime int64, alarms string, rollback uint8, hasWindow bool, cron, timeZone string) {
		w := &stages.Wave{
			Name:         name,
			Environments: environments(envs),
			Gate:         gate(hasBakeTime, bakeTime, alarms, rollback, hasWindow, cron, timeZone),
		}
		ps := problem.From(w.Validate())
		checkProblems(t, ps, "Name", "Environments", "BakeTime", "EntryWait", "Rollback", "Alarms", "Window")
		sameProblems(t, ps, problem.From(w.Validate()))
		checkGate(t, ps, w.Gate)
		if got := len(find(ps, "Name")) > 0; got == nameOK(name) {
			t.Fatalf("wave name %q: problem reported = %v", name, got)
		}
		if n := len(w.Environments); (n == 0 || n > 5) && len(find(ps, "Environments")) == 0 {
			t.Fatalf("a wave of %d environments accepted; want 1 to 5", n)
		}
		for i, e := range w.Environments {
			prefix := "Environments[" + strconv.Itoa(i) + "]."
			if got := len(find(ps, prefix+"Name")) > 0; got == nameOK(e.Name) {
				t.Fatalf("environment name %q: problem reported = %v", e.Name, got)
			}
			if got := len(find(ps, prefix+"Account")) > 0; got == accountOK(e.Account) {
				t.Fatalf("account %q: problem reported = %v", e.Account, got)
			}
		}
	})
}

func FuzzApproval(f *testing.F) {
	f.Fuzz(func(t *testing.T, emails, comment, reviewURL string) {
		a := &stages.Approval{Emails: list(emails), Comment: comment, ReviewURL: reviewURL}
		ps := problem.From(a.Validate())
		checkProblems(t, ps, "Emails", "Comment", "ReviewURL")
		sameProblems(t, ps, problem.From(a.Validate()))
		for i, e := range a.Emails {
			bad := find(ps, "Emails["+strconv.Itoa(i)+"]")
			if len(bad) == 0 && (strings.Count(e, "@") != 1 || strings.ContainsAny(e, " \t\n\r")) {
				t.Fatalf("email %q accepted", e)
			}
			if len(bad) > 0 && bad[0].Value != e {
				t.Fatalf("Emails[%d] problem shows %q, want %q", i, bad[0].Value, e)
			}
			if got := len(bad) > 0; got == stages.ValidEmail(e) {
				t.Fatalf("email %q: problem reported = %v, ValidEmail = %v", e, got, stages.ValidEmail(e))
			}
		}
		if n := utf8.RuneCountInString(comment); (n > 500) != (len(find(ps, "Comment")) > 0) {
			t.Fatalf("comment of %d characters: problem reported = %v; want one exactly above 500", n, n <= 500)
		}
		if len(find(ps, "ReviewURL")) == 0 && reviewURL != "" {
			u, err := url.Parse(reviewURL)
			if err != nil || u.Scheme != "https" || u.Host == "" || utf8.RuneCountInString(reviewURL) > 1000 {
				t.Fatalf("review URL %q accepted; want an absolute https URL of at most 1,000 characters", reviewURL)
			}
		}
	})
}
