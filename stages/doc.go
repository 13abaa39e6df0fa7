// Package stages holds the steps of Velocity's assembly line as small
// values that say what runs and with which defaults: where changes come
// from (GitHub, GitLab, Bitbucket, CodeCommit, S3, SourceBucket), the Build
// and its language presets (Go, Node, Python), the SecurityChecks that run
// beside it, the environments the line deploys to (Deploy, Wave,
// Environment) with their Gate, the AcceptanceTests against staging, and
// the manual Approval before production.
//
// The values are plain Go structs whose zero fields are production-grade
// defaults; where "off" must differ from "default", a named value says so
// (Setting's Enabled and Disabled, NoBakeTime, Off). Every Validate returns
// one error that joins a Problem per mistake, so all are reported at once.
//
// Production is a rollout of waves: a single Deploy is a wave of one
// environment (Deploy.Wave), and the line checks, gates and monitors both
// the same way. Every other step keeps one contract, LineStep: Validate,
// then AddTo the line's Plan; pipeline.New validates all of them first and
// then adds each in line order. Every CodeBuild job a step creates runs on
// BuildImage (aws/codebuild/standard:7.0) with the toolchains it needs
// pinned (Runtimes), so that `velocity local` can run it on a laptop as
// CodeBuild would.
//
// stages never imports pipeline: a step can be used on its own, in any CDK
// Pipelines line.
package stages
