#!/usr/bin/env bash
# Boosted trees: icp's Gbm vs LightGBM on the same bytes. bench/gbm_lightgbm.py writes the data
# (raw little-endian f64, 32 features with nonlinear signal and missing values) once per size;
# both tools train on the first N rows and score 100,000 held-out rows with the same settings
# (binary log-loss, 100 trees, 31 leaves, learning rate 0.1, min_data_in_leaf 20, max_bin 255,
# no bagging, 2 threads), then explain 10,000 held-out rows: icp's TreeSHAP vs
# shap.TreeExplainer on the LightGBM model. Records the figures in docs/benchmarks.md between
# <!-- gbm:begin --> and <!-- gbm:end -->. LightGBM, shap and scikit-learn (for the AUC) come
# from PyPI into bench/.venv.
set -euo pipefail
cd "$(dirname "$0")/.."
P=32; TREES=100; LEAVES=31; N_TEST=100000; N_SHAP=10000
SIZES=${SIZES:-"100000 1000000"}
cargo build --release -p icp-ml --example gbm_bench >/dev/null 2>&1
icp=target/release/examples/gbm_bench
if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
if ! bench/.venv/bin/python -c 'import lightgbm, shap, sklearn, numpy' 2>/dev/null; then
  bench/.venv/bin/pip install --quiet lightgbm shap scikit-learn numpy
fi
py=bench/.venv/bin/python
mkdir -p bench/data
rows=""
for n in $SIZES; do
  total=$((n + N_TEST))
  f=bench/data/gbm_${n}x${P}.f64
  [ -f "$f" ] || $py bench/gbm_lightgbm.py gen "$f" "$total" "$P" 1
  ours=$(RAYON_NUM_THREADS=2 $icp "$f" "$total" "$P" "$n" $TREES $LEAVES $N_SHAP)
  lgb=$($py bench/gbm_lightgbm.py fit "$f" "$total" "$P" "$n" $TREES $LEAVES $N_SHAP)
  echo "n=$n icp=$ours lightgbm=$lgb" >&2
  rows+=$(python3 - "$n" "$ours" "$lgb" <<'PY'
import json, sys
n = int(sys.argv[1]); o, l = (json.loads(a) for a in sys.argv[2:4])
print(f"| {n:,} | {o['fit_seconds']:.2f} | {l['fit_seconds']:.2f} | {l['fit_seconds'] / o['fit_seconds']:.2f}× "
      f"| {o['predict_seconds']:.3f} | {l['predict_seconds']:.3f} "
      f"| {o['auc']:.4f} | {l['auc']:.4f} | {o['auc'] - l['auc']:+.4f} "
      f"| {o['shap_seconds']:.2f} | {l['shap_seconds']:.2f} | {l['shap_seconds'] / o['shap_seconds']:.2f}× |")
PY
)$'\n'
done
versions=$($py -c 'import lightgbm, shap, numpy; print(f"LightGBM {lightgbm.__version__}, shap {shap.__version__}, numpy {numpy.__version__}")')
section=$(cat <<MD
<!-- gbm:begin -->
## Boosted trees and TreeSHAP: icp vs LightGBM and shap

$(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(rustc --version | cut -d' ' -f1-2),
${versions}, Python $($py -c 'import platform; print(platform.python_version())').
Command: \`bench/gbm.sh\`. Data: \`bench/gbm_lightgbm.py gen\` (32 features: uniform, normal and
count-like; 5 % missing in eight of them; labels drawn from a logit with sines, products, steps
and a missing-value effect; seed 1), written once as raw f64 and read by both tools; training on
the first N rows, scoring on the next 100,000. Both: binary log-loss, ${TREES} trees, ${LEAVES}
leaves, learning rate 0.1, min_data_in_leaf 20, min_sum_hessian 1e-3, max_bin 255, no bagging
or feature subsampling, 2 threads (LightGBM \`num_threads=2\`, icp \`RAYON_NUM_THREADS=2\`).
Times are wall seconds: fit (LightGBM including its Dataset construction, icp including its
binning), predict (100,000 rows), SHAP (${N_SHAP} held-out rows; icp \`Gbm::shap\`, exact
path-dependent TreeSHAP, vs \`shap.TreeExplainer(model).shap_values\`, which hands LightGBM
models to LightGBM's own C++ TreeSHAP). "speed-up" = LightGBM or shap time / icp time. One run
per cell on a 2-core machine shared with other engineers' builds.

| train rows | icp fit s | LightGBM fit s | fit speed-up | icp predict s | LightGBM predict s | icp AUC | LightGBM AUC | AUC diff | icp SHAP s | shap SHAP s | SHAP speed-up |
|---|---|---|---|---|---|---|---|---|---|---|---|
${rows%$'\n'}
<!-- gbm:end -->
MD
)
python3 - "$section" <<'PY'
import re, sys, pathlib
p = pathlib.Path("docs/benchmarks.md")
text = p.read_text() if p.exists() else "# Benchmarks\n"
new = sys.argv[1]
if "<!-- gbm:begin -->" in text:
    text = re.sub(r"<!-- gbm:begin -->.*<!-- gbm:end -->", lambda _: new, text, flags=re.S)
else:
    text = text.rstrip() + "\n\n" + new + "\n"
p.write_text(text)
PY
echo "$section" | tail -4
