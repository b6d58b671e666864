// REQUIRES: quantx-jit
// quantx-runner calibrate: options that make no sense are one-line errors
// before anything is compiled; a tensor whose range is constant gets a
// valid format and a warning, never a zero or NaN scale.
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --samples 0 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SAMPLES
// SAMPLES: quantx-runner: error: --samples must be at least 1, got 0
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --method kl -o %t.mlir 2>&1 | FileCheck %s --check-prefix=METHOD
// METHOD: quantx-runner: for the --method option: Cannot find option named 'kl'!
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --method percentile --percentile 0 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=PERCENT0
// PERCENT0: quantx-runner: error: --percentile: the percentile must be in (0, 100], got 0
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --method percentile --percentile 100.5 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=PERCENT101
// PERCENT101: quantx-runner: error: --percentile: the percentile must be in (0, 100], got 100.5
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --method percentile --percentile nan -o %t.mlir 2>&1 | FileCheck %s --check-prefix=PERCENTNAN
// PERCENTNAN: quantx-runner: error: --percentile: the percentile must be in (0, 100], got nan
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --percentile 50 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=PERCENTONLY
// PERCENTONLY: quantx-runner: error: --percentile is only for --method=percentile
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --weight-format e9m2 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=WFORMAT
// WFORMAT: quantx-runner: error: --weight-format: 'e9m2' is not a float format (f16, bf16 or a !quantx.float body): exponent bits must be in [0, 8], got 9
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --activation-format int8 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=AFORMAT
// AFORMAT: quantx-runner: error: --activation-format: 'int8' is not a float format (f16, bf16 or a !quantx.float body): expected a format such as e4m3, got 'int8'
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --weight-bits 1 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=WBITS
// WBITS: quantx-runner: error: --weight-bits must be in 2..16, got 1
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --activation-bits 17 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=ABITS
// ABITS: quantx-runner: error: --activation-bits must be in 2..16, got 17
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy 2>&1 | FileCheck %s --check-prefix=OUTPUT
// OUTPUT: quantx-runner: error: calibrate needs -o CALIBRATED.mlir
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy -o %t.missing/x.mlir 2>&1 | FileCheck %s --check-prefix=DIR
// DIR: quantx-runner: error: -o {{.*}}x.mlir: no directory
// A dataset whose samples do not fit the model:
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/logits_3x3.npy,%S/../Inputs/labels_3.npy -o %t.mlir 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: quantx-runner: error: the model takes 2 values per sample, dataset 'npy' has 3
// A model before training:
// RUN: not quantx-runner calibrate %examples/mlp-digits.mlir --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy -o %t.mlir 2>&1 | FileCheck %s --check-prefix=UNTRAINED
// UNTRAINED: quantx-runner: error: the model takes 64 values per sample, dataset 'npy' has 2
// RUN: not quantx-runner calibrate %examples/mlp-digits.mlir --dataset digits -o %t.mlir 2>&1 | FileCheck %s --check-prefix=UNTRAINED2
// UNTRAINED2: quantx-runner: error: {{.*}}mlp-digits.mlir: global @w1 has no value; train the model and save it first
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --model predict -o %t.mlir 2>&1 | FileCheck %s --check-prefix=MODEL
// MODEL: quantx-runner: error: {{.*}}calibrate.mlir: no function @predict is defined (--model)
// A calibrated model is not calibrated again.
// RUN: quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy -o %t.once.mlir 2> /dev/null
// RUN: not quantx-runner calibrate %t.once.mlir --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy -o %t.twice.mlir 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: quantx-runner: error: {{.*}}once.mlir: @forward is already quantized (it has quantx.fake_quant): calibrate the float model
// A width for a float format:
// RUN: not quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --weight-format e4m3 --weight-bits 4 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=FLOATBITS
// FLOATBITS: quantx-runner: error: --weight-bits is for fixed-point weights; --weight-format sets a float format's own width
// An unsigned float format for signed values says what it loses; so does a
// clip that saturates more than 1% of the values (the 50th percentile).
// RUN: quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --activation-format "e4m3, unsigned" --first-last-bits 0 -o %t.unsigned.mlir 2>&1 >/dev/null | FileCheck %s --check-prefix=UNSIGNED
// UNSIGNED: quantx-runner: warning: layer 1 input: 2 of 8 values are negative; the unsigned format makes them 0
// RUN: quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy --method percentile --percentile 50 -o %t.p50.mlir 2>&1 >/dev/null | FileCheck %s --check-prefix=SATURATES
// SATURATES: quantx-runner: warning: layer 1 input: the clip [-1.00049, 1.00049] saturates 25.0% of the values
//
// All-zero weights: every activation after them is 0. The weights get
// scale 1, the activation the range [0, 1], each with a warning.
// RUN: quantx-runner calibrate %s --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy -o %t.zero.mlir 2>%t.warnings | FileCheck %s --check-prefix=ZERO
// ZERO: weights @w: i8 per channel (axis 1): 2 scales in [1, 1]
// ZERO: activations layer 2 input: !quantx.fixed<u8:f32, 0.0039215686274509{{[0-9]*}}> (observed [0, 0], clipped to [0, 1])
// RUN: FileCheck %s --check-prefix=WARN < %t.warnings
// WARN: quantx-runner: warning: @w: no finite weight is non-zero (a scale of 1 is used)
// WARN: quantx-runner: warning: layer 2 input: every observed value is 0 (the range [0, 1] is used)
// RUN: quantx-runner eval %t.zero.mlir --dataset npy:%S/../Inputs/calibrate_x.npy,%S/../Inputs/calibrate_y.npy | FileCheck %s --check-prefix=EVAL
// EVAL: test-accuracy: 0.5000

ml_program.global private mutable @w(dense<0.0> : tensor<2x2xf32>) : tensor<2x2xf32>
ml_program.global private mutable @w2(dense<[[1.0, 0.0], [0.0, -1.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>

func.func @forward(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %w = ml_program.global_load @w : tensor<2x2xf32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<?x2xf32>) outs(%e : tensor<?x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.maximumf %a, %zero : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  %w2 = ml_program.global_load @w2 : tensor<2x2xf32>
  %m2 = linalg.matmul ins(%r, %w2 : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %m2 : tensor<?x2xf32>
}
