package pipeline

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/nag"
	"github.com/velocity-cdk/velocity/stages"
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

// securityScope is the id of the construct that holds the checks.
const securityScope = "Security"

// addSecurityChecks adds the security checks to the Build stage, in
// parallel with the build action: same input (the source artifact), same
// run order. Problems in Props.Security are reported like the others, and
// then no check is added.
func (l *AssemblyLine) addSecurityChecks(p Props) {
	checks := p.Security
	if checks == nil {
		checks = &stages.SecurityChecks{}
	}
	if err := checks.Validate(); err != nil {
		l.reportError("Security", err)
		return
	}
	build := stage(l.Pipeline, "Build")
	runOrder := 1.0
	if actions := *build.Actions(); len(actions) > 0 {
		if ro := actions[0].ActionProperties().RunOrder; ro != nil {
			runOrder = *ro
		}
	}
	source := (*stage(l.Pipeline, "Source").Actions())[0].ActionProperties().Outputs
	if source == nil || len(*source) == 0 {
		panic("velocity: the source action has no output artifact")
	}
	scope := constructs.NewConstruct(l, jsii.String(securityScope))
	shared := &stages.Line{Key: l.Key, ArtifactBucket: l.ArtifactBucket}
	out := checks.Actions(scope, shared, p.Build, (*source)[0], runOrder)
	for _, a := range out.Actions {
		build.AddAction(a)
	}
	for _, d := range out.Disabled {
		l.Node().AddMetadata(jsii.String(SecurityCheckDisabledMetadata),
			map[string]interface{}{"check": d.Check, "reason": d.Reason}, nil)
		if p.Security == nil || !p.Security.Check(d.Check).Off {
			awscdk.Annotations_Of(l).AddWarningV2(jsii.String("velocity:security-check-unavailable"),
				jsii.String("Security check "+string(d.Check)+" does not run: "+d.Reason), nil)
		}
	}
	for _, j := range out.Jobs {
		md := map[string]interface{}{"check": j.Check, "tool": j.Tool}
		if j.Threshold != "" {
			md["threshold"] = string(j.Threshold)
		}
		l.Node().AddMetadata(jsii.String(SecurityCheckMetadata), md, nil)
	}
	if sbom, ok := out.Projects[stages.CheckSBOM]; ok {
		suppressSBOMFinding(sbom)
	}
}

// suppressSBOMFinding records why the SBOM check's role may put objects
// under a prefix. The other wildcards of the checks' roles are aws-cdk-lib's
// grants on the artifact bucket and key and on the project's own logs and
// reports, suppressed for the whole line (see nag.go).
func suppressSBOMFinding(project awscodebuild.PipelineProject) {
	policy := project.Role().Node().TryFindChild(jsii.String("DefaultPolicy"))
	if policy == nil {
		return
	}
	nag.Suppress(policy, false, nag.Rule{ID: "AwsSolutions-IAM5",
		AppliesTo: []string{nag.Regex(`^Resource::<[A-Za-z0-9]*Artifacts[A-F0-9]{8}\.Arn>/sbom/\*$`)},
		Reason:    "The SBOM check stores each run's SBOM under sbom/<pipeline execution id>/ in the line's artifact bucket; the execution id is known only at run time."})
}

// SecurityProjects returns the CodeBuild projects of the line's security
// checks by check: escape hatches,
// for example to add permissions a custom check needs. Checks that do not
// run are absent.
func (l *AssemblyLine) SecurityProjects() map[stages.CheckKind]awscodebuild.PipelineProject {
	out := map[stages.CheckKind]awscodebuild.PipelineProject{}
	scope := l.Node().TryFindChild(jsii.String(securityScope))
	if scope == nil {
		return out
	}
	for _, check := range stages.CheckKinds {
		if c := scope.Node().TryFindChild(jsii.String(string(check))); c != nil {
			if p, ok := c.(awscodebuild.PipelineProject); ok {
				out[check] = p
			}
		}
	}
	return out
}
