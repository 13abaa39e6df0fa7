// Command lambda serves the factorial service on AWS Lambda behind an API
// Gateway REST API with a Lambda proxy integration.
//
// Build it for the provided.al2023 runtime on arm64 with:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./examples/service/cmd/lambda
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/velocity-cdk/velocity/examples/service"
	"github.com/velocity-cdk/velocity/examples/service/lambdaadapter"
)

// handler is the function registered with the Lambda runtime.
func handler() lambdaadapter.HandlerFunc {
	return lambdaadapter.Handler(service.NewHandler())
}

func main() {
	lambda.Start(handler())
}
