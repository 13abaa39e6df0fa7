package dora

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Pattern is an EventBridge event pattern restricted to what the line's rules
// need: lists of exact values for the source, the detail type and fields of
// the detail. It marshals to the JSON EventBridge expects, and [Pattern.Matches]
// evaluates it the way EventBridge does for exact values, so tests can check a
// rule against sample events without AWS.
type Pattern struct {
	// Source lists the accepted sources.
	Source []string `json:"source,omitempty"`
	// DetailType lists the accepted detail types.
	DetailType []string `json:"detail-type,omitempty"`
	// Detail lists, per field of the detail, the accepted values.
	Detail map[string][]string `json:"detail,omitempty"`
}

// RulePattern returns the pattern of the rule that feeds the DORA function:
// CodePipeline pipeline and stage execution events, of the named pipelines
// or, when none is named, of every pipeline of the account and region. Action
// events are left out: the computation does not use them and they are the
// most numerous.
func RulePattern(pipelines ...string) Pattern {
	p := Pattern{
		Source:     []string{Source},
		DetailType: []string{DetailTypePipeline, DetailTypeStage},
	}
	if len(pipelines) > 0 {
		p.Detail = map[string][]string{"pipeline": append([]string(nil), pipelines...)}
	}
	return p
}

// LineRedPattern returns the pattern of pipeline executions that end: the
// events that turn the line red (FAILED) or green again (SUCCEEDED).
func LineRedPattern(pipelines ...string) Pattern {
	p := Pattern{
		Source:     []string{Source},
		DetailType: []string{DetailTypePipeline},
		Detail:     map[string][]string{"state": {StateFailed, StateSucceeded}},
	}
	if len(pipelines) > 0 {
		p.Detail["pipeline"] = append([]string(nil), pipelines...)
	}
	return p
}

// Matches reports whether the event (its JSON, as EventBridge delivers it)
// matches the pattern: every field named by the pattern is present in the
// event and equal to one of the listed values (for an array field, one of its
// elements is). An empty list in the pattern matches nothing, as in
// EventBridge.
func (p Pattern) Matches(event []byte) (bool, error) {
	var e map[string]any
	if err := json.Unmarshal(event, &e); err != nil {
		return false, fmt.Errorf("dora: decoding event: %w", err)
	}
	if p.Source != nil && !matchValue(e["source"], p.Source) {
		return false, nil
	}
	if p.DetailType != nil && !matchValue(e["detail-type"], p.DetailType) {
		return false, nil
	}
	if len(p.Detail) > 0 {
		d, ok := e["detail"].(map[string]any)
		if !ok {
			return false, nil
		}
		keys := make([]string, 0, len(p.Detail))
		for k := range p.Detail {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !matchValue(d[k], p.Detail[k]) {
				return false, nil
			}
		}
	}
	return true, nil
}

func matchValue(v any, accepted []string) bool {
	switch v := v.(type) {
	case string:
		for _, a := range accepted {
			if a == v {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if matchValue(x, accepted) {
				return true
			}
		}
	}
	return false
}
