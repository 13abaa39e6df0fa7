// Command server runs the factorial service as a stand-alone HTTP server, as
// deployed in a container (ECS) or on an instance (EC2).
//
// Configuration is read from the environment:
//
//	PORT              TCP port to listen on (default 8080; 0 picks a free port,
//	                  which is logged)
//	LISTEN_HOST       address to bind (default: all interfaces; use 127.0.0.1
//	                  to accept only local connections)
//	SHUTDOWN_TIMEOUT  how long to let in-flight requests finish after SIGTERM
//	                  or SIGINT, as a Go duration (default 20s; keep it below
//	                  the orchestrator's stop timeout, 30s by default on ECS)
//
// Logs are JSON lines on standard output. On SIGTERM or SIGINT the server
// stops accepting connections, finishes in-flight requests and exits 0; a
// second signal exits at once.
//
// With -healthcheck the command instead requests /health from a server
// running on the same host and port and exits 0 if it answered 200, 1
// otherwise, for container health checks in images without curl:
//
//	server -healthcheck
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/velocity-cdk/velocity/examples/service"
)

// Server timeouts. Requests are tiny GETs, so these are generous upper
// bounds that still protect against slow or idle clients.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 10 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 32 << 10
)

func main() {
	healthcheck := flag.Bool("healthcheck", false, "check /health of the server on $LISTEN_HOST:$PORT and exit 0 if healthy")
	flag.Parse()

	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		logger.Error("invalid configuration", "error", err)
		os.Exit(2)
	}

	if *healthcheck {
		if err := checkHealth(context.Background(), cfg); err != nil {
			fmt.Fprintln(os.Stderr, "unhealthy:", err)
			os.Exit(1)
		}
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, cfg, service.NewHandler(), logger, stop); err != nil {
		logger.Error("server failed", "error", err)
		os.Exit(1)
	}
}

// config is the server's configuration, see the command documentation.
type config struct {
	host            string
	port            string
	shutdownTimeout time.Duration
}

// addr returns the host:port to listen on.
func (c config) addr() string { return net.JoinHostPort(c.host, c.port) }

func loadConfig(getenv func(string) string) (config, error) {
	cfg := config{host: getenv("LISTEN_HOST"), port: "8080", shutdownTimeout: 20 * time.Second}
	if p := getenv("PORT"); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return config{}, fmt.Errorf("PORT=%q: want a port number 0-65535", p)
		}
		cfg.port = strconv.FormatUint(n, 10)
	}
	if s := getenv("SHUTDOWN_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return config{}, fmt.Errorf("SHUTDOWN_TIMEOUT=%q: want a duration such as 20s", s)
		}
		cfg.shutdownTimeout = d
	}
	return cfg, nil
}

// run listens on cfg.addr() and serves h there, see serve.
func run(ctx context.Context, cfg config, h http.Handler, logger *slog.Logger, onShutdown func()) error {
	ln, err := net.Listen("tcp", cfg.addr())
	if err != nil {
		return err
	}
	return serve(ctx, ln, cfg.shutdownTimeout, h, logger, onShutdown)
}

// serve serves h on ln until ctx is done, then shuts down gracefully: it
// stops accepting connections and waits up to shutdownTimeout for in-flight
// requests. onShutdown, if not nil, is called when shutdown starts (main uses
// it to restore default signal handling, so a second signal kills the
// process). serve closes ln and returns nil after a clean shutdown.
func serve(ctx context.Context, ln net.Listener, shutdownTimeout time.Duration, h http.Handler, logger *slog.Logger, onShutdown func()) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logger.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-serveErr:
		return err // Serve failed before any shutdown was requested
	case <-ctx.Done():
	}
	if onShutdown != nil {
		onShutdown()
	}
	logger.Info("shutting down", "timeout", shutdownTimeout.String())

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("graceful shutdown: %w", err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// checkHealth requests /health from the server configured by cfg, on the
// loopback address unless cfg.host names a specific address.
func checkHealth(ctx context.Context, cfg config) error {
	host := cfg.host
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, cfg.port) + "/health"
	client := &http.Client{Timeout: 3 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
