// REQUIRES: quantx-jit
// `run -e F` compiles what F reaches: another function of the module that
// cannot be compiled (here it reads a parameter without a value) does not
// stop F, and asking for that function is still the error it was.
// RUN: quantx-runner run %s -e twice --input %S/Inputs/x_2x3_f32.npy | FileCheck %s --check-prefix=GOOD
// GOOD: result #0: tensor<2x3xf32> = {{\[\[}}0.60000002, -2.52, 200], [0.5, 0.0020000001, 1000]]
// RUN: quantx-runner run %s -e twice_through_call --input %S/Inputs/x_2x3_f32.npy | FileCheck %s --check-prefix=CALL
// CALL: result #0: tensor<2x3xf32> = {{\[\[}}0.60000002, -2.52, 200], [0.5, 0.0020000001, 1000]]
// A private entry is an entry too.
// RUN: quantx-runner run %s -e private_twice --input %S/Inputs/x_2x3_f32.npy | FileCheck %s --check-prefix=PRIVATE
// PRIVATE: result #0: tensor<2x3xf32> = {{\[\[}}0.60000002, -2.52, 200], [0.5, 0.0020000001, 1000]]
// RUN: not quantx-runner run %s -e untrained 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: quantx-runner: error: {{.*}}run-entry-only.mlir: global @w has no value; train the model and save it first, or give it one

ml_program.global private mutable @w : tensor<2x3xf32>

func.func @twice(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = arith.addf %x, %x : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func @twice_through_call(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = func.call @twice(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func private @private_twice(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = arith.addf %x, %x : tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

func.func @untrained() -> tensor<2x3xf32> {
  %w = ml_program.global_load @w : tensor<2x3xf32>
  return %w : tensor<2x3xf32>
}
