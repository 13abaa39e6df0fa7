// Package nag records cdk-nag rule suppressions on CDK resources, the way
// Velocity records its own: a team that runs cdk-nag over its app then sees
// only the findings nobody has reviewed. It writes the metadata cdk-nag
// reads ("cdk_nag" → "rules_to_suppress") directly, so an app needs no
// cdk-nag code at synth, and the jsii runtime does not load cdk-nag in every
// app. Each suppression names one rule on one resource (or the resources
// under one construct), narrowed with AppliesTo where the rule reports
// several findings, and says why in Reason.
package nag

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Rule is one suppressed cdk-nag rule.
type Rule struct {
	// ID is the rule id, e.g. "AwsSolutions-IAM5".
	ID string
	// Reason says why the finding is acceptable; a reviewer must be able to
	// agree with it.
	Reason string
	// AppliesTo narrows the suppression to these findings of the rule, e.g.
	// "Resource::*" or "Action::s3:GetObject*". Empty: every finding of the
	// rule on the resource.
	AppliesTo []string
}

// metadataKey is the metadata entry cdk-nag reads suppressions from.
const metadataKey = "cdk_nag"

// Suppress records rules on the CloudFormation resource behind c (its
// default child), or on every CloudFormation resource under c when
// children is true. A rule cdk-nag would refuse (a reason shorter than 10
// characters, a Regex that does not compile) is not recorded: it is a
// synth error on c instead, and so is a c with no CloudFormation resource
// to record them on (without children, c must be a resource or have one
// as its default child). A nil c is left alone.
func Suppress(c constructs.IConstruct, children bool, rules ...Rule) {
	if c == nil {
		return
	}
	if rules = usable(c, rules); len(rules) == 0 {
		return
	}
	found := resources(c, children)
	if len(found) == 0 {
		where := "no CloudFormation resource as its default child: pass children true to suppress on the resources under it"
		if children {
			where = "no CloudFormation resource under it"
		}
		for _, r := range rules {
			awscdk.Annotations_Of(c).AddError(jsii.String(fmt.Sprintf("nag.Suppress: rule %q on %s suppresses nothing: it has %s", r.ID, *c.Node().Path(), where)))
		}
		return
	}
	for _, res := range found {
		existing := []interface{}{}
		if md, ok := res.GetMetadata(jsii.String(metadataKey)).(map[string]interface{}); ok {
			if list, ok := md["rules_to_suppress"].([]interface{}); ok {
				existing = list
			}
		}
		for _, r := range rules {
			entry := map[string]interface{}{"id": r.ID, "reason": r.Reason}
			if len(r.AppliesTo) > 0 {
				applies := make([]interface{}, len(r.AppliesTo))
				for i, a := range r.AppliesTo {
					if strings.HasPrefix(a, regexPrefix) {
						applies[i] = map[string]interface{}{"regex": "/" + strings.TrimPrefix(a, regexPrefix) + "/g"}
					} else {
						applies[i] = a
					}
				}
				entry["applies_to"] = applies
			}
			existing = append(existing, entry)
		}
		res.AddMetadata(jsii.String(metadataKey), map[string]interface{}{"rules_to_suppress": existing})
	}
}

func resources(c constructs.IConstruct, children bool) []awscdk.CfnResource {
	if children {
		var out []awscdk.CfnResource
		for _, n := range *c.Node().FindAll(constructs.ConstructOrder_PREORDER) {
			if r, ok := n.(awscdk.CfnResource); ok {
				out = append(out, r)
			}
		}
		return out
	}
	if r, ok := c.(awscdk.CfnResource); ok {
		return []awscdk.CfnResource{r}
	}
	if r, ok := c.Node().DefaultChild().(awscdk.CfnResource); ok {
		return []awscdk.CfnResource{r}
	}
	return nil
}

// usable returns the rules cdk-nag accepts, and reports the others on c.
func usable(c constructs.IConstruct, rules []Rule) []Rule {
	var out []Rule
	for _, r := range rules {
		problem := ""
		if strings.TrimSpace(r.ID) == "" {
			problem = `a rule id, e.g. "AwsSolutions-IAM5"`
		} else if len(strings.TrimSpace(r.Reason)) < 10 {
			problem = "a reason of 10 characters or more (cdk-nag refuses shorter ones)"
		}
		for _, a := range r.AppliesTo {
			if p, ok := strings.CutPrefix(a, regexPrefix); ok {
				if _, err := regexp.Compile(p); err != nil {
					problem = "AppliesTo patterns that compile: " + err.Error()
				}
			}
		}
		if problem != "" {
			awscdk.Annotations_Of(c).AddError(jsii.String(fmt.Sprintf("nag.Suppress: rule %q on %s needs %s", r.ID, *c.Node().Path(), problem)))
			continue
		}
		out = append(out, r)
	}
	return out
}
