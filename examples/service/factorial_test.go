package service

import (
	"encoding/json"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// wantFactorial computes n! with math/big, independently of Factorial.
func wantFactorial(n uint64) string {
	return new(big.Int).MulRange(1, int64(n)).String()
}

func TestFactorial(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    uint64
		want uint64
	}{
		{0, 1},
		{1, 1},
		{2, 2},
		{5, 120},
		{10, 3628800},
		{19, 121645100408832000},
		{20, 2432902008176640000},
	}
	for _, tt := range tests {
		got, err := Factorial(tt.n)
		if err != nil || got != tt.want {
			t.Errorf("Factorial(%d) = %d, %v; want %d, nil", tt.n, got, err, tt.want)
		}
	}
	for n := uint64(0); n <= MaxN; n++ {
		got, err := Factorial(n)
		if err != nil || strconv.FormatUint(got, 10) != wantFactorial(n) {
			t.Errorf("Factorial(%d) = %d, %v; want %s", n, got, err, wantFactorial(n))
		}
	}
	for _, n := range []uint64{21, 22, 100, 1 << 63, ^uint64(0)} {
		got, err := Factorial(n)
		if !errors.Is(err, ErrInvalidN) || got != 0 {
			t.Errorf("Factorial(%d) = %d, %v; want 0, ErrInvalidN", n, got, err)
		}
	}
}

func TestParseN(t *testing.T) {
	t.Parallel()
	valid := []struct {
		in   string
		want uint64
	}{
		{"0", 0},
		{"1", 1},
		{"5", 5},
		{"19", 19},
		{"20", 20},
		{"00", 0},
		{"007", 7},
		{"020", 20},
		{"00000000000000000000000000000000000020", 20},
	}
	for _, tt := range valid {
		got, err := ParseN(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseN(%q) = %d, %v; want %d, nil", tt.in, got, err, tt.want)
		}
	}
	invalid := []string{
		"",
		"21",
		"021",
		"100",
		"-1",
		"-0",
		"+5",
		"+0",
		"2.5",
		"5.",
		".5",
		"5.0",
		"1e1",
		"0x5",
		"0b1",
		"0o7",
		"1_0",
		"abc",
		"5a",
		"a5",
		" 5",
		"5 ",
		" ",
		"\t5",
		"5\n",
		"99999999999999999999999",
		"18446744073709551615", // max uint64: parses, but > MaxN
		"18446744073709551616", // max uint64 + 1: ErrRange
		"\uff15",               // FULLWIDTH DIGIT FIVE
		"٥",                    // ARABIC-INDIC DIGIT FIVE
		"5\x00",
		"NaN",
		"Inf",
	}
	for _, in := range invalid {
		got, err := ParseN(in)
		if !errors.Is(err, ErrInvalidN) || got != 0 {
			t.Errorf("ParseN(%q) = %d, %v; want 0, ErrInvalidN", in, got, err)
		}
	}
}

// serve sends one request to a fresh handler. path is the already-escaped
// request path, as it would appear on the wire.
func serve(t testing.TB, method, path string) *http.Response {
	t.Helper()
	u, err := url.Parse(path)
	if err != nil {
		t.Fatalf("bad test path %q: %v", path, err)
	}
	req := &http.Request{
		Method:     method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Host:       "example.com",
		RequestURI: path,
		Body:       http.NoBody,
	}
	rec := httptest.NewRecorder()
	NewHandler().ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return string(b)
}

// checkJSONError checks that resp has a JSON body {"error": wantMsg}.
func checkJSONError(t testing.TB, resp *http.Response, body, wantMsg string) {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("body %q is not a JSON object of strings: %v", body, err)
	}
	if len(got) != 1 || got["error"] != wantMsg {
		t.Errorf("body = %q, want {\"error\":%q}", body, wantMsg)
	}
}

func TestHandler(t *testing.T) {
	t.Parallel()
	const badN = "n must be an integer between 0 and 20"
	tests := []struct {
		name      string
		method    string
		path      string // escaped, as sent on the wire
		status    int
		body      string // exact body for 200 responses
		errMsg    string // JSON error message for non-200 responses
		wantAllow bool
	}{
		{name: "health", method: "GET", path: "/health", status: 200, body: "{\"status\":\"ok\"}\n"},
		{name: "zero", method: "GET", path: "/0", status: 200, body: "1\n"},
		{name: "one", method: "GET", path: "/1", status: 200, body: "1\n"},
		{name: "five", method: "GET", path: "/5", status: 200, body: "120\n"},
		{name: "twenty", method: "GET", path: "/20", status: 200, body: "2432902008176640000\n"},
		{name: "leading zeros", method: "GET", path: "/007", status: 200, body: "5040\n"},
		{name: "query ignored", method: "GET", path: "/5?n=6", status: 200, body: "120\n"},
		{name: "twenty-one", method: "GET", path: "/21", status: 400, errMsg: badN},
		{name: "negative", method: "GET", path: "/-1", status: 400, errMsg: badN},
		{name: "plus sign", method: "GET", path: "/+5", status: 400, errMsg: badN},
		{name: "encoded plus sign", method: "GET", path: "/%2B5", status: 400, errMsg: badN},
		{name: "fraction", method: "GET", path: "/2.5", status: 400, errMsg: badN},
		{name: "letters", method: "GET", path: "/abc", status: 400, errMsg: badN},
		{name: "hex", method: "GET", path: "/0x5", status: 400, errMsg: badN},
		{name: "leading space", method: "GET", path: "/%205", status: 400, errMsg: badN},
		{name: "trailing space", method: "GET", path: "/5%20", status: 400, errMsg: badN},
		{name: "too long", method: "GET", path: "/99999999999999999999999", status: 400, errMsg: badN},
		{name: "encoded slash", method: "GET", path: "/5%2F", status: 400, errMsg: badN},
		{name: "empty n (root)", method: "GET", path: "/", status: 400, errMsg: badN},
		{name: "head five", method: "HEAD", path: "/5", status: 200, body: "120\n"},
		{name: "head health", method: "HEAD", path: "/health", status: 200, body: "{\"status\":\"ok\"}\n"},
		{name: "post n", method: "POST", path: "/5", status: 405, errMsg: "method not allowed", wantAllow: true},
		{name: "put bad n", method: "PUT", path: "/abc", status: 405, errMsg: "method not allowed", wantAllow: true},
		{name: "delete health", method: "DELETE", path: "/health", status: 405, errMsg: "method not allowed", wantAllow: true},
		{name: "options root", method: "OPTIONS", path: "/", status: 405, errMsg: "method not allowed", wantAllow: true},
		{name: "two segments", method: "GET", path: "/5/6", status: 404, errMsg: "not found"},
		{name: "trailing slash", method: "GET", path: "/5/", status: 404, errMsg: "not found"},
		{name: "health subpath", method: "GET", path: "/health/x", status: 404, errMsg: "not found"},
		{name: "post unknown", method: "POST", path: "/a/b", status: 404, errMsg: "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := serve(t, tt.method, tt.path)
			body := readBody(t, resp)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s: status = %d, want %d (body %q)", tt.method, tt.path, resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length = %q, want %d", got, len(body))
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			allow := resp.Header.Get("Allow")
			if tt.wantAllow && allow != "GET, HEAD" {
				t.Errorf("Allow = %q, want %q", allow, "GET, HEAD")
			}
			if !tt.wantAllow && allow != "" {
				t.Errorf("unexpected Allow header %q", allow)
			}
			if tt.status != http.StatusOK {
				checkJSONError(t, resp, body, tt.errMsg)
				return
			}
			if body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			wantCT := "text/plain; charset=utf-8"
			if strings.HasPrefix(tt.path, "/health") {
				wantCT = "application/json"
			}
			if ct := resp.Header.Get("Content-Type"); ct != wantCT {
				t.Errorf("Content-Type = %q, want %q", ct, wantCT)
			}
		})
	}
}

// TestHandlerAllN checks every valid n and the first few invalid ones
// against math/big.
func TestHandlerAllN(t *testing.T) {
	t.Parallel()
	for n := 0; n <= 25; n++ {
		resp := serve(t, "GET", "/"+strconv.Itoa(n))
		body := readBody(t, resp)
		if n <= MaxN {
			if want := wantFactorial(uint64(n)) + "\n"; resp.StatusCode != 200 || body != want {
				t.Errorf("GET /%d = %d %q, want 200 %q", n, resp.StatusCode, body, want)
			}
		} else if resp.StatusCode != 400 {
			t.Errorf("GET /%d = %d %q, want 400", n, resp.StatusCode, body)
		}
	}
}

// TestServerRedirects checks that paths ServeMux cleans (dot segments, double
// slashes) are redirected, not answered with an error.
func TestServerRedirects(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"//5", "/./5", "/a/../5"} {
		resp := serve(t, "GET", path)
		// Depending on the Go release, ServeMux answers 301 or 307.
		if resp.StatusCode != http.StatusMovedPermanently && resp.StatusCode != http.StatusTemporaryRedirect {
			t.Errorf("GET %s: status = %d, want 301 or 307", path, resp.StatusCode)
		}
	}
}

// TestOverRealServer runs the handler behind a real net/http server, which
// also checks that HEAD responses carry no body.
func TestOverRealServer(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(NewHandler())
	t.Cleanup(srv.Close)

	resp, err := srv.Client().Get(srv.URL + "/5")
	if err != nil {
		t.Fatal(err)
	}
	body := readBody(t, resp)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || body != "120\n" {
		t.Errorf("GET /5 = %d %q, want 200 %q", resp.StatusCode, body, "120\n")
	}

	resp, err = srv.Client().Head(srv.URL + "/5")
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || body != "" || resp.ContentLength != 4 {
		t.Errorf("HEAD /5 = %d %q (Content-Length %d), want 200, empty body, Content-Length 4",
			resp.StatusCode, body, resp.ContentLength)
	}

	resp, err = srv.Client().Post(srv.URL+"/5", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	body = readBody(t, resp)
	_ = resp.Body.Close()
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /5 = %d (Allow %q) %q, want 405 with Allow: GET, HEAD",
			resp.StatusCode, resp.Header.Get("Allow"), body)
	}
}
