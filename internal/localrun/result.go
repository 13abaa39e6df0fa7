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
	// completed: every command exited 0, even when the job is reported as
	// needing AWS because one that needed it failed quietly (its output,
	// such as the cloud assembly, is there for later jobs).
	completed bool
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

// segment is one command of a job's log and what it printed.
type segment struct{ cmd, out string }

// segments splits a job's log by command, leaving out the runner's own
// lines: they echo the commands, which may name the very messages looked
// for.
func segments(logFile string) []segment {
	raw, err := os.ReadFile(logFile)
	if err != nil {
		return nil
	}
	var out []segment
	for _, line := range strings.Split(string(raw), "\n") {
		if cmd, ok := strings.CutPrefix(line, "[Container] Running command "); ok {
			out = append(out, segment{cmd: cmd})
		} else if len(out) > 0 && !strings.HasPrefix(line, "[Container] ") {
			out[len(out)-1].out += line + "\n"
		}
	}
	return out
}

var stopped = []struct {
	status   Status
	messages []string
}{{NeedsAWS, needsAWSMessages}, {NeedsDocker, needsDockerMessages}, {Offline, offlineMessages}}

// why returns the status and note of a command that printed one of the
// messages of a job that stops for want of AWS, Docker or a network.
func (s segment) why(statuses ...Status) (Status, string, bool) {
	for _, c := range stopped {
		for _, want := range statuses {
			if c.status != want {
				continue
			}
			for _, m := range c.messages {
				if i := strings.Index(s.out, m); i >= 0 {
					line, _, _ := strings.Cut(s.out[i:], "\n")
					return c.status, "ran up to `" + shorten(s.cmd, 70) + "`: " + shorten(line, 120), true
				}
			}
		}
	}
	return "", "", false
}

// classify tells a failure that needs AWS, Docker or a network service
// from a real one, by the output of the command that failed.
func classify(logFile, note string) (Status, string) {
	segs := segments(logFile)
	if len(segs) == 0 {
		return Fail, note
	}
	last := segs[len(segs)-1]
	if status, why, ok := last.why(NeedsAWS, NeedsDocker, Offline); ok {
		return status, why
	}
	if first := firstError(last.out); first != "" {
		note += ": " + first
	}
	return Fail, note
}

// classifyPass tells a job that passed only because a command that needed
// AWS or Docker failed quietly (inside an if, or with || true).
func classifyPass(logFile string) (Status, string) {
	for _, s := range segments(logFile) {
		if status, why, ok := s.why(NeedsAWS, NeedsDocker); ok {
			return status, "passed here, but not all of it ran: " + why
		}
	}
	return Pass, ""
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
