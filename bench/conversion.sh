#!/usr/bin/env bash
# The conversion model of a workspace (after `icp demo` or `icp run`) against the generator's
# true win probabilities: held-out ROC-AUC of both, win rate by tier, the learnable ceiling
# and the rank correlation of the drivers. Installs its Python packages from PyPI into
# bench/.venv. Usage: bench/conversion.sh WORKSPACE
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
if [ ! -x bench/.venv/bin/python ]; then python3 -m venv bench/.venv; fi
if ! bench/.venv/bin/python -c 'import interpret, lightgbm, pandas, pyarrow, scipy, sklearn' 2>/dev/null; then
  bench/.venv/bin/pip install --quiet interpret-core lightgbm pandas pyarrow scipy scikit-learn
fi
exec bench/.venv/bin/python bench/conversion_truth.py "$1"
