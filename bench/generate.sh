#!/usr/bin/env bash
# Times `icp generate` on 100,000 accounts × 24 months and records the figure in
# docs/benchmarks.md between the generate markers. Usage: bench/generate.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
accounts=100000
months=24

cargo build --release -p icp
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

timing="$out/time.txt"
start=$(date +%s.%N)
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v -o "$timing" target/release/icp generate --accounts "$accounts" --months "$months" --seed 1 --out "$out/world"
else
  target/release/icp generate --accounts "$accounts" --months "$months" --seed 1 --out "$out/world"
fi
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
rss="n/a"
if [ -f "$timing" ]; then
  kb=$(awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }' "$timing")
  [ -n "$kb" ] && rss="$(( kb / 1024 )) MiB"
fi
# Physical lines minus the header (≈ rows; events have no multi-line fields).
events=$(( $(wc -l < "$out/world/data/events.csv") - 1 ))
cpu=$(awk -F: '/model name/ { sub(/^ /, "", $2); print $2; exit }' /proc/cpuinfo)

section="$out/section.md"
{
  echo "<!-- generate:begin -->"
  echo "## icp generate"
  echo
  echo "| date | machine | accounts | months | event rows | wall seconds | peak RSS |"
  echo "|---|---|---|---|---|---|---|"
  echo "| $(date -u +%Y-%m-%d) | $(nproc) cores, ${cpu} | ${accounts} | ${months} | ${events} | ${wall} | ${rss} |"
  echo
  echo "Command: \`target/release/icp generate --accounts ${accounts} --months ${months} --seed 1 --out DIR\` (bench/generate.sh)."
  echo "<!-- generate:end -->"
} > "$section"

doc=docs/benchmarks.md
mkdir -p docs
[ -f "$doc" ] || printf '# Benchmarks\n\nEvery figure here comes from a script in `bench/`.\n' > "$doc"
if grep -q '<!-- generate:begin -->' "$doc"; then
  awk -v file="$section" '
    /<!-- generate:begin -->/ { while ((getline line < file) > 0) print line; skip = 1; next }
    /<!-- generate:end -->/ { skip = 0; next }
    !skip { print }
  ' "$doc" > "$out/doc.md"
  cp "$out/doc.md" "$doc"
else
  { echo; cat "$section"; } >> "$doc"
fi
echo "generate: ${accounts} accounts × ${months} months, ${events} event rows, ${wall} s, peak RSS ${rss}"
