// RUN: quantx-opt %s --quantx-make-train-step="batch-size=8 learning-rate=0.5" | FileCheck %s --check-prefix=SGD
// RUN: quantx-opt %s --quantx-make-train-step="optimizer=momentum batch-size=8" | FileCheck %s --check-prefix=MOMENTUM
// RUN: quantx-opt %s --quantx-make-train-step="optimizer=adam" | FileCheck %s --check-prefix=ADAM
// RUN: quantx-opt %s --quantx-make-train-step="optimizer=momentum learning-rate-argument=true batch-size=8" | FileCheck %s --check-prefix=LRARG

ml_program.global private mutable @w : tensor<4x3xf32>
ml_program.global private mutable @b : tensor<3xf32>
// A constant the model reads is not a parameter.
ml_program.global private @scale(dense<2.0> : tensor<3xf32>) : tensor<3xf32>

func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %w = ml_program.global_load @w : tensor<4x3xf32>
  %b = ml_program.global_load @b : tensor<3xf32>
  %s = ml_program.global_load @scale : tensor<3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x4xf32>, tensor<4x3xf32>) outs(%f : tensor<?x3xf32>) -> tensor<?x3xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %b, %s : tensor<?x3xf32>, tensor<3xf32>, tensor<3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%v: f32, %c: f32, %k: f32, %o: f32):
    %a = arith.addf %v, %c : f32
    %t = arith.mulf %a, %k : f32
    linalg.yield %t : f32
  } -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// The model is left as it is; the generated functions take the parameters
// as arguments, in module order, and the batch becomes static.
// SGD-LABEL: func.func @forward(
// SGD:         ml_program.global_load @w
// SGD-LABEL: func.func @forward_predict(
// SGD-SAME:      %{{.*}}: tensor<4x3xf32> {quantx.param = @w}, %{{.*}}: tensor<3xf32> {quantx.param = @b}, %{{.*}}: tensor<8x4xf32>) -> tensor<8x3xf32>
// SGD:         ml_program.global_load @scale
// SGD:         linalg.matmul {{.*}} -> tensor<8x3xf32>
// SGD-LABEL: func.func @forward_train_step(
// SGD-SAME:      %[[W:.*]]: tensor<4x3xf32> {quantx.param = @w}, %[[B:.*]]: tensor<3xf32> {quantx.param = @b}, %{{.*}}: tensor<8x4xf32>, %{{.*}}: tensor<8xi32>)
// SGD-SAME:      -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>)
// SGD:         %[[LR:.*]] = arith.constant 5.000000e-01 : f32
// SGD:         %[[LOSS:.*]] = quantx.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<8x3xf32>, tensor<8xi32> -> tensor<f32>
// SGD:         %[[GW:.*]] = linalg.matmul indexing_maps
// SGD:         %[[NEW_W:.*]] = linalg.generic {{.*}} ins(%[[W]], %[[GW]] :
// SGD:         ^bb0(%[[P:.*]]: f32, %[[G:.*]]: f32,
// SGD:           %[[STEP:.*]] = arith.mulf %[[G]], %[[LR]]
// SGD:           arith.subf %[[P]], %[[STEP]]
// SGD:         %[[NEW_B:.*]] = linalg.generic {{.*}} ins(%[[B]], %{{.*}} :
// SGD:         return %[[LOSS]], %[[NEW_W]], %[[NEW_B]]

// One velocity per parameter.
// MOMENTUM-LABEL: func.func @forward_train_step(
// MOMENTUM-SAME:      {quantx.param = @w}, %{{.*}}: tensor<3xf32> {quantx.param = @b},
// MOMENTUM-SAME:      %{{.*}}: tensor<4x3xf32> {quantx.param = @w, quantx.state = "velocity"}, %{{.*}}: tensor<3xf32> {quantx.param = @b, quantx.state = "velocity"},
// MOMENTUM-SAME:      -> (tensor<f32>, tensor<4x3xf32>, tensor<3xf32>, tensor<4x3xf32>, tensor<3xf32>)
// MOMENTUM:         arith.constant 0.899999976 : f32

// Two moments per parameter and a step count; without batch-size the batch
// stays dynamic.
// ADAM-LABEL: func.func @forward_predict(
// ADAM-SAME:      tensor<?x4xf32>) -> tensor<?x3xf32>
// ADAM-LABEL: func.func @forward_train_step(
// ADAM-SAME:      {quantx.param = @w, quantx.state = "adam_m"}
// ADAM-SAME:      {quantx.param = @b, quantx.state = "adam_m"}
// ADAM-SAME:      {quantx.param = @w, quantx.state = "adam_v"}
// ADAM-SAME:      {quantx.param = @b, quantx.state = "adam_v"}
// ADAM-SAME:      %[[STEP:.*]]: tensor<f32> {quantx.state = "adam_step"}
// ADAM-SAME:      tensor<?x4xf32>, %{{.*}}: tensor<?xi32>)
// ADAM:         math.powf
// ADAM:         math.sqrt

// The learning rate as the last argument: read once, used by every update.
// LRARG-LABEL: func.func @forward_train_step(
// LRARG-SAME:      %{{.*}}: tensor<8xi32>, %[[LR:.*]]: tensor<f32> {quantx.hyper = "learning_rate"})
// LRARG:         %[[RATE:.*]] = tensor.extract %[[LR]][] : tensor<f32>
// LRARG-COUNT-2: arith.mulf {{.*}}%[[RATE]]{{.*}} : f32
// LRARG-NOT:     arith.constant 0.00999
