// REQUIRES: dataset-digits
// Training failures are one line naming the cause.
// RUN: not quantx-runner train %s --dataset digits 2>&1 | FileCheck %s --check-prefix=SIZE
// SIZE: quantx-runner: error: the model takes 16 values per sample, dataset 'digits' has 64
// RUN: not quantx-runner train %s --dataset nope 2>&1 | FileCheck %s --check-prefix=DATASET
// DATASET: quantx-runner: error: {{.*}}nope
// RUN: not quantx-runner train %s --dataset digits --optimizer lion 2>&1 | FileCheck %s --check-prefix=OPTIMIZER
// OPTIMIZER: quantx-runner: for the --optimizer option: Cannot find option named 'lion'!
// OPTIMIZER-NOT: {{.}}
// RUN: not quantx-runner train %s --dataset digits --model other 2>&1 | FileCheck %s --check-prefix=MODEL
// MODEL: quantx-runner: error: --model names no function defined in {{.*}}train-errors.mlir: @other
// RUN: not quantx-runner eval %s --dataset digits 2>&1 | FileCheck %s --check-prefix=UNTRAINED
// UNTRAINED: quantx-runner: error: {{.*}}train-errors.mlir: parameter @w has no value; train the model and save it first
// RUN: not quantx-runner run %s -e forward --input %S/Inputs/x_2x3_f32.npy 2>&1 | FileCheck %s --check-prefix=RUN-UNTRAINED
// RUN-UNTRAINED: quantx-runner: error: {{.*}}train-errors.mlir: global @w has no value; train the model and save it first, or give it one
// RUN: not quantx-runner train %examples/mlp-digits.mlir --dataset digits --lr 1e30 --epochs 1 2>&1 | FileCheck %s --check-prefix=DIVERGED
// DIVERGED: quantx-runner: error: the loss became {{.*}}: the learning rate may be too high, or the data not finite
// RUN: not quantx-runner train %examples/mlp-digits.mlir --dataset digits --lr-schedule linear 2>&1 | FileCheck %s --check-prefix=SCHEDULE
// SCHEDULE: quantx-runner: for the --lr-schedule option: Cannot find option named 'linear'!
// RUN: not quantx-runner train %examples/mlp-digits.mlir --dataset digits --lr-schedule step 2>&1 | FileCheck %s --check-prefix=STEPS
// STEPS: quantx-runner: error: --lr-step-epochs must be at least 1 with the step schedule

ml_program.global private mutable @w : tensor<16x10xf32>

func.func @forward(%x: tensor<?x16xf32>) -> tensor<?x10xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x16xf32>
  %w = ml_program.global_load @w : tensor<16x10xf32>
  %e = tensor.empty(%n) : tensor<?x10xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x10xf32>) -> tensor<?x10xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x16xf32>, tensor<16x10xf32>) outs(%f : tensor<?x10xf32>) -> tensor<?x10xf32>
  return %m : tensor<?x10xf32>
}
