// REQUIRES: quantx-jit
// Options with values that make no sense are one-line errors before anything
// is compiled or run.
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --lr -0.1 2>&1 | FileCheck %s --check-prefix=LR
// LR: quantx-runner: error: --lr must be positive and finite as an f32, got -0.1
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --lr nan 2>&1 | FileCheck %s --check-prefix=LRNAN
// LRNAN: quantx-runner: error: --lr must be positive and finite as an f32, got nan
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --vector-bits 128 2>&1 | FileCheck %s --check-prefix=VBITS
// VBITS: quantx-runner: error: --vector-bits must be 256 or 512, got 128
// RUN: not quantx-runner run %s -e forward --vector-bits=-1 2>&1 | FileCheck %s --check-prefix=VBITS2
// VBITS2: quantx-runner: error: --vector-bits must be 256 or 512, got -1
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --optimizer momentum --momentum -5 2>&1 | FileCheck %s --check-prefix=MOMENTUM
// MOMENTUM: quantx-runner: error: cannot build the training step: {{.*}}options.mlir: quantx-make-train-step: momentum must be in [0, 1) as an f32, got -5
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --optimizer adam --beta1 2 2>&1 | FileCheck %s --check-prefix=BETA1
// BETA1: quantx-runner: error: cannot build the training step: {{.*}}: quantx-make-train-step: beta1 must be in [0, 1) as an f32, got 2
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --optimizer adam --beta2 1 2>&1 | FileCheck %s --check-prefix=BETA2
// BETA2: quantx-runner: error: cannot build the training step: {{.*}}: quantx-make-train-step: beta2 must be in [0, 1) as an f32, got 1
// The step computes in f32: values that round to the edge of their range
// there are rejected too (Adam with beta2 = 1.0f never moves).
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --optimizer adam --beta2 0.99999999 2>&1 | FileCheck %s --check-prefix=BETA2F32
// BETA2F32: quantx-runner: error: cannot build the training step: {{.*}}: quantx-make-train-step: beta2 must be in [0, 1) as an f32, got 0.99999999
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --lr 1e-320 2>&1 | FileCheck %s --check-prefix=LRF32
// LRF32: quantx-runner: error: --lr must be positive and finite as an f32, got 9.99989e-321
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --weight-decay -1 2>&1 | FileCheck %s --check-prefix=DECAY
// DECAY: quantx-runner: error: cannot build the training step: {{.*}}: quantx-make-train-step: weight-decay must be in [0, inf) as an f32, got -1
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --batch-size 0 2>&1 | FileCheck %s --check-prefix=BATCH
// BATCH: quantx-runner: error: --batch-size must be at least 1, got 0
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --epochs -1 2>&1 | FileCheck %s --check-prefix=EPOCHS
// EPOCHS: quantx-runner: error: --epochs must be at least 0
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --optimizer lion 2>&1 | FileCheck %s --check-prefix=OPTIMIZER
// OPTIMIZER: quantx-runner: for the --optimizer option: Cannot find option named 'lion'!
// OPTIMIZER-NOT: {{.}}
//
// A model must take one tensor [N, ...].
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --model none 2>&1 | FileCheck %s --check-prefix=NOARG
// NOARG: quantx-runner: error: {{.*}}options.mlir: @none must take one tensor [N, ...]
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --model two 2>&1 | FileCheck %s --check-prefix=TWO
// TWO: quantx-runner: error: {{.*}}options.mlir: @two must take one tensor [N, ...]
//
// eval checks what evaluation needs, not the training batch.
// RUN: not quantx-runner eval %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --batch-size 500 2>&1 | FileCheck %s --check-prefix=EVAL
// EVAL: quantx-runner: error: {{.*}}options.mlir: parameter @w has no value; train the model and save it first
//
// Files: directories, missing libraries.
// RUN: not quantx-runner run %S -e forward 2>&1 | FileCheck %s --check-prefix=DIRMODEL
// DIRMODEL: quantx-runner: error: {{.*}}: cannot open file
// RUN: not quantx-runner run %S/../runner-errors.mlir -e f --input %S 2>&1 | FileCheck %s --check-prefix=DIRINPUT
// DIRINPUT: quantx-runner: error: {{.*}}BadInput: not a regular file
// RUN: not quantx-runner run %S/../runner-errors.mlir -e f --shared-libs=%t.nonexistent.so 2>&1 | FileCheck %s --check-prefix=LIB
// LIB: quantx-runner: error: {{.*}}nonexistent.so: --shared-libs library not found
//
// Outputs that cannot be written (here a full device) are errors.
// RUN: not quantx-runner run %S/../runner-errors.mlir -e f --input %S/../Inputs/x_2x3_f32.npy --output /dev/full 2>&1 | FileCheck %s --check-prefix=FULL
// FULL: quantx-runner: error: /dev/full: cannot write file
// An -o that cannot be created fails before training, not after it.
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --epochs 1 --batch-size 10 -o %S 2>&1 | FileCheck %s --check-prefix=ODIR --implicit-check-not=epoch
// ODIR: quantx-runner: error: -o {{.*}}BadInput: is a directory
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --epochs 1 --batch-size 10 -o %t.missing/trained.mlir 2>&1 | FileCheck %s --check-prefix=OMISSING --implicit-check-not=epoch
// OMISSING: quantx-runner: error: -o {{.*}}missing/trained.mlir: no directory {{.*}}missing
// A write that fails at the end (a full device) is an error, not a crash.
// RUN: not quantx-runner train %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --epochs 1 --batch-size 10 -o /dev/full 2>&1 | FileCheck %s --check-prefix=OFULL
// OFULL: quantx-runner: error: /dev/full: cannot write: No space left on device
// The model can come from standard input.
// RUN: cat %s | quantx-runner train - --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --epochs 1 --batch-size 10 | FileCheck %s --check-prefix=STDIN
// STDIN: epoch 1/1: train-loss
//
// --help shows the runner's own options, not LLVM's hundreds.
// RUN: quantx-runner train --help | FileCheck %s --check-prefix=HELP
// HELP: quantx-runner options:
// HELP-NOT: --aarch64
// HELP: --batch-size
// HELP-NOT: --x86

ml_program.global private mutable @w : tensor<8x3xf32>

func.func @forward(%x: tensor<?x8xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x8xf32>
  %w = ml_program.global_load @w : tensor<8x3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x8xf32>, tensor<8x3xf32>) outs(%f : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %m : tensor<?x3xf32>
}
func.func @none() -> tensor<2x3xf32> {
  %w = ml_program.global_load @w : tensor<8x3xf32>
  %s = tensor.extract_slice %w[0, 0] [2, 3] [1, 1] : tensor<8x3xf32> to tensor<2x3xf32>
  return %s : tensor<2x3xf32>
}
func.func @two(%x: tensor<?x8xf32>, %y: tensor<?x8xf32>) -> tensor<?x3xf32> {
  %r = func.call @forward(%x) : (tensor<?x8xf32>) -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
//
// An unknown option is an error, also when it starts with `h` (LLVM's `-h`
// alias used to swallow it, print the help and exit 0).
// RUN: not quantx-runner eval %s --dataset npy:%S/../Inputs/sorted_x.npy,%S/../Inputs/sorted_y.npy --holdout 0.2 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: Unknown command line argument '--holdout'
// RUN: not quantx-runner run %s -e forward --hello 2>&1 | FileCheck %s --check-prefix=HELLO
// HELLO: Unknown command line argument '--hello'
// RUN: quantx-runner run -h | FileCheck %s --check-prefix=SHORTHELP
// SHORTHELP: quantx-runner options:
