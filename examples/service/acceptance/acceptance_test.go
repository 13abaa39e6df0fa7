//go:build acceptance

package acceptance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

const (
	// readyTimeout bounds how long TestMain waits for /health to answer
	// 200, so that a server that is still starting is tolerated.
	readyTimeout = 30 * time.Second
	// retryBudget bounds the retries of one request on connection errors
	// and 5xx answers once the service is up.
	retryBudget = 10 * time.Second
	// maxBody is the most of a response body that is read.
	maxBody = 64 << 10
)

// base is the service's base URL without a trailing slash, from ENDPOINT.
var base string

var client = &http.Client{
	Timeout: 10 * time.Second,
	// Report redirects as they are: the contract has none.
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func TestMain(m *testing.M) {
	endpoint := os.Getenv("ENDPOINT")
	if endpoint == "" {
		fmt.Fprintln(os.Stderr, "ENDPOINT is not set: set it to the base URL of the running service, "+
			"e.g. ENDPOINT=http://localhost:8080 go test -tags acceptance ./examples/service/acceptance/")
		os.Exit(2)
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		fmt.Fprintf(os.Stderr, "ENDPOINT=%q is not an http(s) base URL such as http://localhost:8080 or "+
			"https://abc123.execute-api.eu-west-1.amazonaws.com/prod/\n", endpoint)
		os.Exit(2)
	}
	base = strings.TrimRight(endpoint, "/")

	if err := waitReady(); err != nil {
		fmt.Fprintf(os.Stderr, "service at %s is not ready: %v\n", base, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// waitReady polls /health until it answers 200, for up to readyTimeout.
func waitReady() error {
	resp, err := get(context.Background(), "/health", readyTimeout)
	if err != nil {
		return err
	}
	if resp.status != http.StatusOK {
		return fmt.Errorf("GET /health: %d %q", resp.status, resp.body)
	}
	return nil
}

type response struct {
	status int
	header http.Header
	body   string
}

// get requests base+path. It retries connection errors, timeouts and 5xx
// answers with backoff until budget has passed, but never retries any other
// answer (in particular no 4xx). On giving up it returns the last 5xx
// response, or the last error.
func get(ctx context.Context, path string, budget time.Duration) (response, error) {
	deadline := time.Now().Add(budget)
	backoff := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		resp, err := getOnce(ctx, path)
		if err == nil && resp.status < 500 {
			return resp, nil
		}
		if time.Now().Add(backoff).After(deadline) {
			if err != nil {
				return response{}, fmt.Errorf("GET %s: giving up after %d attempts: %w", path, attempt, err)
			}
			return resp, nil
		}
		select {
		case <-ctx.Done():
			return response{}, ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 2*time.Second)
	}
}

func getOnce(ctx context.Context, path string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return response{}, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return response{}, fmt.Errorf("reading body: %w", err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// mustGet is get for tests: it fails t on a transport error.
func mustGet(t *testing.T, path string) response {
	t.Helper()
	resp, err := get(t.Context(), path, retryBudget)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func mediaType(h http.Header) string {
	mt, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	return strings.TrimSpace(strings.ToLower(mt))
}

func TestHealth(t *testing.T) {
	t.Parallel()
	resp := mustGet(t, "/health")
	if resp.status != http.StatusOK {
		t.Fatalf("GET /health: status %d, want 200 (body %q)", resp.status, resp.body)
	}
	if mt := mediaType(resp.header); mt != "application/json" {
		t.Errorf("GET /health: Content-Type %q, want application/json", resp.header.Get("Content-Type"))
	}
	var body struct{ Status string }
	if err := json.Unmarshal([]byte(resp.body), &body); err != nil || body.Status != "ok" {
		t.Errorf("GET /health: body %q, want {\"status\":\"ok\"}", resp.body)
	}
}

func TestFactorial(t *testing.T) {
	t.Parallel()
	tests := []struct{ n, want string }{
		{"0", "1"},
		{"1", "1"},
		{"5", "120"},
		{"007", "5040"}, // leading zeros are read as base 10
		{"20", "2432902008176640000"},
	}
	for _, tt := range tests {
		t.Run(tt.n, func(t *testing.T) {
			t.Parallel()
			resp := mustGet(t, "/"+tt.n)
			if resp.status != http.StatusOK {
				t.Fatalf("GET /%s: status %d, want 200 (body %q)", tt.n, resp.status, resp.body)
			}
			if resp.body != tt.want+"\n" {
				t.Errorf("GET /%s: body %q, want %q", tt.n, resp.body, tt.want+"\n")
			}
			if mt := mediaType(resp.header); mt != "text/plain" {
				t.Errorf("GET /%s: Content-Type %q, want text/plain", tt.n, resp.header.Get("Content-Type"))
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"21", "-1", "abc", "2.5", "99999999999999999999999"} {
		t.Run(n, func(t *testing.T) {
			t.Parallel()
			resp := mustGet(t, "/"+n)
			if resp.status != http.StatusBadRequest {
				t.Fatalf("GET /%s: status %d, want 400 (body %q)", n, resp.status, resp.body)
			}
			if mt := mediaType(resp.header); mt != "application/json" {
				t.Errorf("GET /%s: Content-Type %q, want application/json", n, resp.header.Get("Content-Type"))
			}
			var body struct{ Error string }
			if err := json.Unmarshal([]byte(resp.body), &body); err != nil || body.Error == "" {
				t.Errorf("GET /%s: body %q, want a JSON object with a non-empty \"error\"", n, resp.body)
			}
		})
	}
}
