#!/usr/bin/env bash
# Runs a command against a local factorial server.
#
# Builds cmd/server into a temporary directory, starts it on a free port on
# 127.0.0.1 only, waits (at most 30 s) until /health answers, runs the
# command with ENDPOINT=http://127.0.0.1:PORT in its environment, from the
# repository root, and always stops the server and removes the temporary
# directory on exit. The exit code is the command's. For example:
#
#   bash examples/service/with-local-server.sh go test -count=1 -tags acceptance ./examples/service/acceptance/
#
# Works from any directory. Requires only bash and go.
set -euo pipefail

if [[ $# -eq 0 ]]; then
  echo "usage: with-local-server.sh COMMAND [ARG...]" >&2
  exit 2
fi

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
cd "$repo_root"

readonly startup_timeout=30 # seconds

workdir="$(mktemp -d "${TMPDIR:-/tmp}/factorial-acceptance.XXXXXX")"
server_pid=""

# shellcheck disable=SC2317 # invoked by the EXIT trap, not unreachable
cleanup() {
  local rc=$?
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    # The server shuts down gracefully within SHUTDOWN_TIMEOUT (5 s below);
    # give it a little longer, then force it.
    for _ in $(seq 1 70); do
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -s "$workdir/server.log" ]]; then
    echo "--- server log (last 50 lines) ---" >&2
    tail -n 50 "$workdir/server.log" >&2 || true
  fi
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "building server..." >&2
go build -o "$workdir/server" ./examples/service/cmd/server

# PORT=0 makes the server pick a free port; it logs the address it bound as
# a JSON line {"level":"INFO","msg":"listening","addr":"127.0.0.1:PORT",...}.
PORT=0 LISTEN_HOST=127.0.0.1 SHUTDOWN_TIMEOUT=5s "$workdir/server" >"$workdir/server.log" 2>&1 &
server_pid=$!

port=""
healthy=false
deadline=$((SECONDS + startup_timeout))
while ((SECONDS < deadline)); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "server exited before becoming healthy" >&2
    exit 1
  fi
  if [[ -z "$port" ]]; then
    port="$(grep -o '"addr":"127\.0\.0\.1:[0-9]*"' "$workdir/server.log" | head -n 1 | grep -o '[0-9]*"$' | tr -d '"' || true)"
  fi
  # The server binary doubles as a health-check client (no curl needed).
  if [[ -n "$port" ]] && PORT="$port" LISTEN_HOST=127.0.0.1 "$workdir/server" -healthcheck 2>/dev/null; then
    healthy=true
    break
  fi
  sleep 0.2
done
if [[ "$healthy" != true ]]; then
  echo "server did not become healthy within ${startup_timeout}s" >&2
  exit 1
fi

endpoint="http://127.0.0.1:$port"
echo "server is up at $endpoint; running: $*" >&2
set +e
ENDPOINT="$endpoint" "$@"
rc=$?
set -e
exit "$rc"
