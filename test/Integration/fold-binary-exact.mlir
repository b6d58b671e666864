// REQUIRES: torch
// The fold changes no value where the float layer is exact: with scales
// that are powers of two and small K, the fake-quant model's f32 sums are
// exact, so the folded model (packed signs, XNOR-popcount, one scaling)
// must give bit-identical outputs, for a strided and dilated convolution
// and for a matmul of K = 70 (two words, the second partial), on inputs
// with zeros, -0 and NaN. Both run JIT-compiled, the folded one through the
// XNOR-popcount kernel.
// RUN: %torch_python -c "import numpy as n; r = n.random.default_rng(1); x = r.standard_normal((3, 9, 9, 2)).astype(n.float32); x[0, 0, 0, 0] = -0.0; x[1, 2, 3, 1] = 0.0; x[2, 4, 4, 0] = n.nan; n.save('%t.x.npy', x); y = r.standard_normal((5, 70)).astype(n.float32); y[0, 0] = -0.0; y[1, 69] = n.nan; n.save('%t.y.npy', y)"
// RUN: quantx-runner run %s -e conv --input %t.x.npy --output %t.conv-float.npy > /dev/null
// RUN: quantx-opt %s --quantx-fold-binary | quantx-runner run - -e conv --input %t.x.npy --output %t.conv-folded.npy > /dev/null
// RUN: quantx-runner run %s -e bnn --input %t.y.npy --output %t.bnn-float.npy > /dev/null
// RUN: quantx-opt %s --quantx-fold-binary | quantx-runner run - -e bnn --input %t.y.npy --output %t.bnn-folded.npy > /dev/null
// A half-precision layer: its scales are rounded to f16 as the float layer
// holds them (f16(0.1) f16(0.3), not 0.1 * 0.3 in f32).
// RUN: %torch_python -c "import numpy as n; n.save('%t.h.npy', n.array([[1.0, -2.0, 0.5]], dtype=n.float16))"
// RUN: quantx-runner run %s -e half --input %t.h.npy --output %t.half-float.npy > /dev/null
// RUN: quantx-opt %s --quantx-fold-binary | quantx-runner run - -e half --input %t.h.npy --output %t.half-folded.npy > /dev/null
// RUN: quantx-opt %s --quantx-fold-binary | FileCheck %s
// CHECK-COUNT-3: quantx.binary_matmul
// RUN: %torch_python -c "import numpy as n, sys; ok = all(n.array_equal(n.load('%t.' + m + '-float.npy'), n.load('%t.' + m + '-folded.npy'), equal_nan=True) for m in ('conv', 'bnn', 'half')); sys.exit(0 if ok else 1)"

func.func @bnn(%x: tensor<?x70xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x70xf32>
  %codes = arith.constant dense<[[true, false, true], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, true], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false]]> : tensor<70x3xi1>
  %q = quantx.storage_cast %codes : tensor<70x3xi1> to tensor<70x3x!quantx.binary<f32:1, {0.25, 2.0, 0.125}>>
  %w = quantx.dequantize %q : tensor<70x3x!quantx.binary<f32:1, {0.25, 2.0, 0.125}>> to tensor<70x3xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 0.5> : tensor<?x70xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.matmul ins(%s, %w : tensor<?x70xf32>, tensor<70x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

func.func @conv(%x: tensor<?x9x9x2xf32>) -> tensor<?x4x3x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x9x9x2xf32>
  %codes = arith.constant dense<[[[[true, true], [false, false]], [[true, true], [false, false]], [[true, true], [false, false]]], [[[false, true], [true, true]], [[false, true], [true, true]], [[true, false], [true, false]]], [[[false, false], [false, false]], [[false, true], [false, true]], [[true, true], [false, true]]]]> : tensor<3x3x2x2xi1>
  %q = quantx.storage_cast %codes : tensor<3x3x2x2xi1> to tensor<3x3x2x2x!quantx.binary<f32:3, {0.5, 0.25}>>
  %w = quantx.dequantize %q : tensor<3x3x2x2x!quantx.binary<f32:3, {0.5, 0.25}>> to tensor<3x3x2x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<?x9x9x2xf32>
  %e = tensor.empty(%n) : tensor<?x4x3x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4x3x2xf32>) -> tensor<?x4x3x2xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%s, %w : tensor<?x9x9x2xf32>, tensor<3x3x2x2xf32>) outs(%z : tensor<?x4x3x2xf32>) -> tensor<?x4x3x2xf32>
  return %y : tensor<?x4x3x2xf32>
}

func.func @half(%x: tensor<1x3xf16>) -> tensor<1x2xf32> {
  %zero = arith.constant 0.0 : f32
  %codes = arith.constant dense<[[true, false], [true, true], [false, true]]> : tensor<3x2xi1>
  %q = quantx.storage_cast %codes : tensor<3x2xi1> to tensor<3x2x!quantx.binary<f16:1, {0.3, 0.7}>>
  %w = quantx.dequantize %q : tensor<3x2x!quantx.binary<f16:1, {0.3, 0.7}>> to tensor<3x2xf16>
  %s = quantx.fake_quant %x to !quantx.binary<f16, 0.1> : tensor<1x3xf16>
  %e = tensor.empty() : tensor<1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.matmul ins(%s, %w : tensor<1x3xf16>, tensor<3x2xf16>) outs(%z : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
