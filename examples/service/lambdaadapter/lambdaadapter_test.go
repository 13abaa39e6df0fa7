package lambdaadapter

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/velocity-cdk/velocity/examples/service"
)

// sampleEvent is a trimmed API Gateway REST API proxy event for
// GET https://abc123.execute-api.eu-west-1.amazonaws.com/prod/5?x=1&x=2&y=z
// (resource /{proxy+}), as delivered to the function.
const sampleEvent = `{
  "resource": "/{proxy+}",
  "path": "/5",
  "httpMethod": "GET",
  "headers": {"Accept": "*/*", "Host": "abc123.execute-api.eu-west-1.amazonaws.com", "X-Forwarded-Proto": "https"},
  "multiValueHeaders": {
    "Accept": ["*/*"],
    "Host": ["abc123.execute-api.eu-west-1.amazonaws.com"],
    "X-Forwarded-Proto": ["https"]
  },
  "queryStringParameters": {"x": "2", "y": "z"},
  "multiValueQueryStringParameters": {"x": ["1", "2"], "y": ["z"]},
  "pathParameters": {"proxy": "5"},
  "stageVariables": null,
  "requestContext": {
    "resourcePath": "/{proxy+}",
    "httpMethod": "GET",
    "path": "/prod/5",
    "protocol": "HTTP/1.1",
    "stage": "prod",
    "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
    "apiId": "abc123",
    "identity": {"sourceIp": "203.0.113.7"}
  },
  "body": null,
  "isBase64Encoded": false
}`

func decodeEvent(t *testing.T, s string) events.APIGatewayProxyRequest {
	t.Helper()
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal([]byte(s), &e); err != nil {
		t.Fatal(err)
	}
	return e
}

type ctxKey struct{}

func TestNewRequestFromSampleEvent(t *testing.T) {
	t.Parallel()
	ctx := context.WithValue(context.Background(), ctxKey{}, "v")
	req, err := NewRequest(ctx, decodeEvent(t, sampleEvent))
	if err != nil {
		t.Fatal(err)
	}
	if req.Method != "GET" || req.URL.Path != "/5" || req.URL.RawQuery != "x=1&x=2&y=z" {
		t.Errorf("got %s %s?%s, want GET /5?x=1&x=2&y=z", req.Method, req.URL.Path, req.URL.RawQuery)
	}
	if req.RequestURI != "/5?x=1&x=2&y=z" {
		t.Errorf("RequestURI = %q", req.RequestURI)
	}
	if req.Host != "abc123.execute-api.eu-west-1.amazonaws.com" || req.Header.Get("Host") != "" {
		t.Errorf("Host = %q, Header[Host] = %q", req.Host, req.Header.Get("Host"))
	}
	if req.Header.Get("X-Forwarded-Proto") != "https" || req.Header.Get("Accept") != "*/*" {
		t.Errorf("Header = %v", req.Header)
	}
	if req.RemoteAddr != "203.0.113.7:0" {
		t.Errorf("RemoteAddr = %q", req.RemoteAddr)
	}
	if req.Proto != "HTTP/1.1" || req.ProtoMajor != 1 || req.ProtoMinor != 1 {
		t.Errorf("Proto = %q %d.%d", req.Proto, req.ProtoMajor, req.ProtoMinor)
	}
	if req.Context().Value(ctxKey{}) != "v" {
		t.Error("request does not carry the invocation context")
	}
	if req.ContentLength != 0 || req.Body != http.NoBody {
		t.Errorf("ContentLength = %d, Body = %v; want empty", req.ContentLength, req.Body)
	}
}

func TestNewRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		event       events.APIGatewayProxyRequest
		wantPath    string // decoded
		wantRawPath string // escaped, as seen by ServeMux
		wantQuery   string
		wantHeader  http.Header
		wantHost    string
		wantBody    string
	}{
		{
			name:        "root",
			event:       events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/"},
			wantPath:    "/",
			wantRawPath: "/",
		},
		{
			name:        "empty path",
			event:       events.APIGatewayProxyRequest{HTTPMethod: "GET"},
			wantPath:    "/",
			wantRawPath: "/",
		},
		{
			name:        "path without leading slash",
			event:       events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "5"},
			wantPath:    "/5",
			wantRawPath: "/5",
		},
		{
			name:        "encoded path kept",
			event:       events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/%2B5%20x%2Fy"},
			wantPath:    "/+5 x/y",
			wantRawPath: "/%2B5%20x%2Fy",
		},
		{
			name:        "decoded path escaped",
			event:       events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/ 5?#é"},
			wantPath:    "/ 5?#é",
			wantRawPath: "/%205%3F%23%C3%A9",
		},
		{
			name:        "bare percent",
			event:       events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/5%zz%"},
			wantPath:    "/5%zz%",
			wantRawPath: "/5%25zz%25",
		},
		{
			name: "single-value query and headers only",
			event: events.APIGatewayProxyRequest{
				HTTPMethod:            "GET",
				Path:                  "/5",
				QueryStringParameters: map[string]string{"a": "1 2", "b": "&="},
				Headers:               map[string]string{"x-custom": "v", "host": "example.com"},
			},
			wantPath:    "/5",
			wantRawPath: "/5",
			wantQuery:   "a=1+2&b=%26%3D",
			wantHeader:  http.Header{"X-Custom": {"v"}},
			wantHost:    "example.com",
		},
		{
			name: "multi-value headers win",
			event: events.APIGatewayProxyRequest{
				HTTPMethod:        "GET",
				Path:              "/5",
				Headers:           map[string]string{"X-A": "2"},
				MultiValueHeaders: map[string][]string{"x-a": {"1", "2"}},
				RequestContext:    events.APIGatewayProxyRequestContext{DomainName: "d.example"},
			},
			wantPath:    "/5",
			wantRawPath: "/5",
			wantHeader:  http.Header{"X-A": {"1", "2"}},
			wantHost:    "d.example",
		},
		{
			name:        "plain body",
			event:       events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/5", Body: "hello"},
			wantPath:    "/5",
			wantRawPath: "/5",
			wantBody:    "hello",
		},
		{
			name: "base64 body",
			event: events.APIGatewayProxyRequest{
				HTTPMethod:      "POST",
				Path:            "/5",
				Body:            base64.StdEncoding.EncodeToString([]byte{0, 1, 0xff}),
				IsBase64Encoded: true,
			},
			wantPath:    "/5",
			wantRawPath: "/5",
			wantBody:    "\x00\x01\xff",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := NewRequest(context.Background(), tt.event)
			if err != nil {
				t.Fatal(err)
			}
			if req.URL.Path != tt.wantPath || req.URL.EscapedPath() != tt.wantRawPath {
				t.Errorf("path = %q (escaped %q), want %q (escaped %q)",
					req.URL.Path, req.URL.EscapedPath(), tt.wantPath, tt.wantRawPath)
			}
			if req.URL.RawQuery != tt.wantQuery {
				t.Errorf("RawQuery = %q, want %q", req.URL.RawQuery, tt.wantQuery)
			}
			if tt.wantHeader == nil {
				tt.wantHeader = http.Header{}
			}
			if !reflect.DeepEqual(req.Header, tt.wantHeader) {
				t.Errorf("Header = %v, want %v", req.Header, tt.wantHeader)
			}
			if req.Host != tt.wantHost {
				t.Errorf("Host = %q, want %q", req.Host, tt.wantHost)
			}
			b, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.wantBody || req.ContentLength != int64(len(tt.wantBody)) {
				t.Errorf("body = %q (ContentLength %d), want %q", b, req.ContentLength, tt.wantBody)
			}
		})
	}
}

func TestNewRequestErrors(t *testing.T) {
	t.Parallel()
	for name, event := range map[string]events.APIGatewayProxyRequest{
		"no method":      {Path: "/5"},
		"invalid method": {HTTPMethod: "G T", Path: "/5"},
		"bad base64":     {HTTPMethod: "POST", Path: "/5", Body: "not base64!", IsBase64Encoded: true},
	} {
		if _, err := NewRequest(context.Background(), event); err == nil {
			t.Errorf("%s: NewRequest succeeded, want an error", name)
		}
	}
}

func TestEscapePath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":                   "",
		"/a/b":               "/a/b",
		"/%41%2f":            "/%41%2f",
		"/%4":                "/%254",
		"/%":                 "/%25",
		"/a b":               "/a%20b",
		"/\x00\x7f\xff":      "/%00%7F%FF",
		"/-._~!$&'()*+,;=:@": "/-._~!$&'()*+,;=:@",
	} {
		if got := escapePath(in); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNewResponse(t *testing.T) {
	t.Parallel()
	t.Run("text", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rec.Header().Add("Set-Cookie", "a=1")
		rec.Header().Add("Set-Cookie", "b=2")
		rec.WriteHeader(http.StatusTeapot)
		rec.Header().Set("X-Late", "ignored") // after WriteHeader: not sent
		_, _ = rec.WriteString("héllo\n")
		got := NewResponse(rec)
		want := events.APIGatewayProxyResponse{
			StatusCode: http.StatusTeapot,
			Headers:    map[string]string{"Content-Type": "text/plain; charset=utf-8"},
			MultiValueHeaders: map[string][]string{
				"Content-Type": {"text/plain; charset=utf-8"},
				"Set-Cookie":   {"a=1", "b=2"},
			},
			Body: "héllo\n",
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v\nwant %+v", got, want)
		}
	})
	t.Run("binary", func(t *testing.T) {
		t.Parallel()
		rec := httptest.NewRecorder()
		rec.Header().Set("Content-Type", "application/octet-stream")
		_, _ = rec.Write([]byte{0xff, 0x00})
		got := NewResponse(rec)
		if got.StatusCode != 200 || !got.IsBase64Encoded || got.Body != "/wA=" {
			t.Errorf("got %+v, want status 200, base64 body /wA=", got)
		}
	})
	t.Run("nothing written", func(t *testing.T) {
		t.Parallel()
		got := NewResponse(httptest.NewRecorder())
		if got.StatusCode != 200 || got.Body != "" || got.IsBase64Encoded {
			t.Errorf("got %+v, want empty 200", got)
		}
	})
}

// TestHandlerWithService runs the real service handler through the adapter.
func TestHandlerWithService(t *testing.T) {
	t.Parallel()
	const badN = `{"error":"n must be an integer between 0 and 20"}` + "\n"
	tests := []struct {
		name       string
		event      events.APIGatewayProxyRequest
		wantStatus int
		wantBody   string
		wantCT     string
		wantAllow  string
	}{
		{"health", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/health"}, 200, `{"status":"ok"}` + "\n", "application/json", ""},
		{"zero", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/0"}, 200, "1\n", "text/plain; charset=utf-8", ""},
		{"five", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/5"}, 200, "120\n", "text/plain; charset=utf-8", ""},
		{"twenty", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/20"}, 200, "2432902008176640000\n", "text/plain; charset=utf-8", ""},
		{"twenty-one", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/21"}, 400, badN, "application/json", ""},
		{"negative", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/-1"}, 400, badN, "application/json", ""},
		{"encoded plus", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/%2B5"}, 400, badN, "application/json", ""},
		{"encoded space", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/5%20"}, 400, badN, "application/json", ""},
		{"root", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/"}, 400, badN, "application/json", ""},
		{"head", events.APIGatewayProxyRequest{HTTPMethod: "HEAD", Path: "/5"}, 200, "", "text/plain; charset=utf-8", ""},
		{"post", events.APIGatewayProxyRequest{HTTPMethod: "POST", Path: "/5", Body: "x"}, 405, `{"error":"method not allowed"}` + "\n", "application/json", "GET, HEAD"},
		{"unknown route", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/a/b"}, 404, `{"error":"not found"}` + "\n", "application/json", ""},
		{"bad event", events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/5", Body: "%%%", IsBase64Encoded: true}, 400, `{"error":"bad request"}` + "\n", "application/json", ""},
	}
	h := Handler(service.NewHandler())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := h(context.Background(), tt.event)
			if err != nil {
				t.Fatalf("handler returned error %v", err)
			}
			if resp.StatusCode != tt.wantStatus || resp.Body != tt.wantBody || resp.IsBase64Encoded {
				t.Errorf("got %d %q (base64 %v), want %d %q", resp.StatusCode, resp.Body, resp.IsBase64Encoded, tt.wantStatus, tt.wantBody)
			}
			if ct := resp.Headers["Content-Type"]; ct != tt.wantCT {
				t.Errorf("Content-Type = %q, want %q", ct, tt.wantCT)
			}
			if allow := resp.Headers["Allow"]; allow != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", allow, tt.wantAllow)
			}
		})
	}
}

func TestHandlerSampleEvent(t *testing.T) {
	t.Parallel()
	resp, err := Handler(service.NewHandler())(context.Background(), decodeEvent(t, sampleEvent))
	if err != nil || resp.StatusCode != 200 || resp.Body != "120\n" {
		t.Errorf("got %+v, %v; want 200 120", resp, err)
	}
}

func TestHandlerRecoversPanic(t *testing.T) {
	t.Parallel()
	h := Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "partial")
		panic("boom")
	}))
	resp, err := h(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Path: "/"})
	if err != nil || resp.StatusCode != 500 || !strings.Contains(resp.Body, `"error"`) {
		t.Errorf("got %+v, %v; want a JSON 500 and no error", resp, err)
	}
}
