// Package lambdaadapter serves a plain net/http handler on AWS Lambda behind
// an API Gateway REST API with a Lambda proxy integration (payload format
// 1.0, events.APIGatewayProxyRequest).
//
// Each invocation is converted into an *http.Request, served by the handler
// into an httptest.ResponseRecorder, and the recorded response is converted
// back into an events.APIGatewayProxyResponse. The whole response is
// buffered, which suits small JSON/text APIs; Lambda's 6 MB response limit
// applies.
//
// Path handling: API Gateway REST APIs pass the request path without the
// stage name ("/5" for https://.../prod/5) and still percent-encoded. With a
// custom domain and a non-empty base path mapping the base path is included;
// wrap the handler in http.StripPrefix in that case.
package lambdaadapter

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// HandlerFunc is the signature of a Lambda function handler for API Gateway
// REST API proxy integrations; pass it to lambda.Start.
type HandlerFunc func(context.Context, events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error)

// Handler returns a Lambda handler that serves every API Gateway proxy event
// with h.
//
// An event that cannot be converted into an HTTP request (for example a body
// marked base64 that is not valid base64) is answered with a JSON 400, and a
// panic in h with a JSON 500, instead of failing the invocation (which API
// Gateway would turn into a 502). The body of a response to HEAD is dropped.
func Handler(h http.Handler) HandlerFunc {
	return func(ctx context.Context, event events.APIGatewayProxyRequest) (resp events.APIGatewayProxyResponse, err error) {
		req, err := NewRequest(ctx, event)
		if err != nil {
			slog.WarnContext(ctx, "rejecting malformed API Gateway event", "error", err)
			return jsonError(http.StatusBadRequest, "bad request"), nil
		}
		defer func() {
			if p := recover(); p != nil {
				slog.ErrorContext(ctx, "handler panicked", "panic", fmt.Sprint(p),
					"method", req.Method, "path", req.URL.Path)
				resp, err = jsonError(http.StatusInternalServerError, "internal server error"), nil
			}
		}()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if req.Method == http.MethodHead {
			rec.Body.Reset()
		}
		return NewResponse(rec), nil
	}
}

// NewRequest converts an API Gateway REST API proxy event into a server-side
// *http.Request carrying ctx:
//
//   - Method from HTTPMethod (required, must be a valid HTTP token).
//   - URL path from Path, which API Gateway passes percent-encoded; characters
//     that cannot appear in an encoded path are escaped, so a decoded path
//     works too. An empty Path means "/".
//   - Query from MultiValueQueryStringParameters, or QueryStringParameters
//     when that is empty (API Gateway passes decoded values).
//   - Header from MultiValueHeaders, or Headers when that is empty; Host from
//     the Host header, else RequestContext.DomainName.
//   - Body from Body, base64-decoded when IsBase64Encoded is set.
//   - RemoteAddr from RequestContext.Identity.SourceIP (port 0), Proto from
//     RequestContext.Protocol (default HTTP/1.1), and RequestURI.
func NewRequest(ctx context.Context, event events.APIGatewayProxyRequest) (*http.Request, error) {
	if event.HTTPMethod == "" {
		return nil, errors.New("lambdaadapter: event has no httpMethod")
	}

	body := []byte(event.Body)
	if event.IsBase64Encoded {
		decoded, err := base64.StdEncoding.DecodeString(event.Body)
		if err != nil {
			return nil, fmt.Errorf("lambdaadapter: decoding base64 body: %w", err)
		}
		body = decoded
	}

	req, err := http.NewRequestWithContext(ctx, event.HTTPMethod, "/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("lambdaadapter: %w", err)
	}
	if len(body) == 0 {
		req.Body, req.GetBody = http.NoBody, nil
	}

	rawPath := escapePath(event.Path)
	if !strings.HasPrefix(rawPath, "/") {
		rawPath = "/" + rawPath
	}
	path, err := url.PathUnescape(rawPath)
	if err != nil { // unreachable: escapePath leaves only valid escapes
		return nil, fmt.Errorf("lambdaadapter: path %q: %w", event.Path, err)
	}
	req.URL = &url.URL{Path: path, RawPath: rawPath, RawQuery: query(event).Encode()}
	req.RequestURI = req.URL.RequestURI()

	req.Header = make(http.Header)
	if len(event.MultiValueHeaders) > 0 {
		for k, vs := range event.MultiValueHeaders {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	} else {
		for k, v := range event.Headers {
			req.Header.Set(k, v)
		}
	}
	req.Host = req.Header.Get("Host")
	req.Header.Del("Host") // net/http keeps Host out of Header on server requests
	if req.Host == "" {
		req.Host = event.RequestContext.DomainName
	}

	if ip := event.RequestContext.Identity.SourceIP; ip != "" {
		req.RemoteAddr = net.JoinHostPort(ip, "0")
	}
	if p := event.RequestContext.Protocol; p != "" {
		if major, minor, ok := http.ParseHTTPVersion(p); ok {
			req.Proto, req.ProtoMajor, req.ProtoMinor = p, major, minor
		}
	}
	return req, nil
}

func query(event events.APIGatewayProxyRequest) url.Values {
	q := make(url.Values)
	if len(event.MultiValueQueryStringParameters) > 0 {
		for k, vs := range event.MultiValueQueryStringParameters {
			q[k] = append(q[k], vs...)
		}
		return q
	}
	for k, v := range event.QueryStringParameters {
		q.Set(k, v)
	}
	return q
}

// escapePath returns p with every byte that cannot appear literally in an
// escaped URL path percent-encoded. Valid %XX escapes are kept as they are,
// so an already-escaped path is returned unchanged and a decoded one becomes
// a valid escaped path.
func escapePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '%' && i+2 < len(p) && isHex(p[i+1]) && isHex(p[i+2]):
			b.WriteByte(c)
		case c == '%':
			b.WriteString("%25")
		case isPathByte(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0x0f])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isPathByte reports whether c may appear unescaped in a URL path
// (RFC 3986 unreserved, sub-delims, ":", "@" and "/").
func isPathByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0
}

// NewResponse converts the response recorded in rec into an API Gateway
// proxy response. The status code and headers are those the handler wrote
// (status 200 if it wrote none, Content-Type sniffed as net/http would).
// Single-valued headers are set in both Headers and MultiValueHeaders,
// multi-valued ones only in MultiValueHeaders (API Gateway merges the two).
// A body that is valid UTF-8 is returned as is; any other body is
// base64-encoded with IsBase64Encoded set, which API Gateway only decodes for
// the API's binary media types.
func NewResponse(rec *httptest.ResponseRecorder) events.APIGatewayProxyResponse {
	res := rec.Result()
	resp := events.APIGatewayProxyResponse{
		StatusCode:        res.StatusCode,
		Headers:           make(map[string]string, len(res.Header)),
		MultiValueHeaders: make(map[string][]string, len(res.Header)),
	}
	for k, vs := range res.Header {
		if len(vs) == 0 {
			continue
		}
		resp.MultiValueHeaders[k] = append([]string(nil), vs...)
		if len(vs) == 1 {
			resp.Headers[k] = vs[0]
		}
	}
	body := rec.Body.Bytes()
	if utf8.Valid(body) {
		resp.Body = string(body)
	} else {
		resp.Body = base64.StdEncoding.EncodeToString(body)
		resp.IsBase64Encoded = true
	}
	return resp
}

func jsonError(status int, msg string) events.APIGatewayProxyResponse {
	// msg is a fixed ASCII string without quotes or backslashes.
	body := `{"error":"` + msg + `"}` + "\n"
	return events.APIGatewayProxyResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":           "application/json",
			"X-Content-Type-Options": "nosniff",
		},
		MultiValueHeaders: map[string][]string{
			"Content-Type":           {"application/json"},
			"X-Content-Type-Options": {"nosniff"},
		},
		Body: body,
	}
}
