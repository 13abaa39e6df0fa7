// Package stages holds the steps of Velocity's assembly line as small
// values that say what runs and with which defaults: where changes come
// from (GitHub, GitLab, Bitbucket, CodeCommit, S3, SourceBucket), the Build
// and its language presets (Go, Node, Python), the SecurityChecks that run
// beside it, the environments the line deploys to (Deploy, Wave,
// Environment) with their Gate, the AcceptanceTests against staging, and
// the manual Approval before production.
//
// The values are plain Go structs whose zero fields are production-grade
// defaults; pipeline.New composes them into a line, and every Validate
// reports all mistakes at once. Every CodeBuild job a step creates runs on
// BuildImage (aws/codebuild/standard:7.0) with the toolchains it needs
// pinned (Runtimes), so that `velocity local` can run it on a laptop as
// CodeBuild would.
//
// stages never imports pipeline: a step can be used on its own, in any CDK
// Pipelines line.
package stages
