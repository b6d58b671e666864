#!/usr/bin/env bash
# The demo of `make demo`: quantize the weights of a small layer to four
# formats and show the folded result, export the fixed-point types to the
# upstream quant dialect and import them back, then train the Fashion-MNIST
# MLP for three epochs.
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
