// REQUIRES: quantx-jit
// quantx-runner calibrate on four samples whose every range is known by
// hand. The batch norm folds into the weights first: k = gamma /
// sqrt(var + 1) = [2, 0.5], so the weights become [[2, -1], [1, 2]] and
// the shift beta - mean k = [-2, 1]. The first layer's input takes values
// in [-3, 2] (affine: scale 5/255, zero point round(3 / (5/255)) = 153);
// the second layer's, relu(x W' + shift) = [0, 3], [1, 0], [1, 2], [0, 5],
// lies in [0, 5] (scale 5/255, zero point 0). Weights: per channel
// max|w| / 127.
// RUN: quantx-runner calibrate %s --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy --samples 4 -o %t.mlir | FileCheck %s --check-prefix=REPORT
// REPORT: calibrated on 4 samples of npy
// REPORT-NEXT: activations layer 1 input: !quantx.fixed<u8:f32, 0.01960784313725{{[0-9]*}}:153> (observed [-3, 2], clipped to [-3, 2])
// REPORT-NEXT: weights @w_folded: i8 per channel (axis 1): 2 scales in [0.015748, 0.015748]
// REPORT-NEXT: activations layer 2 input: !quantx.fixed<u8:f32, 0.01960784313725{{[0-9]*}}> (observed [0, 5], clipped to [0, 5])
// REPORT-NEXT: weights @w2: i8 per channel (axis 1): 2 scales in [0.00787402, 0.00787402]
// RUN: FileCheck %s --check-prefix=MODEL < %t.mlir
// MODEL-NOT: batch_norm
// MODEL-NOT: scaled_fake_quant
// MODEL-NOT: @gamma
// MODEL-NOT: @act_min
// MODEL-DAG: ml_program.global private mutable @w_folded(dense<{{\[\[}}2.000000e+00, -1.000000e+00], [1.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>)
// MODEL-DAG: ml_program.global private mutable @{{[a-z]+}}_folded(dense<[-2.000000e+00, 1.000000e+00]> : tensor<2xf32>)
// MODEL-DAG: quantx.fake_quant %{{.*}} to !quantx.fixed<i8<-127:127>:f32:1, {0.01574803149606{{[0-9]*}}, 0.01574803149606{{[0-9]*}}}> : tensor<2x2xf32>
// MODEL-DAG: quantx.fake_quant %arg0 to !quantx.fixed<u8:f32, 0.01960784313725{{[0-9]*}}:153> : tensor<?x2xf32>
// The calibrated model runs: the simulated model on the four samples, and
// its integer model, which has no float parameter left (weights are codes,
// biases constants), with the same predictions.
// RUN: quantx-runner eval %t.mlir --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy --predictions %t.simulated.npy | FileCheck %s --check-prefix=EVAL
// EVAL: test-accuracy: {{[01]\.[0-9]+}}
// RUN: quantx-opt %t.mlir --quantx-ptq -o %t.integer.mlir
// RUN: quantx-runner eval %t.integer.mlir --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy --predictions %t.integer.npy | FileCheck %s --check-prefix=EVAL
// RUN: cmp %t.simulated.npy %t.integer.npy
//
// A static batch of 3: the sample count rounds to whole batches the four
// samples hold, one.
// RUN: quantx-runner calibrate %S/Inputs/calibrate-static-batch.mlir --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy -o %t.static.mlir | FileCheck %s --check-prefix=STATIC
// STATIC: calibrated on 3 samples of npy
//
// Symmetric activations: [-3, 2] on the signed narrow grid (scale 3/127),
// [0, 5] unsigned without a zero point (5/255).
// RUN: quantx-runner calibrate %s --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy --samples 4 --symmetric -o %t.sym.mlir | FileCheck %s --check-prefix=SYM
// SYM: activations layer 1 input: !quantx.fixed<i8<-127:127>:f32, 0.02362204724409{{[0-9]*}}>
// SYM: activations layer 2 input: !quantx.fixed<u8:f32, 0.01960784313725{{[0-9]*}}>
//
// One weight scale per tensor: max|W'| / 127 = 2/127, max|W2| / 127.
// RUN: quantx-runner calibrate %s --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy --samples 4 --per-channel=false -o %t.pt.mlir | FileCheck %s --check-prefix=TENSOR
// TENSOR: weights @w_folded: !quantx.fixed<i8<-127:127>:f32, 0.01574803149606{{[0-9]*}}>
// TENSOR: weights @w2: !quantx.fixed<i8<-127:127>:f32, 0.00787401574803{{[0-9]*}}>
//
// Percentile 50 of the first input's magnitudes {0, 0.5, 1, 1, 1, 1, 2, 3}:
// the fourth value, 1, in bin 682 of 2048 over [0, 3): the clip is the
// bin's upper edge 683 * 3 / 2048 = 1.000488...
// RUN: quantx-runner calibrate %s --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy --samples 4 --method percentile --percentile 50 -o %t.pc.mlir | FileCheck %s --check-prefix=PERCENTILE
// PERCENTILE: activations layer 1 input: {{.*}} (observed [-3, 2], clipped to [-1.00049, 1.00049])
//
// 4-bit weights in the middle need a middle layer: with first-last-bits=0
// both layers take --weight-bits: max|w| / 7.
// RUN: quantx-runner calibrate %s --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy --samples 4 --weight-bits 4 --first-last-bits 0 -o %t.w4.mlir | FileCheck %s --check-prefix=W4
// W4: weights @w_folded: i4 per channel (axis 1): 2 scales in [0.285714, 0.285714]
//
// A float format: the weights [[2, -1], [1, 2]] are exact in e2m1 for the
// default bias 1 (largest value 6) and for bias 0 (largest 12), so the
// SQNR is infinite for both and the search's tie keeps the smaller bias,
// the wider range.
// RUN: quantx-runner calibrate %s --dataset npy:%S/Inputs/calibrate_x.npy,%S/Inputs/calibrate_y.npy --samples 4 --weight-format e2m1 --first-last-bits 0 -o %t.fp4.mlir | FileCheck %s --check-prefix=FP4
// FP4: weights @w_folded: !quantx.float<e2m1, bias = 0, overflow = sat>
// FP4-NEXT: bias fixed     1  sqnr inf dB
// FP4-NEXT: bias max       1  sqnr inf dB
// FP4-NEXT: bias sqnr      0  sqnr inf dB

ml_program.global private mutable @w(dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
ml_program.global private mutable @gamma(dense<[4.0, 0.5]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @beta(dense<[0.0, 1.0]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @mean(dense<[1.0, 0.0]> : tensor<2xf32>) : tensor<2xf32> {quantx.buffer}
ml_program.global private mutable @var(dense<[3.0, 0.0]> : tensor<2xf32>) : tensor<2xf32> {quantx.buffer}
ml_program.global private mutable @w2(dense<[[1.0, 0.0], [0.0, -1.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>

func.func @forward(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %w = ml_program.global_load @w : tensor<2x2xf32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  %g = ml_program.global_load @gamma : tensor<2xf32>
  %b = ml_program.global_load @beta : tensor<2xf32>
  %mu = ml_program.global_load @mean : tensor<2xf32>
  %v = ml_program.global_load @var : tensor<2xf32>
  %y, %nm, %nv = quantx.batch_norm %m, %g, %b, %mu, %v {epsilon = 1.0 : f64, momentum = 0.1 : f64} : tensor<?x2xf32>, tensor<2xf32>
  ml_program.global_store @mean = %nm : tensor<2xf32>
  ml_program.global_store @var = %nv : tensor<2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<?x2xf32>) outs(%e : tensor<?x2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.maximumf %a, %zero : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  %w2 = ml_program.global_load @w2 : tensor<2x2xf32>
  %m2 = linalg.matmul ins(%r, %w2 : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %m2 : tensor<?x2xf32>
}
