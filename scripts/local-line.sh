#!/usr/bin/env bash
# Runs the default example's line on this machine with `velocity local`:
# every CodeBuild job in pipeline order, as CodeBuild runs them, with the
# acceptance tests against a local factorial server. Extra arguments go to
# `velocity local` (for example -toolchains host, -job Build, -v).
#
# Exit status: velocity local's (non-zero when a job fails).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash examples/service/with-local-server.sh \
  sh -c 'exec go run ./cmd/velocity local -env ENDPOINT="$ENDPOINT" "$@"' velocity-local "$@"
