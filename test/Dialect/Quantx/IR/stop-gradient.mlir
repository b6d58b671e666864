// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --canonicalize | FileCheck %s --check-prefix=KEPT
// RUN: quantx-opt %s --quantx-differentiate=functions=f | FileCheck %s --check-prefix=GRAD
// RUN: quantx-opt %s --convert-quantx-to-arith | FileCheck %s --check-prefix=LOWERED

// CHECK-LABEL: func.func @f
// CHECK: %[[S:.*]] = quantx.stop_gradient %arg0 : tensor<f32>
// Differentiation has not happened yet: the op stays.
// KEPT: quantx.stop_gradient
// No gradient passes: d(x * stop_gradient(x))/dx is stop_gradient(x), x's
// value, not 2x.
// GRAD-LABEL: func.func @f_grad(%arg0: tensor<f32>, %arg1: tensor<f32>)
//       GRAD:   %[[SG:.*]] = quantx.stop_gradient %arg0 : tensor<f32>
//       GRAD:   linalg.fill
//       GRAD:   %[[G:.*]] = linalg.generic {{.*}} ins(%[[SG]], %arg1 : tensor<f32>, tensor<f32>)
//       GRAD:     arith.mulf
//  GRAD-NEXT:     arith.addf %out
//  GRAD-NEXT:     linalg.yield
//       GRAD:   return %{{.*}}, %[[G]] :
// The lowering keeps the operand.
// LOWERED: %[[M:.*]] = linalg.generic {{.*}} ins(%arg0, %arg0 :
func.func @f(%x: tensor<f32>) -> tensor<f32> {
  %s = quantx.stop_gradient %x : tensor<f32>
  %e = tensor.empty() : tensor<f32>
  %m = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%x, %s : tensor<f32>, tensor<f32>) outs(%e : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    linalg.yield %p : f32
  } -> tensor<f32>
  return %m : tensor<f32>
}
