// Command handler is the Lambda function of a Velocity line's canary
// analysis; see package canaryanalysis. It is built for the provided.al2023
// runtime as a bootstrap binary:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./monitoring/canaryanalysis/cmd/handler
package main

import "github.com/velocity-cdk/velocity/monitoring/canaryanalysis"

func main() { canaryanalysis.Main() }
