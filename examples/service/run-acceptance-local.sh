#!/usr/bin/env bash
# Runs the factorial service's acceptance tests against a local server
# (with-local-server.sh). Extra arguments are passed on to go test, e.g.
#
#   bash examples/service/run-acceptance-local.sh -v -run TestFactorial
#
# Works from any directory. Requires only bash and go.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/with-local-server.sh" go test -count=1 -tags acceptance ./examples/service/acceptance/ "$@"
