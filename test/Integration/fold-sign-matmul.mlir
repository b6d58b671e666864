// REQUIRES: torch
// Layers with binary or ternary weights and float activations folded into
// quantx.sign_matmul (Inputs/sign_models.py writes them with random codes
// and per-channel scales: a zero-padded strided convolution with ternary
// weights, K = 144; a matmul with binary weights, K = 150), JIT-run on
// random inputs: the vector kernel and the scalar loops give the same
// bits, and the folded and the float layers are both within the rounding
// bound of any f32 summation order of the float64 reference
// (Inputs/sign_check.py).
// RUN: %torch_python %S/Inputs/sign_models.py %t.mlir 11
// RUN: quantx-opt %t.mlir --quantx-fold-binary -o %t.folded.mlir
// RUN: FileCheck %s < %t.folded.mlir
// CHECK-LABEL: func.func @conv
//       CHECK:   quantx.sign_matmul %{{.*}}, %{{.*}} : tensor<?x36xf32>, tensor<20x2x1xi64> -> tensor<?x20xf32>
//   CHECK-NOT:   linalg.conv_2d_nhwc_hwcf
// CHECK-LABEL: func.func @mlp
//       CHECK:   quantx.sign_matmul %{{.*}}, %{{.*}} : tensor<?x150xf32>, tensor<19x3xi64> -> tensor<?x19xf32>
//   CHECK-NOT:   linalg.matmul
// RUN: %torch_python -c "import numpy as n; r = n.random.default_rng(4); n.save('%t.conv.x.npy', r.standard_normal((13, 9, 9, 4)).astype(n.float32)); n.save('%t.mlp.x.npy', (r.standard_normal((37, 150)) * 100).astype(n.float32))"
// RUN: quantx-runner run %t.folded.mlir -e conv --input %t.conv.x.npy --output %t.conv.folded.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e conv --input %t.conv.x.npy --output %t.conv.scalar.npy --vectorize=false > /dev/null
// RUN: quantx-runner run %t.mlir -e conv --input %t.conv.x.npy --output %t.conv.float.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e mlp --input %t.mlp.x.npy --output %t.mlp.folded.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e mlp --input %t.mlp.x.npy --output %t.mlp.scalar.npy --vectorize=false > /dev/null
// RUN: quantx-runner run %t.mlir -e mlp --input %t.mlp.x.npy --output %t.mlp.float.npy > /dev/null
// RUN: %torch_python %S/Inputs/sign_check.py %t
