package dora

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// HandlerPackage is the main package of the Lambda function (cmd/handler),
// which monitoring.NewDORAFunction builds at synth with the local Go
// toolchain.
const HandlerPackage = "github.com/velocity-cdk/velocity/monitoring/dora/cmd/handler"

// Environment variables that configure the Lambda function.
const (
	// EnvTableName names the DynamoDB table of the state (required).
	EnvTableName = "TABLE_NAME"
	// EnvProductionStage names the production stage (default "Production").
	EnvProductionStage = "PRODUCTION_STAGE"
	// EnvNamespace is the metrics' namespace (default "Velocity/Line").
	EnvNamespace = "NAMESPACE"
)

// DefaultSaveAttempts is how many times [Handler] loads, applies and saves
// an event before it gives up on version conflicts.
const DefaultSaveAttempts = 5

// RevisionSource looks up the creation times of the source revisions of a
// pipeline execution.
type RevisionSource interface {
	// RevisionTimes returns the creation times, in any order.
	RevisionTimes(ctx context.Context, pipeline, executionID string) ([]time.Time, error)
}

// CodePipelineAPI is the part of the CodePipeline client the revision lookup
// uses; *codepipeline.Client implements it.
type CodePipelineAPI interface {
	// GetPipelineExecution describes one pipeline execution.
	GetPipelineExecution(ctx context.Context, in *codepipeline.GetPipelineExecutionInput, opts ...func(*codepipeline.Options)) (*codepipeline.GetPipelineExecutionOutput, error)
}

// CodePipelineRevisions is the [RevisionSource] of the Lambda function:
// codepipeline:GetPipelineExecution, artifactRevisions[].created. Revisions
// without a creation time are left out.
type CodePipelineRevisions struct {
	// Client is the CodePipeline client.
	Client CodePipelineAPI
}

// RevisionTimes calls GetPipelineExecution.
func (c CodePipelineRevisions) RevisionTimes(ctx context.Context, pipeline, executionID string) ([]time.Time, error) {
	out, err := c.Client.GetPipelineExecution(ctx, &codepipeline.GetPipelineExecutionInput{
		PipelineName:        aws.String(pipeline),
		PipelineExecutionId: aws.String(executionID),
	})
	if err != nil {
		return nil, fmt.Errorf("dora: describing execution %s of %s: %w", executionID, pipeline, err)
	}
	if out == nil || out.PipelineExecution == nil {
		return nil, nil
	}
	var times []time.Time
	for _, r := range out.PipelineExecution.ArtifactRevisions {
		if r.Created != nil && !r.Created.IsZero() {
			times = append(times, *r.Created)
		}
	}
	return times, nil
}

// Handler applies CodePipeline events to the stored state of their pipeline
// and publishes the resulting metrics as EMF lines.
//
// For each event it loads the state, applies the event, saves the state on
// condition that nobody saved in between and only then writes the metrics, so
// that a conflict (two events of one pipeline handled at once) retries the
// whole event without publishing anything twice; the retry's [Apply] sees
// the other invocation's changes and its duplicate detection. An event that
// changes nothing (a duplicate, an action event) is neither saved nor
// published. A failed revision lookup fails the invocation before anything
// is saved, so Lambda's retries of asynchronous invocations try again.
type Handler struct {
	// Store keeps the states.
	Store Store
	// Revisions looks up revision times for the lead time; nil leaves the
	// lead time out.
	Revisions RevisionSource
	// Rules configures the computation.
	Rules Rules
	// Namespace is the metrics' namespace. Default: "Velocity/Line".
	Namespace string
	// Out receives the EMF lines. Default: os.Stdout.
	Out io.Writer
	// SaveAttempts bounds the load-apply-save rounds on version conflicts.
	// Default: 5.
	SaveAttempts int
	// Backoff is the pause after the first conflict, doubled after each
	// further one. Default: 20ms.
	Backoff time.Duration
}

// Handle handles one EventBridge event as delivered to Lambda.
func (h *Handler) Handle(ctx context.Context, cwe events.CloudWatchEvent) error {
	e, err := FromCloudWatchEvent(cwe)
	if err != nil {
		// A malformed event will not get better with retries.
		log.Printf("dora: ignoring event %s: %v", cwe.ID, err)
		return nil
	}
	return h.HandleEvent(ctx, e)
}

// HandleEvent handles one parsed event.
func (h *Handler) HandleEvent(ctx context.Context, e Event) error {
	if h.Store == nil {
		return errors.New("dora: handler without a store")
	}
	if lvl := e.Level(); e.Validate() != nil || (lvl != LevelPipeline && lvl != LevelStage) {
		return nil
	}
	attempts := h.SaveAttempts
	if attempts <= 0 {
		attempts = DefaultSaveAttempts
	}
	backoff := h.Backoff
	if backoff <= 0 {
		backoff = 20 * time.Millisecond
	}
	pipeline := e.Detail.Pipeline
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(backoff):
			}
			backoff *= 2
		}
		before, version, err := h.Store.Load(ctx, pipeline)
		if err != nil {
			return err
		}
		var revErr error
		var rev RevisionTimes
		if h.Revisions != nil {
			rev = func(p, id string) ([]time.Time, error) {
				t, err := h.Revisions.RevisionTimes(ctx, p, id)
				if err != nil && revErr == nil {
					revErr = err
				}
				return t, err
			}
		}
		after, data := h.Rules.Apply(before, e, rev)
		if revErr != nil {
			return revErr
		}
		if len(data) == 0 && sameState(before, after) {
			return nil
		}
		switch err := h.Store.Save(ctx, pipeline, after, version); {
		case errors.Is(err, ErrConflict):
			continue
		case err != nil:
			return err
		}
		return h.publish(data)
	}
	return fmt.Errorf("dora: state of %s: %w after %d attempts", pipeline, ErrConflict, attempts)
}

func (h *Handler) publish(data []Datum) error {
	if len(data) == 0 {
		return nil
	}
	ns := h.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	out := h.Out
	if out == nil {
		out = os.Stdout
	}
	if err := WriteEMF(out, ns, data); err != nil {
		// The state is saved: retrying would not publish these again.
		log.Printf("dora: publishing metrics: %v", err)
	}
	return nil
}

func sameState(a, b State) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

// FromCloudWatchEvent converts the event Lambda receives from EventBridge and
// validates it like [ParseEvent].
func FromCloudWatchEvent(cwe events.CloudWatchEvent) (Event, error) {
	e := Event{
		Version:    cwe.Version,
		ID:         cwe.ID,
		DetailType: cwe.DetailType,
		Source:     cwe.Source,
		Account:    cwe.AccountID,
		Time:       cwe.Time,
		Region:     cwe.Region,
		Resources:  cwe.Resources,
	}
	if len(cwe.Detail) > 0 {
		if err := json.Unmarshal(cwe.Detail, &e.Detail); err != nil {
			return Event{}, fmt.Errorf("dora: decoding detail: %w", err)
		}
	}
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// NewHandlerFromEnv returns the handler of the Lambda function: a
// [DynamoStore] on the table named by TABLE_NAME and [CodePipelineRevisions],
// with clients from the default AWS configuration (the function's role and
// region), the production stage from PRODUCTION_STAGE and the namespace from
// NAMESPACE.
func NewHandlerFromEnv(ctx context.Context) (*Handler, error) {
	table := os.Getenv(EnvTableName)
	if table == "" {
		return nil, fmt.Errorf("dora: %s is not set", EnvTableName)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("dora: loading AWS configuration: %w", err)
	}
	return &Handler{
		Store:     DynamoStore{Client: dynamodb.NewFromConfig(cfg), Table: table},
		Revisions: CodePipelineRevisions{Client: codepipeline.NewFromConfig(cfg)},
		Rules:     Rules{ProductionStage: os.Getenv(EnvProductionStage)},
		Namespace: os.Getenv(EnvNamespace),
	}, nil
}

var (
	defaultOnce    sync.Once
	defaultHandler *Handler
	defaultErr     error
)

func handlerFromEnv(ctx context.Context) (*Handler, error) {
	defaultOnce.Do(func() { defaultHandler, defaultErr = NewHandlerFromEnv(ctx) })
	return defaultHandler, defaultErr
}

// Handle is the Lambda function's handler: it handles one EventBridge event
// with the handler of [NewHandlerFromEnv], created on first use.
func Handle(ctx context.Context, e events.CloudWatchEvent) error {
	h, err := handlerFromEnv(ctx)
	if err != nil {
		return err
	}
	return h.Handle(ctx, e)
}

// Main runs the Lambda function: it creates the handler from the environment
// (exiting if TABLE_NAME is missing or the AWS configuration cannot be
// loaded) and starts the Lambda runtime with [Handle].
func Main() {
	if _, err := handlerFromEnv(context.Background()); err != nil {
		log.Fatal(err)
	}
	lambda.Start(Handle)
}
