// RUN: quantx-opt %s --split-input-file --quantx-fold-binary --verify-diagnostics | FileCheck %s

// A BNN layer with K = 70 (two words, the second partial): the weights are
// packed per output channel (column 0 all +1: every bit of the first word
// and the low 6 of the second; column 1 all -1; column 2 +1 at k = 0 and
// k = 64), the activations packed at run time, and the integer product
// scaled by the activations' scale (0.5) times each channel's.
// CHECK-LABEL: func.func @bnn
//  CHECK-SAME:   (%[[X:.*]]: tensor<?x70xf32>)
//       CHECK:   %[[W:.*]] = arith.constant dense<{{\[\[}}-1, 63], [0, 0], [1, 1]]> : tensor<3x2xi64>
//       CHECK:   %[[A:.*]] = quantx.pack_signs %[[X]] : tensor<?x70xf32> to tensor<?x2xi64>
//       CHECK:   %[[D:.*]] = quantx.binary_matmul %[[A]], %[[W]] k 70 : tensor<?x2xi64>, tensor<3x2xi64> -> tensor<?x3xi32>
//       CHECK:   %[[S:.*]] = arith.constant dense<[1.250000e-01, 1.000000e+00, 7.500000e-01]> : tensor<3xf64>
//       CHECK:   linalg.generic {{.*}} ins(%[[D]], %[[S]] : tensor<?x3xi32>, tensor<3xf64>)
//       CHECK:     arith.sitofp %{{.*}} : i32 to f64
//       CHECK:     arith.mulf
//       CHECK:     arith.truncf %{{.*}} : f64 to f32
//   CHECK-NOT:   linalg.matmul
//   CHECK-NOT:   quantx.fake_quant
//   CHECK-NOT:   quantx.storage_cast
func.func @bnn(%x: tensor<?x70xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x70xf32>
  %codes = arith.constant dense<[[true, false, true], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, true], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false]]> : tensor<70x3xi1>
  %q = quantx.storage_cast %codes : tensor<70x3xi1> to tensor<70x3x!quantx.binary<f32:1, {0.25, 2.0, 1.5}>>
  %w = quantx.dequantize %q : tensor<70x3x!quantx.binary<f32:1, {0.25, 2.0, 1.5}>> to tensor<70x3xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 0.5> : tensor<?x70xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.matmul ins(%s, %w : tensor<?x70xf32>, tensor<70x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Binary activations, float weights: left alone.
// CHECK-LABEL: func.func @float_weights
//       CHECK:   linalg.matmul
func.func @float_weights(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @+1 {{quantx-fold-binary: left this matmul alone: its activations are binary but its weights are not constant binary codes}}
  %y = linalg.matmul ins(%s, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// BinaryConnect (float activations, binary weights): left alone.
// CHECK-LABEL: func.func @binary_connect
//       CHECK:   linalg.matmul
func.func @binary_connect(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %codes = arith.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
  %q = quantx.storage_cast %codes : tensor<2x2xi1> to tensor<2x2x!quantx.binary<f32, 0.5>>
  %w = quantx.dequantize %q : tensor<2x2x!quantx.binary<f32, 0.5>> to tensor<2x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @+1 {{its weights are binary but its activations are not (BinaryConnect layers are not folded)}}
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Stochastic signs and a nonzero accumulator: left alone.
// CHECK-LABEL: func.func @not_folded
//   CHECK-COUNT-2:   linalg.matmul
func.func @not_folded(%x: tensor<4x2xf32>, %acc: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %codes = arith.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
  %q = quantx.storage_cast %codes : tensor<2x2xi1> to tensor<2x2x!quantx.binary<f32, 0.5>>
  %w = quantx.dequantize %q : tensor<2x2x!quantx.binary<f32, 0.5>> to tensor<2x2xf32>
  %r = quantx.fake_quant %x to !quantx.binary<f32, 1.0> rounding<stochastic> seed 1 : tensor<4x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @+1 {{its activations round stochastically}}
  %y = linalg.matmul ins(%r, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  // expected-remark @+1 {{the matmul accumulates into a tensor not known to be zero}}
  %y2 = linalg.matmul ins(%s, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y, %y2 : tensor<4x2xf32>, tensor<4x2xf32>
}
