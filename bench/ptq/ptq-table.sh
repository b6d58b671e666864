#!/usr/bin/env bash
# Post-training quantization, measured: each example model is trained in
# float with its own `// TRAIN:` line, then calibrated (quantx-runner
# calibrate, 1024 seeded training samples) in every configuration
# docs/PTQ.md reports; each calibrated (simulated) model is evaluated, and
# where its formats are fixed point, its integer model (quantx-opt
# --quantx-ptq) too, with the share of test predictions the two agree on.
# Prints one Markdown table per model: test accuracy, the change from fp32,
# model bytes (quantx-runner eval's model-bytes of the model that would be
# deployed: the integer model where there is one) and their share of fp32's.
#
#   bench/ptq/ptq-table.sh [BUILD_DIR] [MODEL...]
#
# MODEL: cnn-bn-fashion, mlp-fashion, mlp-digits (default: all three; the
# CNN's training takes most of the run). Work files go to a temporary
# directory that is removed at exit.
set -euo pipefail
build=${1:-build}
shift || true
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(cnn-bn-fashion mlp-fashion mlp-digits)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runner="$build/bin/quantx-runner"
opt="$build/bin/quantx-opt"
for tool in "$runner" "$opt"; do
  [[ -x "$tool" ]] || { echo "ptq-table.sh: $tool not built (make build)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=/usr/bin/python3

field() { sed -n "s/^$1: //p" "$2" | tail -1; }

# One row: NAME, the calibrate options (quoted string), whether an integer
# model exists (1/0).
row() {
  local name=$1 options=$2 integer=$3
  local calibrated="$work/$model.cal.mlir"
  # shellcheck disable=SC2086
  "$runner" calibrate "$trained" --dataset "$dataset" $options -o "$calibrated" \
    > "$work/calibrate.txt"
  "$runner" eval "$calibrated" --dataset "$dataset" \
    --predictions "$work/sim.npy" > "$work/sim.txt"
  local sim bytes agree="" intacc=""
  sim=$(field test-accuracy "$work/sim.txt")
  bytes=$(field model-bytes "$work/sim.txt")
  if [[ $integer == 1 ]]; then
    "$opt" "$calibrated" --quantx-ptq -o "$work/int.mlir"
    "$runner" eval "$work/int.mlir" --dataset "$dataset" \
      --predictions "$work/int.npy" > "$work/int.txt"
    intacc=$(field test-accuracy "$work/int.txt")
    bytes=$(field model-bytes "$work/int.txt")
    agree=$("$python" -c "import numpy as n; a, b = n.load('$work/sim.npy'), n.load('$work/int.npy'); print(f'{100 * (a == b).mean():.2f}%')")
  else
    "$opt" "$calibrated" --quantx-ptq -o "$work/int.mlir" 2> /dev/null
    bytes=$("$runner" eval "$work/int.mlir" --dataset "$dataset" | sed -n 's/^model-bytes: //p')
  fi
  "$python" - "$name" "$options" "$sim" "$intacc" "$agree" "$bytes" "$fp32" "$fp32_bytes" <<'EOF'
import sys
name, options, sim, intacc, agree, bytes_, fp32, fp32_bytes = sys.argv[1:]
sim, fp32 = float(sim), float(fp32)
delta = 100 * (sim - fp32)
share = 100 * int(bytes_) / int(fp32_bytes)
integer = f"{100 * float(intacc):.2f}" if intacc else "-"
print(f"| {name} | `{options}` | {100 * sim:.2f} | {delta:+.2f} | {integer} | "
      f"{agree or '-'} | {bytes_} | {share:.1f}% |")
EOF
}

for model in "${models[@]}"; do
  source_model="$root/examples/$model.mlir"
  [[ -f "$source_model" ]] || { echo "ptq-table.sh: no example $model" >&2; exit 2; }
  train=$(sed -n 's|^// TRAIN: quantx-runner train %s ||p' "$source_model")
  dataset=$(sed -n 's/.*--dataset \([^ ]*\).*/\1/p' <<< "$train")
  trained="$work/$model.fp32.mlir"
  # shellcheck disable=SC2086
  "$runner" train "$source_model" $train -o "$trained" > "$work/train.txt"
  "$runner" eval "$trained" --dataset "$dataset" > "$work/fp32.txt"
  fp32=$(field test-accuracy "$work/fp32.txt")
  fp32_bytes=$(field model-bytes "$work/fp32.txt")
  echo
  echo "### $model ($dataset): fp32 $(awk -v a="$fp32" 'BEGIN { printf "%.2f", 100 * a }'), $fp32_bytes bytes"
  echo
  echo "| configuration | calibrate options | simulated | vs fp32 | integer | agree | bytes | of fp32 |"
  echo "|---|---|---|---|---|---|---|---|"
  for method in minmax percentile entropy mse; do
    row "int8, per tensor, $method" "--method $method --per-channel=false" 1
    row "int8, per channel, $method" "--method $method" 1
  done
  row "int4 weights, int8 activations" "--weight-bits 4 --method mse" 1
  row "int4 weights (first and last too), int8 activations" \
    "--weight-bits 4 --method mse --first-last-bits 0" 1
  row "int6 weights, int8 activations" "--weight-bits 6 --method mse" 1
  # IEEE-style bodies (the top binade holds inf and NaN) and the OCP
  # formats (FP8 E4M3FN: only NaN there; FP6 E3M2 and E2M3: every code
  # finite).
  for format in e4m3 e4m3,special=fn e3m2 e3m2,special=none e2m3 \
                e2m3,special=none; do
    for bias in fixed max sqnr; do
      row "$format weights and activations, $bias bias" \
        "--weight-format $format --activation-format $format --bias-method $bias --first-last-bits 0" 0
    done
  done
done
