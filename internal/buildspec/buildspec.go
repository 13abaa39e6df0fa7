// Package buildspec reads CodeBuild buildspecs (version 0.2, JSON or YAML)
// into the parts that decide how a job runs: its shell, variables, phases,
// runtime versions, reports, artifacts and cache. The local runner executes
// them; the preflight checks them.
package buildspec

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// PhaseNames are a buildspec's phases, in the order CodeBuild runs them.
var PhaseNames = []string{"install", "pre_build", "build", "post_build"}

// Spec is a parsed buildspec.
type Spec struct {
	Version string
	// Shell is env.shell: "bash", or "" for the image's sh.
	Shell string
	// Variables are env.variables.
	Variables map[string]string
	// ParameterStore and SecretsManager are env.parameter-store and
	// env.secrets-manager: variable name → reference.
	ParameterStore, SecretsManager map[string]string
	// ExportedVariables are env.exported-variables.
	ExportedVariables []string
	// Phases by name; a phase the buildspec does not have is absent.
	Phases map[string]Phase
	// Reports by report group (name or ARN).
	Reports map[string]Report
	// Artifacts is the primary artifact; nil when there is none.
	Artifacts *Artifacts
	// CachePaths are cache.paths.
	CachePaths []string
}

// Phase is one phase of a buildspec.
type Phase struct {
	// RuntimeVersions are the install phase's runtime-versions.
	RuntimeVersions map[string]string
	Commands        []string
	Finally         []string
	// OnFailure is "ABORT" (the default) or "CONTINUE".
	OnFailure string
}

// Report is one report group's files.
type Report struct {
	Files         []string
	BaseDirectory string
	FileFormat    string
}

// Artifacts is the primary artifact's files.
type Artifacts struct {
	Files         []string
	BaseDirectory string
	DiscardPaths  bool
}

// Commands returns every command of the buildspec, phase by phase.
func (s *Spec) Commands() []string {
	var out []string
	for _, name := range PhaseNames {
		p := s.Phases[name]
		out = append(append(out, p.Commands...), p.Finally...)
	}
	return out
}

// RuntimeVersions returns the install phase's runtime-versions.
func (s *Spec) RuntimeVersions() map[string]string { return s.Phases["install"].RuntimeVersions }

// Parse reads a buildspec. Scalars keep the text they are written with, so
// `golang: 1.20` stays "1.20".
func Parse(text string) (*Spec, error) {
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(text), &root); err != nil {
		return nil, fmt.Errorf("buildspec: %w", err)
	}
	if len(root.Content) == 0 {
		return nil, fmt.Errorf("buildspec: empty")
	}
	doc, ok := plain(root.Content[0]).(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("buildspec: not a mapping")
	}
	s := &Spec{Version: str(doc["version"]), Phases: map[string]Phase{}, Reports: map[string]Report{}}
	if s.Version != "0.2" {
		return nil, fmt.Errorf("buildspec: version %q: only 0.2 is supported (one shell for every command)", s.Version)
	}
	env := mapping(doc["env"])
	s.Shell = str(env["shell"])
	s.Variables = strMap(env["variables"])
	s.ParameterStore = strMap(env["parameter-store"])
	s.SecretsManager = strMap(env["secrets-manager"])
	s.ExportedVariables = strList(env["exported-variables"])
	for name, v := range mapping(doc["phases"]) {
		known := false
		for _, n := range PhaseNames {
			known = known || n == name
		}
		if !known {
			return nil, fmt.Errorf("buildspec: unknown phase %q (want %s)", name, strings.Join(PhaseNames, ", "))
		}
		p := mapping(v)
		phase := Phase{
			RuntimeVersions: strMap(p["runtime-versions"]),
			Commands:        strList(p["commands"]),
			Finally:         strList(p["finally"]),
			OnFailure:       strings.ToUpper(str(p["on-failure"])),
		}
		if phase.OnFailure == "" {
			phase.OnFailure = "ABORT"
		}
		s.Phases[name] = phase
	}
	for group, v := range mapping(doc["reports"]) {
		r := mapping(v)
		s.Reports[group] = Report{Files: strList(r["files"]), BaseDirectory: str(r["base-directory"]), FileFormat: str(r["file-format"])}
	}
	if a, ok := doc["artifacts"]; ok {
		m := mapping(a)
		s.Artifacts = &Artifacts{Files: strList(m["files"]), BaseDirectory: str(m["base-directory"]), DiscardPaths: str(m["discard-paths"]) == "yes"}
	}
	s.CachePaths = strList(mapping(doc["cache"])["paths"])
	return s, nil
}

// plain turns a YAML node into maps, lists and strings.
func plain(n *yaml.Node) interface{} {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			return plain(n.Content[0])
		}
	case yaml.MappingNode:
		m := map[string]interface{}{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			m[n.Content[i].Value] = plain(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		l := make([]interface{}, len(n.Content))
		for i, c := range n.Content {
			l[i] = plain(c)
		}
		return l
	case yaml.ScalarNode:
		return n.Value
	case yaml.AliasNode:
		return plain(n.Alias)
	}
	return nil
}

func mapping(v interface{}) map[string]interface{} {
	m, _ := v.(map[string]interface{})
	return m
}

func str(v interface{}) string {
	s, _ := v.(string)
	return s
}

func strList(v interface{}) []string {
	switch l := v.(type) {
	case string:
		return []string{l}
	case []interface{}:
		out := make([]string, 0, len(l))
		for _, x := range l {
			out = append(out, str(x))
		}
		return out
	}
	return nil
}

func strMap(v interface{}) map[string]string {
	m := mapping(v)
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = str(x)
	}
	return out
}
