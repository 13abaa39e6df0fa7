package localrun

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// Status is how a job ended.
type Status string

const (
	// Pass: the job ran here and passed.
	Pass Status = "pass"
	// Fail: the job failed; it fails on CodeBuild too.
	Fail Status = "FAIL"
	// Timeout: the job ran longer than its project's timeout.
	Timeout Status = "TIMEOUT"
	// Error: the runner could not run the job.
	Error Status = "ERROR"
	// NeedsAWS: the job ran as far as it could without AWS credentials,
	// or was checked statically; it is not known to pass.
	NeedsAWS Status = "needs AWS"
	// NeedsDocker: likewise for a job that needs a Docker engine.
	NeedsDocker Status = "needs Docker"
	// Offline: the job needs a service this machine cannot reach, such as
	// a vulnerability database.
	Offline Status = "offline"
	// Skipped: not run (not selected, or its input was not produced).
	Skipped Status = "skipped"
	// Manual: a manual approval.
	Manual Status = "manual"
)

func (s Status) failed() bool { return s == Fail || s == Timeout || s == Error }

// Result is the outcome of one action of the line.
type Result struct {
	Job      string
	Status   Status
	Duration time.Duration
	// Note says why, or what was checked; for a failure, the first error.
	Note string
	// Log is the job's full output; Dir its working directory.
	Log, Dir string
	LogTail  string
	exported map[string]string
}

// Failed reports whether any result is a failure.
func Failed(results []Result) bool {
	for _, r := range results {
		if r.Status.failed() {
			return true
		}
	}
	return false
}

// Summary writes the table of results.
func Summary(w io.Writer, results []Result) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "JOB\tTIME\tRESULT\tNOTE")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Job, round(r.Duration), r.Status, r.Note)
	}
	tw.Flush()
}

// The messages a job prints when it stops for want of what this machine
// does not have. They are read only from the output of the command that
// failed.
var (
	needsAWSMessages = []string{
		needsMarker + "AWS",
		"Could not load credentials from any providers",
		"Unable to locate credentials",
		"Need to perform AWS calls for account",
		"Unable to resolve AWS account to use",
		"no credentials have been configured",
	}
	needsDockerMessages = []string{needsMarker + "Docker"}
	offlineMessages     = []string{"vulnerability database unreachable"}
)

// classify tells a failure that needs AWS, Docker or a network service
// from a real one, by the output of the command that failed.
func classify(logFile, note string) (Status, string) {
	raw, err := os.ReadFile(logFile)
	if err != nil {
		return Fail, note
	}
	out := string(raw)
	if i := strings.LastIndex(out, "[Container] Running command "); i >= 0 {
		out = out[i:]
	}
	// The first line echoes the command itself, which may name the very
	// messages looked for.
	cmd, out, _ := strings.Cut(strings.TrimPrefix(out, "[Container] Running command "), "\n")
	var own []string // the command's own output, without the runner's lines
	for _, line := range strings.Split(out, "\n") {
		if !strings.HasPrefix(line, "[Container] ") {
			own = append(own, line)
		}
	}
	out = strings.Join(own, "\n")
	for _, c := range []struct {
		status   Status
		messages []string
	}{{NeedsAWS, needsAWSMessages}, {NeedsDocker, needsDockerMessages}, {Offline, offlineMessages}} {
		for _, m := range c.messages {
			if i := strings.Index(out, m); i >= 0 {
				line, _, _ := strings.Cut(out[i:], "\n")
				return c.status, "ran up to `" + shorten(cmd, 70) + "`: " + shorten(line, 120)
			}
		}
	}
	if first := firstError(out); first != "" {
		note += ": " + first
	}
	return Fail, note
}

// firstError returns the first line of the failed command's output that
// looks like an error.
func firstError(out string) string {
	for _, line := range strings.Split(out, "\n") {
		l := strings.ToLower(line)
		if strings.Contains(l, "error") || strings.Contains(l, "fail") || strings.Contains(l, "invalid") || strings.Contains(l, "not found") || strings.Contains(l, "cannot") {
			return shorten(strings.TrimSpace(line), 160)
		}
	}
	return ""
}

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n-3] + "..."
	}
	return s
}

func round(d time.Duration) time.Duration {
	if d > time.Minute {
		return d.Round(time.Second)
	}
	return d.Round(100 * time.Millisecond)
}

func note(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}
