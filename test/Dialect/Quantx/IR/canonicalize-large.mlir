// RUN: timeout 120 quantx-opt %s --canonicalize --split-input-file | FileCheck %s

// Folding large constants: a splat of a per-tensor format folds to a splat in
// constant time, whatever the element count (10^12 here; this took hours when
// every element was visited); a fold that would build more than 2^20
// elements (a per-channel splat) is left to the generated code.

// CHECK-LABEL: func.func @quantize_splat
//       CHECK:   %[[C:.*]] = arith.constant dense<3> : tensor<1000000x1000000xi8>
//       CHECK:   quantx.storage_cast %[[C]]
func.func @quantize_splat() -> tensor<1000000x1000000x!quantx.fixed<i8:f32, 0.5>> {
  %c = arith.constant dense<1.3> : tensor<1000000x1000000xf32>
  %q = quantx.quantize %c : tensor<1000000x1000000xf32> to tensor<1000000x1000000x!quantx.fixed<i8:f32, 0.5>>
  return %q : tensor<1000000x1000000x!quantx.fixed<i8:f32, 0.5>>
}

// -----

// CHECK-LABEL: func.func @fake_quant_splat
//       CHECK:   %[[C:.*]] = arith.constant dense<1.500000e+00> : tensor<1000000x1000000xf32>
//       CHECK:   return %[[C]]
func.func @fake_quant_splat() -> tensor<1000000x1000000xf32> {
  %c = arith.constant dense<1.3> : tensor<1000000x1000000xf32>
  %f = quantx.fake_quant %c to !quantx.fixed<i8:f32, 0.5> : tensor<1000000x1000000xf32>
  return %f : tensor<1000000x1000000xf32>
}

// -----

// CHECK-LABEL: func.func @dequantize_requantize_splat
//   CHECK-DAG:   arith.constant dense<1.500000e+00> : tensor<1000000x1000000xf32>
//   CHECK-DAG:   arith.constant dense<2> : tensor<1000000x1000000xi4>
func.func @dequantize_requantize_splat() -> (tensor<1000000x1000000xf32>, tensor<1000000x1000000x!quantx.fixed<i4:f32, 1.0>>) {
  %c = arith.constant dense<3> : tensor<1000000x1000000xi8>
  %q = quantx.storage_cast %c : tensor<1000000x1000000xi8> to tensor<1000000x1000000x!quantx.fixed<i8:f32, 0.5>>
  %f = quantx.dequantize %q : tensor<1000000x1000000x!quantx.fixed<i8:f32, 0.5>> to tensor<1000000x1000000xf32>
  %r = quantx.requantize %q : tensor<1000000x1000000x!quantx.fixed<i8:f32, 0.5>> to tensor<1000000x1000000x!quantx.fixed<i4:f32, 1.0>>
  return %f, %r : tensor<1000000x1000000xf32>, tensor<1000000x1000000x!quantx.fixed<i4:f32, 1.0>>
}

// -----

// A per-channel format makes a splat's codes differ per channel: 2 * 10^6
// elements is past the limit, so the quantization stays.
// CHECK-LABEL: func.func @per_channel_splat_too_large
//       CHECK:   quantx.quantize
func.func @per_channel_splat_too_large() -> tensor<1000000x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>> {
  %c = arith.constant dense<1.3> : tensor<1000000x2xf32>
  %q = quantx.quantize %c : tensor<1000000x2xf32> to tensor<1000000x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
  return %q : tensor<1000000x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
}

// -----

// CHECK-LABEL: func.func @per_channel_dequantize_too_large
//       CHECK:   quantx.dequantize
func.func @per_channel_dequantize_too_large() -> tensor<1000000x2xf32> {
  %c = arith.constant dense<3> : tensor<1000000x2xi8>
  %q = quantx.storage_cast %c : tensor<1000000x2xi8> to tensor<1000000x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
  %f = quantx.dequantize %q : tensor<1000000x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>> to tensor<1000000x2xf32>
  return %f : tensor<1000000x2xf32>
}

// -----

// Below the limit a per-channel splat still folds.
// CHECK-LABEL: func.func @per_channel_splat_small
//       CHECK:   arith.constant dense<{{\[\[}}3, 5], [3, 5]]> : tensor<2x2xi8>
func.func @per_channel_splat_small() -> tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>> {
  %c = arith.constant dense<1.3> : tensor<2x2xf32>
  %q = quantx.quantize %c : tensor<2x2xf32> to tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
  return %q : tensor<2x2x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
}

// -----

// 2^32 x 2 x 2^31 elements: a count that wraps 64 bits is still too large
// to fold (it wrapped to 0, which passed the limit).
// CHECK-LABEL: func.func @per_channel_splat_count_wraps
//       CHECK:   quantx.quantize
func.func @per_channel_splat_count_wraps() -> tensor<4294967296x2x2147483648x!quantx.fixed<i8:f32:1, {0.5, 0.25}>> {
  %c = arith.constant dense<1.3> : tensor<4294967296x2x2147483648xf32>
  %q = quantx.quantize %c : tensor<4294967296x2x2147483648xf32> to tensor<4294967296x2x2147483648x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
  return %q : tensor<4294967296x2x2147483648x!quantx.fixed<i8:f32:1, {0.5, 0.25}>>
}
