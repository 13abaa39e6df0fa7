package dora

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Source is the EventBridge source of every CodePipeline event.
const Source = "aws.codepipeline"

// Detail types of the CodePipeline events on the default event bus.
const (
	// DetailTypePipeline is sent when a pipeline execution changes state.
	DetailTypePipeline = "CodePipeline Pipeline Execution State Change"
	// DetailTypeStage is sent when a stage execution changes state.
	DetailTypeStage = "CodePipeline Stage Execution State Change"
	// DetailTypeAction is sent when an action execution changes state.
	DetailTypeAction = "CodePipeline Action Execution State Change"
)

// States that CodePipeline reports in detail.state. Not every state is sent
// at every level: ABANDONED is action-only, SUPERSEDED pipeline-only.
const (
	// StateStarted: the execution is running.
	StateStarted = "STARTED"
	// StateSucceeded: the execution completed successfully.
	StateSucceeded = "SUCCEEDED"
	// StateResumed: a failed execution was retried (RetryStageExecution).
	StateResumed = "RESUMED"
	// StateFailed: the execution did not complete successfully.
	StateFailed = "FAILED"
	// StateCanceled: the execution was canceled because the pipeline's
	// structure was updated.
	StateCanceled = "CANCELED"
	// StateSuperseded: a newer pipeline execution overtook this one while it
	// waited for the next stage.
	StateSuperseded = "SUPERSEDED"
	// StateStopping: the execution is being stopped.
	StateStopping = "STOPPING"
	// StateStopped: the execution was stopped.
	StateStopped = "STOPPED"
	// StateAbandoned: the action was abandoned by a stop-and-abandon.
	StateAbandoned = "ABANDONED"
)

// Trigger types that CodePipeline reports in detail.execution-trigger.trigger-type
// (the TriggerType enum of the CodePipeline API).
const (
	// TriggerCreatePipeline: the pipeline's creation started it.
	TriggerCreatePipeline = "CreatePipeline"
	// TriggerStartPipelineExecution: a StartPipelineExecution call.
	TriggerStartPipelineExecution = "StartPipelineExecution"
	// TriggerPollForSourceChanges: a source action polled a change.
	TriggerPollForSourceChanges = "PollForSourceChanges"
	// TriggerWebhook: a webhook (V1 pipelines' source webhooks).
	TriggerWebhook = "Webhook"
	// TriggerWebhookV2: a V2 pipeline trigger (Git push or tag).
	TriggerWebhookV2 = "WebhookV2"
	// TriggerCloudWatchEvent: an EventBridge rule (an S3 or CodeCommit
	// source, for example).
	TriggerCloudWatchEvent = "CloudWatchEvent"
	// TriggerPutActionRevision: a PutActionRevision call.
	TriggerPutActionRevision = "PutActionRevision"
	// TriggerManualRollback: someone rolled a stage back
	// (RollbackStage).
	TriggerManualRollback = "ManualRollback"
	// TriggerAutomatedRollback: CodePipeline rolled a stage back on failure.
	TriggerAutomatedRollback = "AutomatedRollback"
)

// IsRollback reports whether trigger is the trigger type of a rollback
// execution (ManualRollback or AutomatedRollback).
func IsRollback(trigger string) bool {
	return trigger == TriggerManualRollback || trigger == TriggerAutomatedRollback
}

// Level says which kind of execution an event is about.
type Level int

// Levels of CodePipeline events.
const (
	// LevelUnknown is any event that is not a CodePipeline execution event.
	LevelUnknown Level = iota
	// LevelPipeline is a pipeline execution event.
	LevelPipeline
	// LevelStage is a stage execution event.
	LevelStage
	// LevelAction is an action execution event.
	LevelAction
)

// String returns the level's name.
func (l Level) String() string {
	switch l {
	case LevelPipeline:
		return "pipeline"
	case LevelStage:
		return "stage"
	case LevelAction:
		return "action"
	}
	return "unknown"
}

// Event is an EventBridge event of CodePipeline: the common envelope and the
// CodePipeline detail. Fields CodePipeline does not send for a level stay
// empty.
type Event struct {
	// Version is the version of the event envelope ("0").
	Version string `json:"version"`
	// ID is the EventBridge event id. A retried delivery keeps it.
	ID string `json:"id"`
	// DetailType is one of DetailTypePipeline, DetailTypeStage and
	// DetailTypeAction.
	DetailType string `json:"detail-type"`
	// Source is "aws.codepipeline".
	Source string `json:"source"`
	// Account is the account of the pipeline.
	Account string `json:"account"`
	// Time is when the state changed, with second precision.
	Time time.Time `json:"time"`
	// Region is the region of the pipeline.
	Region string `json:"region"`
	// Resources holds the pipeline's ARN.
	Resources []string `json:"resources"`
	// Detail is the CodePipeline part of the event.
	Detail Detail `json:"detail"`
}

// Detail is the "detail" object of a CodePipeline event.
type Detail struct {
	// Pipeline is the pipeline's name.
	Pipeline string `json:"pipeline"`
	// ExecutionID is the pipeline execution id (a UUID). Stage and action
	// events carry the id of the pipeline execution they belong to.
	ExecutionID string `json:"execution-id"`
	// StartTime is when the pipeline execution started, as sent
	// (RFC 3339 with milliseconds); not sent on every event.
	StartTime string `json:"start-time,omitempty"`
	// Stage is the stage's name (stage and action events).
	Stage string `json:"stage,omitempty"`
	// Action is the action's name (action events).
	Action string `json:"action,omitempty"`
	// ActionExecutionID is the action execution id (action events).
	ActionExecutionID string `json:"action-execution-id,omitempty"`
	// State is the new state, one of the State constants.
	State string `json:"state"`
	// ExecutionTrigger says what started the pipeline execution; sent on
	// pipeline events (always on STARTED).
	ExecutionTrigger *ExecutionTrigger `json:"execution-trigger,omitempty"`
	// Version is the version of the pipeline's structure.
	Version Number `json:"version"`
	// PipelineExecutionAttempt counts the attempts of the execution: it
	// goes up when a failed stage is retried.
	PipelineExecutionAttempt Number `json:"pipeline-execution-attempt"`
	// Region is the action's region (action events).
	Region string `json:"region,omitempty"`
	// Type is the action's type (action events).
	Type *ActionType `json:"type,omitempty"`
	// ExecutionResult is the outcome reported by the action's provider
	// (action events that finished).
	ExecutionResult *ExecutionResult `json:"execution-result,omitempty"`
	// StopExecutionComments is the reason given when the execution was
	// stopped (STOPPING events).
	StopExecutionComments string `json:"stop-execution-comments,omitempty"`
	// StageLastRetryAttemptTime is when the stage was last retried; sent on
	// every stage event after a retry.
	StageLastRetryAttemptTime string `json:"stage-last-retry-attempt-time,omitempty"`
}

// ExecutionTrigger is detail.execution-trigger: what started an execution.
// Executions started by a Git push or tag through a connection carry the
// commit instead of a trigger type.
type ExecutionTrigger struct {
	// TriggerType is one of the Trigger constants.
	TriggerType string `json:"trigger-type,omitempty"`
	// TriggerDetail identifies the trigger, for example the ARN of the
	// caller of StartPipelineExecution.
	TriggerDetail string `json:"trigger-detail,omitempty"`
	// ProviderType is the Git provider (GitHub, GitLab, Bitbucket...).
	ProviderType string `json:"provider-type,omitempty"`
	// FullRepositoryName is owner/repository.
	FullRepositoryName string `json:"full-repository-name,omitempty"`
	// ConnectionArn is the CodeConnections connection's ARN.
	ConnectionArn string `json:"connection-arn,omitempty"`
	// BranchName is the pushed branch, for branch triggers.
	BranchName string `json:"branch-name,omitempty"`
	// TagName is the pushed tag, for tag triggers.
	TagName string `json:"tag-name,omitempty"`
	// CommitID is the commit that started the execution.
	CommitID string `json:"commit-id,omitempty"`
	// CommitMessage is that commit's message.
	CommitMessage string `json:"commit-message,omitempty"`
	// AuthorDate is that commit's author date, as sent.
	AuthorDate string `json:"author-date,omitempty"`
	// AuthorID is the commit author's id at the provider.
	AuthorID string `json:"author-id,omitempty"`
	// AuthorDisplayName is the commit author's display name.
	AuthorDisplayName string `json:"author-display-name,omitempty"`
	// AuthorEmail is the commit author's email.
	AuthorEmail string `json:"author-email,omitempty"`
}

// ActionType is detail.type of an action event.
type ActionType struct {
	// Owner is AWS, ThirdParty or Custom.
	Owner string `json:"owner"`
	// Category is Source, Build, Deploy, Test, Invoke, Approval or Compute.
	Category string `json:"category"`
	// Provider is the action provider, for example CodeBuild.
	Provider string `json:"provider"`
	// Version is the action type's version.
	Version string `json:"version"`
}

// ExecutionResult is detail.execution-result of a finished action.
type ExecutionResult struct {
	// ExternalExecutionURL links to the provider's execution.
	ExternalExecutionURL string `json:"external-execution-url,omitempty"`
	// ExternalExecutionSummary is the provider's summary.
	ExternalExecutionSummary string `json:"external-execution-summary,omitempty"`
	// ExternalExecutionID is the provider's execution id.
	ExternalExecutionID string `json:"external-execution-id,omitempty"`
	// ErrorCode is set when the action failed.
	ErrorCode string `json:"error-code,omitempty"`
}

// Number is a JSON number that CodePipeline sometimes sends as a string
// ("version": "1" in older events, 1.0 in current ones). It decodes both and
// encodes as a number.
type Number float64

// UnmarshalJSON decodes a number, a string holding a number, or null.
func (n *Number) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			*n = 0
			return nil
		}
		b = []byte(strings.TrimSpace(s))
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("dora: %q is not a number", b)
	}
	*n = Number(f)
	return nil
}

// String formats the number without a needless fraction ("2", "1.5").
func (n Number) String() string {
	return strconv.FormatFloat(float64(n), 'f', -1, 64)
}

// ParseEvent decodes one CodePipeline event from its JSON. It accepts the
// event as EventBridge delivers it and the "processed" form of notification
// rules, whose detail type is in "detailType". It checks the shape (see
// [Event.Validate]) but not the level: action events parse too.
func ParseEvent(data []byte) (Event, error) {
	var raw struct {
		Event
		ProcessedDetailType string `json:"detailType"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return Event{}, fmt.Errorf("dora: decoding event: %w", err)
	}
	e := raw.Event
	if e.DetailType == "" {
		e.DetailType = raw.ProcessedDetailType
	}
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// Level returns the kind of execution the event is about, from its detail
// type.
func (e Event) Level() Level {
	switch e.DetailType {
	case DetailTypePipeline:
		return LevelPipeline
	case DetailTypeStage:
		return LevelStage
	case DetailTypeAction:
		return LevelAction
	}
	return LevelUnknown
}

// Trigger returns detail.execution-trigger.trigger-type, or "" when the
// event has none.
func (e Event) Trigger() string {
	if e.Detail.ExecutionTrigger == nil {
		return ""
	}
	return e.Detail.ExecutionTrigger.TriggerType
}

// Validate checks that the event is a CodePipeline execution event with what
// the computation needs: a known detail type, the time, the pipeline, the
// execution id and the state, and the stage for stage and action events.
func (e Event) Validate() error {
	var missing []string
	if e.Level() == LevelUnknown {
		return fmt.Errorf("dora: detail type %q is not a CodePipeline execution state change", e.DetailType)
	}
	if e.Source != "" && e.Source != Source {
		return fmt.Errorf("dora: source %q is not %q", e.Source, Source)
	}
	if e.Time.IsZero() {
		missing = append(missing, "time")
	}
	if e.Detail.Pipeline == "" {
		missing = append(missing, "detail.pipeline")
	}
	if e.Detail.ExecutionID == "" {
		missing = append(missing, "detail.execution-id")
	}
	if e.Detail.State == "" {
		missing = append(missing, "detail.state")
	}
	if e.Level() != LevelPipeline && e.Detail.Stage == "" {
		missing = append(missing, "detail.stage")
	}
	if len(missing) > 0 {
		return errors.New("dora: " + e.Level().String() + " event without " + strings.Join(missing, ", "))
	}
	return nil
}
