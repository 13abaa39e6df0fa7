package stages

import (
	"regexp"
	"strings"

	"github.com/velocity-cdk/velocity/internal/problem"
)

// The patterns below are the rules AWS and git apply, checked at synth so a
// typo fails in seconds on a laptop instead of minutes into a deploy.
var (
	namePattern       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,49}$`)
	actionNamePattern = regexp.MustCompile(`^[A-Za-z0-9.@_-]{1,100}$`)
	accountPattern    = regexp.MustCompile(`^[0-9]{12}$`)
	envVarPattern     = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// Plaintext environment variables with these words in their name are
	// almost always credentials; they belong in Secrets.
	secretishPattern = regexp.MustCompile(`(?i)(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|ACCESS_KEY|CREDENTIAL)`)
)

// validName reports whether s can name a stage of the line: it becomes a
// CodePipeline stage name and the prefix of CloudFormation stack names.
func validName(s string) bool { return namePattern.MatchString(s) }

// validActionName reports whether s can name a CodePipeline action.
func validActionName(s string) bool { return actionNamePattern.MatchString(s) }

// validBranch applies the rules of `git check-ref-format --branch`.
func validBranch(b string) bool {
	if b == "" || strings.HasPrefix(b, "-") || strings.HasPrefix(b, "/") || strings.HasSuffix(b, "/") ||
		strings.HasSuffix(b, ".") || strings.HasSuffix(b, ".lock") || b == "@" {
		return false
	}
	if strings.Contains(b, "..") || strings.Contains(b, "@{") || strings.Contains(b, "//") || strings.Contains(b, "/.") {
		return false
	}
	for _, r := range b {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) {
			return false
		}
	}
	return !strings.HasPrefix(b, ".")
}

// validEnvVar reports whether s can name a CodeBuild environment variable.
// CodeBuild reserves the CODEBUILD_ prefix.
func validEnvVar(s string) bool {
	return envVarPattern.MatchString(s) && !strings.HasPrefix(strings.ToUpper(s), "CODEBUILD_")
}

// ValidEmail reports whether s looks like an email address SNS can
// subscribe: at most 254 bytes, no space, one @, and a domain with a dot.
// It is the rule of every Velocity package (monitoring's AlertsProps too).
func ValidEmail(s string) bool { return problem.ValidEmail(s) }
