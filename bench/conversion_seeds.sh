#!/usr/bin/env bash
# The conversion model against the generator's truth over several demo companies: one held-out
# period of ~470 deals is a noisy yardstick (the gap to the truth ranged 0.017–0.067 over four
# seeds), so changes to the scoring stage are judged on the mean over seeds. Builds icp in
# release, runs `icp demo --seed S` for each seed into DIR/seed-S (about 2.5 min each here) and
# prints bench/conversion.sh's ROC-AUC and ceiling lines per seed, then the means.
# Usage: bench/conversion_seeds.sh DIR [SEED ...]   (default seeds: 42 1 2 3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$1"
shift
if [ $# -eq 0 ]; then set -- 42 1 2 3; fi
seeds=("$@")
cd "$root"
cargo build --release -p icp --quiet
mkdir -p "$dir"
for s in "${seeds[@]}"; do
  ws="$dir/seed-$s"
  rm -rf "$ws"
  target/release/icp demo --dir "$ws" --seed "$s" --quiet
  bash bench/conversion.sh "$ws" | grep -E '^(ROC-AUC|learnable)' | sed "s/^/seed $s: /"
done | tee "$dir/gaps.txt"
awk '/ROC-AUC model/ { m += $5; t += $8; g += $10; n++ }
     /learnable/ { c += $11 }
     END { if (n) printf "mean over %d seeds: model %.4f, truth %.4f, gap %.4f, ceiling %.4f\n",
                         n, m / n, t / n, g / n, c / n }' "$dir/gaps.txt"
