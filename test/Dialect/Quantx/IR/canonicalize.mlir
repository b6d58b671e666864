// RUN: quantx-opt %s --canonicalize="test-convergence" --split-input-file | FileCheck %s

// Constants fold through the Numerics library. Expected codes and values are
// worked out by hand in the comments.

// round(x / 0.5): 0.6 -> 1, -2.52 -> -3, 200 -> 127 (clamped), 0.5 -> 0 (tie
// to even), -0.5 -> 0.
// CHECK-LABEL: func.func @quantize_fixed
//   CHECK-NOT:   quantx.quantize
//       CHECK:   %[[C:.*]] = arith.constant dense<[1, -3, 127, 0, 0]> : tensor<5xi8>
//       CHECK:   %[[Q:.*]] = quantx.storage_cast %[[C]] : tensor<5xi8> to tensor<5x!quantx.fixed<i8:f32, 0.5>>
//       CHECK:   return %[[Q]]
func.func @quantize_fixed() -> tensor<5x!quantx.fixed<i8:f32, 0.5>> {
  %c = arith.constant dense<[0.3, -1.26, 100.0, 0.25, -0.25]> : tensor<5xf32>
  %q = quantx.quantize %c : tensor<5xf32> to tensor<5x!quantx.fixed<i8:f32, 0.5>>
  return %q : tensor<5x!quantx.fixed<i8:f32, 0.5>>
}

// -----

// Truncation: 0.9 / 0.5 = 1.8 -> 1; -0.9 / 0.5 -> -1.
// CHECK-LABEL: func.func @quantize_toward_zero
//       CHECK:   arith.constant dense<[1, -1]> : tensor<2xi8>
func.func @quantize_toward_zero() -> tensor<2x!quantx.fixed<i8:f32, 0.5>> {
  %c = arith.constant dense<[0.9, -0.9]> : tensor<2xf32>
  %q = quantx.quantize %c rounding<toward_zero> : tensor<2xf32> to tensor<2x!quantx.fixed<i8:f32, 0.5>>
  return %q : tensor<2x!quantx.fixed<i8:f32, 0.5>>
}

// -----

// Per channel along dimension 1, scales {0.5, 0.25} and zero points {0, 1}:
// [[1/0.5, 1/0.25 + 1], [-1/0.5, round(1.2) + 1]].
// CHECK-LABEL: func.func @quantize_per_channel
//       CHECK:   arith.constant dense<{{\[}}[2, 5], [-2, 2]]> : tensor<2x2xi8>
func.func @quantize_per_channel() -> tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25:1}>> {
  %c = arith.constant dense<[[1.0, 1.0], [-1.0, 0.3]]> : tensor<2x2xf32>
  %q = quantx.quantize %c : tensor<2x2xf32> to tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25:1}>>
  return %q : tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25:1}>>
}

// -----

// A splat stays a splat for a per-tensor format: 1.0 / 0.5 = 2.
// CHECK-LABEL: func.func @quantize_splat
//       CHECK:   arith.constant dense<2> : tensor<64x64xi8>
func.func @quantize_splat() -> tensor<64x64x!quantx.fixed<i8:f32, 0.5>> {
  %c = arith.constant dense<1.0> : tensor<64x64xf32>
  %q = quantx.quantize %c : tensor<64x64xf32> to tensor<64x64x!quantx.fixed<i8:f32, 0.5>>
  return %q : tensor<64x64x!quantx.fixed<i8:f32, 0.5>>
}

// -----

// A splat folds per channel: [[1/0.5, 1/0.25], ...].
// CHECK-LABEL: func.func @quantize_splat_per_channel
//       CHECK:   arith.constant dense<{{\[}}[2, 4], [2, 4]]> : tensor<2x2xi8>
func.func @quantize_splat_per_channel() -> tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>> {
  %c = arith.constant dense<1.0> : tensor<2x2xf32>
  %q = quantx.quantize %c : tensor<2x2xf32> to tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
  return %q : tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
}

// -----

// OCP E4M3 (special = fn): 1.0 = 0x38 = 56; 0.3 -> 0.3125 = 1.25 * 2^-2,
// exponent field 5, mantissa 2: 0x2A = 42; 500 overflows to NaN 0x7F = 127;
// -0.0 is 0x80, printed as the i8 -128.
// CHECK-LABEL: func.func @quantize_custom_float
//       CHECK:   arith.constant dense<[56, 42, 127, -128]> : tensor<4xi8>
func.func @quantize_custom_float() -> tensor<4x!quantx.float<e4m3, special = fn>> {
  %c = arith.constant dense<[1.0, 0.3, 500.0, -0.0]> : tensor<4xf32>
  %q = quantx.quantize %c : tensor<4xf32> to tensor<4x!quantx.float<e4m3, special = fn>>
  return %q : tensor<4x!quantx.float<e4m3, special = fn>>
}

// -----

// Binary: code 1 for x >= 0, 0 otherwise. Ternary with scale 0.5:
// round(0.6) = 1, round(-0.4) = 0, round(0.52) = 1, round(-3) clamps to -1.
// CHECK-LABEL: func.func @quantize_binary_ternary
//   CHECK-DAG:   arith.constant dense<[true, false, true]> : tensor<3xi1>
//   CHECK-DAG:   arith.constant dense<[1, 0, 1, -1]> : tensor<4xi2>
func.func @quantize_binary_ternary() -> (tensor<3x!quantx.binary<f32, 0.5>>, tensor<4x!quantx.ternary<f32, 0.5>>) {
  %c = arith.constant dense<[0.3, -0.2, 0.0]> : tensor<3xf32>
  %b = quantx.quantize %c : tensor<3xf32> to tensor<3x!quantx.binary<f32, 0.5>>
  %d = arith.constant dense<[0.3, -0.2, 0.26, -1.5]> : tensor<4xf32>
  %t = quantx.quantize %d : tensor<4xf32> to tensor<4x!quantx.ternary<f32, 0.5>>
  return %b, %t : tensor<3x!quantx.binary<f32, 0.5>>, tensor<4x!quantx.ternary<f32, 0.5>>
}

// -----

// Stochastic rounding draws its bits at run time: nothing folds.
// CHECK-LABEL: func.func @quantize_stochastic
//       CHECK:   quantx.quantize %{{.*}} rounding<stochastic>
func.func @quantize_stochastic() -> tensor<2x!quantx.fixed<i8:f32, 0.5>> {
  %c = arith.constant dense<[0.3, -0.3]> : tensor<2xf32>
  %q = quantx.quantize %c rounding<stochastic> : tensor<2xf32> to tensor<2x!quantx.fixed<i8:f32, 0.5>>
  return %q : tensor<2x!quantx.fixed<i8:f32, 0.5>>
}

// -----

// (q - 128) * 0.1: 0.0, 1.0, -12.8.
// CHECK-LABEL: func.func @dequantize_constant
//   CHECK-NOT:   quantx.dequantize
//       CHECK:   %[[C:.*]] = arith.constant dense<[0.000000e+00, 1.000000e+00, -1.280000e+01]> : tensor<3xf32>
//       CHECK:   return %[[C]]
func.func @dequantize_constant() -> tensor<3xf32> {
  %c = arith.constant dense<[128, 138, 0]> : tensor<3xi8>
  %q = quantx.storage_cast %c : tensor<3xi8> to tensor<3x!quantx.fixed<u8:f32, 0.1:128>>
  %d = quantx.dequantize %q : tensor<3x!quantx.fixed<u8:f32, 0.1:128>> to tensor<3xf32>
  return %d : tensor<3xf32>
}

// -----

// A splat code stays a splat: (3 - 0) * 0.5.
// CHECK-LABEL: func.func @dequantize_splat
//       CHECK:   arith.constant dense<1.500000e+00> : tensor<8x8xf32>
func.func @dequantize_splat() -> tensor<8x8xf32> {
  %c = arith.constant dense<3> : tensor<8x8xi8>
  %q = quantx.storage_cast %c : tensor<8x8xi8> to tensor<8x8x!quantx.fixed<i8:f32, 0.5>>
  %d = quantx.dequantize %q : tensor<8x8x!quantx.fixed<i8:f32, 0.5>> to tensor<8x8xf32>
  return %d : tensor<8x8xf32>
}

// -----

// A splat code 2 per channel {0.5, 0.25:1}: [[1.0, 0.25], [1.0, 0.25]].
// CHECK-LABEL: func.func @dequantize_splat_per_channel
//       CHECK:   arith.constant dense<{{\[}}[1.000000e+00, 2.500000e-01], [1.000000e+00, 2.500000e-01]]> : tensor<2x2xf32>
func.func @dequantize_splat_per_channel() -> tensor<2x2xf32> {
  %c = arith.constant dense<2> : tensor<2x2xi8>
  %q = quantx.storage_cast %c : tensor<2x2xi8> to tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25:1}>>
  %d = quantx.dequantize %q : tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25:1}>> to tensor<2x2xf32>
  return %d : tensor<2x2xf32>
}

// -----

// E5M2 code 0x3C is 1.0, 0x7C is inf, 0xFE (-2 as i8) is a negative NaN;
// into f16, which holds each exactly.
// CHECK-LABEL: func.func @dequantize_custom_float
//       CHECK:   arith.constant dense<[1.000000e+00, 0x7C00, 0xFE00]> : tensor<3xf16>
func.func @dequantize_custom_float() -> tensor<3xf16> {
  %c = arith.constant dense<[60, 124, -2]> : tensor<3xi8>
  %q = quantx.storage_cast %c : tensor<3xi8> to tensor<3x!quantx.float<e5m2>>
  %d = quantx.dequantize %q : tensor<3x!quantx.float<e5m2>> to tensor<3xf16>
  return %d : tensor<3xf16>
}

// -----

// dequantize(quantize(x)) rounds: it is not folded away.
// CHECK-LABEL: func.func @dequantize_of_quantize
//  CHECK-SAME:   (%[[X:.*]]: tensor<4xf32>)
//       CHECK:   %[[Q:.*]] = quantx.quantize %[[X]]
//       CHECK:   %[[D:.*]] = quantx.dequantize %[[Q]]
//       CHECK:   return %[[D]]
func.func @dequantize_of_quantize(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
  %d = quantx.dequantize %q : tensor<4x!quantx.fixed<i8:f32, 0.5>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Codes 1234 and -56 at scale 0.001 are 1.234 and -0.056; at scale 0.1 they
// round to 12 and -1.
// CHECK-LABEL: func.func @requantize_constant
//       CHECK:   %[[C:.*]] = arith.constant dense<[12, -1]> : tensor<2xi8>
//       CHECK:   quantx.storage_cast %[[C]] : tensor<2xi8> to tensor<2x!quantx.fixed<i8:f32, 0.1>>
func.func @requantize_constant() -> tensor<2x!quantx.fixed<i8:f32, 0.1>> {
  %c = arith.constant dense<[1234, -56]> : tensor<2xi32>
  %q = quantx.storage_cast %c : tensor<2xi32> to tensor<2x!quantx.fixed<i32:f32, 0.001>>
  %r = quantx.requantize %q : tensor<2x!quantx.fixed<i32:f32, 0.001>> to tensor<2x!quantx.fixed<i8:f32, 0.1>>
  return %r : tensor<2x!quantx.fixed<i8:f32, 0.1>>
}

// -----

// A cast and its inverse cancel.
// CHECK-LABEL: func.func @storage_cast_round_trip
//  CHECK-SAME:   (%[[I:.*]]: tensor<4xi8>)
//   CHECK-NOT:   quantx.storage_cast
//       CHECK:   return %[[I]]
func.func @storage_cast_round_trip(%i: tensor<4xi8>) -> tensor<4xi8> {
  %q = quantx.storage_cast %i : tensor<4xi8> to tensor<4x!quantx.float<e4m3>>
  %j = quantx.storage_cast %q : tensor<4x!quantx.float<e4m3>> to tensor<4xi8>
  return %j : tensor<4xi8>
}

// -----

// E4M3FN: 0.3 -> 0.3125, 500 -> NaN, -0.0 stays.
// CHECK-LABEL: func.func @fake_quant_constant
//   CHECK-NOT:   quantx.fake_quant
//       CHECK:   arith.constant dense<[3.125000e-01, 0x7FC00000, -0.000000e+00]> : tensor<3xf32>
func.func @fake_quant_constant() -> tensor<3xf32> {
  %c = arith.constant dense<[0.3, 500.0, -0.0]> : tensor<3xf32>
  %f = quantx.fake_quant %c to !quantx.float<e4m3, special = fn> : tensor<3xf32>
  return %f : tensor<3xf32>
}

// -----

// Radix-4 FP4 (bias 3): 2.4 -> 1, 2.6 -> 4 (midpoint 2.5), 0.1 -> 1/16
// (midpoint of 1/16 and 1/4 is 0.15625); scalar ternary: 0.3 / 3 -> 0.
// CHECK-LABEL: func.func @fake_quant_radix4_and_scalar
//   CHECK-DAG:   arith.constant dense<[1.000000e+00, 4.000000e+00, 6.250000e-02]> : tensor<3xf32>
//   CHECK-DAG:   arith.constant 0.000000e+00 : f32
func.func @fake_quant_radix4_and_scalar() -> (tensor<3xf32>, f32) {
  %c = arith.constant dense<[2.4, 2.6, 0.1]> : tensor<3xf32>
  %f = quantx.fake_quant %c to !quantx.float<e3m0, radix = 4> : tensor<3xf32>
  %s = arith.constant 0.3 : f32
  %g = quantx.fake_quant %s to !quantx.fixed<i2<-1:1>:f32, 3.0> : f32
  return %f, %g : tensor<3xf32>, f32
}

// -----

// Nearest rounding is idempotent: the outer fake_quant goes.
// CHECK-LABEL: func.func @fake_quant_twice
//  CHECK-SAME:   (%[[X:.*]]: tensor<8xf32>)
//       CHECK:   %[[F:.*]] = quantx.fake_quant %[[X]] to !quantx.fixed<i4:f32, 0.1> : tensor<8xf32>
//  CHECK-NEXT:   return %[[F]]
func.func @fake_quant_twice(%x: tensor<8xf32>) -> tensor<8xf32> {
  %0 = quantx.fake_quant %x to !quantx.fixed<i4:f32, 0.1> : tensor<8xf32>
  %1 = quantx.fake_quant %0 to !quantx.fixed<i4:f32, 0.1> : tensor<8xf32>
  return %1 : tensor<8xf32>
}

// -----

// Different formats, or non-idempotent rounding: both stay.
// CHECK-LABEL: func.func @fake_quant_twice_kept
//       CHECK:   quantx.fake_quant %{{.*}} to !quantx.fixed<i4:f32, 0.1>
//       CHECK:   quantx.fake_quant %{{.*}} to !quantx.fixed<i4:f32, 0.2>
//       CHECK:   quantx.fake_quant %{{.*}} rounding<stochastic>
//       CHECK:   quantx.fake_quant %{{.*}} rounding<stochastic>
func.func @fake_quant_twice_kept(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = quantx.fake_quant %x to !quantx.fixed<i4:f32, 0.1> : tensor<8xf32>
  %1 = quantx.fake_quant %0 to !quantx.fixed<i4:f32, 0.2> : tensor<8xf32>
  %2 = quantx.fake_quant %x to !quantx.float<e4m3> rounding<stochastic> : tensor<8xf32>
  %3 = quantx.fake_quant %2 to !quantx.float<e4m3> rounding<stochastic> : tensor<8xf32>
  return %1, %3 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Folding follows the arithmetic: 0x1.d00002p+2 / 0.1 is 72.5000037 exactly
// (73), 72.5 in float32 division (ONNX: 72, to even), and 73 through
// PyTorch's float32 reciprocal; dequantizing 3 with scale 0.1 gives 0.3 in
// float32 either way.
// CHECK-LABEL: func.func @fold_arithmetic
//   CHECK-DAG:   %[[C72:.*]] = arith.constant dense<72> : tensor<1xi8>
//   CHECK-DAG:   %[[C73:.*]] = arith.constant dense<73> : tensor<1xi8>
//       CHECK:   %[[A:.*]] = quantx.storage_cast %[[C73]]
//       CHECK:   %[[B:.*]] = quantx.storage_cast %[[C72]]
//       CHECK:   %[[P:.*]] = quantx.storage_cast %[[C73]]
//       CHECK:   return %[[A]], %[[B]], %[[P]]
func.func @fold_arithmetic() -> (tensor<1x!quantx.fixed<i8:f32, 0.1>>, tensor<1x!quantx.fixed<i8:f32, 0.1>>, tensor<1x!quantx.fixed<i8:f32, 0.1>>) {
  %c = arith.constant dense<0x40E80001> : tensor<1xf32>
  %a = quantx.quantize %c : tensor<1xf32> to tensor<1x!quantx.fixed<i8:f32, 0.1>>
  %b = quantx.quantize %c arithmetic<onnx> : tensor<1xf32> to tensor<1x!quantx.fixed<i8:f32, 0.1>>
  %p = quantx.quantize %c arithmetic<pytorch> : tensor<1xf32> to tensor<1x!quantx.fixed<i8:f32, 0.1>>
  return %a, %b, %p : tensor<1x!quantx.fixed<i8:f32, 0.1>>, tensor<1x!quantx.fixed<i8:f32, 0.1>>, tensor<1x!quantx.fixed<i8:f32, 0.1>>
}
