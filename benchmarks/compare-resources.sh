#!/usr/bin/env bash
# Checks that the TypeScript twin (benchmarks/ts-twin) still builds the same
# resources as the default example it copies: synthesizes both, then prints
# per template the resource count of each side and fails when they differ
# by more than MAX_PERCENT (default 5); see compare-resources.js.
#
#   benchmarks/compare-resources.sh [GO_CDK_OUT TS_CDK_OUT]
#
# With two cloud assembly directories it only compares them. REF=HEAD (or
# any commit) synthesizes the example of that commit (git archive) instead
# of the working tree's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}
export CDK_DISABLE_CLI_TELEMETRY=1 CDK_DISABLE_VERSION_CHECK=1
CDK=${CDK:-"npx -y aws-cdk@2.1148.1"}

if (($# == 2)); then
  exec node benchmarks/compare-resources.js "$1" "$2" "${MAX_PERCENT:-5}"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/velocity-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
src=$root
if [[ -n ${REF:-} ]]; then
  src="$work/src"
  mkdir -p "$src"
  git archive "$REF" | tar -x -C "$src"
fi
(cd "$src" && go build -o "$work/examples" ./examples)
(
  cd benchmarks/ts-twin
  [[ -d node_modules ]] || npm ci --no-audit --no-fund >&2
  npx tsc -p . >&2
)
# From src: the examples find the Go module from the working directory.
# shellcheck disable=SC2086
(cd "$src" && $CDK synth -q --no-notices --app "$work/examples" -c example=serverless --output "$work/go" >/dev/null)
# shellcheck disable=SC2086
(cd "$src" && $CDK synth -q --no-notices --app "node $root/benchmarks/ts-twin/dist/app.js" --output "$work/ts" >/dev/null)
node benchmarks/compare-resources.js "$work/go" "$work/ts" "${MAX_PERCENT:-5}"
