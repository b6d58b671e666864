// RUN: quantx-opt %s | FileCheck %s
// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --canonicalize | FileCheck %s --check-prefix=KEPT
// RUN: quantx-opt %s --convert-quantx-to-arith | FileCheck %s --check-prefix=LOWERED

// CHECK-LABEL: func.func @select
// CHECK: %[[A:.*]] = quantx.mode_select %arg0, %arg1 : tensor<f32>
// CHECK: %[[B:.*]] = quantx.mode_select %arg0, %arg1 training : tensor<f32>
// The choice belongs to the function the op ends up in: no folding.
// KEPT-COUNT-2: quantx.mode_select
// The lowering keeps the selected operand.
// LOWERED: return %arg1, %arg0 : tensor<f32>, tensor<f32>
func.func @select(%train: tensor<f32>, %infer: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %a = quantx.mode_select %train, %infer : tensor<f32>
  %b = quantx.mode_select %train, %infer training : tensor<f32>
  return %a, %b : tensor<f32>, tensor<f32>
}
