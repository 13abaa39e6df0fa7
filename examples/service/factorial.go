// Package service implements "factorial as a service", the small HTTP
// service deployed by the Lambda, ECS and EC2 examples.
//
// The HTTP contract (see README.md for the full description):
//
//   - GET /health returns 200 with the JSON body {"status":"ok"}.
//   - GET /{n} returns 200 with n! in decimal as text/plain, followed by a
//     single newline ("120\n" for n = 5), for a base-10 integer 0 <= n <= 20.
//   - Any other n (negative, above 20, signed, fractional, non-numeric,
//     empty, padded with spaces, too long to parse) returns 400 with a JSON
//     body such as {"error":"n must be an integer between 0 and 20"}.
//   - A method other than GET or HEAD on a known route returns 405 with an
//     "Allow: GET, HEAD" header; an unknown route returns 404. Both have a
//     JSON error body.
//
// Leading zeros are accepted and read as base 10: GET /007 returns 5040.
package service

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// MaxN is the largest n whose factorial fits in a uint64
// (20! = 2432902008176640000; 21! overflows).
const MaxN = 20

// ErrInvalidN is returned by ParseN and Factorial when n is not a base-10
// integer in the range 0..MaxN. Test for it with errors.Is.
var ErrInvalidN = errors.New("n must be an integer between 0 and 20")

// Factorial returns n! for 0 <= n <= MaxN. For n > MaxN the result would
// overflow a uint64, so it returns 0 and ErrInvalidN.
func Factorial(n uint64) (uint64, error) {
	if n > MaxN {
		return 0, ErrInvalidN
	}
	result := uint64(1)
	for i := uint64(2); i <= n; i++ {
		result *= i
	}
	return result, nil
}

// ParseN parses s as the n of GET /{n}. s must be non-empty and consist only
// of ASCII digits 0-9 (no sign, no spaces, no decimal point, no underscores),
// and its value must not exceed MaxN. Leading zeros are allowed and ignored
// ("007" is 7). Any other input returns 0 and ErrInvalidN.
func ParseN(s string) (uint64, error) {
	if s == "" {
		return 0, ErrInvalidN
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, ErrInvalidN
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > MaxN {
		// Only strconv.ErrRange is possible here: digits-only input of any
		// length is otherwise valid syntax.
		return 0, ErrInvalidN
	}
	return n, nil
}

// Content types written by the handler.
const (
	contentTypeJSON = "application/json"
	contentTypeText = "text/plain; charset=utf-8"
)

// allowedMethods is the value of the Allow header on 405 responses.
const allowedMethods = "GET, HEAD"

// NewHandler returns the service's http.Handler. It is safe for concurrent
// use and is shared by the stand-alone server (cmd/server) and the Lambda
// function (cmd/lambda).
//
// Routing uses Go 1.22 ServeMux patterns. The patterns deliberately carry no
// method, so that each route can answer an unsupported method with a JSON 405
// (and an Allow header) instead of ServeMux's plain-text one, and unknown
// paths get a JSON 404. GET also serves HEAD; net/http omits the body.
func NewHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", getOnly(handleHealth))
	mux.HandleFunc("/{n}", getOnly(func(w http.ResponseWriter, r *http.Request) {
		handleFactorial(w, r.PathValue("n"))
	}))
	// "/" itself is GET /{n} with an empty n, which is a bad request rather
	// than an unknown route.
	mux.HandleFunc("/{$}", getOnly(func(w http.ResponseWriter, _ *http.Request) {
		handleFactorial(w, "")
	}))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody{Error: "not found"})
	})
	return mux
}

// getOnly wraps h so that only GET and HEAD reach it; other methods get 405.
func getOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", allowedMethods)
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: "method not allowed"})
			return
		}
		h(w, r)
	}
}

func handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, statusBody{Status: "ok"})
}

func handleFactorial(w http.ResponseWriter, raw string) {
	n, err := ParseN(raw)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, errorBody{Error: ErrInvalidN.Error()})
		return
	}
	f, err := Factorial(n)
	if err != nil { // unreachable: ParseN already bounds n
		writeJSON(w, http.StatusBadRequest, errorBody{Error: ErrInvalidN.Error()})
		return
	}
	body := strconv.FormatUint(f, 10) + "\n"
	h := w.Header()
	h.Set("Content-Type", contentTypeText)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
}

type statusBody struct {
	Status string `json:"status"`
}

type errorBody struct {
	Error string `json:"error"`
}

// writeJSON writes v as a single line of JSON followed by a newline.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // unreachable for the fixed body types above
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", contentTypeJSON)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
