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

// The event the function's schedule sends (see [Handler.Handle]): source
// TickSource, detail type TickDetailType and detail {"pipeline": "<name>"}.
const (
	// TickSource is the source of the scheduled tick.
	TickSource = "velocity.dora"
	// TickDetailType is the detail type of the scheduled tick.
	TickDetailType = "Velocity DORA Tick"
)

// DetailSource looks up what CodePipeline says about a pipeline execution.
type DetailSource interface {
	// Details returns the execution's trigger and revision times.
	Details(ctx context.Context, pipeline, executionID string) (Details, error)
}

// CodePipelineAPI is the part of the CodePipeline client the lookup uses;
// *codepipeline.Client implements it.
type CodePipelineAPI interface {
	// GetPipelineExecution describes one pipeline execution.
	GetPipelineExecution(ctx context.Context, in *codepipeline.GetPipelineExecutionInput, opts ...func(*codepipeline.Options)) (*codepipeline.GetPipelineExecutionOutput, error)
}

// CodePipelineDetails is the [DetailSource] of the Lambda function:
// codepipeline:GetPipelineExecution, trigger.triggerType and
// artifactRevisions[].created. Revisions without a creation time are left
// out.
type CodePipelineDetails struct {
	// Client is the CodePipeline client.
	Client CodePipelineAPI
}

// Details calls GetPipelineExecution.
func (c CodePipelineDetails) Details(ctx context.Context, pipeline, executionID string) (Details, error) {
	out, err := c.Client.GetPipelineExecution(ctx, &codepipeline.GetPipelineExecutionInput{
		PipelineName:        aws.String(pipeline),
		PipelineExecutionId: aws.String(executionID),
	})
	if err != nil {
		return Details{}, fmt.Errorf("dora: describing execution %s of %s: %w", executionID, pipeline, err)
	}
	var d Details
	if out == nil || out.PipelineExecution == nil {
		return d, nil
	}
	if tr := out.PipelineExecution.Trigger; tr != nil {
		d.Trigger = string(tr.TriggerType)
	}
	for _, r := range out.PipelineExecution.ArtifactRevisions {
		if r.Created != nil && !r.Created.IsZero() {
			d.Revisions = append(d.Revisions, *r.Created)
		}
	}
	return d, nil
}

// Handler applies CodePipeline events to the stored state of their pipeline
// and publishes the resulting metrics as EMF lines.
//
// For each event it loads the state, applies the event at the function's
// clock, saves the state on condition that nobody saved in between and only
// then writes the metrics, so that a conflict (two events of one pipeline
// handled at once) retries the whole event without publishing anything
// twice; the retry's [Rules.Apply] sees the other invocation's changes and
// its duplicate detection. An event that changes nothing (a duplicate, an
// action event) is neither saved nor published; one that Apply refuses (see
// [Rules.Accepts]) is logged. A failed lookup fails the invocation before
// anything is saved, so Lambda's retries of asynchronous invocations try
// again (and then send it to the function's failure destination).
type Handler struct {
	// Store keeps the states.
	Store Store
	// Details looks up executions' triggers and revisions; nil leaves them
	// to the events (no lead times).
	Details DetailSource
	// Rules configures the computation.
	Rules Rules
	// Namespace is the metrics' namespace. Default: "Velocity/Line".
	Namespace string
	// Out receives the EMF lines. Default: os.Stdout.
	Out io.Writer
	// Now is the function's clock. Default: time.Now.
	Now func() time.Time
	// SaveAttempts bounds the load-apply-save rounds on version conflicts.
	// Default: 5.
	SaveAttempts int
	// Backoff is the pause after the first conflict, doubled after each
	// further one. Default: 20ms.
	Backoff time.Duration
}

// Handle handles one event as delivered to Lambda: a CodePipeline event
// from the rule, or the scheduled tick (TickSource), which applies
// [Rules.Tick] to the pipeline named in its detail.
func (h *Handler) Handle(ctx context.Context, cwe events.CloudWatchEvent) error {
	if cwe.Source == TickSource {
		var d struct {
			Pipeline string `json:"pipeline"`
		}
		if cwe.DetailType != TickDetailType || json.Unmarshal(cwe.Detail, &d) != nil || d.Pipeline == "" {
			log.Printf("dora: ignoring %s event %q without a pipeline", TickSource, cwe.DetailType)
			return nil
		}
		return h.HandleTick(ctx, d.Pipeline)
	}
	e, err := FromCloudWatchEvent(cwe)
	if err != nil {
		// A malformed event will not get better with retries.
		log.Printf("dora: ignoring event %s: %v", cwe.ID, err)
		return nil
	}
	return h.HandleEvent(ctx, e)
}

// HandlePayload handles the payload of an invocation: an event as
// [Handler.Handle] takes it, or a record of Lambda's failure destination
// (as found in the dead-letter queue), whose requestPayload is handled
// instead. So a message of the dead-letter queue, either form, can be
// replayed by invoking the function with its body.
func (h *Handler) HandlePayload(ctx context.Context, payload []byte) error {
	var record struct {
		RequestPayload json.RawMessage `json:"requestPayload"`
	}
	if json.Unmarshal(payload, &record) == nil && len(record.RequestPayload) > 0 && string(record.RequestPayload) != "null" {
		payload = record.RequestPayload
	}
	var cwe events.CloudWatchEvent
	if err := json.Unmarshal(payload, &cwe); err != nil {
		log.Printf("dora: ignoring a payload that is not an event: %v", err)
		return nil
	}
	return h.Handle(ctx, cwe)
}

// HandleEvent handles one parsed event.
func (h *Handler) HandleEvent(ctx context.Context, e Event) error {
	if lvl := e.Level(); e.Validate() != nil || (lvl != LevelPipeline && lvl != LevelStage) {
		return nil
	}
	return h.update(ctx, e.Detail.Pipeline, func(s State, now time.Time, look Lookup) (State, []Datum, bool) {
		if err := h.Rules.Accepts(s, e, now); err != nil {
			log.Printf("dora: refusing event %s: %v", e.ID, err)
			return s, nil, false
		}
		after, data := h.Rules.Apply(s, e, now, look)
		return after, data, true
	})
}

// HandleTick applies [Rules.Tick] to the pipeline's state.
func (h *Handler) HandleTick(ctx context.Context, pipeline string) error {
	return h.update(ctx, pipeline, func(s State, now time.Time, look Lookup) (State, []Datum, bool) {
		if s.Pipeline == "" {
			return s, nil, false // nothing seen yet
		}
		after, data := h.Rules.Tick(s, now, look)
		return after, data, true
	})
}

func (h *Handler) update(ctx context.Context, pipeline string, change func(State, time.Time, Lookup) (State, []Datum, bool)) error {
	if h.Store == nil {
		return errors.New("dora: handler without a store")
	}
	attempts := h.SaveAttempts
	if attempts <= 0 {
		attempts = DefaultSaveAttempts
	}
	backoff := h.Backoff
	if backoff <= 0 {
		backoff = 20 * time.Millisecond
	}
	now := h.Now
	if now == nil {
		now = time.Now
	}
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
		var lookErr error
		var look Lookup
		if h.Details != nil {
			look = func(p, id string) (Details, error) {
				d, err := h.Details.Details(ctx, p, id)
				if err != nil && lookErr == nil {
					lookErr = err
				}
				return d, err
			}
		}
		after, data, ok := change(before, now(), look)
		if lookErr != nil {
			return lookErr
		}
		if !ok || (len(data) == 0 && sameState(before, after)) {
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

// sameState reports whether the states differ in more than their clocks
// (Floor, Settled, Format), which Apply recomputes from its own clock: a
// change of those alone is not worth a write.
func sameState(a, b State) bool {
	a.Floor, a.Settled, a.Format = 0, 0, 0
	b.Floor, b.Settled, b.Format = 0, 0, 0
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
// [DynamoStore] on the table named by TABLE_NAME and [CodePipelineDetails],
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
		Details:   CodePipelineDetails{Client: codepipeline.NewFromConfig(cfg)},
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

// Handle is the Lambda function's handler: it handles one invocation's
// payload ([Handler.HandlePayload]) with the handler of [NewHandlerFromEnv],
// created on first use.
func Handle(ctx context.Context, payload json.RawMessage) error {
	h, err := handlerFromEnv(ctx)
	if err != nil {
		return err
	}
	return h.HandlePayload(ctx, payload)
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
