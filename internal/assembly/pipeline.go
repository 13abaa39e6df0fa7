package assembly

import (
	"encoding/json"
	"sort"
	"strings"
)

// Pipeline is a CodePipeline of the assembly.
type Pipeline struct {
	Stack     *Stack
	LogicalID string
	Stages    []Stage
}

// Stage is a pipeline stage; its actions are in run order.
type Stage struct {
	Name    string
	Actions []Action
}

// Action is one pipeline action.
type Action struct {
	Stage, Name string
	// Category and Provider are the action type: "Build"/"CodeBuild",
	// "Deploy"/"CloudFormation", "Approval"/"Manual", "Source"/"S3", ...
	Category, Provider string
	RunOrder           int
	// Config is the action configuration, resolved to text.
	Config map[string]string
	// Inputs and Outputs are artifact names.
	Inputs, Outputs []string
	// Namespace is the action's variables namespace.
	Namespace string
	// Project is the CodeBuild project of a CodeBuild action.
	Project *Project
	// Env are the action's environment variables (CodeBuild actions).
	Env []EnvVar
}

// ID names the action in the runner's output: "Stage/Action".
func (a Action) ID() string { return a.Stage + "/" + a.Name }

// Project is a CodeBuild project.
type Project struct {
	LogicalID, Description string
	Image                  string
	// TimeoutMinutes is the build timeout (CodeBuild's default 60).
	TimeoutMinutes int
	Env            []EnvVar
	// BuildSpec is the buildspec text, or the name of a buildspec file in
	// the primary input when BuildSpecFile is true.
	BuildSpec     string
	BuildSpecFile bool
}

// EnvVar is a CodeBuild environment variable.
type EnvVar struct {
	Name, Type, Value string
}

func newPipeline(s *Stack, lid string) *Pipeline {
	p := &Pipeline{Stack: s, LogicalID: lid}
	props := s.Resources[lid].Properties
	stages, _ := props["Stages"].([]interface{})
	for _, st := range stages {
		sm, _ := st.(map[string]interface{})
		stage := Stage{Name: Resolve(sm["Name"])}
		actions, _ := sm["Actions"].([]interface{})
		for _, ac := range actions {
			stage.Actions = append(stage.Actions, newAction(s, stage.Name, ac))
		}
		sort.SliceStable(stage.Actions, func(i, j int) bool { return stage.Actions[i].RunOrder < stage.Actions[j].RunOrder })
		p.Stages = append(p.Stages, stage)
	}
	return p
}

func newAction(s *Stack, stage string, raw interface{}) Action {
	m, _ := raw.(map[string]interface{})
	typ, _ := m["ActionTypeId"].(map[string]interface{})
	a := Action{Stage: stage, Name: Resolve(m["Name"]), Category: Resolve(typ["Category"]), Provider: Resolve(typ["Provider"]),
		RunOrder: 1, Config: map[string]string{}, Namespace: Resolve(m["Namespace"])}
	if ro, ok := m["RunOrder"].(float64); ok {
		a.RunOrder = int(ro)
	}
	cfg, _ := m["Configuration"].(map[string]interface{})
	for k, v := range cfg {
		a.Config[k] = Resolve(v)
	}
	a.Inputs = artifactNames(m["InputArtifacts"])
	a.Outputs = artifactNames(m["OutputArtifacts"])
	if a.Provider == "CodeBuild" {
		if ref, ok := cfg["ProjectName"].(map[string]interface{}); ok {
			if lid, ok := ref["Ref"].(string); ok {
				a.Project = newProject(s, lid)
			}
		}
		if raw := a.Config["EnvironmentVariables"]; raw != "" {
			var vars []struct{ Name, Type, Value string }
			if json.Unmarshal([]byte(raw), &vars) == nil {
				for _, v := range vars {
					a.Env = append(a.Env, EnvVar{v.Name, v.Type, v.Value})
				}
			}
		}
	}
	return a
}

func artifactNames(v interface{}) []string {
	l, _ := v.([]interface{})
	var out []string
	for _, x := range l {
		m, _ := x.(map[string]interface{})
		out = append(out, Resolve(m["Name"]))
	}
	return out
}

func newProject(s *Stack, lid string) *Project {
	r, ok := s.Resources[lid]
	if !ok || r.Type != "AWS::CodeBuild::Project" {
		return nil
	}
	p := &Project{LogicalID: lid, Description: Resolve(r.Properties["Description"]), TimeoutMinutes: 60}
	if t, ok := r.Properties["TimeoutInMinutes"].(float64); ok {
		p.TimeoutMinutes = int(t)
	}
	env, _ := r.Properties["Environment"].(map[string]interface{})
	p.Image = Resolve(env["Image"])
	vars, _ := env["EnvironmentVariables"].([]interface{})
	for _, v := range vars {
		vm, _ := v.(map[string]interface{})
		typ := Resolve(vm["Type"])
		if typ == "" {
			typ = "PLAINTEXT"
		}
		p.Env = append(p.Env, EnvVar{Resolve(vm["Name"]), typ, Resolve(vm["Value"])})
	}
	src, _ := r.Properties["Source"].(map[string]interface{})
	p.BuildSpec = Resolve(src["BuildSpec"])
	p.BuildSpecFile = p.BuildSpec != "" && !strings.ContainsAny(p.BuildSpec, "\n{:")
	return p
}
