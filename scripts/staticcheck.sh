#!/usr/bin/env bash
# Static analysis of the module: go vet, then staticcheck pinned to one
# release from the Go module proxy (`go run pkg@version` does not touch
# go.mod). Both run over ./... and over the sample service's acceptance
# tests (build tag "acceptance"). Any finding fails the script.
#
# Usage: scripts/staticcheck.sh [packages...]   (default ./...)
# The last line of output is "staticcheck: N findings, go vet: ok|FAILED".
set -euo pipefail
cd "$(dirname "$0")/.."

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
# staticcheck 2026.2.2; it needs Go 1.26 (its go.mod says go 1.26.0).
STATICCHECK="honnef.co/go/tools/cmd/staticcheck@v0.8.2"

pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then pkgs=(./...); fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

vet=ok
echo "==> go vet ${pkgs[*]}"
go vet "${pkgs[@]}" || vet=FAILED
if [ $# -eq 0 ]; then
  echo "==> go vet -tags acceptance ./examples/service/..."
  go vet -tags acceptance ./examples/service/... || vet=FAILED
fi

echo "==> staticcheck ($STATICCHECK) ${pkgs[*]}"
if ! go run "$STATICCHECK" -version >/dev/null 2>"$out"; then
  echo "staticcheck: FAILED: cannot build $STATICCHECK from the module proxy:" >&2
  cat "$out" >&2
  exit 1
fi
set +e
go run "$STATICCHECK" "${pkgs[@]}" >"$out" 2>&1
rc=$?
if [ $# -eq 0 ]; then
  # The acceptance tests build only with their tag (lines already found
  # without the tag are dropped by sort -u below).
  go run "$STATICCHECK" -tags acceptance ./examples/service/acceptance/... >>"$out" 2>&1
  rc2=$?
  if [ $rc -eq 0 ]; then rc=$rc2; fi
fi
set -e
sort -u "$out" -o "$out"
cat "$out"

# Findings look like file:line:col: message (CHECK-ID); anything else in
# the output (a package that does not compile, a load error) also fails.
finding='^[^ :]+:[0-9]+:[0-9]+: .*\([A-Z]+[0-9]+\)$'
findings=$(grep -cE "$finding" "$out" || true)
if [ "$findings" -gt 0 ]; then
  echo
  echo "findings by check:"
  grep -oE '\([A-Z]+[0-9]+\)$' "$out" | tr -d '()' | sort | uniq -c | sort -rn
fi

echo
status=0
if [ $rc -ne 0 ] || [ "$vet" != ok ]; then status=1; fi
if [ $rc -ne 0 ] && [ "$findings" -eq 0 ]; then
  echo "staticcheck could not analyze the packages (exit code $rc): see the output above"
fi
echo "staticcheck: $findings findings, go vet: $vet"
exit "$status"
