#!/usr/bin/env bash
# Inference speed, side by side, one thread each: each Fashion-MNIST
# example's @forward on one batch of BATCH samples, compiled by quantx as
# written (a dynamic batch, tensor<?x784xf32>) and with the batch fixed to
# BATCH, and the same model in PyTorch eager mode (python3-torch, run by
# /usr/bin/python3; skipped with a message when absent). Prints the median
# milliseconds of each and the ratios. PyTorch runs without the
# environment's OpenBLAS tuning variables (bench/peer-env.sh).
#
#   bench/infer/bench-infer.sh [BUILD_DIR] [BATCH] [RUNS]
set -euo pipefail
build=${1:-build}
batch=${2:-256}
runs=${3:-50}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../peer-env.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

has_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && has_torch=1
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; one thread each; batch $batch, median of $runs calls"
peer_env_note
write_uniform_batch "$work/x.npy" "$batch"

median() { grep -o 'median-ms: [0-9.]*' | cut -d' ' -f2; }

printf '%-6s %14s %14s %14s %16s %16s\n' model "quantx ?-batch" "quantx static" "pytorch eager" "?-batch/static" "pytorch/?-batch"
for model in mlp cnn; do
  # Parameters from the initializers (no training: timing does not depend
  # on the values).
  "$build/bin/quantx-runner" train "$root/examples/$model-fashion.mlir" \
    --dataset fashion-mnist --epochs 0 --seed 1 -o "$work/$model.mlir" >/dev/null
  # The same module with the batch fixed.
  sed "s/tensor<?x/tensor<${batch}x/g; s/tensor.empty(%dim)/tensor.empty()/g; s/output_shape \[%dim,/output_shape [$batch,/g" \
    "$work/$model.mlir" >"$work/$model-static.mlir"
  dynamic=$("$build/bin/quantx-runner" bench "$work/$model.mlir" -e forward \
    --input "$work/x.npy" --runs "$runs" | median)
  fixed=$("$build/bin/quantx-runner" bench "$work/$model-static.mlir" -e forward \
    --input "$work/x.npy" --runs "$runs" | median)
  if [ "$has_torch" = 1 ]; then
    torch_ms=$(peer /usr/bin/python3 "$here/infer_pytorch.py" "$model" "$batch" "$runs" 3 | median)
    ratio=$(awk -v p="$torch_ms" -v q="$dynamic" 'BEGIN { printf "%.2fx", p / q }')
  else
    torch_ms="-"; ratio="-"
  fi
  printf '%-6s %14s %14s %14s %16s %16s\n' "$model" "$dynamic" "$fixed" "$torch_ms" \
    "$(awk -v d="$dynamic" -v s="$fixed" 'BEGIN { printf "%.2fx", d / s }')" "$ratio"
done
[ "$has_torch" = 1 ] || echo "PyTorch not found (apt-get install python3-torch): its column is empty"
echo "(?-batch/static above 1: the dynamic batch is slower; pytorch/?-batch above 1: quantx is faster)"
