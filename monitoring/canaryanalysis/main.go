package canaryanalysis

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// NewHandlerFromEnv returns the Lambda function's handler, with clients
// from the default AWS configuration (the function's role and region).
func NewHandlerFromEnv(ctx context.Context) (*Handler, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	h := &Handler{
		Pipeline: codepipeline.NewFromConfig(cfg),
		MetricsFor: func(ctx context.Context, region, roleArn string) (Metrics, error) {
			c := cfg.Copy()
			if region != "" {
				c.Region = region
			}
			if roleArn != "" {
				c.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), roleArn))
			}
			return cloudwatch.NewFromConfig(c), nil
		},
	}
	// A name it cannot read fails each job with the reason, rather than
	// the function's start, which would leave CodePipeline waiting.
	if name := os.Getenv(EnvPipelineNameParameter); name != "" {
		out, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name)})
		if err != nil {
			h.PipelineNameErr = fmt.Errorf("canaryanalysis: reading the pipeline's name from %s: %w", name, err)
		} else {
			h.PipelineName = aws.ToString(out.Parameter.Value)
		}
	}
	return h, nil
}

// Main runs the Lambda function.
func Main() {
	h, err := NewHandlerFromEnv(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(h.Handle)
}
