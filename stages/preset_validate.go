package stages

// validate checks a team's preset like a Job: commands with something to
// run, environment variable names, no plaintext credentials, runtimes the
// image offers. Unless the build replaces its commands, the preset must
// synthesize: the Build step's artifact is the cdk.out its Synth writes.
func (p *Preset) validate(ps *Problems, usesCommands bool) {
	if p.Name == "" {
		ps.Add("Name", "", `a name for messages, e.g. "Rust"`)
	}
	validCommands(ps, "Install", p.Install)
	validCommands(ps, "Analyze", p.Analyze)
	validCommands(ps, "Test", p.Test)
	validCommands(ps, "Synth", p.Synth)
	if usesCommands && len(p.Synth) == 0 {
		ps.Add("Synth", "[]", "the commands that write the cloud assembly to cdk.out, e.g. \"npx cdk synth\" (the line deploys what they write)")
	}
	validEnv(ps, "Env", p.Env)
	p.Runtimes.validate("Runtimes", ps)
}
