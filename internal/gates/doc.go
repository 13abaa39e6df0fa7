// Package gates holds Velocity's quality gates over what the examples
// deploy. It has no code: its tests synthesize each example once (the
// pipeline stack and every stage stack, with cdk-nag's AwsSolutions checks
// on) and check the templates for least privilege, data safety and cdk-nag
// findings, printing the figures the README quotes:
//
//	go test -count=1 -v ./internal/gates
package gates
