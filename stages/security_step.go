package stages

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/nag"
	"github.com/velocity-cdk/velocity/security"
)

// Metadata types the line records about its security checks, in the
// construct metadata of the line (and so in the cloud assembly's manifest).
const (
	// SecurityCheckDisabledMetadata is recorded once per check that does
	// not run, with {"check": name, "reason": why}.
	SecurityCheckDisabledMetadata = "velocity:security-check-disabled"
	// SecurityCheckMetadata is recorded once per check that runs, with
	// {"check": name, "tool": "gosec v2.30.0", "threshold": "HIGH"}.
	SecurityCheckMetadata = "velocity:security-check"
)

// SecurityScope is the id of the construct, in the line, that holds the
// checks' CodeBuild projects (each with its check's name as id).
const SecurityScope = "Security"

// AddTo implements LineStep: once the pipeline is built, the checks join
// its Build stage in parallel with the build action (same input, the
// source artifact; same run order), and the line's metadata records which
// checks run with which tool and which do not, and why. A check the preset
// has no tool for, and that the team did not turn off itself, is a synth
// warning.
func (s *SecurityChecks) AddTo(plan *Plan) {
	plan.BeforeStaging(func(staging awscdk.Stage) (pipelines.Step, error) {
		step, err := s.imageScanStep(plan.Scope, plan.Build, plan.Source, staging)
		if step == nil {
			return nil, err
		}
		plan.OnPipeline(func(Built) { suppressImageScanFinding(step) })
		return step, err
	})
	plan.OnPipeline(func(b Built) {
		build := PipelineStage(b.Pipeline, "Build")
		runOrder := 1.0
		if actions := *build.Actions(); len(actions) > 0 {
			if ro := actions[0].ActionProperties().RunOrder; ro != nil {
				runOrder = *ro
			}
		}
		scope := constructs.NewConstruct(plan.Scope, jsii.String(SecurityScope))
		out := s.Actions(scope, plan.Line, plan.Build, b.SourceOutput, runOrder)
		for _, a := range out.Actions {
			build.AddAction(a)
		}
		s.record(plan.Scope, out)
		if sbom, ok := out.Projects[CheckSBOM]; ok {
			suppressSBOMFinding(sbom)
		}
	})
}

// record writes the checks' metadata on the line, and warns about checks
// that cannot run.
func (s *SecurityChecks) record(line constructs.Construct, out *SecurityActions) {
	for _, d := range out.Disabled {
		recordDisabled(line, d)
		if !s.Check(d.Check).Off {
			awscdk.Annotations_Of(line).AddWarningV2(jsii.String("velocity:security-check-unavailable"),
				jsii.String("Security check "+string(d.Check)+" does not run: "+d.Reason), nil)
		}
	}
	for _, j := range out.Jobs {
		recordCheck(line, j.Check, j.Tool, j.Threshold)
	}
}

// recordCheck records, on the line, a check that runs.
func recordCheck(line constructs.Construct, check CheckKind, tool string, threshold security.Severity) {
	md := map[string]interface{}{"check": string(check), "tool": tool}
	if threshold != "" {
		md["threshold"] = string(threshold)
	}
	line.Node().AddMetadata(jsii.String(SecurityCheckMetadata), md, nil)
}

// recordDisabled records, on the line, a check that does not run.
func recordDisabled(line constructs.Construct, d DisabledCheck) {
	line.Node().AddMetadata(jsii.String(SecurityCheckDisabledMetadata),
		map[string]interface{}{"check": string(d.Check), "reason": d.Reason}, nil)
}

// suppressSBOMFinding records why the SBOM check's role may put objects
// under a prefix. The other wildcards of the checks' roles are aws-cdk-lib's
// grants on the artifact bucket and key and on the project's own logs and
// reports, suppressed for the whole line by the pipeline package.
func suppressSBOMFinding(project awscodebuild.PipelineProject) {
	policy := project.Role().Node().TryFindChild(jsii.String("DefaultPolicy"))
	if policy == nil {
		return
	}
	nag.Suppress(policy, false, nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{nag.Regex(`^Resource::<[A-Za-z0-9]*Artifacts[A-F0-9]{8}\.Arn>/sbom/\*$`)},
		Reason:    "The SBOM check stores each run's SBOM under sbom/<pipeline execution id>/ in the line's artifact bucket; the execution id is known only at run time."})
}
