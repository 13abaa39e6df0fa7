package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/velocity-cdk/velocity/examples/service"
)

func TestLoadConfig(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) string {
		return func(k string) string { return m[k] }
	}
	cfg, err := loadConfig(env(nil))
	if err != nil || cfg.addr() != ":8080" || cfg.shutdownTimeout != 20*time.Second {
		t.Errorf("defaults: got %+v, %v", cfg, err)
	}
	cfg, err = loadConfig(env(map[string]string{"PORT": "0", "LISTEN_HOST": "127.0.0.1", "SHUTDOWN_TIMEOUT": "3s"}))
	if err != nil || cfg.addr() != "127.0.0.1:0" || cfg.shutdownTimeout != 3*time.Second {
		t.Errorf("got %+v, %v", cfg, err)
	}
	cfg, err = loadConfig(env(map[string]string{"LISTEN_HOST": "::1", "PORT": "9000"}))
	if err != nil || cfg.addr() != "[::1]:9000" {
		t.Errorf("got %+v, %v", cfg, err)
	}
	for _, bad := range []map[string]string{
		{"PORT": "http"},
		{"PORT": "-1"},
		{"PORT": "65536"},
		{"PORT": " 80"},
		{"SHUTDOWN_TIMEOUT": "20"},
		{"SHUTDOWN_TIMEOUT": "-1s"},
	} {
		if _, err := loadConfig(env(bad)); err == nil {
			t.Errorf("loadConfig(%v) succeeded, want an error", bad)
		}
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// startServer runs serve on a free loopback port and returns its base URL, a
// function that requests shutdown, and a channel with serve's result.
func startServer(t *testing.T, h http.Handler) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, 5*time.Second, h, discardLogger(), nil) }()
	return "http://" + ln.Addr().String(), cancel, done
}

func TestServeAndShutdown(t *testing.T) {
	t.Parallel()
	base, shutdown, done := startServer(t, service.NewHandler())
	client := &http.Client{Timeout: 5 * time.Second}

	resp, err := client.Get(base + "/5")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "120\n" {
		t.Errorf("GET /5 = %d %q, want 200 %q", resp.StatusCode, body, "120\n")
	}

	host, port, _ := net.SplitHostPort(strings.TrimPrefix(base, "http://"))
	if err := checkHealth(context.Background(), config{host: host, port: port}); err != nil {
		t.Errorf("checkHealth: %v", err)
	}

	shutdown()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after shutdown")
	}
	if _, err := client.Get(base + "/health"); err == nil {
		t.Error("server still accepts connections after shutdown")
	}
	if err := checkHealth(context.Background(), config{host: host, port: port}); err == nil {
		t.Error("checkHealth succeeded after shutdown")
	}
}

// TestGracefulShutdown checks that a request in flight when shutdown starts
// is completed, and that serve waits for it.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	started := make(chan struct{})
	release := make(chan struct{})
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		_, _ = io.WriteString(w, "done")
	})
	base, shutdown, done := startServer(t, slow)

	type result struct {
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/slow")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{string(b), err}
	}()

	<-started
	shutdown()
	select {
	case err := <-done:
		t.Fatalf("serve returned %v while a request was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	close(release)

	r := <-got
	if r.err != nil || r.body != "done" {
		t.Errorf("in-flight request: %q, %v; want done", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Errorf("serve returned %v, want nil", err)
	}
}

func TestRunListenError(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	cfg := config{host: "127.0.0.1", port: port, shutdownTimeout: time.Second}
	if err := run(context.Background(), cfg, service.NewHandler(), discardLogger(), nil); err == nil {
		t.Error("run on a port in use succeeded, want an error")
	}
}
