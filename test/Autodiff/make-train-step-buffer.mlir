// RUN: quantx-opt %s --quantx-make-train-step="batch-size=2" | FileCheck %s

// A mutable global marked quantx.buffer is model state, not a parameter:
// the generated functions take it as an argument (quantx.model_state) and
// do not train it; the step returns it unchanged when the model stores
// nothing into it.
ml_program.global private mutable @w : tensor<4x3xf32>
ml_program.global private mutable @shift(dense<0.5> : tensor<3xf32>) : tensor<3xf32> {quantx.buffer}

func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %w = ml_program.global_load @w : tensor<4x3xf32>
  %s = ml_program.global_load @shift : tensor<3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x3xf32>) outs(%f : tensor<?x3xf32>) -> tensor<?x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %s : tensor<?x3xf32>, tensor<3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %a = arith.addf %v, %c : f32
    linalg.yield %a : f32
  } -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// CHECK-LABEL: func.func @forward_predict(
//  CHECK-SAME:     %{{.*}}: tensor<4x3xf32> {quantx.param = @w}, %[[S:.*]]: tensor<3xf32> {quantx.model_state = @shift}, %{{.*}}: tensor<2x4xf32>) -> tensor<2x3xf32>
//   CHECK-NOT:   ml_program.global_load
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %[[S]] :
// CHECK-LABEL: func.func @forward_train_step(
//  CHECK-SAME:     %{{.*}}: tensor<4x3xf32> {quantx.param = @w}, %[[TS:.*]]: tensor<3xf32> {quantx.model_state = @shift}, %{{.*}}: tensor<2x4xf32>, %{{.*}}: tensor<2xi32>)
//  CHECK-SAME:     -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>)
//   CHECK-NOT:   ml_program.global_load
//       CHECK:   return %{{.*}}, %{{.*}}, %[[TS]] :

