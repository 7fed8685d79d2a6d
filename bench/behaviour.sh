#!/usr/bin/env bash
# Times PrefixSpan and surge detection (icp-ml) on synthetic behaviour: 100,000 accounts ×
# about 100 events (≈ 10M events), and records the figures in docs/benchmarks.md between the
# behaviour markers. Usage: bench/behaviour.sh [ACCOUNTS]
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
accounts="${1:-100000}"

cargo build --release -p icp-ml --example behaviour_bench
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

target/release/examples/behaviour_bench "$accounts" > "$out/rows.txt"
threads=$(awk '/^threads:/ { print $2 }' "$out/rows.txt")
cpu=$(awk -F: '/model name/ { sub(/^ /, "", $2); print $2; exit }' /proc/cpuinfo)

section="$out/section.md"
{
  echo "<!-- behaviour:begin -->"
  echo "## Behaviour: pattern mining and surge detection"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores (${threads} rayon threads), ${cpu}. Synthetic input: 20 event types (skewed mix), 365 days, 20 % of accounts with a 30-day buying cycle."
  echo
  echo "| step | accounts | events | wall seconds | result |"
  echo "|---|---|---|---|---|"
  grep '^|' "$out/rows.txt"
  echo
  echo "Command: \`bench/behaviour.sh ${accounts}\` (runs \`target/release/examples/behaviour_bench ${accounts}\`)."
  echo "<!-- behaviour:end -->"
} > "$section"

doc=docs/benchmarks.md
mkdir -p docs
[ -f "$doc" ] || printf '# Benchmarks\n\nEvery figure here comes from a script in `bench/`.\n' > "$doc"
if grep -q '<!-- behaviour:begin -->' "$doc"; then
  awk -v file="$section" '
    /<!-- behaviour:begin -->/ { while ((getline line < file) > 0) print line; skip = 1; next }
    /<!-- behaviour:end -->/ { skip = 0; next }
    !skip { print }
  ' "$doc" > "$out/doc.md"
  cp "$out/doc.md" "$doc"
else
  { echo; cat "$section"; } >> "$doc"
fi
cat "$section"
