package pipeline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/cdktest"
	"github.com/velocity-cdk/velocity/pipeline"
	"github.com/velocity-cdk/velocity/stages"
)

func TestDiagramWrittenAtSynth(t *testing.T) {
	out := t.TempDir()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(out)})
	stack := awscdk.NewStack(app, jsii.String("Pipe"), nil)
	var line *pipeline.AssemblyLine
	cdktest.Check(t, func() {
		line = pipeline.New(stack, "Line", &pipeline.Props{App: alarmedApp, Acceptance: stages.GoAcceptanceTests("./..."),
			Approval: &stages.Approval{}, ChangeFreeze: "Holidays",
			Production: &stages.Deploy{Environment: stages.Environment{Name: "Production"}, Gate: stages.Gate{
				Window: &stages.Window{Cron: "* * 9-16 ? * MON-THU", TimeZone: "Europe/Berlin"}}},
			Staging: &stages.Deploy{Environment: stages.Environment{Name: "Staging"}, Gate: stages.Gate{BakeTime: stages.NoBakeTime}},
		})
		app.Synth(nil)
	})
	raw, err := os.ReadFile(filepath.Join(out, "Pipe-Line"+pipeline.DiagramSuffix))
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != line.Diagram() {
		t.Error("the file differs from Diagram()")
	}
	d := string(raw)
	for _, want := range []string{
		"flowchart LR\n",
		`s0["<b>Source</b><br/>S3"]`,
		"AcceptanceTests ‖ PermissionsCheck.Check",
		`<b>Approval</b><br/>Approve`,
		"<i>FROZEN: Holidays</i>",
		"<i>enter only at * * 9-16 ? * MON-THU (Europe/Berlin)</i>",
		"<i>bake 15 min: alarms OK, else roll back</i>",
		"<i>roll back on failure</i>",
		"s5 --> s6",
	} {
		if !strings.Contains(d, want) {
			t.Errorf("diagram lacks %q:\n%s", want, d)
		}
	}
	if strings.Contains(d, "bake 5 min") {
		t.Errorf("staging bake time 0 still drawn:\n%s", d)
	}
}
