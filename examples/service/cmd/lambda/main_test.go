package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

// TestInvoke drives the handler through the Lambda runtime's own reflection
// wrapper with raw JSON payloads, as the runtime would.
func TestInvoke(t *testing.T) {
	t.Parallel()
	h := lambda.NewHandler(handler())
	tests := []struct {
		payload    string
		wantStatus int
		wantBody   string
	}{
		{`{"httpMethod":"GET","path":"/5","requestContext":{"stage":"prod"}}`, 200, "120\n"},
		{`{"httpMethod":"GET","path":"/health"}`, 200, `{"status":"ok"}` + "\n"},
		{`{"httpMethod":"GET","path":"/21"}`, 400, `{"error":"n must be an integer between 0 and 20"}` + "\n"},
	}
	for _, tt := range tests {
		out, err := h.Invoke(context.Background(), []byte(tt.payload))
		if err != nil {
			t.Fatalf("Invoke(%s): %v", tt.payload, err)
		}
		var resp events.APIGatewayProxyResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("Invoke(%s) returned %s: %v", tt.payload, out, err)
		}
		if resp.StatusCode != tt.wantStatus || resp.Body != tt.wantBody {
			t.Errorf("Invoke(%s) = %d %q, want %d %q", tt.payload, resp.StatusCode, resp.Body, tt.wantStatus, tt.wantBody)
		}
	}
}
