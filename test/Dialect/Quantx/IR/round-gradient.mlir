// RUN: quantx-opt %s --split-input-file | quantx-opt --split-input-file | FileCheck %s
// RUN: quantx-opt %s --split-input-file --canonicalize | FileCheck %s --check-prefix=KEPT
// RUN: quantx-opt %s --split-input-file --quantx-differentiate | FileCheck %s --check-prefix=GRAD
// RUN: quantx-opt %s --split-input-file --convert-quantx-to-arith | FileCheck %s --check-prefix=LOWERED

// CHECK-LABEL: func.func @plain
// CHECK: quantx.round_gradient %arg0 to !quantx.float<e5m2> : tensor<4xf32>
// KEPT-LABEL: func.func @plain
// KEPT: quantx.round_gradient
// The gradient is the incoming one rounded onto e5m2, where it is finite.
// GRAD-LABEL: func.func @plain_grad(%arg0: tensor<4xf32>, %arg1: tensor<4xf32>)
//       GRAD:   %[[R:.*]] = quantx.fake_quant %arg1 to !quantx.float<e5m2> {quantx.gradient_rounding} : tensor<4xf32>
//       GRAD:   %[[K:.*]] = linalg.generic {{.*}} ins(%arg1, %[[R]] :
//       GRAD:     %[[A:.*]] = math.absf %in
//       GRAD:     %[[F:.*]] = arith.cmpf ole, %[[A]], %cst
//       GRAD:     arith.select %[[F]], %in_{{.*}}, %in
//       GRAD:   return %{{.*}}, %[[K]]
// LOWERED-LABEL: func.func @plain
//  LOWERED-NEXT:   return %arg0 : tensor<4xf32>
func.func @plain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = quantx.round_gradient %x to !quantx.float<e5m2> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @stochastic
// CHECK: quantx.round_gradient %arg0 to !quantx.float<e4m3> rounding<stochastic> seed 7 step %arg1 : tensor<f32> : tensor<2x3xf32>
// GRAD-LABEL: func.func @stochastic_grad
// GRAD: quantx.fake_quant %arg2 to !quantx.float<e4m3> rounding<stochastic> seed 7 step %arg1 : tensor<f32> {quantx.gradient_rounding} : tensor<2x3xf32>
func.func @stochastic(%x: tensor<2x3xf32>, %step: tensor<f32>) -> tensor<2x3xf32> {
  %y = quantx.round_gradient %x to !quantx.float<e4m3> rounding<stochastic> seed 7 step %step : tensor<f32> : tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// Per-layer scale: s = max|g| / 64 (radix-4 e3m0's largest finite value,
// 4^(6 - 3)), or 1 outside the normal f32 numbers; g / s clamped to
// [-64, 64], rounded, times s.
// CHECK-LABEL: func.func @scaled
// CHECK: quantx.round_gradient %arg0 to !quantx.float<e3m0, radix = 4> scaled : tensor<8xf32>
// GRAD-LABEL: func.func @scaled_grad
// GRAD: arith.constant -6.400000e+01 : f32
// GRAD: linalg.generic {{.*}}iterator_types = ["reduction"]
// GRAD:   math.absf
// GRAD:   arith.maximumf
// GRAD: arith.divf %{{.*}}, %cst{{.*}} : f32
// GRAD: arith.cmpf oge
// GRAD: arith.cmpf ole
// GRAD: arith.select
// GRAD: linalg.generic
// GRAD:   arith.divf
// GRAD-NOT: arith.select
// GRAD:   arith.minimumf
// GRAD:   arith.maximumf
// GRAD: quantx.fake_quant %{{.*}} to !quantx.float<e3m0, radix = 4> {quantx.gradient_rounding} : tensor<8xf32>
// GRAD: linalg.generic
// GRAD:   arith.mulf
// GRAD:   arith.select
func.func @scaled(%x: tensor<8xf32>) -> tensor<8xf32> {
  %y = quantx.round_gradient %x to !quantx.float<e3m0, radix = 4> scaled : tensor<8xf32>
  return %y : tensor<8xf32>
}

// -----

// The step counter of a stochastic fake_quant round-trips and lowers to a
// seed mixed with the step.
// CHECK-LABEL: func.func @fake_quant_step
// CHECK: quantx.fake_quant %arg0 to !quantx.float<e5m2> rounding<stochastic> seed 3 step %arg1 : tensor<i64> : tensor<4xf32>
// LOWERED-LABEL: func.func @fake_quant_step
// LOWERED: %[[N:.*]] = tensor.extract %arg1[] : tensor<i64>
// LOWERED: arith.addi %[[N]]
// LOWERED: linalg.generic
func.func @fake_quant_step(%x: tensor<4xf32>, %step: tensor<i64>) -> tensor<4xf32> {
  %y = quantx.fake_quant %x to !quantx.float<e5m2> rounding<stochastic> seed 3 step %step : tensor<i64> : tensor<4xf32>
  return %y : tensor<4xf32>
}
