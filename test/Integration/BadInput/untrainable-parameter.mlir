// REQUIRES: quantx-jit
// A parameter that reaches the loss only through integers never changes:
// training says so, naming it, and goes on.
// RUN: quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --epochs 1 --batch-size 10 --lr 0.1 2>&1 | FileCheck %s
// CHECK: untrainable-parameter.mlir:{{[0-9]+}}:{{[0-9]+}}: warning: parameter @scale reaches the loss through no differentiable operation (not at all, or only through integers or comparisons): its gradient is zero and training does not change it
// CHECK-NOT: warning: parameter @w
// CHECK: epoch 1/1: train-loss

ml_program.global private mutable @w : tensor<8x3xf32>
ml_program.global private mutable @scale : tensor<3xf32>

func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %w = ml_program.global_load @w : tensor<8x3xf32>
  %s = ml_program.global_load @scale : tensor<3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x3xf32>) outs(%f : tensor<?x3xf32>) -> tensor<?x3xf32>
  // The scale is rounded through an integer: no gradient reaches it.
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%m, %s : tensor<?x3xf32>, tensor<3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %i = arith.fptosi %c : f32 to i32
    %g = arith.sitofp %i : i32 to f32
    %p = arith.mulf %a, %g : f32
    linalg.yield %p : f32
  } -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
