#!/usr/bin/env bash
# Training speed, side by side: quantx-runner and PyTorch train the same
# Fashion-MNIST model (MODEL = mlp: examples/mlp-fashion.mlir, 784 -> 256
# ReLU -> 10; cnn: examples/cnn-fashion.mlir, two 3x3 convolutions with ReLU
# and max pooling, then 1568 -> 128 -> 10) with batch 64, SGD with momentum
# and one thread, for the same number of epochs; prints seconds per epoch
# (training only, evaluation excluded) and the ratio. PyTorch (Debian
# python3-torch, run by /usr/bin/python3) is optional: the comparison is
# skipped with a message when it is absent. PyTorch runs without the
# environment's OpenBLAS tuning variables (bench/peer-env.sh).
#
#   bench/train/bench-train.sh [BUILD_DIR] [EPOCHS] [MODEL]
set -euo pipefail
build=${1:-build}
epochs=${2:-3}
model=${3:-mlp}
case "$model" in
  mlp | cnn) ;;
  *) echo "bench-train.sh: MODEL is mlp or cnn, not '$model'" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
batch=64
lr=0.02
source "$here/../peer-env.sh"

echo "model: $model-fashion; machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; one thread each"
quantx_log=$(mktemp)
pytorch_log=$(mktemp)
trap 'rm -f "$quantx_log" "$pytorch_log"' EXIT
"$build/bin/quantx-runner" train "$root/examples/$model-fashion.mlir" \
  --dataset fashion-mnist --epochs "$epochs" --batch-size "$batch" \
  --optimizer momentum --lr "$lr" --seed 1 | tee "$quantx_log"
quantx=$(grep -o '([0-9.]* s training)' "$quantx_log" | tr -d '(' \
  | awk '{ s += $1; n++ } END { printf "%.3f", s / n }')
echo "quantx-seconds-per-epoch: $quantx"

if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "PyTorch not found (apt-get install python3-torch): comparison skipped"
  exit 0
fi
peer_env_note
peer /usr/bin/python3 "$here/train_pytorch.py" "$model" "$epochs" "$batch" "$lr" \
  | tee "$pytorch_log"
pytorch=$(grep 'pytorch-seconds-per-epoch' "$pytorch_log" | cut -d' ' -f2)
echo "pytorch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)')"
echo "seconds per epoch: quantx $quantx, pytorch $pytorch"
awk -v q="$quantx" -v p="$pytorch" \
  'BEGIN { printf "ratio pytorch/quantx: %.2fx (above 1: quantx is faster)\n", p / q }'
