// RUN: quantx-opt %s --quantx-mixed-precision='forward=f16 backward=bf16' | FileCheck %s
// RUN: quantx-opt %s --quantx-mixed-precision='forward=e4m3 backward=e5m2 rounding=stochastic seed=10' | FileCheck %s --check-prefix=HFP8
// RUN: quantx-opt %s --quantx-mixed-precision='forward=e4m3 backward=e5m2 backward-rounding=stochastic' | FileCheck %s --check-prefix=BWD
// RUN: quantx-opt %s --quantx-mixed-precision='backward="e3m0, radix = 4" gradient-scale=per-layer' | FileCheck %s --check-prefix=FP4
// RUN: quantx-opt %s --quantx-mixed-precision='forward="e4m3, special = fn"' | FileCheck %s --check-prefix=FWD
// The forward model then trains: quantx-make-train-step differentiates the
// rounded model and carries the step counter as model state.
// RUN: quantx-opt %s --quantx-mixed-precision='forward=e4m3 backward=e5m2 rounding=stochastic' --quantx-make-train-step | FileCheck %s --check-prefix=TRAIN
// Loss scaling reaches quantx-make-train-step as a module attribute.
// RUN: quantx-opt %s --quantx-mixed-precision='forward=f16 backward=f16 loss-scale=dynamic' | FileCheck %s --check-prefix=DYNAMIC
// RUN: quantx-opt %s --quantx-mixed-precision='backward=f16 loss-scale=dynamic loss-scale-init=1024 loss-scale-growth-interval=10' | FileCheck %s --check-prefix=DYNAMIC-SET
// RUN: quantx-opt %s --quantx-mixed-precision='loss-scale=static:128' | FileCheck %s --check-prefix=STATIC
// RUN: quantx-opt %s --quantx-mixed-precision='backward=e5m2 loss-scale=dynamic' --quantx-make-train-step | FileCheck %s --check-prefix=SCALED-STEP
// RUN: quantx-opt %s --quantx-mixed-precision='master=f16' | FileCheck %s --check-prefix=MASTER
// RUN: quantx-opt %s --quantx-mixed-precision='forward=bf16 master=bf16' --quantx-make-train-step | FileCheck %s --check-prefix=MASTER-STEP
// RUN: quantx-opt %s --quantx-mixed-precision='forward=e4m3 backward=e5m2 accumulate=f16 chunk=32' | FileCheck %s --check-prefix=ACCUMULATE
// The backward contractions accumulate as the forward ones.
// RUN: quantx-opt %s --quantx-mixed-precision='accumulate="e5m2" chunk=4' --quantx-make-train-step | FileCheck %s --check-prefix=ACCUMULATE-STEP

ml_program.global private mutable @w(dense<0.5> : tensor<4x3xf32>) : tensor<4x3xf32>
ml_program.global private mutable @f(dense<0.25> : tensor<3x3x1x2xf32>) : tensor<3x3x1x2xf32>

// Both inputs of each contraction rounded forward (f16 = e5m10); the
// weights' gradients and the result's gradient rounded (bf16 = e8m7). An
// activation's gradient is rounded once, at the output of the layer that
// made it (the collapsed convolution), not again at the next layer's input.
// CHECK-LABEL: func.func @forward
//   CHECK-NOT:   rounding_step
//       CHECK:   %[[FX:.*]] = quantx.fake_quant %{{.*}} to !quantx.float<e5m10> : tensor<2x5x5x1xf32>
//       CHECK:   %[[FF:.*]] = quantx.fake_quant %{{.*}} to !quantx.float<e5m10> : tensor<3x3x1x2xf32>
//       CHECK:   %[[GF:.*]] = quantx.round_gradient %[[FF]] to !quantx.float<e8m7> : tensor<3x3x1x2xf32>
//       CHECK:   %[[C:.*]] = linalg.conv_2d_nhwc_hwcf {{.*}} ins(%[[FX]], %[[GF]] :
//       CHECK:   %[[GC:.*]] = quantx.round_gradient %[[C]] to !quantx.float<e8m7> : tensor<2x3x3x2xf32>
//       CHECK:   %[[FLAT:.*]] = tensor.collapse_shape %[[GC]]
//       CHECK:   %[[FA:.*]] = quantx.fake_quant %[[FLAT]] to !quantx.float<e5m10> : tensor<2x18xf32>
//       CHECK:   %[[FW:.*]] = quantx.fake_quant {{.*}} to !quantx.float<e5m10> : tensor<18x3xf32>
//       CHECK:   %[[GW:.*]] = quantx.round_gradient %[[FW]]
//       CHECK:   %[[M:.*]] = linalg.matmul ins(%[[FA]], %[[GW]] :
//       CHECK:   %[[GM:.*]] = quantx.round_gradient %[[M]] to !quantx.float<e8m7> : tensor<2x3xf32>
//       CHECK:   return %[[GM]]

// Stochastic rounding: one seed per site counting up from `seed`, and the
// step counter, model state, read first and incremented before returning.
// HFP8-LABEL: func.func @forward
//       HFP8:   %[[STEP:.*]] = ml_program.global_load @rounding_step : tensor<f32>
//       HFP8:   quantx.fake_quant %{{.*}} to !quantx.float<e4m3> rounding<stochastic> seed 10 step %[[STEP]] : tensor<f32> : tensor<2x5x5x1xf32>
//       HFP8:   quantx.fake_quant %{{.*}} seed 11 step %[[STEP]]
//       HFP8:   quantx.round_gradient %{{.*}} to !quantx.float<e5m2> rounding<stochastic> seed 12 step %[[STEP]] : tensor<f32> : tensor<3x3x1x2xf32>
//       HFP8:   linalg.conv_2d_nhwc_hwcf
//       HFP8:   quantx.round_gradient %{{.*}} seed 13 step %[[STEP]]
//       HFP8:   linalg.matmul
//       HFP8:   quantx.round_gradient %{{.*}} seed 17 step %[[STEP]]
//       HFP8:   %[[NEXT:.*]] = linalg.generic {{.*}} ins(%[[STEP]] : tensor<f32>)
//       HFP8:     arith.addf %{{.*}}, %{{.*}} : f32
//       HFP8:   ml_program.global_store @rounding_step = %[[NEXT]] : tensor<f32>
//  HFP8-NEXT:   return
// HFP8: ml_program.global private mutable @rounding_step(dense<0.000000e+00> : tensor<f32>) : tensor<f32> {quantx.buffer}

// Only the gradients are stochastic: nearest forward, no seed.
// BWD-LABEL: func.func @forward
//       BWD:   quantx.fake_quant %{{.*}} to !quantx.float<e4m3> : tensor<2x5x5x1xf32>
//       BWD:   quantx.round_gradient %{{.*}} to !quantx.float<e5m2> rounding<stochastic> seed 1 step %{{.*}} : tensor<f32> : tensor<3x3x1x2xf32>

// A quoted format with options; per-layer gradient scale; no forward
// rounding.
// FP4-LABEL: func.func @forward
//   FP4-NOT:   quantx.fake_quant
//       FP4:   quantx.round_gradient %{{.*}} to !quantx.float<e3m0, radix = 4> scaled : tensor<3x3x1x2xf32>
//   FP4-NOT:   quantx.fake_quant

// FWD-LABEL: func.func @forward
//   FWD-NOT:   quantx.round_gradient
//       FWD:   quantx.fake_quant %{{.*}} to !quantx.float<e4m3, special = fn> : tensor<2x5x5x1xf32>
//   FWD-NOT:   quantx.round_gradient

// TRAIN-LABEL: func.func @forward_train_step
//  TRAIN-SAME:   {quantx.model_state = @rounding_step}
//       TRAIN:   quantx.fake_quant {{.*}} rounding<stochastic> seed 1 step
//       TRAIN:   return
//  TRAIN-SAME:   tensor<f32>

// ACCUMULATE-LABEL: func.func @forward
//       ACCUMULATE:   linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 32>, strides = dense<1> : tensor<2xi64>}
//       ACCUMULATE:   linalg.matmul {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 32>}

// Forward: the convolution and the matmul; backward: the matmul's two
// gradient matmuls and the convolution's filter gradient (its input, the
// model's input, needs none).
// ACCUMULATE-STEP-LABEL: func.func @forward_train_step
//   ACCUMULATE-STEP-COUNT-5: quantx.accumulate = #quantx.accumulation<!quantx.float<e5m2>, chunk = 4>
//   ACCUMULATE-STEP-NOT:     quantx.accumulate
//           ACCUMULATE-STEP: return

// DYNAMIC: module attributes {quantx.dynamic_loss_scale = array<f64: 6.553600e+04, 2.000000e+03>}
// DYNAMIC-SET: module attributes {quantx.dynamic_loss_scale = array<f64: 1.024000e+03, 1.000000e+01>}
// master=FORMAT marks every parameter; the step rounds its update.
// MASTER: ml_program.global private mutable @w(dense<5.000000e-01> : tensor<4x3xf32>) : tensor<4x3xf32> {quantx.master = !quantx.float<e5m10>}
// MASTER: ml_program.global private mutable @f(dense<2.500000e-01> : tensor<3x3x1x2xf32>) : tensor<3x3x1x2xf32> {quantx.master = !quantx.float<e5m10>}
// MASTER-STEP-LABEL: func.func @forward_train_step
//       MASTER-STEP:   %[[W:.*]] = quantx.fake_quant %{{.*}} to !quantx.float<e8m7> : tensor<4x3xf32>
//       MASTER-STEP:   %[[F:.*]] = quantx.fake_quant %{{.*}} to !quantx.float<e8m7> : tensor<3x3x1x2xf32>
//       MASTER-STEP:   return %{{.*}}, %[[W]], %[[F]]
// Loss scaling alone rounds nothing.
// STATIC: module attributes {quantx.loss_scale = 1.280000e+02 : f64}
// STATIC-NOT: quantx.fake_quant
// STATIC-NOT: quantx.round_gradient

// The step takes and returns the scaler's state (after the optimizer's,
// none for SGD) and returns the counts of its gradient roundings; the
// loss's cotangent is the scale (0 in the state: the initial one).
// SCALED-STEP-LABEL: func.func @forward_train_step(
//  SCALED-STEP-SAME:   %[[S:[^:]*]]: tensor<f32> {quantx.state = "loss_scale"}, %{{.*}}: tensor<f32> {quantx.state = "good_steps"}, %{{.*}}: tensor<f32> {quantx.state = "skipped_steps"}
//  SCALED-STEP-SAME:   -> (tensor<f32>, tensor<4x3xf32>, tensor<3x3x1x2xf32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<i64> {quantx.stat = "gradient_nonzero"}, tensor<i64> {quantx.stat = "gradient_underflow"}, tensor<i64> {quantx.stat = "gradient_overflow"})
//       SCALED-STEP:   linalg.generic {{.*}} ins(%[[S]] : tensor<f32>)
//       SCALED-STEP:     arith.cmpf oeq
//       SCALED-STEP:     arith.select
//       SCALED-STEP:   quantx.fake_quant {{.*}} to !quantx.float<e5m2> {quantx.gradient_rounding}
func.func @forward(%x: tensor<2x5x5x1xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %f = ml_program.global_load @f : tensor<3x3x1x2xf32>
  %ce = tensor.empty() : tensor<2x3x3x2xf32>
  %cf = linalg.fill ins(%zero : f32) outs(%ce : tensor<2x3x3x2xf32>) -> tensor<2x3x3x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %f : tensor<2x5x5x1xf32>, tensor<3x3x1x2xf32>) outs(%cf : tensor<2x3x3x2xf32>) -> tensor<2x3x3x2xf32>
  %flat = tensor.collapse_shape %c [[0], [1, 2, 3]] : tensor<2x3x3x2xf32> into tensor<2x18xf32>
  %w = ml_program.global_load @w : tensor<4x3xf32>
  %w18 = tensor.empty() : tensor<18x3xf32>
  %wf = linalg.fill ins(%zero : f32) outs(%w18 : tensor<18x3xf32>) -> tensor<18x3xf32>
  %wi = tensor.insert_slice %w into %wf[0, 0] [4, 3] [1, 1] : tensor<4x3xf32> into tensor<18x3xf32>
  %me = tensor.empty() : tensor<2x3xf32>
  %mf = linalg.fill ins(%zero : f32) outs(%me : tensor<2x3xf32>) -> tensor<2x3xf32>
  %m = linalg.matmul ins(%flat, %wi : tensor<2x18xf32>, tensor<18x3xf32>) outs(%mf : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %m : tensor<2x3xf32>
}
