package analysis_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/velocity-cdk/velocity/monitoring/analysis"
)

// TestRecordedSeries judges series recorded from the examples' sample
// service on a real machine (testdata/record says how): the same service
// deployed again passes, and the same service starved of CPU, its p90
// latency about 3.7 times as high, fails. The redeploy is a lesson in
// itself: its 2.6 % difference is significant (p just under 0.01; two runs
// on one machine are never quite alike), and only the minimum effect of
// 10 % keeps it from failing a good deploy.
func TestRecordedSeries(t *testing.T) {
	raw, err := os.ReadFile("testdata/recorded.json")
	if err != nil {
		t.Fatal(err)
	}
	var series map[string][]float64
	if err := json.Unmarshal(raw, &series); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		after string
		want  analysis.Verdict
	}{{"same", analysis.Pass}, {"slower", analysis.Fail}} {
		j := analysis.Judge("p90 latency (ms)", analysis.Higher, series["before"], series[c.after], analysis.Config{})
		t.Log(j)
		if j.Verdict != c.want {
			t.Errorf("before against %s: %v, want %v", c.after, j.Verdict, c.want)
		}
	}
}
