// RUN: quantx-opt %s --quantx-make-train-step="batch-size=4" | FileCheck %s
// RUN: quantx-opt %s --quantx-make-train-step="batch-size=4 frozen-statistics-step" | FileCheck %s --check-prefix=FROZEN

// An observed range as model state: quantx.mode_select picks the updated
// range in training and the stored one in inference. The step sets
// `training` on it and returns what the model stores; the prediction
// function keeps the inference choice and drops the store.
ml_program.global private mutable @w : tensor<3x2xf32>
ml_program.global private mutable @hi(dense<0xFF800000> : tensor<f32>) : tensor<f32> {quantx.buffer}

func.func @forward(%x: tensor<?x3xf32>) -> tensor<?x2xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant 0xFF800000 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x3xf32>
  %w = ml_program.global_load @w : tensor<3x2xf32>
  %stored = ml_program.global_load @hi : tensor<f32>
  %init = tensor.empty() : tensor<f32>
  %fill = linalg.fill ins(%lowest : f32) outs(%init : tensor<f32>) -> tensor<f32>
  %batch = linalg.reduce ins(%x : tensor<?x3xf32>) outs(%fill : tensor<f32>) dimensions = [0, 1]
    (%a: f32, %b: f32) {
      %m = arith.maximumf %a, %b : f32
      linalg.yield %m : f32
    }
  %hi = quantx.mode_select %batch, %stored : tensor<f32>
  ml_program.global_store @hi = %hi : tensor<f32>
  %s = arith.divf %hi, %hi : tensor<f32>
  %q = quantx.scaled_fake_quant %x, %s to !quantx.fixed<u8:f32, ?> : tensor<?x3xf32>, tensor<f32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %m = linalg.matmul ins(%q, %w : tensor<?x3xf32>, tensor<3x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %m : tensor<?x2xf32>
}

// CHECK-LABEL: func.func @forward_predict(
//  CHECK-SAME:     %{{.*}}: tensor<3x2xf32> {quantx.param = @w}, %[[PS:.*]]: tensor<f32> {quantx.model_state = @hi}, %{{.*}}: tensor<4x3xf32>)
//   CHECK-NOT:   global_store
//       CHECK:   quantx.mode_select %{{.*}}, %[[PS]] : tensor<f32>
//   CHECK-NOT:   global_store
// CHECK-LABEL: func.func @forward_train_step(
//  CHECK-SAME:     %[[TS:[^:]*]]: tensor<f32> {quantx.model_state = @hi}
//  CHECK-SAME:     -> (tensor<f32>, tensor<3x2xf32>, tensor<f32>)
//       CHECK:   %[[NEW:.*]] = quantx.mode_select %{{.*}}, %[[TS]] training : tensor<f32>
//       CHECK:   return %{{.*}}, %{{.*}}, %[[NEW]] :

// With frozen-statistics-step, a second step with the same signature keeps
// the observer in inference mode: it uses and returns the stored range.
// FROZEN-LABEL: func.func @forward_train_step(
//       FROZEN:   quantx.mode_select %{{.*}}, %{{.*}} training : tensor<f32>
// FROZEN-LABEL: func.func @forward_train_step_frozen_statistics(
//  FROZEN-SAME:     %{{.*}}: tensor<3x2xf32> {quantx.param = @w}, %[[FS:[^:]*]]: tensor<f32> {quantx.model_state = @hi}
//  FROZEN-SAME:     -> (tensor<f32>, tensor<3x2xf32>, tensor<f32>)
//   FROZEN-NOT:   training
//       FROZEN:   %[[KEPT:.*]] = quantx.mode_select %{{.*}}, %[[FS]] : tensor<f32>
//   FROZEN-NOT:   training
//       FROZEN:   return %{{.*}}, %{{.*}}, %[[KEPT]] :
