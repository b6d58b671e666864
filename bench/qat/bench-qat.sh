#!/usr/bin/env bash
# Quantization-aware training, side by side, one thread each: quantx and
# PyTorch train the Fashion-MNIST batch-norm CNN of
# examples/cnn-bn-fashion.mlir (conv 16-BN-ReLU-pool, conv 32-BN-ReLU-pool,
# 1568-128-BN-ReLU-10) in float for EPOCHS_FP32 epochs, then fine-tune the
# trained float model with fake quantization for EPOCHS_QAT epochs, W8A8 and
# W4A4 (first and last layer 8-bit in both), all with the recipe of the
# example's `// TRAIN:` line (SGD with momentum, cosine learning rate, batch
# 64, seed 1); each QAT run starts a new schedule and optimizer.
#
#   quantx: quantx-runner train, then quantx-opt --quantx-insert-fake-quant
#     (`ste` weights: per-channel max|w| on a narrow signed grid; `ste`
#     activations: observed moving-average min/max, unsigned) and
#     quantx-runner train on the result (docs/QAT.md);
#   PyTorch: eager mode, torch.ao.quantization's fuse_modules_qat and
#     prepare_qat with per-channel symmetric weight and per-tensor affine
#     activation fake quantizers at the same places (qat_pytorch.py says
#     how the two differ), evaluated in eval mode with fake quantization on.
#
# Prints a Markdown table of test accuracy and training seconds per epoch
# (evaluation excluded) with the time ratio, then each framework's QAT epoch
# relative to its own float epoch: the cost of QAT that docs/QAT.md
# compares. PyTorch (Debian python3-torch, run by /usr/bin/python3) is
# optional: without it quantx's rows are printed and the comparison is
# skipped. PyTorch runs without the environment's OpenBLAS tuning variables
# (bench/peer-env.sh).
#
#   bench/qat/bench-qat.sh [BUILD_DIR] [EPOCHS_FP32] [EPOCHS_QAT]
#
# Defaults: build, 5, 3 (eleven epochs on each side, one training at a
# time; PyTorch's epochs take most of the run).
# QUANTX_BENCH_MAX_STEPS=N stops each of the six trainings after N steps
# (the schedule stays that of the full epochs; quantx-runner --max-steps):
# a quick check of the script, whose seconds are those of the shortened
# epochs and whose accuracies mean little.
set -euo pipefail
build=${1:-build}
epochs_fp32=${2:-5}
epochs_qat=${3:-3}
max_steps=${QUANTX_BENCH_MAX_STEPS:-0}
for value in "$epochs_fp32" "$epochs_qat"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] \
    || { echo "bench-qat.sh: EPOCHS_FP32 and EPOCHS_QAT are at least 1, not '$value'" >&2; exit 2; }
done
[[ "$max_steps" =~ ^[0-9]+$ ]] \
  || { echo "bench-qat.sh: QUANTX_BENCH_MAX_STEPS is a step count, not '$max_steps'" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
model=examples/cnn-bn-fashion.mlir
source "$here/../peer-env.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The example's training options, without --epochs; the PyTorch peer reads
# its recipe from them and implements only this one.
read -ra train_line <<<"$(sed -n 's|^// TRAIN: quantx-runner train %s ||p' "$root/$model")"
train_opts=()
batch=64 lr="" momentum=0.9 seed=0
i=0
while [ "$i" -lt "${#train_line[@]}" ]; do
  name=${train_line[i]} value=${train_line[i + 1]:-}
  i=$((i + 2))
  case "$name" in
    --epochs) continue ;;
    --dataset) [ "$value" = fashion-mnist ] || name=unsupported ;;
    --optimizer) [ "$value" = momentum ] || name=unsupported ;;
    --lr-schedule) [ "$value" = cosine ] || name=unsupported ;;
    --batch-size) batch=$value ;;
    --lr) lr=$value ;;
    --momentum) momentum=$value ;;
    --seed) seed=$value ;;
    *) name=unsupported ;;
  esac
  if [ "$name" = unsupported ]; then
    echo "bench-qat.sh: $model's TRAIN line has '${train_line[i - 2]} $value'; this benchmark implements --dataset fashion-mnist --optimizer momentum --lr-schedule cosine with --batch-size, --lr, --momentum, --seed" >&2
    exit 2
  fi
  train_opts+=("$name" "$value")
done
[ -n "$lr" ] || { echo "bench-qat.sh: $model's TRAIN line sets no --lr" >&2; exit 2; }
limit=()
[ "$max_steps" = 0 ] || limit=(--max-steps "$max_steps")

# Commands are shown relative to the repository and the work directory.
show() {
  local text="$*"
  text=${text//"$work/"/}
  echo "  ${text//"$root/"/}"
}
commands=()
# run LOG COMMAND...: runs COMMAND, its output shown and kept in LOG.
run() {
  local log=$1
  shift
  commands+=("$(show "$@")")
  "$@" | tee "$log"
}
# Mean training seconds per epoch and final test accuracy of a runner log.
seconds_of() {
  grep -o '([0-9.]* s training)' "$1" | tr -d '(' \
    | awk '{ s += $1; n++ } END { printf "%.3f", s / n }'
}
accuracy_of() { grep '^test-accuracy:' "$1" | cut -d' ' -f2; }

cpu=$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)
[ -n "$cpu" ] || cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' \
  | grep -x -E 'avx2|avx512f|avx512_vnni' | tr '\n' ' ' | sed 's/ $//')
has_torch=0
/usr/bin/python3 -c 'import torch' 2>/dev/null && has_torch=1

runner=("$build/bin/quantx-runner" train)
declare -A quantx_acc quantx_sec pytorch_acc pytorch_sec
echo "== quantx fp32"
run "$work/fp32.log" "${runner[@]}" "$root/$model" "${train_opts[@]}" \
  --epochs "$epochs_fp32" "${limit[@]}" -o "$work/fp32.mlir"
quantx_acc[fp32]=$(accuracy_of "$work/fp32.log")
quantx_sec[fp32]=$(seconds_of "$work/fp32.log")
for scheme in W8A8 W4A4; do
  options="weights=ste activations=ste"
  [ "$scheme" = W8A8 ] || options+=" weight-bits=4 activation-bits=4"
  echo "== quantx $scheme"
  commands+=("$(show "$build/bin/quantx-opt" "$work/fp32.mlir" \
    "--quantx-insert-fake-quant=\"$options\"" -o "$work/$scheme.mlir")")
  "$build/bin/quantx-opt" "$work/fp32.mlir" \
    --quantx-insert-fake-quant="$options" -o "$work/$scheme.mlir"
  run "$work/$scheme.log" "${runner[@]}" "$work/$scheme.mlir" "${train_opts[@]}" \
    --epochs "$epochs_qat" "${limit[@]}"
  quantx_acc[$scheme]=$(accuracy_of "$work/$scheme.log")
  quantx_sec[$scheme]=$(seconds_of "$work/$scheme.log")
done

torch_version=-
if [ "$has_torch" = 1 ]; then
  echo "== PyTorch"
  peer_env_note
  commands+=("$(show peer /usr/bin/python3 "$here/qat_pytorch.py" "$epochs_fp32" \
    "$epochs_qat" "$batch" "$lr" "$momentum" "$seed" "$max_steps") (peer: bench/peer-env.sh)")
  peer /usr/bin/python3 "$here/qat_pytorch.py" "$epochs_fp32" "$epochs_qat" \
    "$batch" "$lr" "$momentum" "$seed" "$max_steps" | tee "$work/pytorch.log"
  torch_version=$(sed -n 's/^pytorch \([^,]*\),.*/\1/p' "$work/pytorch.log")
  while read -r _ scheme acc sec; do
    pytorch_acc[$scheme]=$acc
    pytorch_sec[$scheme]=$(awk -v s="$sec" 'BEGIN { printf "%.3f", s }')
  done < <(grep '^pytorch-result ' "$work/pytorch.log")
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2fx", a / b }'; }
points() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%+.2f", 100 * (a - b) }'; }

echo
echo "## QAT: examples/cnn-bn-fashion.mlir, quantx and PyTorch"
echo
echo "machine: $cpu, $(nproc) cores; flags: ${flags:-none of avx2 avx512f avx512_vnni}"
echo "threads: one each (PyTorch: torch.set_num_threads(1), OMP/MKL/OPENBLAS_NUM_THREADS=1)"
echo "pytorch: $torch_version; epochs: fp32 $epochs_fp32, QAT $epochs_qat (from the fp32 model)"
[ "$max_steps" = 0 ] \
  || echo "stopped after $max_steps steps per run (QUANTX_BENCH_MAX_STEPS): seconds are those of the shortened epochs"
echo "commands:"
printf '%s\n' "${commands[@]}"
echo
echo "| run | quantx acc | PyTorch acc | quantx s/epoch | PyTorch s/epoch | time ratio (PyTorch/quantx) |"
echo "|---|---|---|---|---|---|"
for scheme in fp32 W8A8 W4A4; do
  p_acc=${pytorch_acc[$scheme]:--} p_sec=${pytorch_sec[$scheme]:--}
  echo "| $scheme | ${quantx_acc[$scheme]} | $p_acc | ${quantx_sec[$scheme]} | $p_sec | $(ratio "$p_sec" "${quantx_sec[$scheme]}") |"
done
echo
echo "| run | quantx QAT/fp32 epoch | PyTorch QAT/fp32 epoch | quantx acc change (points) | PyTorch acc change (points) |"
echo "|---|---|---|---|---|"
for scheme in W8A8 W4A4; do
  echo "| $scheme | $(ratio "${quantx_sec[$scheme]}" "${quantx_sec[fp32]}") | $(ratio "${pytorch_sec[$scheme]:--}" "${pytorch_sec[fp32]:--}") | $(points "${quantx_acc[$scheme]}" "${quantx_acc[fp32]}") | $(points "${pytorch_acc[$scheme]:--}" "${pytorch_acc[fp32]:--}") |"
done
echo
echo "(time ratio above 1: quantx is faster; QAT/fp32: the QAT epoch's cost relative to the same framework's float epoch)"
[ "$has_torch" = 1 ] || echo "PyTorch not found (apt-get install python3-torch): comparison skipped"
