package stages

// SourceStep returns the line step of a Source: it produces the source
// artifact that the build and the security checks read, and connects what
// starts the line once the CodePipeline exists.
func SourceStep(s Source) LineStep { return sourceStep{s} }

type sourceStep struct{ Source }

// AddTo implements LineStep.
func (s sourceStep) AddTo(plan *Plan) {
	plan.Source = s.Produce(plan.Scope, plan.Line)
	plan.OnPipeline(func(b Built) {
		source := PipelineStage(b.Pipeline, "Source")
		s.Connect(plan.Scope, b.Pipeline, (*source.Actions())[0])
	})
}
