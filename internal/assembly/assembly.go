// Package assembly reads a synthesized cloud assembly (cdk.out) and finds
// the line in it: the CodePipeline's stages and actions, in the order they
// run, and the CodeBuild project behind each CodeBuild action.
package assembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// Assembly is a cloud assembly directory.
type Assembly struct {
	Dir string
	// Version is the manifest's schema version, e.g. "55.0.0".
	Version string
	// Stacks are the stacks of the assembly and of its nested assemblies
	// (the stages), by artifact id.
	Stacks map[string]*Stack
}

// Stack is one stack of the assembly.
type Stack struct {
	ID, StackName string
	// TemplateFile is relative to the assembly directory.
	TemplateFile string
	// Nested is the nested assembly's directory name, "" at the top.
	Nested    string
	Resources map[string]Resource
}

// Resource is a CloudFormation resource.
type Resource struct {
	Type       string                 `json:"Type"`
	Properties map[string]interface{} `json:"Properties"`
}

type manifest struct {
	Version   string `json:"version"`
	Artifacts map[string]struct {
		Type       string `json:"type"`
		Properties struct {
			TemplateFile string `json:"templateFile"`
			StackName    string `json:"stackName"`
			Directory    string `json:"directoryName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

// Open reads the assembly in dir.
func Open(dir string) (*Assembly, error) {
	a := &Assembly{Dir: dir, Stacks: map[string]*Stack{}}
	if err := a.read("", dir); err != nil {
		return nil, err
	}
	return a, nil
}

func (a *Assembly) read(nested, dir string) error {
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no cloud assembly at %s (no manifest.json): synthesize first, or give the directory `cdk synth` wrote", dir)
	}
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, "manifest.json"), err)
	}
	if nested == "" {
		a.Version = m.Version
	}
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		art := m.Artifacts[id]
		switch art.Type {
		case "aws:cloudformation:stack":
			tf := art.Properties.TemplateFile
			if nested != "" {
				tf = filepath.ToSlash(filepath.Join(nested, tf))
			}
			s := &Stack{ID: id, StackName: art.Properties.StackName, TemplateFile: tf, Nested: nested}
			if s.StackName == "" {
				s.StackName = id
			}
			var tpl struct {
				Resources map[string]Resource `json:"Resources"`
			}
			raw, err := os.ReadFile(filepath.Join(a.Dir, tf))
			if err != nil {
				return fmt.Errorf("stack %s: %w", id, err)
			}
			if err := json.Unmarshal(raw, &tpl); err != nil {
				return fmt.Errorf("stack %s: %s: %w", id, tf, err)
			}
			s.Resources = tpl.Resources
			a.Stacks[id] = s
		case "cdk:cloud-assembly":
			if nested == "" && art.Properties.Directory != "" {
				if err := a.read(art.Properties.Directory, filepath.Join(dir, art.Properties.Directory)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// HasStack reports whether the assembly has a stack with this id, name or
// construct path ("VelocityServerless", "Staging/Service").
func (a *Assembly) HasStack(name string) bool {
	for _, s := range a.Stacks {
		if s.ID == name || s.StackName == name {
			return true
		}
	}
	return false
}

// Pipelines returns the CodePipelines of the top-level stacks.
func (a *Assembly) Pipelines() []*Pipeline {
	var out []*Pipeline
	for _, id := range slices.Sorted(maps.Keys(a.Stacks)) {
		s := a.Stacks[id]
		if s.Nested != "" {
			continue
		}
		for _, lid := range slices.Sorted(maps.Keys(s.Resources)) {
			if s.Resources[lid].Type == "AWS::CodePipeline::Pipeline" {
				out = append(out, newPipeline(s, lid))
			}
		}
	}
	return out
}

// subVariable is a variable of an Fn::Sub string (not the ${!literal}
// escape).
var subVariable = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// Resolve renders a CloudFormation value as text: strings as they are,
// Fn::Join joined, Fn::Sub with its variables, and references the template
// cannot know before deploy as <LogicalId> or <LogicalId.Attribute>.
func Resolve(v interface{}) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return fmt.Sprint(x)
	case bool:
		return fmt.Sprint(x)
	case map[string]interface{}:
		if ref, ok := x["Ref"].(string); ok {
			return "<" + ref + ">"
		}
		if ga, ok := x["Fn::GetAtt"].([]interface{}); ok && len(ga) == 2 {
			return "<" + Resolve(ga[0]) + "." + Resolve(ga[1]) + ">"
		}
		if j, ok := x["Fn::Join"].([]interface{}); ok && len(j) == 2 {
			parts, _ := j[1].([]interface{})
			out := make([]string, len(parts))
			for i, p := range parts {
				out[i] = Resolve(p)
			}
			return strings.Join(out, Resolve(j[0]))
		}
		if sub, ok := x["Fn::Sub"].(string); ok {
			// ${AWS::Region} and ${Resource.Attr} read like a Ref or
			// GetAtt: <AWS::Region>, <Resource.Attr>.
			return subVariable.ReplaceAllString(sub, "<$1>")
		}
		for k := range x {
			return "<" + k + ">"
		}
	}
	return ""
}
