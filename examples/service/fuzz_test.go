package service

import (
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// referenceN is an independent oracle for the contract: it reports whether
// seg is a valid n (ASCII digits only, value <= 20) and, if so, n! in decimal.
func referenceN(seg string) (string, bool) {
	if seg == "" || strings.TrimLeft(seg, "0123456789") != "" {
		return "", false
	}
	v, ok := new(big.Int).SetString(seg, 10)
	if !ok || !v.IsInt64() || v.Int64() > 20 {
		return "", false
	}
	return new(big.Int).MulRange(1, v.Int64()).String(), true
}

// FuzzHandler requests /{seg} for arbitrary seg (the decoded path, so seg may
// contain "/", "%", spaces, control bytes or invalid UTF-8) and checks that:
//
//   - the handler never answers 5xx;
//   - when seg is a single path segment, GET answers 200 exactly when seg is a
//     valid n, with n! as the body, and 400 with a JSON error otherwise, while
//     POST answers 405 with an Allow header;
//   - otherwise (several segments, dot segments) the answer is a redirect to
//     the cleaned path or a 404.
func FuzzHandler(f *testing.F) {
	for _, seed := range []string{
		"", "0", "1", "5", "20", "21", "-1", "+5", "2.5", "abc", "007",
		" 5", "5 ", "99999999999999999999999", "18446744073709551616",
		"health", "5/6", "5/", "/5", ".", "..", "%", "%35", "\x00", "\uff15",
	} {
		f.Add(seed)
	}
	h := NewHandler()
	f.Fuzz(func(t *testing.T, seg string) {
		u := &url.URL{Path: "/" + seg}
		singleSegment := !strings.Contains(seg, "/") && seg != "." && seg != ".."
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			req := httptest.NewRequest(method, "/", nil)
			req.URL = u
			req.RequestURI = u.RequestURI()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			status, body := rec.Code, rec.Body.String()
			if status >= 500 {
				t.Fatalf("%s %q: status %d (body %q)", method, u.EscapedPath(), status, body)
			}
			if !singleSegment {
				if status != http.StatusMovedPermanently && status != http.StatusTemporaryRedirect &&
					status != http.StatusNotFound {
					t.Fatalf("%s %q: status %d, want 301, 307 or 404 (body %q)", method, u.EscapedPath(), status, body)
				}
				continue
			}
			switch {
			case seg == "health":
				// The health route; covered by TestHandler.
			case method == http.MethodPost:
				if status != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
					t.Fatalf("POST %q: status %d, Allow %q; want 405, GET, HEAD",
						u.EscapedPath(), status, rec.Header().Get("Allow"))
				}
			default:
				want, valid := referenceN(seg)
				if valid {
					if status != http.StatusOK || body != want+"\n" {
						t.Fatalf("GET %q: %d %q, want 200 %q", u.EscapedPath(), status, body, want+"\n")
					}
					break
				}
				var e struct{ Error string }
				if status != http.StatusBadRequest || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
					t.Fatalf("GET %q: %d %q, want 400 with a JSON error", u.EscapedPath(), status, body)
				}
			}
		}
	})
}
