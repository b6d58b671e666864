// RUN: quantx-opt %s --split-input-file --quantx-fold-binary --verify-diagnostics | FileCheck %s
// Signs between binary layers on the edges: shapes that meet static and
// dynamic, epilogues whose thresholds cannot be found (each with a
// remark, the signs computed from the floats), a ternary layer's products.

// The product is ?x2, its epilogue 4x2: the threshold signs take the
// epilogue's type.
// CHECK-LABEL: func.func @static_epilogue
//       CHECK:   %[[S:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x2xi8>)
//       CHECK:   %[[C:.*]] = tensor.cast %[[S]] : tensor<?x2xi8> to tensor<4x2xi8>
//       CHECK:   quantx.pack_signs %[[C]] : tensor<4x2xi8> to tensor<4x1xi64>
#map = affine_map<(i, j) -> (i, j)>
#ch = affine_map<(i, j) -> (j)>
func.func @static_epilogue(%x: tensor<?x4xf32>) -> tensor<4x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w1c = arith.constant dense<[[true, false], [false, true], [true, true], [false, false]]> : tensor<4x2xi1>
  %w1q = quantx.storage_cast %w1c : tensor<4x2xi1> to tensor<4x2x!quantx.binary<f32, 1.0>>
  %w1 = quantx.dequantize %w1q : tensor<4x2x!quantx.binary<f32, 1.0>> to tensor<4x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<?x4xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%s, %w1 : tensor<?x4xf32>, tensor<4x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %b = arith.constant dense<[0.5, -0.5]> : tensor<2xf32>
  %a = linalg.generic {indexing_maps = [#map, #ch, #map], iterator_types = ["parallel", "parallel"]} ins(%y, %b : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x2xf32>
  %w2c = arith.constant dense<[[true], [false]]> : tensor<2x1xi1>
  %w2q = quantx.storage_cast %w2c : tensor<2x1xi1> to tensor<2x1x!quantx.binary<f32, 1.0>>
  %w2 = quantx.dequantize %w2q : tensor<2x1x!quantx.binary<f32, 1.0>> to tensor<2x1xf32>
  %s2 = quantx.fake_quant %a to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  %e2 = tensor.empty() : tensor<4x1xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  %y2 = linalg.matmul ins(%s2, %w2 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  return %y2 : tensor<4x1xf32>
}

// -----

// An overflow in f8E4M3FN (no infinity) is NaN, +1: not monotone. A bias
// computed at run time is not known now.
// CHECK-LABEL: func.func @not_foldable
//   CHECK-NOT:   arith.cmpi
#map = affine_map<(i, j) -> (i, j)>
#ch = affine_map<(i, j) -> (j)>
func.func @not_foldable(%x: tensor<4x4xf32>, %bias: tensor<2xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>) {
  %zero = arith.constant 0.0 : f32
  %w1c = arith.constant dense<[[true, false], [false, true], [true, true], [false, false]]> : tensor<4x2xi1>
  %w1q = quantx.storage_cast %w1c : tensor<4x2xi1> to tensor<4x2x!quantx.binary<f32, 1.0>>
  %w1 = quantx.dequantize %w1q : tensor<4x2x!quantx.binary<f32, 1.0>> to tensor<4x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x4xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%s, %w1 : tensor<4x4xf32>, tensor<4x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @+1 {{the next binary layer's signs are computed from floats: the epilogue computes in f8E4M3FN, which has no infinity}}
  %f8 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %c = arith.constant 100.0 : f32
    %m = arith.mulf %v, %c : f32
    %t = arith.truncf %m : f32 to f8E4M3FN
    %u = arith.extf %t : f8E4M3FN to f32
    linalg.yield %u : f32
  } -> tensor<4x2xf32>
  // expected-remark @+1 {{the next binary layer's signs are computed from floats: an epilogue generic reads a tensor that is not a per-channel or scalar constant}}
  %biased = linalg.generic {indexing_maps = [#map, #ch, #map], iterator_types = ["parallel", "parallel"]} ins(%y, %bias : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x2xf32>
  %w2c = arith.constant dense<[[true], [false]]> : tensor<2x1xi1>
  %w2q = quantx.storage_cast %w2c : tensor<2x1xi1> to tensor<2x1x!quantx.binary<f32, 1.0>>
  %w2 = quantx.dequantize %w2q : tensor<2x1x!quantx.binary<f32, 1.0>> to tensor<2x1xf32>
  %e2 = tensor.empty() : tensor<4x1xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  %s2 = quantx.fake_quant %f8 to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  %y2 = linalg.matmul ins(%s2, %w2 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  %s3 = quantx.fake_quant %biased to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  %y3 = linalg.matmul ins(%s3, %w2 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  return %y2, %y3 : tensor<4x1xf32>, tensor<4x1xf32>
}

// -----

// A ternary layer (TWN weights, sign activations) feeding a binary one:
// its dot products are in [-K, K] too, and decide the next signs.
// CHECK-LABEL: func.func @ternary_then_binary
//       CHECK:   %[[D:.*]] = quantx.ternary_matmul %{{.*}}, %{{.*}} k 3 : tensor<4x1xi64>, tensor<2x2x1xi64> -> tensor<4x2xi32>
//       CHECK:   linalg.generic {{.*}} ins(%[[D]], %{{.*}}, %{{.*}} : tensor<4x2xi32>, tensor<2xi32>, tensor<2xi32>)
//       CHECK:     arith.cmpi sge
#map = affine_map<(i, j) -> (i, j)>
#ch = affine_map<(i, j) -> (j)>
func.func @ternary_then_binary(%x: tensor<4x3xf32>) -> tensor<4x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w1c = arith.constant dense<[[1, 0], [-1, 1], [0, 1]]> : tensor<3x2xi2>
  %w1q = quantx.storage_cast %w1c : tensor<3x2xi2> to tensor<3x2x!quantx.ternary<f32:1, {0.5, 0.25}>>
  %w1 = quantx.dequantize %w1q : tensor<3x2x!quantx.ternary<f32:1, {0.5, 0.25}>> to tensor<3x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%s, %w1 : tensor<4x3xf32>, tensor<3x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %b = arith.constant dense<[-0.25, 0.1]> : tensor<2xf32>
  %a = linalg.generic {indexing_maps = [#map, #ch, #map], iterator_types = ["parallel", "parallel"]} ins(%y, %b : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x2xf32>
  %w2c = arith.constant dense<[[true], [false]]> : tensor<2x1xi1>
  %w2q = quantx.storage_cast %w2c : tensor<2x1xi1> to tensor<2x1x!quantx.binary<f32, 1.0>>
  %w2 = quantx.dequantize %w2q : tensor<2x1x!quantx.binary<f32, 1.0>> to tensor<2x1xf32>
  %s2 = quantx.fake_quant %a to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  %e2 = tensor.empty() : tensor<4x1xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  %y2 = linalg.matmul ins(%s2, %w2 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  return %y2 : tensor<4x1xf32>
}

// -----

// An epilogue constant held as a resource cannot be read now.
// CHECK-LABEL: func.func @resource
#map = affine_map<(i, j) -> (i, j)>
#ch = affine_map<(i, j) -> (j)>
func.func @resource(%x: tensor<4x4xf32>) -> tensor<4x1xf32> {
  %zero = arith.constant 0.0 : f32
  %w1c = arith.constant dense<[[true, false], [false, true], [true, true], [false, false]]> : tensor<4x2xi1>
  %w1q = quantx.storage_cast %w1c : tensor<4x2xi1> to tensor<4x2x!quantx.binary<f32, 1.0>>
  %w1 = quantx.dequantize %w1q : tensor<4x2x!quantx.binary<f32, 1.0>> to tensor<4x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x4xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%s, %w1 : tensor<4x4xf32>, tensor<4x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %b = arith.constant dense_resource<bias> : tensor<2xf32>
  // expected-remark @+1 {{an epilogue constant's elements cannot be read (a resource)}}
  %a = linalg.generic {indexing_maps = [#map, #ch, #map], iterator_types = ["parallel", "parallel"]} ins(%y, %b : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x2xf32>
  %w2c = arith.constant dense<[[true], [false]]> : tensor<2x1xi1>
  %w2q = quantx.storage_cast %w2c : tensor<2x1xi1> to tensor<2x1x!quantx.binary<f32, 1.0>>
  %w2 = quantx.dequantize %w2q : tensor<2x1x!quantx.binary<f32, 1.0>> to tensor<2x1xf32>
  %s2 = quantx.fake_quant %a to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  %e2 = tensor.empty() : tensor<4x1xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  %y2 = linalg.matmul ins(%s2, %w2 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  return %y2 : tensor<4x1xf32>
}
{-#
  dialect_resources: {
    builtin: {
      bias: "0x040000000000003F000000BF"
    }
  }
#-}

// -----

// Sixteen channels pooled, padded with -1 and gathered into windows: each
// pixel's 16 signs are packed where they are made (one word, 16 bits),
// max pooling is the OR of the window's fields from 0 (all -1), a padded
// -1 pixel is the field 0, the gather moves words, and the 9 fields of a
// window are concatenated 16 bits each (padded to 12 fields, 4 per word).
// CHECK-LABEL: func.func @pixels_gathered
//       CHECK:   %[[S:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x4x4x16xi8>)
//       CHECK:   %[[F:.*]] = quantx.pack_signs %[[S]] : tensor<?x4x4x16xi8> to tensor<?x4x4x1xi64>
//       CHECK:   %[[Z:.*]] = linalg.fill ins(%c0_i64{{.*}} : i64) outs(%{{.*}} : tensor<?x2x2x1xi64>)
//       CHECK:   %[[P:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]} ins(%[[F]], %{{.*}} : tensor<?x4x4x1xi64>, tensor<2x2xf32>) outs(%[[Z]] : tensor<?x2x2x1xi64>)
//       CHECK:     arith.ori
//       CHECK:   %[[PAD:.*]] = tensor.pad %[[P]] low[0, 1, 1, 0] high[0, 1, 1, 0]
//       CHECK:     tensor.yield %c0_i64
//       CHECK:   %[[G:.*]] = linalg.generic {{.*}} ins(%[[PAD]] : tensor<?x4x4x1xi64>) outs(%{{.*}} : tensor<?x2x2x3x3x1xi64>)
//       CHECK:   %[[R:.*]] = tensor.collapse_shape %[[G]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<?x2x2x3x3x1xi64> into tensor<?x9xi64>
//       CHECK:   %[[R12:.*]] = tensor.pad %[[R]] low[0, 0] high[0, 3]
//       CHECK:   %[[W4:.*]] = tensor.expand_shape %[[R12]] {{\[\[}}0], [1, 2]] output_shape [%{{.*}}, 3, 4] : tensor<?x12xi64> into tensor<?x3x4xi64>
//       CHECK:   %[[A:.*]] = linalg.generic {{.*}} ins(%[[W4]] : tensor<?x3x4xi64>) outs(%{{.*}} : tensor<?x3xi64>)
//       CHECK:     %[[I:.*]] = linalg.index 2 : index
//       CHECK:     %[[IL:.*]] = arith.index_cast %[[I]] : index to i64
//       CHECK:     %[[SH:.*]] = arith.muli %[[IL]], %c16_i64 : i64
//       CHECK:     %[[V:.*]] = arith.shli %{{.*}}, %[[SH]] : i64
//       CHECK:     arith.ori %{{.*}}, %[[V]] : i64
//       CHECK:   quantx.binary_matmul %[[A]], %{{.*}} k 144 : tensor<?x3xi64>, tensor<2x3xi64> -> tensor<?x2xi32>
//   CHECK-NOT:   linalg.pooling_nhwc_max
//   CHECK-NOT:   xi8>
//       CHECK:   return
func.func @pixels_gathered(%x: tensor<?x4x4x16xf32>) -> tensor<?x2x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %minus = arith.constant -1.0 : f32
  %lowest = arith.constant -3.40282347e+38 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4x4x16xf32>
  %window = tensor.empty() : tensor<2x2xf32>
  %pe = tensor.empty(%n) : tensor<?x2x2x16xf32>
  %pi = linalg.fill ins(%lowest : f32) outs(%pe : tensor<?x2x2x16xf32>) -> tensor<?x2x2x16xf32>
  %pool = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : tensor<?x4x4x16xf32>, tensor<2x2xf32>) outs(%pi : tensor<?x2x2x16xf32>) -> tensor<?x2x2x16xf32>
  %padded = tensor.pad %pool low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %minus : f32
  } : tensor<?x2x2x16xf32> to tensor<?x4x4x16xf32>
  %s = quantx.fake_quant %padded to !quantx.binary<f32, 1.0> : tensor<?x4x4x16xf32>
  %codes = arith.constant dense<true> : tensor<3x3x16x2xi1>
  %q = quantx.storage_cast %codes : tensor<3x3x16x2xi1> to tensor<3x3x16x2x!quantx.binary<f32, 0.5>>
  %w = quantx.dequantize %q : tensor<3x3x16x2x!quantx.binary<f32, 0.5>> to tensor<3x3x16x2xf32>
  %e = tensor.empty(%n) : tensor<?x2x2x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%s, %w : tensor<?x4x4x16xf32>, tensor<3x3x16x2xf32>) outs(%z : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  return %y : tensor<?x2x2x2xf32>
}

// -----

// 64 channels pooled and flattened: one whole word per pixel, so the
// pooled fields flattened are the row's words.
// CHECK-LABEL: func.func @pixels_flattened
//       CHECK:   %[[F:.*]] = quantx.pack_signs %{{.*}} : tensor<?x4x4x64xi8> to tensor<?x4x4x1xi64>
//       CHECK:   %[[P:.*]] = linalg.generic {{.*}} ins(%[[F]], %{{.*}} : tensor<?x4x4x1xi64>, tensor<2x2xf32>)
//       CHECK:   %[[R:.*]] = tensor.collapse_shape %[[P]] {{\[\[}}0], [1, 2, 3]] : tensor<?x2x2x1xi64> into tensor<?x4xi64>
//       CHECK:   quantx.binary_matmul %[[R]], %{{.*}} k 256 : tensor<?x4xi64>, tensor<3x4xi64> -> tensor<?x3xi32>
func.func @pixels_flattened(%x: tensor<?x4x4x64xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347e+38 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4x4x64xf32>
  %window = tensor.empty() : tensor<2x2xf32>
  %pe = tensor.empty(%n) : tensor<?x2x2x64xf32>
  %pi = linalg.fill ins(%lowest : f32) outs(%pe : tensor<?x2x2x64xf32>) -> tensor<?x2x2x64xf32>
  %pool = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %window : tensor<?x4x4x64xf32>, tensor<2x2xf32>) outs(%pi : tensor<?x2x2x64xf32>) -> tensor<?x2x2x64xf32>
  %flat = tensor.collapse_shape %pool [[0], [1, 2, 3]] : tensor<?x2x2x64xf32> into tensor<?x256xf32>
  %s = quantx.fake_quant %flat to !quantx.binary<f32, 1.0> : tensor<?x256xf32>
  %codes = arith.constant dense<false> : tensor<256x3xi1>
  %q = quantx.storage_cast %codes : tensor<256x3xi1> to tensor<256x3x!quantx.binary<f32, 0.5>>
  %w = quantx.dequantize %q : tensor<256x3x!quantx.binary<f32, 0.5>> to tensor<256x3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.matmul ins(%s, %w : tensor<?x256xf32>, tensor<256x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}
