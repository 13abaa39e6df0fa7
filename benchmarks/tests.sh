#!/usr/bin/env bash
# Test-suite benchmark: how long the README's test command takes on a warm
# build cache, with every test run again (-count=1), and which packages
# take longest.
#
#   benchmarks/tests.sh
#
# It builds the test binaries first (`go test -count=1 -run '^$' ./...`), so
# the timed run measures the tests, not the compiler, then times
# `go test -count=1 ./...` with GNU time and prints a markdown report.
# The target (issue 8) is at most 4 minutes on 2 cores.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}
if ! /usr/bin/time -f '' true 2>/dev/null; then
  echo "tests.sh: GNU time is missing at /usr/bin/time (Debian/Ubuntu: apt-get install -y time)" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "tests.sh: building the test binaries (warming the build cache)" >&2
go test -count=1 -run '^$' ./... >/dev/null
load=$(cut -d' ' -f1-3 /proc/loadavg)
echo "tests.sh: go test -count=1 ./..." >&2
/usr/bin/time -f '%e %U %S %M' -o "$out/time" go test -count=1 ./... >"$out/log" 2>&1 || {
  cat "$out/log"
  exit 1
}
read -r wall user sys rss <"$out/time"

echo "## Test suite, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) CPUs; $(go version | cut -d' ' -f3); load average before: $load."
echo
echo "| \`go test -count=1 ./...\` | Wall | CPU (user + sys) | Peak RSS of one process |"
echo "| --- | ---: | ---: | ---: |"
awk -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" 'BEGIN {
  printf "| warm build cache | %d:%02d | %.0f s | %.0f MB |\n", w / 60, w % 60, u + s, r / 1024 }'
echo
echo "Slowest packages (each package's tests run in one process; \`go test\` runs GOMAXPROCS packages at a time):"
echo
echo "| Package | Time |"
echo "| --- | ---: |"
awk '$1 == "ok" && $3 ~ /s$/ { t = $3; sub(/s$/, "", t); print t "\t" $2 }' "$out/log" |
  sort -rn | head -8 | awk -F'\t' '{ printf "| %s | %.1f s |\n", $2, $1 }'
