// REQUIRES: dataset-digits, torch
// A ternary-weight network end to end: the three-layer digits perceptron
// (Inputs/mlp3-digits.mlir) trained with TWN weights and sign activations
// (first and last layers 8-bit, the middle one ternary by binary), frozen,
// and its ternary layer folded into a popcount product of two bit planes.
// The folded model predicts exactly what the QAT model and the frozen
// model predict on every test sample (0.9805 measured), in 16356 bytes
// (the frozen model: 28136, the float model: 104512).
// RUN: quantx-opt %S/Inputs/mlp3-digits.mlir --quantx-insert-fake-quant="weights=twn activations=sign" -o %t.qat.mlir 2> /dev/null
// RUN: quantx-runner train %t.qat.mlir --dataset digits --epochs 30 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 -o %t.trained.mlir | FileCheck %s --check-prefix=QAT
// QAT: test-accuracy: 0.9{{[5-9][0-9]*}}
// RUN: quantx-opt %t.trained.mlir --quantx-freeze-quantization -o %t.frozen.mlir
// RUN: quantx-opt %t.frozen.mlir --quantx-fold-binary -o %t.folded.mlir
// RUN: FileCheck %s --check-prefix=FOLDED < %t.folded.mlir
// FOLDED: quantx.pack_signs %{{.*}} : tensor<?x128xf32> to tensor<?x2xi64>
// FOLDED: quantx.ternary_matmul %{{.*}}, %{{.*}} k 128 : tensor<?x2xi64>, tensor<128x2x2xi64> -> tensor<?x128xi32>
// FOLDED-NOT: !quantx.ternary
// RUN: quantx-runner eval %t.trained.mlir --dataset digits --predictions %t.qat.npy > /dev/null
// RUN: quantx-runner eval %t.frozen.mlir --dataset digits --predictions %t.frozen.npy > /dev/null
// RUN: quantx-runner eval %t.folded.mlir --dataset digits --predictions %t.folded.npy | FileCheck %s --check-prefix=BYTES
// BYTES: model-bytes: {{1[0-9][0-9][0-9][0-9]$}}
// RUN: %torch_python -c "import numpy as n, sys; a, b, c = (n.load('%t.' + s + '.npy') for s in ('qat', 'frozen', 'folded')); print('differences', (a != c).sum(), (b != c).sum()); sys.exit(0 if a.shape == c.shape == (359,) and (a == c).all() and (b == c).all() else 1)"
