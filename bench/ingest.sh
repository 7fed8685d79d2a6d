#!/usr/bin/env bash
# Times `icp check` (read, type, validate and quarantine all six tables) on the generated
# 100k-account × 24-month company, beside pandas reading the same CSVs with the same headline
# checks, and records both in docs/benchmarks.md. Reuses bench/data/gen100k from
# bench/generate.sh when present. pandas is installed into a throwaway venv (bench/.venv).
set -euo pipefail
cd "$(dirname "$0")/.."
data=bench/data/gen100k
cargo build --release -p icp >/dev/null
if [ ! -f "$data/icp.toml" ]; then
  rm -rf "$data"; mkdir -p bench/data
  target/release/icp generate --accounts 100000 --months 24 --seed 1 --out "$data" --quiet
fi
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet pandas pyarrow
fi
now=$(sed -n 's/^now = "\(.*\)"/\1/p' "$data/icp.toml")
events=$(($(wc -l < "$data/data/events.csv") - 1))
start=$(date +%s.%N)
target/release/icp check -w "$data" --quiet
icp_s=$(echo "$(date +%s.%N) - $start" | bc)
pandas_json=$(bench/.venv/bin/python bench/ingest_pandas.py "$data" "${now%Z}")
pandas_s=$(echo "$pandas_json" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["seconds"], 2))')
pandas_v=$(bench/.venv/bin/python -c 'import pandas; print(pandas.__version__)')
ratio=$(echo "scale=2; $pandas_s / $icp_s" | bc)
section=$(cat <<MD
<!-- ingest:begin -->
## Ingest and validation: \`icp check\` vs pandas

$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs).
Command: \`bench/ingest.sh\` (company of \`icp generate --accounts 100000 --months 24 --seed 1\`,
${events} event rows). pandas ${pandas_v} reads the same six CSVs with typed columns and runs
the headline checks (duplicate ids, unknown accounts, future and unparsable timestamps);
icp additionally types every column, checks every rule and writes the quarantine.

| tool | wall seconds |
|---|---|
| \`icp check\` | $(printf '%.2f' "$icp_s") |
| pandas read_csv + checks | ${pandas_s} |
| ratio (pandas / icp) | ${ratio}× |
<!-- ingest:end -->
MD
)
python3 - "$section" <<'PY'
import re, sys, pathlib
p = pathlib.Path("docs/benchmarks.md")
text = p.read_text() if p.exists() else "# Benchmarks\n"
new = sys.argv[1]
if "<!-- ingest:begin -->" in text:
    text = re.sub(r"<!-- ingest:begin -->.*<!-- ingest:end -->", lambda _: new, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + new + "\n"
p.write_text(text)
PY
echo "icp check ${icp_s}s, pandas ${pandas_s}s"
