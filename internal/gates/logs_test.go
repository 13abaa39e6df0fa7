package gates_test

import (
	"testing"
)

// TestEveryLogGroupIsInTheTemplate checks that every CodeBuild project and
// Lambda function of every example logs to a log group the template
// defines, with a retention: a group CloudWatch creates on first use is
// outside the template and kept forever.
func TestEveryLogGroupIsInTheTemplate(t *testing.T) {
	checked := 0
	for _, st := range allStacks(t) {
		res := st.resources()
		for id, r := range res {
			props, _ := r["Properties"].(map[string]interface{})
			var group interface{}
			switch r["Type"] {
			case "AWS::CodeBuild::Project":
				logs, _ := props["LogsConfig"].(map[string]interface{})
				cw, _ := logs["CloudWatchLogs"].(map[string]interface{})
				group = cw["GroupName"]
			case "AWS::Lambda::Function":
				logs, _ := props["LoggingConfig"].(map[string]interface{})
				group = logs["LogGroup"]
			default:
				continue
			}
			checked++
			ref, _ := group.(map[string]interface{})
			name, _ := ref["Ref"].(string)
			lg, ok := res[name]
			if !ok || lg["Type"] != "AWS::Logs::LogGroup" {
				t.Errorf("%s %s (%s) logs to %v, not to a log group of the template", st.where(), id, r["Type"], group)
				continue
			}
			if lgProps, _ := lg["Properties"].(map[string]interface{}); lgProps["RetentionInDays"] == nil {
				t.Errorf("%s log group %s of %s keeps its logs forever", st.where(), name, id)
			}
		}
	}
	t.Logf("%d CodeBuild projects and Lambda functions checked", checked)
	if checked == 0 {
		t.Fatal("no project or function found: the gate would pass on anything")
	}
}
