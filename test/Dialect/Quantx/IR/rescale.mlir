// RUN: quantx-opt %s | FileCheck %s
// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --mlir-print-op-generic | quantx-opt | FileCheck %s

// CHECK-LABEL: func.func @per_channel
// CHECK: quantx.rescale %{{.*}} rounding<single_round> multiplier [1518500250, 1073741824] shift [38, 37] axis 1 zero_points (0, 3) clamp [0, 255] : tensor<4x2xi32> to tensor<4x2xi8>
func.func @per_channel(%acc: tensor<4x2xi32>) -> tensor<4x2xi8> {
  %y = quantx.rescale %acc rounding<single_round> multiplier [1518500250, 1073741824] shift [38, 37] axis 1 zero_points (0, 3) clamp [0, 255] : tensor<4x2xi32> to tensor<4x2xi8>
  return %y : tensor<4x2xi8>
}

// CHECK-LABEL: func.func @conventions
// CHECK: rounding<float> scale [1.230000e-02] zero_points (0, -128) clamp [-128, 127]
// CHECK: rounding<double_round> multiplier [1073741824] shift [40] zero_points (5, 0) clamp [-127, 127]
// CHECK: rounding<gemmlowp> multiplier [1610612736] shift [29] zero_points (0, 0) clamp [-32768, 32767] : i32 to i16
func.func @conventions(%acc: tensor<?x3xi32>, %s: i32) -> (tensor<?x3xi8>, tensor<?x3xi8>, i16) {
  %a = quantx.rescale %acc rounding<float> scale [0.0123] zero_points (0, -128) clamp [-128, 127] : tensor<?x3xi32> to tensor<?x3xi8>
  %b = quantx.rescale %acc rounding<double_round> multiplier [1073741824] shift [40] zero_points (5, 0) clamp [-127, 127] : tensor<?x3xi32> to tensor<?x3xi8>
  %c = quantx.rescale %s rounding<gemmlowp> multiplier [1610612736] shift [29] zero_points (0, 0) clamp [-32768, 32767] : i32 to i16
  return %a, %b, %c : tensor<?x3xi8>, tensor<?x3xi8>, i16
}
