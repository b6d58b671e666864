#!/usr/bin/env bash
# The BNN CNN end to end, side by side, one thread each: the Fashion-MNIST
# BN CNN (examples/cnn-bn-fashion.mlir) as quantx's fp32 model and as its
# binary model (quantx-insert-fake-quant "weights=xnor activations=sign":
# the second convolution and the first matmul binary, the first and last
# layers 8-bit; then quantx-ptq: XNOR-popcount layers, sign thresholds, int8
# kernels), with its dynamic batch, on one batch of BATCH samples; and
# PyTorch's fp32 eager model of the same network (python3-torch under
# /usr/bin/python3, skipped with a message when absent). Parameters come
# from the initializers, the binary model's after 5 training steps that set
# its 8-bit layers' observers (latency does not depend on their values). The
# variants run round-robin for ROUNDS rounds of RUNS calls each; prints the
# median over rounds of each one's median milliseconds and of the
# per-round ratios.
#
#   bench/binary/bench-bnn.sh [BUILD_DIR] [BATCH] [RUNS] [ROUNDS]
set -euo pipefail
build=${1:-build}
batch=${2:-256}
runs=${3:-20}
rounds=${4:-7}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$here/../peer-env.sh"
runner="$build/bin/quantx-runner"
opt="$build/bin/quantx-opt"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

has_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && has_torch=1
print_machine 'avx2|fma|popcnt|avx512f|avx512bw|avx512_vpopcntdq'
echo "one thread each; batch $batch; $rounds rounds of $runs calls"
peer_env_note
write_uniform_batch "$work/x.npy" "$batch"


"$runner" train "$root/examples/cnn-bn-fashion.mlir" --dataset fashion-mnist \
  --epochs 0 --seed 1 -o "$work/fp32.mlir" >/dev/null
"$opt" "$work/fp32.mlir" --quantx-insert-fake-quant="weights=xnor activations=sign" \
  -o "$work/qat.mlir" 2>/dev/null
"$runner" train "$work/qat.mlir" --dataset fashion-mnist --epochs 1 --max-steps 5 \
  --seed 1 -o "$work/trained.mlir" >/dev/null
"$opt" "$work/trained.mlir" --quantx-ptq -o "$work/bnn.mlir"
grep -q 'quantx.binary_matmul' "$work/bnn.mlir" ||
  { echo "the binary model has no binary_matmul" >&2; exit 1; }

: > "$work/times"
for ((round = 0; round < rounds; ++round)); do
  line=""
  for variant in fp32 bnn; do
    ms=$("$runner" bench "$work/$variant.mlir" -e forward --input "$work/x.npy" \
      --runs "$runs" | median_ms)
    line+="$ms "
  done
  if [[ $has_torch == 1 ]]; then
    out=$(peer /usr/bin/python3 "$root/bench/infer/infer_pytorch_int8.py" cnn "$batch" "$runs" 3)
    line+="$(sed -n 's/^pytorch-fp32-median-ms: //p' <<< "$out")"
  else
    line+="nan"
  fi
  echo "$line" >> "$work/times"
done

/usr/bin/python3 - "$work" <<'PY'
import math, statistics, sys
rows = [list(map(float, line.split())) for line in open(f"{sys.argv[1]}/times")]
med = [statistics.median(r[i] for r in rows) for i in range(3)]
def ratio(a, b):
    values = [r[a] / r[b] for r in rows]
    return "-" if any(math.isnan(v) for v in values) else f"{statistics.median(values):.2f}x"
cells = ["-" if math.isnan(v) else f"{v:.3f}" for v in med]
print()
print(f"{'model':8} {'quantx fp32':>12} {'quantx BNN':>11} {'torch fp32':>11} "
      f"{'fp32/BNN':>9} {'torch-fp32/BNN':>15}")
print(f"{'BNN CNN':8} {cells[0]:>12} {cells[1]:>11} {cells[2]:>11} "
      f"{ratio(0, 1):>9} {ratio(2, 1):>15}")
print("(milliseconds per batch; ratios above 1: the BNN is faster)")
PY
[[ $has_torch == 1 ]] || echo "PyTorch not found (apt-get install python3-torch): its column is empty"
