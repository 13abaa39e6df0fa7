#!/usr/bin/env bash
# cfn-lint over every template of every example: the pipeline stack and the
# stage stacks of each nested assembly (DIR/*.template.json and
# DIR/assembly-*/*.template.json). Errors fail the script; warnings are
# listed and counted. The repository's .cfnlintrc says which rules are
# ignored and why.
#
# Usage:
#   scripts/cfn-lint.sh              synthesizes serverless, containers and ec2
#                                    with the CDK CLI into temporary directories
#   scripts/cfn-lint.sh DIR...       lints cloud assemblies already synthesized
#                                    (cdk synth --output DIR), without synthesizing
#
# Environment: CDK (default "npx -y aws-cdk@2.1148.1"), CFN_LINT (default "cfn-lint").
# The last line of output is "cfn-lint: N templates, E errors, W warnings".
set -euo pipefail
cd "$(dirname "$0")/.."

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20
CDK="${CDK:-npx -y aws-cdk@2.1148.1}"
CFN_LINT="${CFN_LINT:-cfn-lint}"
PINNED_VERSION="1.51.0"
EXAMPLES=(serverless containers ec2)

# cfn-lint first: a missing linter must fail before minutes of synthesis,
# and never be skipped silently.
if ! command -v "$CFN_LINT" >/dev/null 2>&1; then
  cat >&2 <<EOF
cfn-lint: FAILED: the '$CFN_LINT' command is not installed (or not on PATH).
Install the version CI uses with:
    pip install cfn-lint==$PINNED_VERSION
(the npm package named cfn-lint is a different tool). Then run this script again.
EOF
  exit 1
fi
if ! version=$("$CFN_LINT" --version 2>&1); then
  echo "cfn-lint: FAILED: '$CFN_LINT --version' does not run: $version" >&2
  exit 1
fi
echo "using $version (CI pins $PINNED_VERSION; install with: pip install cfn-lint==$PINNED_VERSION)"
case "$version" in
  *"$PINNED_VERSION"*) ;;
  *) echo "note: this is not cfn-lint $PINNED_VERSION; its rules may differ from CI's" ;;
esac

dirs=("$@")
if [ ${#dirs[@]} -eq 0 ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  for example in "${EXAMPLES[@]}"; do
    echo "synthesizing example=$example"
    if ! $CDK synth -q -c "example=$example" --output "$work/$example" >"$work/$example.log" 2>&1; then
      echo "cfn-lint: FAILED: cdk synth -c example=$example failed:" >&2
      cat "$work/$example.log" >&2
      exit 1
    fi
    dirs+=("$work/$example")
  done
fi

templates=()
for dir in "${dirs[@]}"; do
  if [ ! -d "$dir" ]; then
    echo "cfn-lint: FAILED: $dir is not a directory (want a cloud assembly from cdk synth --output)" >&2
    exit 1
  fi
  found=0
  shopt -s nullglob
  for t in "$dir"/*.template.json "$dir"/assembly-*/*.template.json; do
    templates+=("$t")
    found=$((found + 1))
  done
  shopt -u nullglob
  if [ "$found" -eq 0 ]; then
    echo "cfn-lint: FAILED: no *.template.json in $dir or $dir/assembly-*/" >&2
    exit 1
  fi
  echo "$dir: $found template(s)"
done

# One run over all templates (cfn-lint loads its schemas once). Exit code
# bits: 2 errors, 4 warnings, 8 informational; anything else (1, 16, 32) is
# a failure of cfn-lint itself, for example a template it cannot parse.
out=$(mktemp)
trap 'rm -f "$out"; [ -n "${work:-}" ] && rm -rf "$work"' EXIT
set +e
"$CFN_LINT" --config-file .cfnlintrc --format parseable -- "${templates[@]}" >"$out" 2>&1
rc=$?
set -e

# parseable: file:line:col:endline:endcol:RULE:message
errors=$(grep -cE '^[^:]+:[0-9]+:[0-9]+:[0-9]+:[0-9]+:E[0-9]+:' "$out" || true)
warnings=$(grep -cE '^[^:]+:[0-9]+:[0-9]+:[0-9]+:[0-9]+:W[0-9]+:' "$out" || true)
infos=$(grep -cE '^[^:]+:[0-9]+:[0-9]+:[0-9]+:[0-9]+:I[0-9]+:' "$out" || true)
other=$(grep -vcE '^[^:]+:[0-9]+:[0-9]+:[0-9]+:[0-9]+:[EWI][0-9]+:' "$out" || true)

if [ "$errors" -gt 0 ]; then
  echo
  echo "errors:"
  grep -E '^[^:]+:[0-9]+:[0-9]+:[0-9]+:[0-9]+:E[0-9]+:' "$out"
fi
if [ "$warnings" -gt 0 ]; then
  echo
  echo "warnings:"
  grep -E '^[^:]+:[0-9]+:[0-9]+:[0-9]+:[0-9]+:W[0-9]+:' "$out"
  echo
  echo "warnings by rule:"
  grep -oE ':W[0-9]+:' "$out" | tr -d ':' | sort | uniq -c | sort -rn
fi
if [ "$infos" -gt 0 ]; then
  echo
  echo "informational:"
  grep -E '^[^:]+:[0-9]+:[0-9]+:[0-9]+:[0-9]+:I[0-9]+:' "$out"
fi
if [ "$other" -gt 0 ]; then
  echo
  echo "other output of cfn-lint:"
  grep -vE '^[^:]+:[0-9]+:[0-9]+:[0-9]+:[0-9]+:[EWI][0-9]+:' "$out"
fi

echo
status=0
if [ "$errors" -gt 0 ] || [ $((rc & ~(4 | 8))) -ne 0 ]; then
  status=1
  echo "FAILED: cfn-lint reported errors (exit code $rc)"
fi
echo "cfn-lint: ${#templates[@]} templates, $errors errors, $warnings warnings"
exit "$status"
