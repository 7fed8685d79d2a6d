#!/usr/bin/env bash
# Checks icp's BG/NBD and Gamma–Gamma fits against Fader, Hardie & Lee (2005) and the
# `lifetimes` package on the CDNOW cohort that `lifetimes` ships, and records the figures in
# docs/benchmarks.md between the clv markers. The data is downloaded with lifetimes into a
# throwaway venv (bench/.venv), never vendored. Usage: bench/clv.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
bench/.venv/bin/pip install -q lifetimes pandas

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

bench/.venv/bin/python bench/clv_lifetimes.py export "$out/cdnow.csv"
cargo build -q --release -p icp-ml --example clv_cdnow
target/release/examples/clv_cdnow "$out/cdnow.csv" "$out/pred.csv" > "$out/ours.json"
bench/.venv/bin/python bench/clv_lifetimes.py compare "$out/cdnow.csv" "$out/ours.json" "$out/pred.csv" "$out/section.md"

# The same data as a Rust test (it is skipped when ICP_CDNOW_CSV is unset).
ICP_CDNOW_CSV="$out/cdnow.csv" cargo test -q --release -p icp-ml --test clv -- cdnow

doc=docs/benchmarks.md
section="$out/section.md"
mkdir -p docs
[ -f "$doc" ] || printf '# Benchmarks\n\nEvery figure here comes from a script in `bench/`.\n' > "$doc"
if grep -q '<!-- clv:begin -->' "$doc"; then
  awk -v file="$section" '
    /<!-- clv:begin -->/ { while ((getline line < file) > 0) print line; skip = 1; next }
    /<!-- clv:end -->/ { skip = 0; next }
    !skip { print }
  ' "$doc" > "$out/doc.md"
  cp "$out/doc.md" "$doc"
else
  { echo; cat "$section"; } >> "$doc"
fi
echo "clv: section written to $doc"
