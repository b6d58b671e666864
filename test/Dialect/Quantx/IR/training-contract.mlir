// RUN: quantx-opt %s --split-input-file | quantx-opt --split-input-file | FileCheck %s

// The training contract's attributes round-trip where they belong.
// CHECK-LABEL: ml_program.global private mutable @w
//  CHECK-SAME:   quantx.init = "xavier_uniform"
// CHECK-LABEL: ml_program.global private mutable @mean
//  CHECK-SAME:   quantx.buffer
// CHECK-LABEL: ml_program.global private mutable @step_size
//  CHECK-SAME:   quantx.weight_decay = 0.000000e+00 : f64
// CHECK-LABEL: ml_program.global private mutable @latent
//  CHECK-SAME:   quantx.clip = array<f64: -1.000000e+00, 1.000000e+00>
// CHECK-LABEL: func.func @step
//  CHECK-SAME:   {quantx.param = @w}
//  CHECK-SAME:   {quantx.param = @w, quantx.state = "velocity"}
//  CHECK-SAME:   {quantx.state = "adam_step"}
//  CHECK-SAME:   {quantx.hyper = "learning_rate"}
ml_program.global private mutable @w : tensor<4x3xf32> {quantx.init = "xavier_uniform"}
ml_program.global private mutable @mean(dense<0.0> : tensor<3xf32>) : tensor<3xf32> {quantx.buffer}
ml_program.global private mutable @step_size(dense<1.0> : tensor<f32>) : tensor<f32> {quantx.weight_decay = 0.0 : f64}
ml_program.global private mutable @latent : tensor<4x3xf32> {quantx.clip = array<f64: -1.0, 1.0>}
func.func @step(%w: tensor<4x3xf32> {quantx.param = @w},
                %v: tensor<4x3xf32> {quantx.param = @w, quantx.state = "velocity"},
                %t: tensor<f32> {quantx.state = "adam_step"},
                %lr: tensor<f32> {quantx.hyper = "learning_rate"}) {
  return
}

// -----

// Bufferized and lowered steps keep their attributes.
// CHECK-LABEL: func.func @bufferized
//  CHECK-SAME:   {quantx.param = @w}
//  CHECK-SAME:   {quantx.hyper = "learning_rate"}
func.func @bufferized(%w: memref<4x3xf32> {quantx.param = @w},
                      %lr: memref<f32> {quantx.hyper = "learning_rate"}) {
  return
}
// CHECK-LABEL: llvm.func @lowered
//  CHECK-SAME:   {quantx.param = @w}
llvm.func @lowered(%w: !llvm.ptr {quantx.param = @w}) {
  llvm.return
}

// -----

// The loss-scaling contract: a dynamic scaler on the module, its state on
// the step's arguments, the gradient counts on its results, the marker on
// a gradient's rounding.
// CHECK: module attributes {quantx.dynamic_loss_scale = array<f64: 6.553600e+04, 2.000000e+03>}
// CHECK: quantx.fake_quant %arg0 to !quantx.float<e5m2> {quantx.gradient_rounding}
// CHECK: quantx.state = "loss_scale"
// CHECK: quantx.state = "good_steps"
// CHECK: quantx.state = "skipped_steps"
// CHECK: quantx.stat = "gradient_nonzero"
module attributes {quantx.dynamic_loss_scale = array<f64: 65536.0, 2000.0>} {
  func.func @rounded(%g: tensor<4xf32>) -> tensor<4xf32> {
    %r = quantx.fake_quant %g to !quantx.float<e5m2> {quantx.gradient_rounding} : tensor<4xf32>
    return %r : tensor<4xf32>
  }
  func.func @step(%s: tensor<f32> {quantx.state = "loss_scale"},
                  %n: tensor<f32> {quantx.state = "good_steps"},
                  %k: tensor<f32> {quantx.state = "skipped_steps"},
                  %c: tensor<i64>) -> (tensor<i64> {quantx.stat = "gradient_nonzero"}) {
    return %c : tensor<i64>
  }
}
