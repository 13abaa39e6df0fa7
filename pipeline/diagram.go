package pipeline

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/stages"
)

// DiagramSuffix ends the name of the Mermaid diagram file Velocity writes
// for each line into the cloud assembly directory (cdk.out), as
// "<stack>-<line id>.mmd".
const DiagramSuffix = ".mmd"

// Diagram returns a Mermaid flowchart of the line as built: its stages in
// order, the actions of each stage grouped by run order (actions in one
// group run in parallel), and the gates: bake times, rollback, deployment
// windows and a change freeze. It is empty when the props were invalid.
func (l *AssemblyLine) Diagram() string { return l.diagram }

// describeLine renders the diagram from the built pipeline and the plan.
func (l *AssemblyLine) describeLine(steps []*lineStage, p Props, plan *stages.Plan) string {
	gates := map[string][]string{}
	if plan.PipelineChanged != "" {
		gates[updatePipelineStage] = []string{"skipped unless the pipeline changed"}
	}
	if plan.AssetsPublished != "" {
		gates[assetsStage] = []string{"skipped when the Build job published the assets"}
	}
	for _, ls := range steps {
		var g []string
		if w := ls.gate.Window; w != nil {
			tz := w.TimeZone
			if tz == "" {
				tz = "UTC"
			}
			g = append(g, fmt.Sprintf("enter only at %s (%s)", w.Cron, tz))
		}
		bake := ls.gate.BakeTimeOr(defaultBakeTime(ls.production))
		rollback := ls.gate.Rollback.Or(ls.production)
		hasAlarms := false
		for _, d := range ls.envs {
			hasAlarms = hasAlarms || d.alarm.name != ""
		}
		if entry := ls.gate.EntryWaitOr(); entry > 0 && hasAlarms {
			g = append(g, fmt.Sprintf("enter only when alarms OK (wait ≤ %d min, else fail)", int(entry.Minutes())))
		}
		if bake > 0 && hasAlarms {
			verdict := "else fail"
			if rollback {
				verdict = "else roll back"
			}
			g = append(g, fmt.Sprintf("bake %d min: alarms OK, %s", int(bake.Minutes()), verdict))
		}
		if rollback {
			g = append(g, "roll back on failure")
		}
		gates[ls.name] = g
	}
	if first := firstProduction(steps); first != nil && p.ChangeFreeze != "" {
		gates[first.name] = append([]string{"FROZEN: " + p.ChangeFreeze}, gates[first.name]...)
	}

	var b strings.Builder
	b.WriteString("flowchart LR\n")
	var prev string
	for i, s := range l.renderedStages() {
		name := s.Name
		byOrder := map[int][]string{}
		for _, a := range s.Actions {
			order := 1
			if a.RunOrder != nil {
				order = *a.RunOrder
			}
			byOrder[order] = append(byOrder[order], a.Name)
		}
		var orders []int
		for o := range byOrder {
			orders = append(orders, o)
		}
		sort.Ints(orders)
		lines := []string{"<b>" + name + "</b>"}
		for _, o := range orders {
			lines = append(lines, strings.Join(byOrder[o], " ‖ "))
		}
		for _, g := range gates[name] {
			lines = append(lines, "<i>"+g+"</i>")
		}
		id := fmt.Sprintf("s%d", i)
		fmt.Fprintf(&b, "  %s[\"%s\"]\n", id, mermaidEscape(strings.Join(lines, "<br/>")))
		if prev != "" {
			fmt.Fprintf(&b, "  %s --> %s\n", prev, id)
		}
		prev = id
	}
	return b.String()
}

// renderedStage is a stage of the pipeline as CloudFormation gets it.
type renderedStage struct {
	Name    string
	Actions []struct {
		Name     string
		RunOrder *int
	}
}

// renderedStages returns the pipeline's stages and actions as its template
// will have them. It resolves them in one round trip to the jsii kernel:
// walking Stages() and each action's ActionProperties() would take one per
// property, some 300 for the default example.
func (l *AssemblyLine) renderedStages() []renderedStage {
	cfn := l.Pipeline.Node().DefaultChild().(awscodepipeline.CfnPipeline)
	raw, err := json.Marshal(awscdk.Stack_Of(l).Resolve(cfn.Stages()))
	var out []renderedStage
	if err == nil {
		err = json.Unmarshal(raw, &out)
	}
	if err != nil {
		panic(fmt.Sprintf("velocity: reading the pipeline's stages: %v", err))
	}
	return out
}

func mermaidEscape(s string) string { return strings.ReplaceAll(s, `"`, "#quot;") }

// writeDiagram writes the diagram next to the cloud assembly, so every
// `cdk synth` leaves a current picture of the line in cdk.out.
func (l *AssemblyLine) writeDiagram() {
	outdir := awscdk.Stage_Of(l).Outdir()
	if outdir == nil || *outdir == "" {
		return
	}
	name := *awscdk.Stack_Of(l).StackName() + "-" + *l.Node().Id() + DiagramSuffix
	if err := os.MkdirAll(*outdir, 0o755); err == nil {
		err = os.WriteFile(filepath.Join(*outdir, name), []byte(l.diagram), 0o644)
		if err != nil {
			awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:diagram"), jsii.String("could not write the line's diagram: "+err.Error()), nil)
		}
	}
}
