// REQUIRES: torch
// Ternary layers fold without changing a value where the float layer is
// exact: with power-of-two scales and small K the fake-quant model's f32
// sums are exact, so the folded model (two bit planes, popcounts, one
// scaling) gives bit-identical outputs: ternary activations by ternary
// weights (K = 70), binary activations by ternary weights (K = 130),
// ternary activations by binary weights, and a strided convolution with
// ternary activations and weights; inputs include exact ties of the
// ternary rounding (x / scale = +-0.5, +-1.5), zeros, -0 and NaN.
// RUN: %torch_python -c "import numpy as n; r = n.random.default_rng(4); x = (r.integers(-8, 9, size=(6, 130)) * 0.125).astype(n.float32); x[0, :4] = [0.25, -0.25, 0.75, -0.75]; x[1, 0] = -0.0; x[2, 1] = n.nan; n.save('%t.x.npy', x); n.save('%t.x70.npy', n.ascontiguousarray(x[:, :70])); c = (r.integers(-8, 9, size=(2, 7, 7, 3)) * 0.125).astype(n.float32); c[0, 0, 0, 0] = 0.25; n.save('%t.c.npy', c)"
// RUN: quantx-opt %s --quantx-fold-binary -o %t.folded.mlir
// RUN: FileCheck %s < %t.folded.mlir
// RUN: quantx-runner run %s -e tt --input %t.x70.npy --output %t.tt-float.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e tt --input %t.x70.npy --output %t.tt-folded.npy > /dev/null
// RUN: quantx-runner run %s -e bt --input %t.x.npy --output %t.bt-float.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e bt --input %t.x.npy --output %t.bt-folded.npy > /dev/null
// RUN: quantx-runner run %s -e tb --input %t.x70.npy --output %t.tb-float.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e tb --input %t.x70.npy --output %t.tb-folded.npy > /dev/null
// RUN: quantx-runner run %s -e conv --input %t.c.npy --output %t.conv-float.npy > /dev/null
// RUN: quantx-runner run %t.folded.mlir -e conv --input %t.c.npy --output %t.conv-folded.npy > /dev/null
// RUN: %torch_python -c "import numpy as n, sys; ok = all(n.array_equal(n.load('%t.' + m + '-float.npy'), n.load('%t.' + m + '-folded.npy'), equal_nan=True) for m in ('tt', 'bt', 'tb', 'conv')); sys.exit(0 if ok else 1)"

// CHECK-LABEL: func.func @tt
//       CHECK:   quantx.quantize %{{.*}} : tensor<?x70xf32> to tensor<?x70x!quantx.ternary<f32, 0.5>>
//       CHECK:   quantx.pack_ternary %{{.*}} : tensor<?x70xi2> to tensor<?x2x2xi64>
//       CHECK:   quantx.ternary_matmul %{{.*}}, %{{.*}} k 70 : tensor<?x2x2xi64>, tensor<5x2x2xi64> -> tensor<?x5xi32>
// CHECK-LABEL: func.func @bt
//       CHECK:   quantx.pack_signs %{{.*}} : tensor<?x130xf32> to tensor<?x3xi64>
//       CHECK:   quantx.ternary_matmul %{{.*}}, %{{.*}} k 130 : tensor<?x3xi64>, tensor<4x2x3xi64> -> tensor<?x4xi32>
// CHECK-LABEL: func.func @tb
//       CHECK:   quantx.ternary_matmul %{{.*}}, %{{.*}} k 70 : tensor<?x2x2xi64>, tensor<3x2xi64> -> tensor<?x3xi32>
// CHECK-LABEL: func.func @conv
//       CHECK:   quantx.ternary_matmul %{{.*}}, %{{.*}} k 27 : tensor<?x2x1xi64>, tensor<4x2x1xi64> -> tensor<?x4xi32>
//   CHECK-NOT:   linalg.conv_2d_nhwc_hwcf

func.func @tt(%x: tensor<?x70xf32>) -> tensor<?x5xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x70xf32>
  %wc = arith.constant dense<[[0, -1, 1, 1, -1], [-1, -1, -1, 0, 0], [0, -1, 1, 1, 0], [-1, -1, 1, -1, 1], [1, -1, 0, 0, 0], [-1, 1, -1, 0, 0], [-1, 0, 1, 0, 1], [1, -1, -1, 0, -1], [1, 1, 1, 1, 0], [1, 1, 1, -1, -1], [1, 1, -1, 0, -1], [1, 1, 0, 1, -1], [1, 1, 1, 0, -1], [1, 1, -1, 1, -1], [0, 1, 1, -1, -1], [1, 0, -1, 0, 0], [-1, 0, -1, -1, 0], [-1, 1, 1, 0, 1], [-1, 1, 1, 0, 0], [1, 1, 0, 0, 0], [1, 1, 1, -1, 1], [-1, 0, 1, 1, 1], [1, 0, -1, 1, 1], [1, 0, 1, 0, -1], [1, 1, 1, 0, 1], [0, 1, 1, 1, 0], [-1, 0, 0, -1, -1], [1, 1, 1, 0, -1], [1, 0, -1, 1, 0], [1, 0, 1, -1, -1], [1, 1, 1, 1, 1], [-1, 1, -1, -1, -1], [-1, -1, 0, 1, 1], [-1, 0, 1, 1, -1], [1, 1, -1, 1, -1], [1, -1, 0, -1, 0], [1, -1, -1, 1, 1], [-1, 0, 0, 0, -1], [0, -1, 0, 1, 0], [1, 1, 0, 1, 1], [-1, 1, 0, 0, -1], [1, 1, -1, 0, -1], [-1, -1, -1, -1, 0], [-1, 1, 1, 0, 1], [-1, -1, -1, 1, 0], [1, -1, 1, 1, 0], [-1, 0, -1, 1, 0], [-1, 1, 1, 0, -1], [-1, -1, -1, 1, 0], [-1, 1, -1, 0, -1], [1, -1, 0, -1, 0], [1, 0, 1, 1, 0], [-1, -1, 1, 1, 0], [0, -1, 1, 1, 0], [1, -1, 1, -1, -1], [1, 0, -1, 0, -1], [1, 0, 0, -1, 0], [-1, 0, 1, -1, 0], [0, 1, -1, -1, 1], [-1, -1, 1, 1, 0], [-1, 1, 0, 0, 1], [0, 0, 1, -1, -1], [0, 0, -1, 0, 1], [-1, -1, -1, 1, -1], [0, -1, 0, 1, 1], [0, -1, 0, -1, 0], [1, -1, 1, 0, -1], [1, -1, -1, 1, 0], [0, 1, 0, -1, -1], [-1, -1, -1, 0, 0]]> : tensor<70x5xi2>
  %wq = quantx.storage_cast %wc : tensor<70x5xi2> to tensor<70x5x!quantx.ternary<f32:1, {0.25, 2.0, 0.125, 1.0, 0.5}>>
  %w = quantx.dequantize %wq : tensor<70x5x!quantx.ternary<f32:1, {0.25, 2.0, 0.125, 1.0, 0.5}>> to tensor<70x5xf32>
  %s = quantx.fake_quant %x to !quantx.ternary<f32, 0.5> : tensor<?x70xf32>
  %e = tensor.empty(%n) : tensor<?x5xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x5xf32>) -> tensor<?x5xf32>
  %y = linalg.matmul ins(%s, %w : tensor<?x70xf32>, tensor<70x5xf32>) outs(%z : tensor<?x5xf32>) -> tensor<?x5xf32>
  return %y : tensor<?x5xf32>
}

func.func @bt(%x: tensor<?x130xf32>) -> tensor<?x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x130xf32>
  %wc = arith.constant dense<[[-1, 0, 1, -1], [1, -1, 1, -1], [1, 1, 0, 0], [1, 0, 1, 0], [0, 0, 1, 1], [-1, 0, -1, -1], [1, -1, 0, -1], [1, -1, 1, 0], [-1, -1, 0, 1], [-1, 1, 0, -1], [0, 1, -1, 0], [-1, 1, 0, -1], [-1, 1, 0, -1], [1, -1, 1, -1], [1, 1, 0, 0], [0, 0, -1, 1], [-1, 1, 0, 1], [1, -1, -1, 1], [-1, 1, -1, 1], [-1, 1, 0, 1], [0, 1, -1, 0], [-1, -1, 1, 1], [1, -1, 1, 0], [0, -1, -1, -1], [-1, 1, 0, 1], [1, 1, 0, 0], [1, 1, 0, -1], [1, 0, -1, 1], [-1, 0, 1, 0], [1, 1, 0, -1], [-1, 1, 1, 1], [1, -1, 1, 0], [1, 1, -1, -1], [-1, -1, 1, -1], [0, 0, 0, -1], [-1, -1, 1, -1], [1, 1, 1, 1], [1, -1, 1, 0], [1, 1, -1, -1], [-1, 1, 1, 1], [0, 1, 1, 0], [0, 1, -1, 1], [0, -1, -1, -1], [0, 1, 0, 0], [-1, 0, 1, 1], [0, 1, -1, 1], [0, 1, 1, 1], [1, 1, 0, 1], [1, 1, 1, 1], [-1, 1, -1, -1], [0, 1, -1, 1], [0, -1, 1, 1], [1, 1, 0, 0], [0, -1, 1, 0], [1, -1, -1, 0], [1, 0, 0, 1], [1, 0, -1, 1], [0, 1, 1, 1], [0, 0, -1, -1], [0, -1, 0, 0], [1, 0, 1, -1], [1, -1, 0, 1], [0, 1, 0, 1], [1, -1, 1, 0], [1, 0, 0, 0], [0, -1, 0, 0], [1, 0, 1, 0], [0, 1, -1, 1], [0, -1, 0, 0], [0, 0, 0, 0], [0, 1, -1, -1], [1, 1, -1, 0], [-1, 1, -1, -1], [0, 1, 0, 1], [1, 0, -1, -1], [1, 0, 0, -1], [0, -1, 1, 0], [-1, 0, -1, 0], [0, 1, 1, -1], [-1, 1, 1, 1], [0, 0, 1, -1], [1, 1, 0, 1], [-1, 0, 1, 1], [0, -1, 1, 1], [-1, 0, -1, 0], [-1, 1, -1, -1], [-1, -1, 1, 0], [1, 1, 0, 1], [-1, -1, 1, 0], [-1, -1, 1, 0], [0, 1, 1, -1], [1, -1, -1, 1], [0, -1, 0, 0], [-1, -1, 1, 1], [1, 1, 0, 1], [1, -1, 0, 0], [0, 1, 0, -1], [-1, -1, 1, 1], [0, -1, 1, 0], [1, -1, 1, -1], [0, 0, 0, 0], [0, 1, 0, 1], [-1, 0, -1, 1], [-1, -1, -1, 1], [0, 0, 0, -1], [1, -1, -1, -1], [-1, 0, 1, -1], [0, 0, -1, -1], [1, 1, -1, -1], [0, -1, 1, -1], [1, -1, -1, 0], [1, 0, -1, 1], [1, -1, 0, 1], [1, 0, 1, 1], [0, 1, 0, -1], [-1, 0, -1, -1], [-1, 1, -1, -1], [-1, 0, 0, 1], [1, 0, -1, -1], [0, 1, 0, 1], [-1, -1, -1, -1], [1, 0, 1, 0], [1, 0, -1, 1], [0, -1, -1, -1], [1, -1, -1, 0], [0, -1, 1, 0], [-1, 1, -1, -1], [1, -1, -1, 1], [-1, -1, 1, -1], [-1, -1, 0, 0]]> : tensor<130x4xi2>
  %wq = quantx.storage_cast %wc : tensor<130x4xi2> to tensor<130x4x!quantx.ternary<f32:1, {0.25, 2.0, 0.125, 1.0}>>
  %w = quantx.dequantize %wq : tensor<130x4x!quantx.ternary<f32:1, {0.25, 2.0, 0.125, 1.0}>> to tensor<130x4xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 0.5> : tensor<?x130xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y = linalg.matmul ins(%s, %w : tensor<?x130xf32>, tensor<130x4xf32>) outs(%z : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

func.func @tb(%x: tensor<?x70xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x70xf32>
  %wc = arith.constant dense<[[true, false, false], [true, false, false], [true, true, true], [false, true, true], [false, false, false], [false, true, false], [false, false, false], [false, false, false], [true, true, false], [false, false, false], [true, true, false], [false, false, false], [true, true, true], [false, true, false], [false, true, true], [true, false, false], [true, false, false], [true, true, false], [false, true, false], [true, true, true], [true, false, true], [false, false, true], [false, true, false], [true, true, true], [false, false, true], [false, true, true], [true, true, true], [true, false, true], [true, true, false], [true, false, true], [false, false, false], [false, true, true], [true, true, false], [false, false, false], [false, false, true], [true, false, false], [true, true, false], [false, false, false], [false, false, false], [false, false, true], [true, true, false], [true, true, true], [false, true, true], [true, false, false], [true, false, true], [false, false, true], [true, true, false], [true, true, true], [false, false, true], [false, true, false], [true, false, false], [false, false, false], [true, false, true], [true, true, true], [false, true, false], [false, true, true], [false, false, false], [false, true, true], [false, false, true], [false, false, false], [false, false, true], [false, true, false], [true, true, true], [false, false, false], [false, true, true], [false, false, false], [true, true, true], [true, false, false], [false, true, false], [false, true, false]]> : tensor<70x3xi1>
  %wq = quantx.storage_cast %wc : tensor<70x3xi1> to tensor<70x3x!quantx.binary<f32:1, {0.5, 0.25, 4.0}>>
  %w = quantx.dequantize %wq : tensor<70x3x!quantx.binary<f32:1, {0.5, 0.25, 4.0}>> to tensor<70x3xf32>
  %s = quantx.fake_quant %x to !quantx.ternary<f32, 0.25> : tensor<?x70xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.matmul ins(%s, %w : tensor<?x70xf32>, tensor<70x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

func.func @conv(%x: tensor<?x7x7x3xf32>) -> tensor<?x3x3x4xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x7x7x3xf32>
  %wc = arith.constant dense<[[[[1, 1, -1, 0], [1, -1, 1, -1], [1, 1, -1, 0]], [[1, 1, -1, -1], [1, 0, -1, -1], [0, 1, 1, 1]], [[1, 1, 0, 0], [0, 1, -1, -1], [1, 0, -1, 1]]], [[[0, 1, 1, -1], [1, -1, 1, 0], [1, 1, 1, 0]], [[1, -1, -1, 0], [0, -1, -1, 1], [1, 1, -1, 0]], [[0, 1, -1, 1], [0, 1, -1, -1], [-1, -1, 0, 1]]], [[[0, 0, 1, 1], [-1, 0, 0, 1], [0, 1, -1, -1]], [[0, 1, -1, -1], [1, -1, -1, 0], [1, 1, -1, 1]], [[-1, -1, 0, -1], [1, -1, 1, 1], [0, 0, 1, -1]]]]> : tensor<3x3x3x4xi2>
  %wq = quantx.storage_cast %wc : tensor<3x3x3x4xi2> to tensor<3x3x3x4x!quantx.ternary<f32:3, {0.5, 0.25, 1.0, 2.0}>>
  %w = quantx.dequantize %wq : tensor<3x3x3x4x!quantx.ternary<f32:3, {0.5, 0.25, 1.0, 2.0}>> to tensor<3x3x3x4xf32>
  %s = quantx.fake_quant %x to !quantx.ternary<f32, 0.5> : tensor<?x7x7x3xf32>
  %e = tensor.empty(%n) : tensor<?x3x3x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3x3x4xf32>) -> tensor<?x3x3x4xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%s, %w : tensor<?x7x7x3xf32>, tensor<3x3x3x4xf32>) outs(%z : tensor<?x3x3x4xf32>) -> tensor<?x3x3x4xf32>
  return %y : tensor<?x3x3x4xf32>
}
