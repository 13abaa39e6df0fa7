#!/usr/bin/env bash
# Runs every fuzz target of the module (func FuzzXxx in *_test.go), one at a
# time, each for a bounded time, and fails if any target fails.
#
# Usage:
#   scripts/fuzz.sh                 every package with fuzz targets
#   scripts/fuzz.sh ./stages ...    only these packages
#
# Environment: FUZZTIME (default 10s) is each target's -fuzztime;
# FUZZ_PARALLEL sets the number of fuzz workers (default: GOMAXPROCS).
#
# A failing input is written to <package>/testdata/fuzz/<FuzzName>/<hash>;
# `go test -run '<FuzzName>/<hash>' <package>` reproduces it, and keeping the
# file makes it a regression test of the seed corpus.
#
# Go 1.26 sometimes ends a fuzz run with a bare "context deadline exceeded"
# and no failing input, although no target failed; such a run is retried
# once. Any other failure fails at once.
set -euo pipefail
cd "$(dirname "$0")/.."

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
FUZZTIME="${FUZZTIME:-10s}"
# Validation is plain Go and the fuzz targets must not call jsii: if one
# does, the call fails at once with this message instead of starting Node.js
# (jsii runs JSII_RUNTIME in place of its embedded runtime).
export JSII_RUNTIME='echo "fuzz targets must not call jsii: validation is plain Go" >&2; exit 97'

parallel=()
if [ -n "${FUZZ_PARALLEL:-}" ]; then parallel=(-parallel "$FUZZ_PARALLEL"); fi

if [ $# -gt 0 ]; then
  pkgs=("$@")
else
  mapfile -t pkgs < <(grep -rlE '^func Fuzz[A-Za-z0-9_]*\(' --include='*_test.go' . |
    grep -vE '^\./(cdk\.out|\.git)/' | xargs -n1 dirname | sort -u)
fi
if [ ${#pkgs[@]} -eq 0 ]; then
  echo "fuzz: FAILED: no package with fuzz targets found" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT

total=0
retried=0
failed=()

# fuzz runs one target; its output is in $log.
fuzz() {
  go test -run '^$' -fuzz "^$1\$" -fuzztime "$FUZZTIME" "${parallel[@]}" "$2" >"$log" 2>&1
}

# flake reports whether the failed run in $log is Go's bare "context
# deadline exceeded" with no failing input and no other failure message.
flake() {
  grep -qE '^[[:space:]]+context deadline exceeded$' "$log" &&
    ! grep -qE 'Failing input written to|panic:|_test\.go:[0-9]+:|build failed|cannot find|no such' "$log"
}

for pkg in "${pkgs[@]}"; do
  if ! targets=$(go test -list '^Fuzz' "$pkg" 2>"$log"); then
    echo "fuzz: FAILED: cannot list the fuzz targets of $pkg:" >&2
    cat "$log" >&2
    exit 1
  fi
  for target in $(grep -E '^Fuzz' <<<"$targets" || true); do
    total=$((total + 1))
    printf '%-55s ' "$pkg $target"
    start=$SECONDS
    if fuzz "$target" "$pkg"; then
      echo "ok ($((SECONDS - start))s, $(grep -oE 'execs: [0-9]+' "$log" | tail -1))"
      continue
    fi
    if flake; then
      retried=$((retried + 1))
      printf 'bare "context deadline exceeded" (Go fuzzing flake), retrying once... '
      if fuzz "$target" "$pkg"; then
        echo "ok ($(grep -oE 'execs: [0-9]+' "$log" | tail -1))"
        continue
      fi
    fi
    echo "FAILED"
    cat "$log"
    if crasher=$(grep -oE 'Failing input written to [^ ]+' "$log"); then
      name=${crasher##*/}
      echo "reproduce: go test -run '$target/$name' $pkg"
    fi
    failed+=("$pkg $target")
  done
done

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: $total targets, ${#failed[@]} FAILED (${failed[*]}), $retried retried after the Go flake"
  exit 1
fi
echo "fuzz: $total targets, 0 failed, $retried retried after the Go flake (FUZZTIME=$FUZZTIME each)"
