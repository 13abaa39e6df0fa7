package stages

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/velocity-cdk/velocity/internal/buildspec"
)

// jobRuntimes resolves a job's runtimes for its buildspec, warning at
// synth when go.mod wants a Go the image does not have.
func jobRuntimes(scope constructs.Construct, r Runtimes) Runtimes {
	runtimes, warning := r.resolve()
	if warning != "" {
		awscdk.Annotations_Of(scope).AddWarningV2(jsii.String("velocity:go-runtime"), jsii.String(warning), nil)
	}
	return runtimes
}

// checkJob warns at synth about a job that cannot pass on CodeBuild as
// written: the preflight's checks (`velocity local -check`) on what the
// job runs, for commands a team wrote itself as much as for the presets'.
func checkJob(scope constructs.Construct, name, shell string, runtimes Runtimes, install, commands, cachePaths []string, env map[string]string) {
	spec := &buildspec.Spec{Version: "0.2", Shell: shell, CachePaths: cachePaths, Phases: map[string]buildspec.Phase{
		"install": {RuntimeVersions: runtimes, Commands: install},
		"build":   {Commands: commands},
	}}
	goMod := ""
	if path := findGoMod(); path != "" {
		goMod, _ = GoModVersion(path)
	}
	for _, f := range buildspec.Check(buildspec.Job{Spec: spec, Image: image, Env: env, GoMod: goMod, CDKCLIVersion: CDKCLIVersion}) {
		if f.Error {
			awscdk.Annotations_Of(scope).AddWarningV2(jsii.String("velocity:job-cannot-work"),
				jsii.String("The "+name+" job cannot pass on "+image.Name+": it "+f.Message), nil)
		}
	}
}
