// RUN: quantx-opt %s --quantx-make-train-step="batch-size=2 optimizer=momentum" | FileCheck %s --check-prefix=BN

// Batch normalization: the prediction function uses the running statistics
// and drops the stores; the step normalizes with the batch's statistics
// (training), returns the statistics the model stored after the optimizer
// state (momentum: one velocity per parameter), and trains the scale and
// offset.
ml_program.global private mutable @w : tensor<4x3xf32>
ml_program.global private mutable @gamma : tensor<3xf32> {quantx.init = "ones"}
ml_program.global private mutable @beta : tensor<3xf32>
ml_program.global private mutable @mean : tensor<3xf32> {quantx.buffer}
ml_program.global private mutable @var : tensor<3xf32> {quantx.buffer, quantx.init = "ones"}

func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %w = ml_program.global_load @w : tensor<4x3xf32>
  %g = ml_program.global_load @gamma : tensor<3xf32>
  %b = ml_program.global_load @beta : tensor<3xf32>
  %rm = ml_program.global_load @mean : tensor<3xf32>
  %rv = ml_program.global_load @var : tensor<3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x3xf32>) outs(%f : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y, %nm, %nv = quantx.batch_norm %m, %g, %b, %rm, %rv : tensor<?x3xf32>, tensor<3xf32>
  ml_program.global_store @mean = %nm : tensor<3xf32>
  ml_program.global_store @var = %nv : tensor<3xf32>
  return %y : tensor<?x3xf32>
}

// BN-LABEL: func.func @forward_predict(
//  BN-SAME:     {quantx.param = @w}, %{{.*}}: tensor<3xf32> {quantx.param = @gamma}, %{{.*}}: tensor<3xf32> {quantx.param = @beta},
//  BN-SAME:     %[[PM:.*]]: tensor<3xf32> {quantx.model_state = @mean}, %[[PV:.*]]: tensor<3xf32> {quantx.model_state = @var}, %{{.*}}: tensor<2x4xf32>) -> tensor<2x3xf32>
//   BN-NOT:   global_store
//       BN:   quantx.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %[[PM]], %[[PV]] :
//   BN-NOT:   global_store
//       BN:   return %{{.*}} : tensor<2x3xf32>
// BN-LABEL: func.func @forward_train_step(
//  BN-SAME:     %{{.*}}: tensor<3xf32> {quantx.param = @gamma, quantx.state = "velocity"}, %{{.*}}: tensor<3xf32> {quantx.param = @beta, quantx.state = "velocity"},
//  BN-SAME:     %[[TM:.*]]: tensor<3xf32> {quantx.model_state = @mean}, %[[TV:.*]]: tensor<3xf32> {quantx.model_state = @var}, %{{.*}}: tensor<2x4xf32>, %{{.*}}: tensor<2xi32>)
//  BN-SAME:     -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>)
//       BN:   %{{.*}}, %[[NM:.*]], %[[NV:.*]] = quantx.batch_norm %{{.*}}, %{{.*}}, %{{.*}}, %[[TM]], %[[TV]] training :
//   BN-NOT:   global_store
//       BN:   return {{.*}}, %[[NM]], %[[NV]] :
