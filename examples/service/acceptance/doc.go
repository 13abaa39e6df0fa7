// Package acceptance holds black-box acceptance tests for the factorial
// service. They check the HTTP contract over real HTTP against a running
// deployment whose base URL is in the ENDPOINT environment variable, and are
// compiled only with the "acceptance" build tag:
//
//	ENDPOINT=http://localhost:8080 go test -tags acceptance ./examples/service/acceptance/
//
// ENDPOINT may include a path and a trailing slash, for example an API
// Gateway stage URL such as https://abc123.execute-api.eu-west-1.amazonaws.com/prod/.
// Without the tag the package contains no tests.
package acceptance
