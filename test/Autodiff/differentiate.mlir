// RUN: quantx-opt %s --quantx-differentiate --canonicalize --split-input-file | FileCheck %s

// Tensor-level arith becomes linalg; x * x contributes twice to dx.
// CHECK-LABEL: func.func @square_grad(
// CHECK-SAME:      %[[X:.*]]: tensor<4xf32>, %[[DY:.*]]: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
// CHECK:         %[[Y:.*]] = linalg.generic
// CHECK:           arith.mulf
// CHECK:         %[[D0:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[DY]] : tensor<4xf32>, tensor<4xf32>)
// CHECK:         %[[D1:.*]] = linalg.generic {{.*}} ins(%[[X]], %[[DY]] : tensor<4xf32>, tensor<4xf32>)
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[D0]], %[[D1]] :
// CHECK:           arith.addf
// CHECK:         return %[[Y]], %[[SUM]]
func.func @square(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.mulf %x, %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// A plain matmul gets two matmuls with transposing maps: dA = dC B^T and
// dB = A^T dC; the zero-filled init receives no gradient.
// CHECK-DAG: #[[A_KM:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[B_KN:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @dense_grad(
// CHECK-SAME:      %[[A:.*]]: tensor<8x4xf32>, %[[B:.*]]: tensor<4x3xf32>, %[[DC:.*]]: tensor<8x3xf32>)
// CHECK-SAME:      -> (tensor<8x3xf32>, tensor<8x4xf32>, tensor<4x3xf32>)
// CHECK:         %[[C:.*]] = linalg.matmul ins(%[[A]], %[[B]] :
// CHECK:         %[[DA:.*]] = linalg.matmul indexing_maps = [#{{.*}}, #[[B_KN]], #{{.*}}] ins(%[[DC]], %[[B]] : tensor<8x3xf32>, tensor<4x3xf32>)
// CHECK:         %[[DB:.*]] = linalg.matmul indexing_maps = [#[[A_KM]], #{{.*}}, #{{.*}}] ins(%[[A]], %[[DC]] : tensor<8x4xf32>, tensor<8x3xf32>)
// CHECK:         return %[[C]], %[[DA]], %[[DB]]
func.func @dense(%a: tensor<8x4xf32>, %b: tensor<4x3xf32>) -> tensor<8x3xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<8x3xf32>) -> tensor<8x3xf32>
  %c = linalg.matmul ins(%a, %b : tensor<8x4xf32>, tensor<4x3xf32>) outs(%f : tensor<8x3xf32>) -> tensor<8x3xf32>
  return %c : tensor<8x3xf32>
}

// -----

// Bias + ReLU: the gradient passes where the pre-activation is >= 0; the
// broadcast bias gets it summed over the batch (a reduction loop).
// CHECK-LABEL: func.func @bias_relu_grad(
// CHECK:         linalg.generic {indexing_maps = [{{.*}}], iterator_types = ["parallel", "parallel"]}
// CHECK:           arith.cmpf oge
// CHECK:           arith.select
// CHECK:         linalg.generic {indexing_maps = [{{.*}}], iterator_types = ["reduction", "parallel"]}
// CHECK-SAME:      outs(%{{.*}} : tensor<3xf32>)
// CHECK:           arith.cmpf oge
// CHECK:           arith.select
func.func @bias_relu(%m: tensor<8x3xf32>, %b: tensor<3xf32>) -> tensor<8x3xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %b : tensor<8x3xf32>, tensor<3xf32>) outs(%e : tensor<8x3xf32>) {
  ^bb0(%x: f32, %c: f32, %o: f32):
    %s = arith.addf %x, %c : f32
    %t = arith.maximumf %s, %z : f32
    linalg.yield %t : f32
  } -> tensor<8x3xf32>
  return %r : tensor<8x3xf32>
}

// -----

// A max reduction sends the gradient where the element equals the result.
// CHECK-LABEL: func.func @row_max_grad(
// CHECK-SAME:      %[[X:.*]]: tensor<2x5xf32>, %[[I:.*]]: tensor<2xf32>, %[[DY:.*]]: tensor<2xf32>)
// CHECK:         %[[Y:.*]] = linalg.reduce
// CHECK:         linalg.generic {{.*}} ins(%[[X]], %[[Y]], %[[DY]] :
// CHECK:           arith.cmpf oeq
// CHECK:           arith.select
// CHECK:         linalg.generic {{.*}} ins(%[[I]], %[[Y]], %[[DY]] :
// CHECK:           arith.cmpf oeq
func.func @row_max(%x: tensor<2x5xf32>, %init: tensor<2xf32>) -> tensor<2xf32> {
  %r = linalg.reduce ins(%x : tensor<2x5xf32>) outs(%init : tensor<2xf32>) dimensions = [1]
    (%in: f32, %acc: f32) {
      %m = arith.maximumf %in, %acc : f32
      linalg.yield %m : f32
    }
  return %r : tensor<2xf32>
}

// -----

// The loss's gradient is (softmax - onehot) / N; labels get none.
// CHECK-LABEL: func.func @loss_grad(
// CHECK-SAME:      %[[L:.*]]: tensor<4x3xf32>, %[[Y:.*]]: tensor<4xi32>, %[[G:.*]]: tensor<f32>) -> (tensor<f32>, tensor<4x3xf32>)
// CHECK:         quantx.softmax_cross_entropy %[[L]], %[[Y]]
// CHECK:         math.exp
// CHECK:         linalg.index 1
// CHECK:         arith.cmpi eq
func.func @loss(%l: tensor<4x3xf32>, %y: tensor<4xi32>) -> tensor<f32> {
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// fake_quant: the straight-through estimator keeps the gradient inside the
// representable range [-1.28, 1.27] and zeroes it outside.
// CHECK-LABEL: func.func @ste_grad(
// CHECK-DAG:     arith.constant -1.28
// CHECK-DAG:     arith.constant 1.27
// CHECK:         linalg.generic
// CHECK:           arith.cmpf oge
// CHECK:           arith.cmpf ole
// CHECK:           arith.andi
// CHECK:           arith.select
func.func @ste(%x: tensor<16xf32>) -> tensor<16xf32> {
  %0 = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.01> : tensor<16xf32>
  return %0 : tensor<16xf32>
}

// -----

// dequantize(quantize(x)) into x's type is fake_quant in the gradient
// function (same values, the straight-through estimator); the forward
// function keeps its ops, and codes that are also returned stay.
// CHECK-LABEL: func.func @quantize_dequantize(
//       CHECK:   quantx.quantize
//       CHECK:   quantx.dequantize
// CHECK-LABEL: func.func @quantize_dequantize_grad(
//  CHECK-SAME:     %[[X:.*]]: tensor<16xf32>, %[[DY:.*]]: tensor<16xf32>)
//       CHECK:   %[[Q:.*]] = quantx.quantize %[[X]] rounding<nearest_away> : tensor<16xf32> to tensor<16x!quantx.fixed<i4:f32, 0.1>>
//       CHECK:   %[[F:.*]] = quantx.fake_quant %[[X]] to !quantx.fixed<i4:f32, 0.1> rounding<nearest_away> : tensor<16xf32>
//   CHECK-NOT:   quantx.dequantize
//       CHECK:   arith.cmpf oge
//       CHECK:   arith.select
//       CHECK:   return %[[F]], %[[Q]],
func.func @quantize_dequantize(%x: tensor<16xf32>) -> (tensor<16xf32>, tensor<16x!quantx.fixed<i4:f32, 0.1>>) {
  %q = quantx.quantize %x rounding<nearest_away> : tensor<16xf32> to tensor<16x!quantx.fixed<i4:f32, 0.1>>
  %d = quantx.dequantize %q : tensor<16x!quantx.fixed<i4:f32, 0.1>> to tensor<16xf32>
  return %d, %q : tensor<16xf32>, tensor<16x!quantx.fixed<i4:f32, 0.1>>
}

// -----

// Slices and reshapes move the gradient back.
// CHECK-LABEL: func.func @slice_reshape_grad(
// CHECK-SAME:      %[[X:.*]]: tensor<4x6xf32>, %[[DY:.*]]: tensor<12xf32>)
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[DY]] {{\[\[}}0, 1]] output_shape [2, 6]
// CHECK:         %[[Z:.*]] = linalg.fill
// CHECK:         tensor.insert_slice %[[E]] into %[[Z]][1, 0] [2, 6] [1, 1]
func.func @slice_reshape(%x: tensor<4x6xf32>) -> tensor<12xf32> {
  %s = tensor.extract_slice %x[1, 0] [2, 6] [1, 1] : tensor<4x6xf32> to tensor<2x6xf32>
  %c = tensor.collapse_shape %s [[0, 1]] : tensor<2x6xf32> into tensor<12xf32>
  return %c : tensor<12xf32>
}

// -----

// A strided convolution (loops n, oh, ow, f, kh, kw, c) contracts over its
// channels, so its gradients are unfolded (im2col): dX's columns
// [n, oh, ow, kh, kw, c] are one contraction of the output gradient with the
// filter, folded back (col2im) by adding each tap's slice into the strided
// slice of dX at (kh, kw); dW is one contraction of the gathered input
// columns [n, oh, ow, kh, kw, c] (channels innermost: the gather copies
// runs of the input) with the output gradient.
// CHECK-DAG:   #[[W:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>
// CHECK-DAG:   #[[DY:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[COLS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d4, d5, d6)>
// CHECK-DAG:   #[[GATHER:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4, d5)>
// CHECK-LABEL: func.func @conv_grad(
// CHECK-SAME:      %[[X:.*]]: tensor<1x5x5x2xf32>, %[[K:.*]]: tensor<2x2x2x3xf32>, %{{.*}}: tensor<1x2x2x3xf32>, %[[G:.*]]: tensor<1x2x2x3xf32>)
// CHECK:         %[[C:.*]] = linalg.generic {indexing_maps = [#[[W]], #[[DY]], #[[COLS]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[K]], %[[G]] : tensor<2x2x2x3xf32>, tensor<1x2x2x3xf32>) outs(%{{.*}} : tensor<1x2x2x2x2x2xf32>)
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         %[[DX0:.*]] = linalg.fill {{.*}} -> tensor<1x5x5x2xf32>
// CHECK:         %[[C00:.*]] = tensor.extract_slice %[[C]][0, 0, 0, 0, 0, 0] [1, 2, 2, 1, 1, 2] [1, 1, 1, 1, 1, 1] : tensor<1x2x2x2x2x2xf32> to tensor<1x2x2x2xf32>
// CHECK:         %[[S00:.*]] = tensor.extract_slice %[[DX0]][0, 0, 0, 0] [1, 2, 2, 2] [1, 2, 2, 1]
// CHECK:         %[[A00:.*]] = linalg.generic {{.*}} ins(%[[C00]] : tensor<1x2x2x2xf32>) outs(%[[S00]] : tensor<1x2x2x2xf32>)
// CHECK:         %[[DX1:.*]] = tensor.insert_slice %[[A00]] into %[[DX0]][0, 0, 0, 0] [1, 2, 2, 2] [1, 2, 2, 1]
// CHECK:         tensor.extract_slice %[[C]][0, 0, 0, 0, 1, 0]
// CHECK:         tensor.extract_slice %[[DX1]][0, 0, 1, 0] [1, 2, 2, 2] [1, 2, 2, 1]
// CHECK-COUNT-2: tensor.insert_slice {{.*}} : tensor<1x2x2x2xf32> into tensor<1x5x5x2xf32>
// CHECK:         %[[DX:.*]] = tensor.insert_slice {{.*}}[0, 1, 1, 0] [1, 2, 2, 2] [1, 2, 2, 1] : tensor<1x2x2x2xf32> into tensor<1x5x5x2xf32>
// CHECK:         %[[XC:.*]] = linalg.generic {indexing_maps = [#[[GATHER]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[X]] : tensor<1x5x5x2xf32>) outs(%{{.*}} : tensor<1x2x2x2x2x2xf32>)
// CHECK:         %[[DW:.*]] = linalg.generic {indexing_maps = [#[[COLS]], #[[DY]], #[[W]]], iterator_types = ["reduction", "reduction", "reduction", "parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[XC]], %[[G]] : tensor<1x2x2x2x2x2xf32>, tensor<1x2x2x3xf32>) outs(%{{.*}} : tensor<2x2x2x3xf32>)
// CHECK:         return %{{.*}}, %[[DX]], %[[DW]], %[[G]]
func.func @conv(%x: tensor<1x5x5x2xf32>, %w: tensor<2x2x2x3xf32>, %o: tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%x, %w : tensor<1x5x5x2xf32>, tensor<2x2x2x3xf32>) outs(%o : tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  return %r : tensor<1x2x2x3xf32>
}

// -----

// Max pooling: per window point, the output gradient goes where the strided
// input slice equals the pooled result.
// CHECK-LABEL: func.func @max_pool_grad(
// CHECK-SAME:      %[[X:.*]]: tensor<1x4x4x2xf32>, %{{.*}}: tensor<1x2x2x2xf32>, %[[DY:.*]]: tensor<1x2x2x2xf32>)
// CHECK:         %[[Y:.*]] = linalg.pooling_nhwc_max
// CHECK:         %[[XS:.*]] = tensor.extract_slice %[[X]][0, 0, 0, 0] [1, 2, 2, 2] [1, 2, 2, 1]
// CHECK:         linalg.generic {{.*}} ins(%[[XS]], %[[Y]], %[[DY]] :
// CHECK:           %[[EQ:.*]] = arith.cmpf oeq
// CHECK:           arith.select %[[EQ]]
// CHECK-COUNT-4: tensor.insert_slice {{.*}} : tensor<1x2x2x2xf32> into tensor<1x4x4x2xf32>
// CHECK-NOT:     tensor.insert_slice
// CHECK:         return
func.func @max_pool(%x: tensor<1x4x4x2xf32>, %init: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %k = tensor.empty() : tensor<2x2xf32>
  %r = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %k : tensor<1x4x4x2xf32>, tensor<2x2xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %r : tensor<1x2x2x2xf32>
}

// -----

// A unit-stride convolution: dX is itself a convolution of the output
// gradient, padded by the filter extent minus one, with the filter flipped
// in space and its channels swapped (so it runs on the forward convolution
// code); dW is unfolded as for strided convolutions.
// CHECK-DAG:   #[[FLIP:.*]] = affine_map<(d0, d1, d2, d3) -> (-d0 + 2, -d1 + 2, d3, d2)>
// CHECK-LABEL: func.func @conv_unit_stride_grad(
// CHECK-SAME:      %[[X:.*]]: tensor<1x6x6x2xf32>, %[[K:.*]]: tensor<3x3x2x4xf32>, %{{.*}}: tensor<1x4x4x4xf32>, %[[G:.*]]: tensor<1x4x4x4xf32>)
// CHECK:         %[[KF:.*]] = linalg.generic {indexing_maps = [#[[FLIP]], #{{.*}}], {{.*}} ins(%[[K]] : tensor<3x3x2x4xf32>) outs(%{{.*}} : tensor<3x3x4x2xf32>)
// CHECK:         %[[GP:.*]] = tensor.pad %[[G]] low[0, 2, 2, 0] high[0, 2, 2, 0]
// CHECK:         %[[DX:.*]] = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
// CHECK-SAME:        ins(%[[GP]], %[[KF]] : tensor<1x8x8x4xf32>, tensor<3x3x4x2xf32>) outs(%{{.*}} : tensor<1x6x6x2xf32>)
// CHECK:         %[[XC:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<1x6x6x2xf32>) outs(%{{.*}} : tensor<1x4x4x3x3x2xf32>)
// CHECK:         %[[DW:.*]] = linalg.generic {{.*}} ins(%[[XC]], %[[G]] :
// CHECK:         return %{{.*}}, %[[DX]], %[[DW]], %[[G]]
func.func @conv_unit_stride(%x: tensor<1x6x6x2xf32>, %w: tensor<3x3x2x4xf32>, %o: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
     ins(%x, %w : tensor<1x6x6x2xf32>, tensor<3x3x2x4xf32>) outs(%o : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %r : tensor<1x4x4x4xf32>
}

// -----

// Unfolding this convolution would need tensors of 1024*1024*9*8 elements
// (more than 2^26): the gradients are summed over the nine window points of
// strided slices instead, without unfolded buffers.
// CHECK-LABEL: func.func @big_conv_grad(
// CHECK-NOT:     tensor<1x1024x1024x3x3x8xf32>
// CHECK-NOT:     tensor<3x3x8x1x1024x1024xf32>
// CHECK-COUNT-9: tensor.insert_slice {{.*}} : tensor<1x1024x1024x8xf32> into tensor<1x2049x2049x8xf32>
// CHECK-COUNT-9: tensor.insert_slice {{.*}} : tensor<8x8xf32> into tensor<3x3x8x8xf32>
// CHECK:         return
func.func @big_conv(%x: tensor<1x2049x2049x8xf32>, %w: tensor<3x3x8x8xf32>, %o: tensor<1x1024x1024x8xf32>) -> tensor<1x1024x1024x8xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
     ins(%x, %w : tensor<1x2049x2049x8xf32>, tensor<3x3x8x8xf32>) outs(%o : tensor<1x1024x1024x8xf32>) -> tensor<1x1024x1024x8xf32>
  return %r : tensor<1x1024x1024x8xf32>
}
