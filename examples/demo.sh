#!/usr/bin/env bash
# The demo of `make demo`: quantize the weights of a small layer to four
# formats and show the folded result, export the fixed-point types to the
# upstream quant dialect and import them back, then train the Fashion-MNIST
# MLP for three epochs, calibrate it to int8 and run its integer model.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
opt="$build/bin/quantx-opt"
runner="$build/bin/quantx-runner"

echo "== Input: examples/quantize-weights.mlir"
grep -v '^//' "$here/quantize-weights.mlir" | sed '/^$/d'
echo
echo "== quantx-opt --canonicalize: every conversion folded by the Numerics library"
"$opt" "$here/quantize-weights.mlir" --canonicalize
echo
echo "== quantx-opt --quantx-export-quant: int8 types in upstream !quant.uniform spelling"
"$opt" "$here/quantize-weights.mlir" --canonicalize --quantx-export-quant \
  | grep -m2 'quant.uniform'
echo
echo "== ... and back with --quantx-import-quant (identical to the canonicalized input):"
if diff <("$opt" "$here/quantize-weights.mlir" --canonicalize) \
        <("$opt" "$here/quantize-weights.mlir" --canonicalize \
            --quantx-export-quant --quantx-import-quant) >/dev/null; then
  echo "round trip: identical"
else
  echo "round trip: DIFFERS" >&2
  exit 1
fi

echo
echo "== quantx-runner train examples/mlp-fashion.mlir: the forward model only;"
echo "   backward pass and optimizer generated, JIT-compiled, trained on Fashion-MNIST"
"$runner" train "$here/mlp-fashion.mlir" --dataset fashion-mnist --epochs 3 \
  --batch-size 64 --optimizer momentum --lr 0.02 --seed 1 \
  -o "$build/demo-mlp-fashion-trained.mlir"
echo "(15 epochs, the command on the file's TRAIN line, reach 0.89; see docs/Training.md)"

echo
echo "== quantx-runner calibrate: post-training quantization of the trained MLP"
echo "   (int8 per-channel weights, int8 activations clipped by least squared error)"
"$runner" calibrate "$build/demo-mlp-fashion-trained.mlir" --dataset fashion-mnist \
  --method mse -o "$build/demo-mlp-fashion-int8.mlir"
echo
echo "== quantx-opt --quantx-ptq: the integer model (int8 codes, int32 accumulators,"
echo "   quantx.rescale between layers)"
"$opt" "$build/demo-mlp-fashion-int8.mlir" --quantx-ptq \
  -o "$build/demo-mlp-fashion-integer.mlir"
grep -o 'linalg.quantized_matmul\|quantx.rescale\|rounding<[a-z_]*>' \
  "$build/demo-mlp-fashion-integer.mlir" | sort | uniq -c
echo
for model in trained int8 integer; do
  case $model in
    trained) label="the float model" ;;
    int8) label="the simulated (fake-quant) int8 model" ;;
    integer) label="the integer model" ;;
  esac
  echo "== quantx-runner eval, $label:"
  "$runner" eval "$build/demo-mlp-fashion-$model.mlir" --dataset fashion-mnist \
    | grep 'model-bytes\|test-accuracy'
done
echo "(docs/PTQ.md: every calibration method and format, make bench-ptq)"
