// RUN: quantx-opt %s --split-input-file --quantx-fold-batch-norm --verify-diagnostics | FileCheck %s

// A dense layer: the channel scale multiplies the weights' columns, the
// shift becomes a bias, and the running statistics pass through.
// CHECK-LABEL: func.func @matmul
//  CHECK-SAME:   (%[[X:.*]]: tensor<?x8xf32>, %[[W:.*]]: tensor<8x4xf32>, %[[G:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>, %[[M:.*]]: tensor<4xf32>, %[[V:.*]]: tensor<4xf32>)
//   CHECK-NOT:   quantx.batch_norm
//       CHECK:   %[[S:.*]] = linalg.generic {{.*}} ins(%[[G]], %[[V]] :
//       CHECK:     arith.constant 9.99999974E-6 : f32
//       CHECK:     math.rsqrt
//       CHECK:   %[[SHIFT:.*]] = linalg.generic {{.*}} ins(%[[B]], %[[M]], %[[S]] :
//       CHECK:   %[[WS:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[LAST:.*]], #{{.*}}]{{.*}} ins(%[[W]], %[[S]] : tensor<8x4xf32>, tensor<4xf32>)
//       CHECK:   %[[MM:.*]] = linalg.matmul ins(%[[X]], %[[WS]] :
//       CHECK:   %[[Y:.*]] = linalg.generic {{.*}} ins(%[[MM]], %[[SHIFT]] : tensor<?x4xf32>, tensor<4xf32>)
//       CHECK:     arith.addf
//       CHECK:   return %[[Y]], %[[M]], %[[V]]
func.func @matmul(%x: tensor<?x8xf32>, %w: tensor<8x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>)
    -> (tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x4xf32>) outs(%z : tensor<?x4xf32>) -> tensor<?x4xf32>
  %y, %nm, %nv = quantx.batch_norm %mm, %g, %b, %m, %v : tensor<?x4xf32>, tensor<4xf32>
  return %y, %nm, %nv : tensor<?x4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// A convolution (filter HWCF: the output channel is last) whose weights
// are a global, and a depthwise convolution (filter HWC).
ml_program.global private @k(dense<1.0> : tensor<3x3x2x4xf32>) : tensor<3x3x2x4xf32>
// CHECK-LABEL: func.func @convolutions
//   CHECK-NOT:   quantx.batch_norm
//       CHECK:   %[[K:.*]] = ml_program.global_load @k
//       CHECK:   %[[KS:.*]] = linalg.generic {{.*}} ins(%[[K]], %{{.*}} : tensor<3x3x2x4xf32>, tensor<4xf32>)
//       CHECK:   linalg.conv_2d_nhwc_hwcf {{.*}} ins(%{{.*}}, %[[KS]] :
//       CHECK:   %[[DS:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<3x3x4xf32>, tensor<4xf32>)
//       CHECK:   linalg.depthwise_conv_2d_nhwc_hwc {{.*}} ins(%{{.*}}, %[[DS]] :
//   CHECK-NOT:   quantx.batch_norm
func.func @convolutions(%x: tensor<1x6x6x2xf32>, %d: tensor<3x3x4xf32>, %g: tensor<4xf32>) -> tensor<1x2x2x4xf32> {
  %zero = arith.constant 0.0 : f32
  %k = ml_program.global_load @k : tensor<3x3x2x4xf32>
  %e = tensor.empty() : tensor<1x4x4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %k : tensor<1x6x6x2xf32>, tensor<3x3x2x4xf32>) outs(%z : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
  %y, %nm, %nv = quantx.batch_norm %c, %g, %g, %g, %g : tensor<1x4x4x4xf32>, tensor<4xf32>
  %e2 = tensor.empty() : tensor<1x2x2x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %dw = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%y, %d : tensor<1x4x4x4xf32>, tensor<3x3x4xf32>) outs(%z2 : tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32>
  %y2, %nm2, %nv2 = quantx.batch_norm %dw, %g, %g, %g, %g : tensor<1x2x2x4xf32>, tensor<4xf32>
  return %y2 : tensor<1x2x2x4xf32>
}

// -----

// A batched matmul: the weights' last dimension is the channel.
// CHECK-LABEL: func.func @batch_matmul
//       CHECK:   %[[WS:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<2x3x5xf32>, tensor<5xf32>)
//       CHECK:   linalg.batch_matmul ins(%{{.*}}, %[[WS]] :
//   CHECK-NOT:   quantx.batch_norm
func.func @batch_matmul(%x: tensor<2x4x3xf32>, %w: tensor<2x3x5xf32>, %g: tensor<5xf32>) -> tensor<2x4x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4x5xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %mm = linalg.batch_matmul ins(%x, %w : tensor<2x4x3xf32>, tensor<2x3x5xf32>) outs(%z : tensor<2x4x5xf32>) -> tensor<2x4x5xf32>
  %y, %nm, %nv = quantx.batch_norm %mm, %g, %g, %g, %g : tensor<2x4x5xf32>, tensor<5xf32>
  return %y : tensor<2x4x5xf32>
}

// -----

// What is not folded stays, with a remark.
// CHECK-LABEL: func.func @not_folded
// CHECK-COUNT-5: quantx.batch_norm
func.func @not_folded(%x: tensor<4x8xf32>, %w: tensor<8x4xf32>, %wt: tensor<4x8xf32>, %g: tensor<4xf32>, %acc: tensor<4x4xf32>)
    -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x4xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x4xf32>) -> tensor<4x4xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x4xf32>) outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @+1 {{batch norm not folded: it is in training mode (batch statistics)}}
  %y1, %m1, %v1 = quantx.batch_norm %mm, %g, %g, %g, %g training : tensor<4x4xf32>, tensor<4xf32>
  %mm2 = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x4xf32>) outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @+1 {{batch norm not folded: the contraction's result has other uses}}
  %y2, %m2, %v2 = quantx.batch_norm %mm2, %g, %g, %g, %g : tensor<4x4xf32>, tensor<4xf32>
  %mm3 = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x4xf32>) outs(%acc : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @+1 {{batch norm not folded: the contraction accumulates into a tensor that is not zero}}
  %y3, %m3, %v3 = quantx.batch_norm %mm3, %g, %g, %g, %g : tensor<4x4xf32>, tensor<4xf32>
  %mm4 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %wt : tensor<4x8xf32>, tensor<4x8xf32>) outs(%z : tensor<4x4xf32>) -> tensor<4x4xf32>
  // expected-remark @+1 {{batch norm not folded: the matmul has transposed operands}}
  %y4, %m4, %v4 = quantx.batch_norm %mm4, %g, %g, %g, %g : tensor<4x4xf32>, tensor<4xf32>
  // expected-remark @+1 {{batch norm not folded: its input is not the result of a matmul or convolution (linalg.fill)}}
  %y5, %m5, %v5 = quantx.batch_norm %z, %g, %g, %g, %g : tensor<4x4xf32>, tensor<4xf32>
  return %y1, %y2, %mm2, %y3, %y4, %y5 : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}

// -----

// An argument is no contraction either.
func.func @argument(%x: tensor<4x4xf32>, %g: tensor<4xf32>) -> tensor<4x4xf32> {
  // expected-remark @+1 {{batch norm not folded: its input is not the result of a matmul or convolution}}
  %y, %m, %v = quantx.batch_norm %x, %g, %g, %g, %g : tensor<4x4xf32>, tensor<4xf32>
  return %y : tensor<4x4xf32>
}
