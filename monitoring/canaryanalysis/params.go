package canaryanalysis

import (
	"encoding/json"
	"fmt"
	"time"
)

// Params are the action's UserParameters, as JSON.
type Params struct {
	// Pipeline, Stage and Action name the pipeline, the deploy stage and
	// this action, to find when the stage started deploying. Pipeline may
	// be left out: the function's PIPELINE_NAME is the default.
	Pipeline string `json:"pipeline,omitempty"`
	Stage    string `json:"stage"`
	Action   string `json:"action"`
	// Alarm is the environment's gate alarm (a composite alarm): its
	// alarms' metrics are the ones judged.
	Alarm string `json:"alarm"`
	// Region and RoleArn, when set, are where the alarm is and the role to
	// assume to read it (an environment in another account).
	Region  string `json:"region,omitempty"`
	RoleArn string `json:"roleArn,omitempty"`
	// WindowMinutes is the length of each window, in whole minutes.
	WindowMinutes int `json:"windowMinutes"`
}

// MinWindowMinutes is the shortest window: analysis.Judge needs 8
// datapoints a side.
const MinWindowMinutes = 8

// MaxWindowMinutes keeps the action, which also waits for the stage's
// deploy to be found, within CodePipeline's one hour for a Lambda action.
const MaxWindowMinutes = 50

// Validate reports the first invalid parameter.
func (p Params) Validate() error {
	switch {
	case p.Pipeline == "" || p.Stage == "" || p.Action == "":
		return fmt.Errorf("canaryanalysis: pipeline, stage and action are required, got %q, %q, %q", p.Pipeline, p.Stage, p.Action)
	case p.Alarm == "":
		return fmt.Errorf("canaryanalysis: alarm is required")
	case p.WindowMinutes < MinWindowMinutes || p.WindowMinutes > MaxWindowMinutes:
		return fmt.Errorf("canaryanalysis: windowMinutes %d: want %d to %d", p.WindowMinutes, MinWindowMinutes, MaxWindowMinutes)
	}
	return nil
}

func (p Params) window() time.Duration { return time.Duration(p.WindowMinutes) * time.Minute }

// EnvPipelineNameParameter names the environment variable that holds the
// name of the SSM parameter that holds the name of the pipeline, for Params
// that leave it out. (The pipeline refers to the function, so the function
// cannot refer to the pipeline in its own template.)
const EnvPipelineNameParameter = "PIPELINE_NAME_PARAMETER"

// ParseParams decodes and validates UserParameters; pipeline is the
// default of Params.Pipeline.
func ParseParams(userParameters, pipeline string) (Params, error) {
	p := Params{Pipeline: pipeline}
	if err := json.Unmarshal([]byte(userParameters), &p); err != nil {
		return p, fmt.Errorf("canaryanalysis: UserParameters are not JSON: %w", err)
	}
	return p, p.Validate()
}

// state is what one invocation hands the next, as the continuation token.
type state struct {
	// DeployStart is when the stage began deploying: the before window
	// ends there.
	DeployStart time.Time `json:"deployStart"`
	// AnalysisStart is when the deploy was done: the after window starts
	// there.
	AnalysisStart time.Time `json:"analysisStart"`
}
