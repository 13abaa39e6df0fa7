// Command handler is the Lambda function that turns CodePipeline events into
// the line's DORA metrics; see package dora. It is built for the provided.al2023
// runtime as a bootstrap binary:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./monitoring/dora/cmd/handler
package main

import "github.com/velocity-cdk/velocity/monitoring/dora"

func main() { dora.Main() }
