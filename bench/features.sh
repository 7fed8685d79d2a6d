#!/usr/bin/env bash
# Feature snapshots: icp (DataFusion SQL) vs the same aggregation in polars, on the company of
# `icp generate --accounts 100000 --months 24 --seed 1` (~9.5M event rows). The driver
# (crates/icp-features/examples/features_bench.rs) ingests the CSVs into clean Parquet once
# (not timed), then times one as-of snapshot (the latest complete month), the per-deal table
# (every opportunity as of its creation) and the whole monthly series written to the feature
# store; polars (PyPI, into bench/.venv) reads the same clean
# Parquet and computes the engagement windows per event type, recency, active days, contacts,
# velocity, decayed total, sales, subscription and support aggregates for the same moment.
# Records the figures in docs/benchmarks.md between <!-- features:begin --> and
# <!-- features:end -->.
# PROFILE=release (default) or PROFILE=debug (the workspace's dev profile compiles
# dependencies, DataFusion included, at opt-level 2).
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS=${ACCOUNTS:-100000}; MONTHS=${MONTHS:-24}
PROFILE=${PROFILE:-release}
if [ "$PROFILE" = release ]; then
  cargo build --release -p icp -p icp-features --example features_bench >/dev/null
else
  cargo build --workspace --examples >/dev/null
fi
bin=target/$PROFILE
if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
if ! bench/.venv/bin/python -c 'import polars' 2>/dev/null; then
  bench/.venv/bin/pip install --quiet polars
fi
py=bench/.venv/bin/python
work=bench/data/features_${ACCOUNTS}x${MONTHS}
mkdir -p bench/data
if [ ! -f "$work/world/icp.toml" ]; then
  rm -rf "$work"; mkdir -p "$work"
  $bin/icp generate --accounts "$ACCOUNTS" --months "$MONTHS" --seed 1 --out "$work/world" >/dev/null
fi
rm -rf "$work/out/features"
# SERIES=0 times one snapshot only (the series is ~20 snapshots).
ours=$($bin/examples/features_bench "$work/world" "$work/out" "${SERIES:-1}")
echo "icp: $ours" >&2
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }
t=$(field "$ours" as_of_micros)
read -r polars_secs polars_cpu polars_rows polars_cols polars_version < <($py bench/features_polars.py "$work/out/clean" "$t")
echo "polars: $polars_secs s, $polars_rows rows, $polars_cols columns" >&2
events=$(( $(wc -l < "$work/world/data/events.csv") - 1 ))
cpu=$(awk -F: '/model name/ { sub(/^ /, "", $2); print $2; exit }' /proc/cpuinfo)
one=$(field "$ours" one_snapshot_seconds); series=$(field "$ours" series_seconds)
one_cpu=$(field "$ours" one_snapshot_cpu_seconds); series_cpu=$(field "$ours" series_cpu_seconds)
load=$(cut -d' ' -f1-3 /proc/loadavg)
n=$(field "$ours" snapshots); cols=$(field "$ours" columns); rows=$(field "$ours" accounts)
section=$(mktemp)
{
  echo "<!-- features:begin -->"
  echo "## Feature snapshots: icp (DataFusion SQL) vs polars"
  echo
  echo "$(date -u +%Y-%m-%d), $(nproc) cores, ${cpu}, shared with other builds while measuring"
  echo "(load average $load at the end): CPU seconds (user + system) are the steadier figure."
  echo "Command: \`PROFILE=$PROFILE bench/features.sh\` (company of \`icp generate --accounts $ACCOUNTS"
  echo "--months $MONTHS --seed 1\`, $events event rows; clean Parquet from icp's ingest, not timed)."
  echo "icp builds every feature family of docs/features.md ($cols columns, sentiment and"
  echo "technology flags included); polars $polars_version computes the engagement, sales,"
  echo "subscription and support subset ($polars_cols columns) for the same as-of moment."
  echo
  echo "| what | accounts | wall seconds | CPU seconds |"
  echo "|---|---|---|---|"
  printf '| icp, one as-of snapshot | %s | %.2f | %.2f |\n' "$rows" "$one" "$one_cpu"
  printf '| polars, one as-of snapshot (subset) | %s | %.2f | %.2f |\n' "$polars_rows" "$polars_secs" "$polars_cpu"
  printf '| ratio (icp / polars) | | %.2f× | %.2f× |\n' "$(python3 -c "print($one / $polars_secs)")" "$(python3 -c "print($one_cpu / max($polars_cpu, 1e-9))")"
  printf '| icp, per-deal table: %s deals, each as of its creation | %s | %.2f | %.2f |\n' "$(field "$ours" deals)" "$(field "$ours" deals)" "$(field "$ours" deals_seconds)" "$(field "$ours" deals_cpu_seconds)"
  if [ "$n" != 0 ]; then
    printf '| icp, monthly series: %s snapshots written to the store | %s | %.2f | %.2f |\n' "$n" "$rows" "$series" "$series_cpu"
  fi
  echo "<!-- features:end -->"
} > "$section"
doc=docs/benchmarks.md
if grep -q '<!-- features:begin -->' "$doc"; then
  awk -v file="$section" '
    /<!-- features:begin -->/ { while ((getline line < file) > 0) print line; skip = 1; next }
    /<!-- features:end -->/ { skip = 0; next }
    !skip { print }
  ' "$doc" > "$section.doc" && cp "$section.doc" "$doc"
else
  { echo; cat "$section"; } >> "$doc"
fi
cat "$section"
