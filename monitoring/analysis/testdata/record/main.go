// Command record records the metric series of recorded_test.go from a
// real service: the examples' sample service (examples/service/cmd/server),
// run on this machine and driven by 8 concurrent clients, its p90 latency
// per 1-second datapoint (standing in for CloudWatch's 1-minute ones), in
// three runs of 20 s each:
//
//   - before: the service as built;
//   - same: the same service again (a deploy that changed nothing);
//   - slower: the same service while two busy processes take the
//     machine's CPUs from it, as a change that burns CPU on every request
//     would.
//
// Run it from the repository root; it writes testdata/recorded.json:
//
//	go run ./monitoring/analysis/testdata/record
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

const (
	clients = 8
	seconds = 20
)

func main() {
	dir, err := os.MkdirTemp("", "record")
	check(err)
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "server")
	build := exec.Command("go", "build", "-o", bin, "./examples/service/cmd/server")
	build.Stderr = os.Stderr
	check(build.Run())

	out := map[string][]float64{}
	for _, run := range []struct {
		name string
		busy int
	}{{"before", 0}, {"same", 0}, {"slower", 2}} {
		out[run.name] = record(bin, run.busy)
		fmt.Fprintf(os.Stderr, "%s: %v\n", run.name, out[run.name])
	}
	raw, err := json.MarshalIndent(out, "", "  ")
	check(err)
	check(os.WriteFile("monitoring/analysis/testdata/recorded.json", append(raw, '\n'), 0o644))
}

// record starts the service and returns its p90 latency in milliseconds
// for each second of load.
func record(bin string, busy int) []float64 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "LISTEN_HOST=127.0.0.1")
	check(cmd.Start())
	for range busy {
		spin := exec.Command("sh", "-c", "while :; do :; done")
		check(spin.Start())
		defer func() { _ = spin.Process.Kill(); _ = spin.Wait() }()
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d/20", port)
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			break
		}
		if time.Since(start) > 10*time.Second {
			panic("the service did not start")
		}
	}

	var mu sync.Mutex
	buckets := make([][]float64, seconds)
	begin := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			for {
				t0 := time.Now()
				i := int(t0.Sub(begin) / time.Second)
				if i >= seconds {
					return
				}
				resp, err := client.Get(url)
				if err != nil {
					continue
				}
				resp.Body.Close()
				ms := float64(time.Since(t0).Microseconds()) / 1000
				mu.Lock()
				buckets[i] = append(buckets[i], ms)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	series := make([]float64, seconds)
	for i, b := range buckets {
		sort.Float64s(b)
		series[i] = b[len(b)*9/10]
	}
	return series
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
