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

// A dynamic width would leave partial tiles of unknown size: left to loops.
// CHECK-LABEL: func.func @dynamic_width
//       CHECK:   linalg.conv_2d_nhwc_hwcf
//   CHECK-NOT:   vector.contract
func.func @dynamic_width(%img: tensor<1x30x?x16xf32>, %flt: tensor<3x3x16x32xf32>, %out: tensor<1x28x?x32xf32>) -> tensor<1x28x?x32xf32> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%img, %flt : tensor<1x30x?x16xf32>, tensor<3x3x16x32xf32>) outs(%out : tensor<1x28x?x32xf32>) -> tensor<1x28x?x32xf32>
  return %r : tensor<1x28x?x32xf32>
}
