// The gradients of each layer: the output gradient once per layer, the
// weights' gradient, and the options that keep some of them wider.
// RUN: quantx-opt %s --quantx-mixed-precision='backward=e5m2' | FileCheck %s
// RUN: quantx-opt %s --quantx-mixed-precision='backward="e3m0, radix = 4" gradient-scale=per-layer first-last-backward=f32 weight-gradients=f16' | FileCheck %s --check-prefix=FP4
// RUN: quantx-opt %s --quantx-mixed-precision='backward=e5m2 weight-gradients=f32' | FileCheck %s --check-prefix=NO-WEIGHTS
// RUN: not quantx-opt %s --quantx-mixed-precision='forward=e4m3 weight-gradients=f32' 2>&1 | FileCheck %s --check-prefix=NO-BACKWARD
// RUN: not quantx-opt %s --quantx-mixed-precision='backward=e5m2 first-last-backward=f8' 2>&1 | FileCheck %s --check-prefix=BAD-FORMAT

ml_program.global private mutable @w1(dense<0.5> : tensor<4x8xf32>) : tensor<4x8xf32>
ml_program.global private mutable @w2(dense<0.5> : tensor<8x8xf32>) : tensor<8x8xf32>
ml_program.global private mutable @w3(dense<0.5> : tensor<8x3xf32>) : tensor<8x3xf32>
// Model state (not a parameter) and a constant: neither is a weight.
ml_program.global private mutable @bias(dense<0.0> : tensor<2x8xf32>) : tensor<2x8xf32> {quantx.buffer}

// The input's gradient is not rounded (the model's input needs none), nor
// are the activations' (each is rounded at the output that made it); the
// transposed weights still are weights.
// CHECK-LABEL: func.func @mlp
//       CHECK:   %[[W1:.*]] = ml_program.global_load @w1
//       CHECK:   %[[G1:.*]] = quantx.round_gradient %[[W1]] to !quantx.float<e5m2> : tensor<4x8xf32>
//       CHECK:   %[[M1:.*]] = linalg.matmul ins(%arg0, %[[G1]] :
//       CHECK:   %[[R1:.*]] = quantx.round_gradient %[[M1]] to !quantx.float<e5m2> : tensor<2x8xf32>
//       CHECK:   %[[H1:.*]] = linalg.generic {{.*}} ins(%[[R1]]
//       CHECK:   %[[T2:.*]] = linalg.transpose
//       CHECK:   %[[G2:.*]] = quantx.round_gradient %[[T2]] to !quantx.float<e5m2> : tensor<8x8xf32>
//       CHECK:   %[[M2:.*]] = linalg.matmul ins(%[[H1]], %[[G2]] :
//       CHECK:   %[[R2:.*]] = quantx.round_gradient %[[M2]]
//       CHECK:   %[[A3:.*]] = linalg.generic {{.*}} ins(%[[R2]]
//       CHECK:   %[[G3:.*]] = quantx.round_gradient %{{.*}} : tensor<8x3xf32>
//       CHECK:   %[[M3:.*]] = linalg.matmul ins(%[[A3]], %[[G3]] :
//       CHECK:   %[[R3:.*]] = quantx.round_gradient %[[M3]]
//       CHECK:   return %[[R3]]
//   CHECK-NOT:   quantx.round_gradient

// First and last layer: nothing rounded; the middle one's weights onto f16.
// FP4-LABEL: func.func @mlp
//   FP4-NOT:   quantx.round_gradient %{{.*}} : tensor<4x8xf32>
//       FP4:   linalg.matmul
//   FP4-NOT:   quantx.round_gradient %{{.*}} : tensor<2x8xf32>
//       FP4:   %[[T2:.*]] = linalg.transpose
//       FP4:   quantx.round_gradient %[[T2]] to !quantx.float<e5m10> scaled : tensor<8x8xf32>
//       FP4:   %[[M2:.*]] = linalg.matmul
//       FP4:   quantx.round_gradient %[[M2]] to !quantx.float<e3m0, radix = 4> scaled : tensor<2x8xf32>
//   FP4-NOT:   quantx.round_gradient
//       FP4:   return

// NO-WEIGHTS-LABEL: func.func @mlp
//   NO-WEIGHTS-NOT:   quantx.round_gradient %{{.*}} : tensor<{{4x8|8x8|8x3}}xf32>
//       NO-WEIGHTS:   quantx.round_gradient %{{.*}} : tensor<2x8xf32>
//   NO-WEIGHTS-NOT:   quantx.round_gradient %{{.*}} : tensor<{{4x8|8x8|8x3}}xf32>

// NO-BACKWARD: error: quantx-mixed-precision: weight-gradients refines backward=FORMAT, which is not given
// BAD-FORMAT: error: quantx-mixed-precision: first-last-backward='f8' is not a float format (f16, bf16 or a !quantx.float body): expected a format such as e4m3, got 'f8' (or f32)
func.func @mlp(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e8 = tensor.empty() : tensor<2x8xf32>
  %f8 = linalg.fill ins(%zero : f32) outs(%e8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %w1 = ml_program.global_load @w1 : tensor<4x8xf32>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<2x4xf32>, tensor<4x8xf32>) outs(%f8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %h1 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%m1 : tensor<2x8xf32>) outs(%e8 : tensor<2x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  %w2 = ml_program.global_load @w2 : tensor<8x8xf32>
  %e88 = tensor.empty() : tensor<8x8xf32>
  %t2 = linalg.transpose ins(%w2 : tensor<8x8xf32>) outs(%e88 : tensor<8x8xf32>) permutation = [1, 0]
  %m2 = linalg.matmul ins(%h1, %t2 : tensor<2x8xf32>, tensor<8x8xf32>) outs(%f8 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %b = ml_program.global_load @bias : tensor<2x8xf32>
  %a3 = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%m2, %b : tensor<2x8xf32>, tensor<2x8xf32>) outs(%e8 : tensor<2x8xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  %w3 = ml_program.global_load @w3 : tensor<8x3xf32>
  %e3 = tensor.empty() : tensor<2x3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %m3 = linalg.matmul ins(%a3, %w3 : tensor<2x8xf32>, tensor<8x3xf32>) outs(%f3 : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %m3 : tensor<2x3xf32>
}
