package pipeline

import (
	"fmt"

	"github.com/velocity-cdk/velocity/stages"
)

// productionWave is one wave of the production rollout, with the props that
// set it, so that every check names what the user wrote.
type productionWave struct {
	*stages.Wave
	// prop is "Production" or "Waves[i]"; envProps names each environment:
	// "Production" or "Waves[i].Environments[j]".
	prop     string
	envProps []string
}

// rollout returns production in its one shape: a list of waves. A single
// Production is a wave of its one environment, named after it (which is
// also how CDK Pipelines names the pipeline stage of a wave of one). The
// checks, the plan, the diagram and the monitoring all read this list.
func (p Props) rollout() []productionWave {
	if p.Production != nil {
		return []productionWave{{Wave: p.Production.Wave(), prop: "Production", envProps: []string{"Production"}}}
	}
	var out []productionWave
	for i, w := range p.Waves {
		if w == nil {
			continue
		}
		pw := productionWave{Wave: w, prop: fmt.Sprintf("Waves[%d]", i)}
		for j := range w.Environments {
			pw.envProps = append(pw.envProps, fmt.Sprintf("%s.Environments[%d]", pw.prop, j))
		}
		out = append(out, pw)
	}
	return out
}
