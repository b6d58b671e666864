// RUN: quantx-opt %s | quantx-opt | FileCheck %s

// A contraction's accumulation precision round-trips on named ops and on a
// contraction linalg.generic.
// CHECK-LABEL: func.func @named
//       CHECK:   linalg.matmul {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 64>}
//       CHECK:   linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, quantx.accumulate = #quantx.accumulation<!quantx.float<e3m0, radix = 4>, chunk = 1>, strides = dense<1> : tensor<2xi64>}
func.func @named(%a: tensor<4x16xf32>, %b: tensor<16x8xf32>, %c: tensor<4x8xf32>,
                 %x: tensor<1x5x5x2xf32>, %k: tensor<3x3x2x4xf32>, %y: tensor<1x3x3x4xf32>)
    -> (tensor<4x8xf32>, tensor<1x3x3x4xf32>) {
  %0 = linalg.matmul {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 64>}
      ins(%a, %b : tensor<4x16xf32>, tensor<16x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  %1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                 quantx.accumulate = #quantx.accumulation<!quantx.float<e3m0, radix = 4>, chunk = 1>}
      ins(%x, %k : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32>) outs(%y : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  return %0, %1 : tensor<4x8xf32>, tensor<1x3x3x4xf32>
}

// CHECK-LABEL: func.func @generic
//       CHECK:   linalg.generic {{.*}} {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m2>, chunk = 16>}
func.func @generic(%a: tensor<4x16xf32>, %b: tensor<16xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (k)>, affine_map<(i, k) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%a, %b : tensor<4x16xf32>, tensor<16xf32>) outs(%c : tensor<4xf32>)
      attrs = {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m2>, chunk = 16>} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
