// RUN: quantx-opt %s --quantx-tile-vectorize-conv="tile=1,1,8,16,1,1,8" --split-input-file | FileCheck %s
// RUN: not quantx-opt %s --quantx-tile-vectorize-conv="tile=1,2,8,16,1,1,8" --split-input-file 2>&1 | FileCheck %s --check-prefix=BADTILE
// BADTILE: error: quantx-tile-vectorize-conv: tile takes seven positive sizes, with 1 for the output row and the filter row

// Each tile (one output row, one filter row) becomes a vectorized 1-D
// convolution; 28 output columns = 3 * 8 + 4 are peeled.
// CHECK-LABEL: func.func @conv
//   CHECK-NOT:   linalg.conv_2d_nhwc_hwcf
//   CHECK-NOT:   linalg.conv_1d_nwc_wcf
//       CHECK:   scf.for
//       CHECK:   vector.transfer_read
//       CHECK:   vector.contract
//       CHECK:   vector.transfer_write
func.func @conv(%img: tensor<1x30x30x16xf32>, %flt: tensor<3x3x16x32xf32>, %out: tensor<1x28x28x32xf32>) -> tensor<1x28x28x32xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %flt : tensor<1x30x30x16xf32>, tensor<3x3x16x32xf32>) outs(%out : tensor<1x28x28x32xf32>) -> tensor<1x28x28x32xf32>
  return %r : tensor<1x28x28x32xf32>
}

// -----

// A dynamic batch is tiled by 1: the tiles are static and vectorized.
// CHECK-LABEL: func.func @dynamic
//   CHECK-NOT:   linalg.conv_2d_nhwc_hwcf
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
//       CHECK:   vector.contract
func.func @dynamic(%img: tensor<?x30x30x16xf32>, %flt: tensor<3x3x16x32xf32>, %out: tensor<?x28x28x32xf32>) -> tensor<?x28x28x32xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %flt : tensor<?x30x30x16xf32>, tensor<3x3x16x32xf32>) outs(%out : tensor<?x28x28x32xf32>) -> tensor<?x28x28x32xf32>
  return %r : tensor<?x28x28x32xf32>
}

// -----

// A dynamic width: the full tiles of eight columns are static and
// vectorized; the one partial tile left by peeling lowers to loops.
// CHECK-LABEL: func.func @dynamic_width
//       CHECK:   %[[FULL:.*]] = affine.apply #{{.*}}()[%{{.*}}]
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %[[FULL]] step %c8
//       CHECK:   vector.contract
//       CHECK:   scf.for %{{.*}} = %[[FULL]] to %{{.*}} step %c8
//       CHECK:   linalg.conv_1d_nwc_wcf {{.*}} -> tensor<1x?x16xf32>
func.func @dynamic_width(%img: tensor<1x30x?x16xf32>, %flt: tensor<3x3x16x32xf32>, %out: tensor<1x28x?x32xf32>) -> tensor<1x28x?x32xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %flt : tensor<1x30x?x16xf32>, tensor<3x3x16x32xf32>) outs(%out : tensor<1x28x?x32xf32>) -> tensor<1x28x?x32xf32>
  return %r : tensor<1x28x?x32xf32>
}

// -----

// Max pooling over a dynamic batch: each tile (one output row, one window
// row) is a maximum of channel vectors; no scalar loop is left.
// CHECK-LABEL: func.func @max_pool
//   CHECK-NOT:   linalg.pooling
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
//       CHECK:   vector.transfer_read {{.*}} : tensor<1x15x16xf32>, vector<1x15x16xf32>
//       CHECK:   arith.maximumf {{.*}} : vector<1x1x16xf32>
//       CHECK:   vector.transfer_write {{.*}} : vector<1x8x16xf32>, tensor<1x8x16xf32>
//       CHECK:   arith.maximumf {{.*}} : vector<1x1x16xf32>
//       CHECK:   vector.transfer_write {{.*}} : vector<1x6x16xf32>, tensor<1x6x16xf32>
//   CHECK-NOT:   linalg.pooling
func.func @max_pool(%x: tensor<?x28x28x16xf32>, %out: tensor<?x14x14x16xf32>) -> tensor<?x14x14x16xf32> {
  %window = tensor.empty() : tensor<2x2xf32>
  %r = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %window : tensor<?x28x28x16xf32>, tensor<2x2xf32>)
      outs(%out : tensor<?x14x14x16xf32>) -> tensor<?x14x14x16xf32>
  return %r : tensor<?x14x14x16xf32>
}

// -----

// Sum pooling with stride 1: adds of whole tiles (seven columns, one
// window point per tile).
// CHECK-LABEL: func.func @sum_pool
//   CHECK-NOT:   linalg.pooling
//       CHECK:   arith.addf {{.*}} : vector<1x7x16xf32>
//   CHECK-NOT:   linalg.pooling
func.func @sum_pool(%x: tensor<4x9x9x16xf32>, %out: tensor<4x7x7x16xf32>) -> tensor<4x7x7x16xf32> {
  %window = tensor.empty() : tensor<3x3xf32>
  %r = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %window : tensor<4x9x9x16xf32>, tensor<3x3xf32>)
      outs(%out : tensor<4x7x7x16xf32>) -> tensor<4x7x7x16xf32>
  return %r : tensor<4x7x7x16xf32>
}

// -----

// A depthwise convolution: multiply-adds of channel vectors.
// CHECK-LABEL: func.func @depthwise
//   CHECK-NOT:   linalg.depthwise
//       CHECK:   vector.fma {{.*}} : vector<1x8x16xf32>
//   CHECK-NOT:   linalg.depthwise
func.func @depthwise(%x: tensor<?x10x10x16xf32>, %flt: tensor<3x3x16xf32>, %out: tensor<?x8x8x16xf32>) -> tensor<?x8x8x16xf32> {
  %r = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %flt : tensor<?x10x10x16xf32>, tensor<3x3x16xf32>)
      outs(%out : tensor<?x8x8x16xf32>) -> tensor<?x8x8x16xf32>
  return %r : tensor<?x8x8x16xf32>
}
