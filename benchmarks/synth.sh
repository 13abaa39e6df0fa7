#!/usr/bin/env bash
# Synth benchmark: how long `cdk synth` takes, and how much memory it uses,
# for Velocity's example apps against two baselines: a floor Go app (one
# stack, one bucket) and a TypeScript twin of the default example written
# with aws-cdk-lib directly.
#
#   benchmarks/synth.sh [-o FILE]
#
# It builds each app once (the Go apps with `go build`, the twin with tsc),
# then for ROUNDS rounds runs every app in turn through
# `npx -y aws-cdk@2.1148.1 synth -q` from the root of the examples' source (so every
# app gets the same cdk.json context), each into a fresh output directory,
# and prints a markdown report: the machine, the versions, and per app the
# median wall time, peak memory, and the ratios to the floor and of Go to
# TypeScript.
# With -o FILE the report is also written to FILE.
#
# Environment:
#   ROUNDS=5      rounds (every app runs once per round; the order rotates
#                 each round so no app always runs first)
#   APPS="floor serverless containers ec2 ts-twin"   the apps to run
#   GO_RUN=1      also time one synth of the default example with the
#                 cdk.json command, `go run ./examples` (0: skip). It is the
#                 first go run of that source, so it links the binary, as
#                 after every code change (Go caches go run executables, so
#                 an unchanged second run costs what the prebuilt binary does)
#   SAMPLE=0.5    seconds between samples of the whole process tree's memory
#                 (0: do not sample)
#   CDK="npx -y aws-cdk@2.1148.1"   the CLI command
#   REF=HEAD      benchmark the examples of a commit (exported with git
#                 archive into the work directory) instead of the working
#                 tree, e.g. the commit the TypeScript twin was written for
#   KEEP=1        keep the work directory (binaries, outputs, raw timings)
#
# Requires GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install -y time),
# Go, Node.js and npm.
set -euo pipefail

out_file=""
while getopts "o:h" opt; do
  case $opt in
    o) out_file=$OPTARG ;;
    *) sed -n '2,/^set -euo pipefail/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done

ROUNDS=${ROUNDS:-5}
APPS=${APPS:-"floor serverless containers ec2 ts-twin"}
GO_RUN=${GO_RUN:-1}
SAMPLE=${SAMPLE:-0.5}
CDK=${CDK:-"npx -y aws-cdk@2.1148.1"}
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}
# No network calls from the CLI during a measurement: no telemetry, no
# version check (notices are turned off with --no-notices below).
export CDK_DISABLE_CLI_TELEMETRY=1 CDK_DISABLE_VERSION_CHECK=1

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

die() { echo "synth.sh: $*" >&2; exit 1; }
log() { echo "synth.sh: $*" >&2; }

if ! /usr/bin/time -v true >/dev/null 2>&1; then
  die "GNU time is missing at /usr/bin/time; install it (Debian/Ubuntu: sudo apt-get install -y time)"
fi
for tool in go node npm npx; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/velocity-synth-bench.XXXXXX")
cleanup() {
  if [[ ${KEEP:-0} == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/bin" "$work/runs"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# The examples are built and synthesized from src: the repository, or the
# commit REF exported into the work directory. The floor app and the twin
# always come from this checkout.
src=$root
source_desc="working tree at $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
if [[ -n $(git status --porcelain -- . ':!benchmarks' 2>/dev/null) ]]; then
  source_desc+=" with uncommitted changes"
fi
if [[ -n ${REF:-} ]]; then
  src="$work/src"
  mkdir -p "$src"
  git archive "$REF" | tar -x -C "$src"
  source_desc="commit $(git rev-parse --short "$REF") (git archive)"
fi

# Build everything once, so the rounds measure synth rather than compilers.
log "building the Go apps ($source_desc)"
(cd "$src" && go build -o "$work/bin/examples" ./examples)
go build -o "$work/bin/floor" ./benchmarks/floor
if [[ " $APPS " == *" ts-twin "* ]]; then
  log "building the TypeScript twin"
  (
    cd benchmarks/ts-twin
    [[ -d node_modules ]] || npm ci --no-audit --no-fund >&2
    npx tsc -p . >&2
  )
fi
log "resolving the CDK CLI ($CDK)"
cli_version=$($CDK --version 2>/dev/null | head -1)

# app_command APP prints the --app command and extra CLI arguments of APP.
app_command() {
  case $1 in
    floor) echo "$work/bin/floor" ;;
    serverless | containers | ec2) echo "$work/bin/examples" ;;
    ts-twin) echo "node $root/benchmarks/ts-twin/dist/app.js" ;;
    *) die "unknown app $1" ;;
  esac
}
app_context() {
  case $1 in
    serverless | containers | ec2) echo "-c example=$1" ;;
  esac
}

# sample_tree PGID FILE records in FILE the peak, over samples every SAMPLE
# seconds, of the summed RSS (KiB) of the processes in process group PGID:
# "total cli app", where cli is the CDK CLI (npx, npm exec, the cdk
# program) and app is everything else (the app and its children).
sample_tree() {
  local pgid=$1 file=$2 peak_total=0 peak_cli=0 peak_app=0 total cli app
  # The group leader (GNU time) lives as long as the run.
  while kill -0 "$pgid" 2>/dev/null; do
    read -r total cli app < <(ps -e -o pgid=,rss=,args= | awk -v g="$pgid" '
      $1 == g {
        t += $2
        if ($0 ~ /npm exec|npx |_npx\/|aws-cdk|bin\/cdk( |$)|sh -c .?cdk/) c += $2; else a += $2
      }
      END { print t + 0, c + 0, a + 0 }')
    ((total > peak_total)) && peak_total=$total
    ((cli > peak_cli)) && peak_cli=$cli
    ((app > peak_app)) && peak_app=$app
    sleep "$SAMPLE"
  done
  echo "$peak_total $peak_cli $peak_app" >"$file"
}

# seconds "h:mm:ss.ss" | "m:ss.ss" → seconds.
seconds() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$1"; }
elapsed() { seconds "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$1")"; }
maxrss() { sed -n 's/.*Maximum resident set size (kbytes): //p' "$1"; }

# synth RUN APP [APP_COMMAND]: one measured synth; appends a line to runs.tsv.
synth() {
  local run=$1 app=$2 cmd=${3:-}
  local dir="$work/runs/$run" rc=0
  mkdir -p "$dir"
  [[ -n $cmd ]] || cmd=$(app_command "$app")
  # From src: the examples find the Go module from the working directory.
  # shellcheck disable=SC2046,SC2086
  (cd "$src" && exec setsid /usr/bin/time -v -o "$dir/cli.time" $CDK synth -q --no-notices \
    --app "/usr/bin/time -v -o $dir/app.time $cmd" $(app_context "$app") \
    --output "$dir/cdk.out" >"$dir/stdout" 2>"$dir/stderr") &
  local pid=$!
  if [[ $SAMPLE != 0 ]]; then sample_tree "$pid" "$dir/tree" & fi
  local sampler=$!
  wait "$pid" || rc=$?
  [[ $SAMPLE != 0 ]] && wait "$sampler"
  if ((rc != 0)); then
    cat "$dir/stderr" >&2
    die "synth of $app failed (exit $rc); see above"
  fi
  local tree="0 0 0"
  [[ -f $dir/tree ]] && tree=$(cat "$dir/tree")
  local resources
  resources=$(node -e '
    const fs = require("fs"), path = require("path");
    let n = 0;
    const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name.startsWith("assembly-")) walk(p);
      else if (e.name.endsWith(".template.json")) n += Object.keys(JSON.parse(fs.readFileSync(p, "utf8")).Resources || {}).length;
    } };
    walk(process.argv[1]); console.log(n);' "$dir/cdk.out")
  # app, wall, app wall, max RSS (CLI run, app run), sampled peaks (total,
  # CLI, app), resources, round.
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$(elapsed "$dir/cli.time")" "$(elapsed "$dir/app.time")" \
    "$(maxrss "$dir/cli.time")" "$(maxrss "$dir/app.time")" "${tree// /$'\t'}" "$resources" "$round" >>"$work/runs.tsv"
  log "$(printf '%-11s %6.2fs' "$app" "$(elapsed "$dir/cli.time")")"
}

# npx-cli is the CLI alone (`cdk --version`): the part of every synth that
# is not the app.
cli_only() {
  local run=$1 dir="$work/runs/$1"
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  /usr/bin/time -v -o "$dir/cli.time" $CDK --version >/dev/null 2>&1
  printf 'cli-only\t%s\t0\t%s\t0\t0\t0\t0\t0\t%s\n' "$(elapsed "$dir/cli.time")" "$(maxrss "$dir/cli.time")" "$round" >>"$work/runs.tsv"
}

read -r -a apps <<<"$APPS"
: >"$work/runs.tsv"
for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round of $ROUNDS"
  cli_only "r$round-cli"
  n=${#apps[@]}
  for ((i = 0; i < n; i++)); do
    app=${apps[$(((i + round - 1) % n))]}
    synth "r$round-$app" "$app"
  done
done
if [[ $GO_RUN == 1 ]]; then
  log "one synth with go run ./examples (the developer loop)"
  round=0
  synth "go-run" "serverless-go-run" "go run ./examples"
fi

# Both sides of the twin must still have the same resources.
twin_check=""
if [[ " $APPS " == *" serverless "* && " $APPS " == *" ts-twin "* ]]; then
  if twin_check=$(node benchmarks/compare-resources.js "$work/runs/r1-serverless/cdk.out" "$work/runs/r1-ts-twin/cdk.out" 2>&1); then
    twin_status="same resources within 5% per template"
  else
    twin_status="**the twin has drifted from the Go example** (more than 5% apart): update benchmarks/ts-twin"
  fi
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

report() {
  echo "## Synth benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Examples: $source_desc."
  echo "Machine: $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) memory, $(uname -sr)."
  echo "Load average (1, 5, 15 min): $load_before before, $load_after after."
  echo "Versions: $(go version | cut -d' ' -f3-4), Node.js $(node --version), CDK CLI $cli_version ($CDK),"
  echo "aws-cdk-go $(cd "$src" && go list -m -f '{{.Version}}' github.com/aws/aws-cdk-go/awscdk/v2), jsii-runtime-go $(cd "$src" && go list -m -f '{{.Version}}' github.com/aws/jsii-runtime-go),"
  echo "aws-cdk-lib $(node -p 'require("./benchmarks/ts-twin/node_modules/aws-cdk-lib/package.json").version' 2>/dev/null || echo '?') (TypeScript twin)."
  echo "Rounds: $ROUNDS; each app synthesized once per round, in rotating order, into a fresh output directory."
  echo
  awk -F'\t' -v rounds="$ROUNDS" '
    function median(list,   a, n, tmp, i, j) {
      n = split(list, a, " ")
      for (i = 2; i <= n; i++) { tmp = a[i]; for (j = i - 1; j >= 1 && a[j] > tmp; j--) a[j + 1] = a[j]; a[j + 1] = tmp }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function minmax(list, format,   a, n, i, lo, hi) {
      n = split(list, a, " "); lo = hi = a[1]
      for (i = 2; i <= n; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i] }
      if (format == "") format = "%.1f"
      return sprintf(format "–" format, lo, hi)
    }
    function add(key, v) { data[key] = (key in data) ? data[key] " " v : v }
    {
      if (!($1 in seen)) { seen[$1] = 1; order[++napps] = $1 }
      add($1 ",wall", $2); add($1 ",appwall", $3); add($1 ",clirss", $4 / 1024); add($1 ",apprss", $5 / 1024)
      add($1 ",tree", $6 / 1024); add($1 ",treecli", $7 / 1024); add($1 ",treeapp", $8 / 1024); res[$1] = $9
      if ($10 > 0) wr[$10, $1] = $2
    }
    # paired lists, for each round that ran both apps, the ratio of their
    # wall times: on a machine whose load drifts, apps of the same round
    # saw the same load.
    function paired(a, b,   r, list) {
      list = ""
      for (r = 1; r <= rounds; r++) if (((r, a) in wr) && ((r, b) in wr)) list = list (list == "" ? "" : " ") wr[r, a] / wr[r, b]
      return list
    }
    function ratioRow(label, a, b, target,   m, p) {
      m = median(data[a ",wall"]) / median(data[b ",wall"]); p = median(paired(a, b))
      printf "| %s | %.2f× | %.2f× (%s) | ≤ %.2f× %s |\n", label, m, p, minmax(paired(a, b), "%.2f"), target, (m <= target && p <= target ? "(met)" : "(**missed**)")
    }
    END {
      floor = ("floor,wall" in data) ? median(data["floor,wall"]) : 0
      print "| App | Resources | Synth wall, median (min–max) | × floor | App process wall, median | Max RSS, CLI run (time -v) | Max RSS, app run (time -v) | Peak RSS, all processes (sampled): total = CLI + app |"
      print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
      for (i = 1; i <= napps; i++) {
        a = order[i]; w = median(data[a ",wall"])
        ratio = (floor > 0 && a != "cli-only") ? sprintf("%.2f×", w / floor) : "—"
        if (a == "cli-only") {
          printf "| %s | — | %.1f s (%s) | — | — | %.0f MB | — | — |\n", "CLI alone (`cdk --version`)", w, minmax(data[a ",wall"]), median(data[a ",clirss"])
          continue
        }
        tree = median(data[a ",tree"]) > 0 ? sprintf("%.0f = %.0f + %.0f MB", median(data[a ",tree"]), median(data[a ",treecli"]), median(data[a ",treeapp"])) : "—"
        n = split(data[a ",wall"], tmp, " ")
        printf "| %s%s | %d | %.1f s (%s) | %s | %.1f s | %.0f MB | %.0f MB | %s |\n", a, (n < rounds ? sprintf(" (%d run)", n) : ""), res[a], w, minmax(data[a ",wall"]), ratio, median(data[a ",appwall"]), median(data[a ",clirss"]), median(data[a ",apprss"]), tree
      }
      if (("serverless,wall" in data) && ("ts-twin,wall" in data)) {
        g = median(data["serverless,wall"]); t = median(data["ts-twin,wall"])
        print ""
        print "| Ratio | Of the medians | Per round: median (min–max) | Target |"
        print "| --- | ---: | ---: | ---: |"
        if (floor > 0) ratioRow("serverless / floor, synth wall", "serverless", "floor", 1.5)
        ratioRow("serverless (Go) / ts-twin (TypeScript), synth wall", "serverless", "ts-twin", 1.15)
        printf "| serverless / ts-twin, app process wall | %.2f× | — | — |\n", median(data["serverless,appwall"]) / median(data["ts-twin,appwall"])
        if (median(data["ts-twin,tree"]) > 0) printf "| serverless / ts-twin, peak RSS of all processes | %.2f× | — | — |\n", median(data["serverless,tree"]) / median(data["ts-twin,tree"])
      }
    }' "$work/runs.tsv"
  echo
  echo "Wall times are of the whole \`$CDK synth -q --no-notices --app APP --output DIR\`, run from the root of the examples' source"
  echo "(its cdk.json's context applies to every app); the Go apps are prebuilt binaries, the twin is compiled JavaScript run"
  echo "with node. \"App process wall\" is the app alone, as the CLI runs it. \`time -v\` reports the largest single process it waited"
  echo "for, so the CLI run's figure is the larger of the CLI and the app's largest process (for Go apps, the jsii kernel);"
  echo "the sampled peak sums every process of the run (every ${SAMPLE}s)."
  if [[ -n $twin_check ]]; then
    echo
    echo "TypeScript twin check (benchmarks/compare-resources.js, round 1): $twin_status."
  fi
}

report_text=$(report)
echo "$report_text"
if [[ -n $out_file ]]; then
  echo "$report_text" >"$out_file"
  log "wrote $out_file"
fi
if [[ -n $twin_check ]]; then
  echo "$twin_check" >&2
fi
