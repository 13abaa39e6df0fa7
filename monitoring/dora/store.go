package dora

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ErrConflict is returned by [Store.Save] when the stored state is no longer
// at the version it was loaded at: another invocation saved first. Load
// again, apply the event again and save again.
var ErrConflict = errors.New("dora: state was saved concurrently (version conflict)")

// Store keeps the State of each pipeline durably, with optimistic
// concurrency: Save succeeds only if the stored version is still the one Load
// returned, and stores the next version.
type Store interface {
	// Load returns the pipeline's state and its version; a pipeline never
	// saved has the zero State (with Pipeline set) and version 0.
	Load(ctx context.Context, pipeline string) (State, int64, error)
	// Save stores the state as version+1 if the stored version is version
	// (0: nothing stored yet), or returns ErrConflict.
	Save(ctx context.Context, pipeline string, s State, version int64) error
}

// DynamoDB attribute names of the state table. The table's partition key is
// AttrPipeline, of type S; it needs no sort key.
const (
	// AttrPipeline is the partition key: the pipeline's name (S).
	AttrPipeline = "pipeline"
	// AttrState is the State as JSON (S).
	AttrState = "state"
	// AttrVersion is the state's version, 1 for the first save (N).
	AttrVersion = "version"
)

// DynamoDBAPI is the part of the DynamoDB client the store uses;
// *dynamodb.Client implements it.
type DynamoDBAPI interface {
	// GetItem reads an item.
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	// PutItem writes an item, conditionally.
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// DynamoStore is a [Store] on a DynamoDB table: one item per pipeline, read
// with strong consistency and written with a condition on its version. The
// function needs dynamodb:GetItem and dynamodb:PutItem on the table.
type DynamoStore struct {
	// Client is the DynamoDB client.
	Client DynamoDBAPI
	// Table is the table's name.
	Table string
}

// Load reads the pipeline's item.
func (d DynamoStore) Load(ctx context.Context, pipeline string) (State, int64, error) {
	out, err := d.Client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(d.Table),
		Key:            map[string]types.AttributeValue{AttrPipeline: &types.AttributeValueMemberS{Value: pipeline}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return State{}, 0, fmt.Errorf("dora: loading state of %s: %w", pipeline, err)
	}
	if out == nil || len(out.Item) == 0 {
		return State{Pipeline: pipeline}, 0, nil
	}
	v, ok := out.Item[AttrVersion].(*types.AttributeValueMemberN)
	if !ok {
		return State{}, 0, fmt.Errorf("dora: state of %s has no numeric %q attribute", pipeline, AttrVersion)
	}
	version, err := strconv.ParseInt(v.Value, 10, 64)
	if err != nil || version < 1 {
		return State{}, 0, fmt.Errorf("dora: state of %s has version %q, not a positive integer", pipeline, v.Value)
	}
	var s State
	if raw, ok := out.Item[AttrState].(*types.AttributeValueMemberS); !ok {
		return State{}, 0, fmt.Errorf("dora: state of %s has no string %q attribute", pipeline, AttrState)
	} else if err := json.Unmarshal([]byte(raw.Value), &s); err != nil {
		return State{}, 0, fmt.Errorf("dora: decoding state of %s: %w", pipeline, err)
	}
	if s.Pipeline == "" {
		s.Pipeline = pipeline
	}
	return s, version, nil
}

// Save writes the pipeline's item as version+1, on condition that the stored
// item is at version (or, for version 0, that there is none).
func (d DynamoStore) Save(ctx context.Context, pipeline string, s State, version int64) error {
	if version < 0 {
		return fmt.Errorf("dora: saving state of %s: negative version %d", pipeline, version)
	}
	body, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("dora: encoding state of %s: %w", pipeline, err)
	}
	in := &dynamodb.PutItemInput{
		TableName: aws.String(d.Table),
		Item: map[string]types.AttributeValue{
			AttrPipeline: &types.AttributeValueMemberS{Value: pipeline},
			AttrState:    &types.AttributeValueMemberS{Value: string(body)},
			AttrVersion:  &types.AttributeValueMemberN{Value: strconv.FormatInt(version+1, 10)},
		},
		ExpressionAttributeNames: map[string]string{"#k": AttrPipeline},
		ConditionExpression:      aws.String("attribute_not_exists(#k)"),
	}
	if version > 0 {
		in.ExpressionAttributeNames = map[string]string{"#v": AttrVersion}
		in.ConditionExpression = aws.String("#v = :v")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{
			":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(version, 10)},
		}
	}
	if _, err := d.Client.PutItem(ctx, in); err != nil {
		var cond *types.ConditionalCheckFailedException
		if errors.As(err, &cond) {
			return ErrConflict
		}
		return fmt.Errorf("dora: saving state of %s: %w", pipeline, err)
	}
	return nil
}
