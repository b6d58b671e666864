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
