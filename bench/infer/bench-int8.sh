#!/usr/bin/env bash
# Integer inference speed, side by side, one thread each: the Fashion-MNIST
# MLP and BN CNN (examples/mlp-fashion.mlir, examples/cnn-bn-fashion.mlir)
# on one batch of BATCH samples, with their dynamic batch, as quantx's fp32
# model, its int8 model (quantx-runner calibrate, per-channel int8 weights,
# int8 activations, then quantx-ptq) and its int4-weight model (every layer
# 4-bit weights), and PyTorch's own int8 model (torch.ao eager post-training
# quantization, engine onednn; python3-torch under /usr/bin/python3, skipped
# with a message when absent) and fp32 eager model. Parameters come from the
# initializers (latency does not depend on their values); calibration reads
# 1024 training samples. The variants run round-robin for ROUNDS rounds of
# RUNS calls each; prints the median over rounds of each one's median
# milliseconds and of the per-round ratios.
#
#   bench/infer/bench-int8.sh [BUILD_DIR] [BATCH] [RUNS] [ROUNDS]
set -euo pipefail
build=${1:-build}
batch=${2:-256}
runs=${3:-30}
rounds=${4:-5}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../peer-env.sh"
runner="$build/bin/quantx-runner"
opt="$build/bin/quantx-opt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

has_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && has_torch=1
print_machine 'avx2|fma|avx512f|avx512bw|avx512_vnni|avx_vnni'
echo "one thread each; batch $batch; $rounds rounds of $runs calls"
peer_env_note
write_uniform_batch "$work/x.npy" "$batch"


for model in mlp cnn; do
  example=$([[ $model == mlp ]] && echo mlp-fashion || echo cnn-bn-fashion)
  "$runner" train "$root/examples/$example.mlir" --dataset fashion-mnist \
    --epochs 0 --seed 1 -o "$work/$model.fp32.mlir" >/dev/null
  "$runner" calibrate "$work/$model.fp32.mlir" --dataset fashion-mnist \
    -o "$work/$model.cal8.mlir" >/dev/null
  "$opt" "$work/$model.cal8.mlir" --quantx-ptq -o "$work/$model.int8.mlir"
  "$runner" calibrate "$work/$model.fp32.mlir" --dataset fashion-mnist \
    --weight-bits=4 --first-last-bits=0 -o "$work/$model.cal4.mlir" >/dev/null
  "$opt" "$work/$model.cal4.mlir" --quantx-ptq -o "$work/$model.int4.mlir"
  : > "$work/$model.times"
  for ((round = 0; round < rounds; ++round)); do
    line=""
    for variant in fp32 int8 int4; do
      ms=$("$runner" bench "$work/$model.$variant.mlir" -e forward \
        --input "$work/x.npy" --runs "$runs" | median_ms)
      line+="$ms "
    done
    if [[ $has_torch == 1 ]]; then
      out=$(peer /usr/bin/python3 "$here/infer_pytorch_int8.py" "$model" "$batch" "$runs" 3)
      line+="$(sed -n 's/^pytorch-int8-median-ms: //p' <<< "$out") "
      line+="$(sed -n 's/^pytorch-fp32-median-ms: //p' <<< "$out")"
    else
      line+="nan nan"
    fi
    echo "$line" >> "$work/$model.times"
  done
done

/usr/bin/python3 - "$work" <<'PY'
import math, statistics, sys
work = sys.argv[1]
print()
print(f"{'model':6} {'quantx fp32':>12} {'quantx int8':>12} {'quantx int4':>12} "
      f"{'torch int8':>11} {'torch fp32':>11} {'fp32/int8':>10} {'int8/int4':>10} "
      f"{'torch-int8/int8':>16}")
for model in ("mlp", "cnn"):
    rows = [list(map(float, line.split())) for line in open(f"{work}/{model}.times")]
    med = [statistics.median(r[i] for r in rows) for i in range(5)]
    def ratio(a, b):
        values = [r[a] / r[b] for r in rows]
        return "-" if any(math.isnan(v) for v in values) else f"{statistics.median(values):.2f}x"
    cells = ["-" if math.isnan(v) else f"{v:.3f}" for v in med]
    print(f"{model:6} {cells[0]:>12} {cells[1]:>12} {cells[2]:>12} {cells[3]:>11} "
          f"{cells[4]:>11} {ratio(0, 1):>10} {ratio(1, 2):>10} {ratio(3, 1):>16}")
print("(milliseconds per batch; ratios above 1: the second is faster)")
PY
[[ $has_torch == 1 ]] || echo "PyTorch not found (apt-get install python3-torch): its columns are empty"
