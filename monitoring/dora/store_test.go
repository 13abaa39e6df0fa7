package dora

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// fakeDynamo is an in-memory table that understands the two condition
// expressions DynamoStore writes, the way DynamoDB evaluates them.
type fakeDynamo struct {
	mu     sync.Mutex
	table  string
	items  map[string]map[string]types.AttributeValue
	gets   int
	puts   int
	getErr error
	putErr error
	// beforePut runs before each PutItem is evaluated, outside the lock.
	beforePut func(n int)
}

func newFakeDynamo() *fakeDynamo {
	return &fakeDynamo{table: "dora-state", items: map[string]map[string]types.AttributeValue{}}
}

func (f *fakeDynamo) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.getErr != nil {
		return nil, f.getErr
	}
	if aws.ToString(in.TableName) != f.table {
		return nil, errors.New("ResourceNotFoundException: " + aws.ToString(in.TableName))
	}
	if !aws.ToBool(in.ConsistentRead) {
		return nil, errors.New("test: reads must be strongly consistent")
	}
	k, ok := in.Key[AttrPipeline].(*types.AttributeValueMemberS)
	if !ok || len(in.Key) != 1 {
		return nil, errors.New("ValidationException: bad key")
	}
	return &dynamodb.GetItemOutput{Item: f.items[k.Value]}, nil
}

func (f *fakeDynamo) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.mu.Lock()
	f.puts++
	n, hook := f.puts, f.beforePut
	f.mu.Unlock()
	if hook != nil {
		hook(n)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.putErr != nil {
		return nil, f.putErr
	}
	if aws.ToString(in.TableName) != f.table {
		return nil, errors.New("ResourceNotFoundException: " + aws.ToString(in.TableName))
	}
	k, ok := in.Item[AttrPipeline].(*types.AttributeValueMemberS)
	if !ok {
		return nil, errors.New("ValidationException: no key")
	}
	cur, exists := f.items[k.Value]
	name := func(n string) string {
		if strings.HasPrefix(n, "#") {
			return in.ExpressionAttributeNames[n]
		}
		return n
	}
	var pass bool
	switch expr := aws.ToString(in.ConditionExpression); {
	case strings.HasPrefix(expr, "attribute_not_exists(") && strings.HasSuffix(expr, ")"):
		attr := name(strings.TrimSuffix(strings.TrimPrefix(expr, "attribute_not_exists("), ")"))
		_, has := cur[attr]
		pass = !exists || !has
	case strings.Contains(expr, " = "):
		parts := strings.SplitN(expr, " = ", 2)
		want, _ := in.ExpressionAttributeValues[parts[1]].(*types.AttributeValueMemberN)
		got, _ := cur[name(parts[0])].(*types.AttributeValueMemberN)
		pass = exists && want != nil && got != nil && want.Value == got.Value
	default:
		return nil, errors.New("test: unexpected condition " + expr)
	}
	if !pass {
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	f.items[k.Value] = in.Item
	return &dynamodb.PutItemOutput{}, nil
}

func TestDynamoStoreOptimisticConcurrency(t *testing.T) {
	ctx := context.Background()
	db := newFakeDynamo()
	store := DynamoStore{Client: db, Table: db.table}

	s, v, err := store.Load(ctx, line)
	if err != nil || v != 0 || !reflect.DeepEqual(s, State{Pipeline: line}) {
		t.Fatalf("empty load: %+v %d %v", s, v, err)
	}
	s1, _ := run(t, Rules{}, deploy("a", 0), nil)
	if err := store.Save(ctx, line, s1, 0); err != nil {
		t.Fatalf("first save: %v", err)
	}
	if err := store.Save(ctx, line, s1, 0); !errors.Is(err, ErrConflict) {
		t.Fatalf("second first save: %v", err)
	}
	got, v, err := store.Load(ctx, line)
	if err != nil || v != 1 || !reflect.DeepEqual(got, s1) {
		t.Fatalf("load after save: v%d %v\n%+v\n%+v", v, err, got, s1)
	}
	s2, _ := run(t, Rules{}, concat(deploy("a", 0), failProduction("b", 50)), nil)
	if err := store.Save(ctx, line, s2, 1); err != nil {
		t.Fatalf("save v1: %v", err)
	}
	for _, stale := range []int64{0, 1, 3} {
		if err := store.Save(ctx, line, s1, stale); !errors.Is(err, ErrConflict) {
			t.Errorf("save at stale version %d: %v", stale, err)
		}
	}
	if got, v, _ := store.Load(ctx, line); v != 2 || !reflect.DeepEqual(got, s2) {
		t.Errorf("load v2: %d %+v", v, got)
	}
	if err := store.Save(ctx, line, s1, -1); err == nil || errors.Is(err, ErrConflict) {
		t.Errorf("negative version: %v", err)
	}
	// Another pipeline is another item.
	if _, v, _ := store.Load(ctx, "other"); v != 0 {
		t.Errorf("other pipeline at version %d", v)
	}
	item := db.items[line]
	if _, ok := item[AttrState].(*types.AttributeValueMemberS); !ok {
		t.Errorf("state attribute: %#v", item[AttrState])
	}
	if n, ok := item[AttrVersion].(*types.AttributeValueMemberN); !ok || n.Value != "2" {
		t.Errorf("version attribute: %#v", item[AttrVersion])
	}
}

func TestDynamoStoreErrors(t *testing.T) {
	ctx := context.Background()
	db := newFakeDynamo()
	store := DynamoStore{Client: db, Table: db.table}
	for name, item := range map[string]map[string]types.AttributeValue{
		"no version":    {AttrPipeline: &types.AttributeValueMemberS{Value: line}, AttrState: &types.AttributeValueMemberS{Value: "{}"}},
		"bad version":   {AttrPipeline: &types.AttributeValueMemberS{Value: line}, AttrState: &types.AttributeValueMemberS{Value: "{}"}, AttrVersion: &types.AttributeValueMemberN{Value: "x"}},
		"zero version":  {AttrPipeline: &types.AttributeValueMemberS{Value: line}, AttrState: &types.AttributeValueMemberS{Value: "{}"}, AttrVersion: &types.AttributeValueMemberN{Value: "0"}},
		"no state":      {AttrPipeline: &types.AttributeValueMemberS{Value: line}, AttrVersion: &types.AttributeValueMemberN{Value: "1"}},
		"corrupt state": {AttrPipeline: &types.AttributeValueMemberS{Value: line}, AttrState: &types.AttributeValueMemberS{Value: "{"}, AttrVersion: &types.AttributeValueMemberN{Value: "1"}},
	} {
		db.items[line] = item
		if _, _, err := store.Load(ctx, line); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	db.items[line] = map[string]types.AttributeValue{
		AttrPipeline: &types.AttributeValueMemberS{Value: line},
		AttrState:    &types.AttributeValueMemberS{Value: `{"production":{"failingSince":1}}`},
		AttrVersion:  &types.AttributeValueMemberN{Value: "4"},
	}
	if s, v, err := store.Load(ctx, line); err != nil || v != 4 || s.Production.FailingSince != 1 || s.Pipeline != line {
		t.Errorf("state without pipeline: %+v %d %v", s, v, err)
	}

	db.getErr = errors.New("throttled")
	if _, _, err := store.Load(ctx, line); err == nil || !strings.Contains(err.Error(), "throttled") {
		t.Errorf("get error: %v", err)
	}
	db.putErr = errors.New("throttled")
	if err := store.Save(ctx, line, State{}, 4); err == nil || errors.Is(err, ErrConflict) || !strings.Contains(err.Error(), "throttled") {
		t.Errorf("put error: %v", err)
	}
}
