// RUN: quantx-opt %s --quantx-ptq | FileCheck %s
// RUN: quantx-opt %s --quantx-ptq="rescale=gemmlowp" | FileCheck %s --check-prefix=GEMMLOWP
// RUN: not quantx-opt %s --quantx-ptq="rescale=round" 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: quantx-opt %s --quantx-ptq | quantx-runner run - -e mlp --input %S/Inputs/ptq_x.npy | FileCheck %s --check-prefix=EXEC
// RUN: quantx-runner run %s -e mlp --input %S/Inputs/ptq_x.npy | FileCheck %s --check-prefix=EXEC

// quantx-ptq: quantx-quantize, canonicalization and CSE: the integer graph
// with its weight codes in globals and no float layer left.
// CHECK: ml_program.global private @w_codes(dense<{{\[\[}}2, -8], [1, 16]]> : tensor<2x2xi8>)
// CHECK-LABEL: func.func @mlp
// CHECK-NOT: quantx.fake_quant
// CHECK-NOT: linalg.matmul
// CHECK: quantx.quantize
// CHECK: linalg.quantized_matmul
// CHECK: quantx.rescale %{{.*}} rounding<single_round>
// CHECK: linalg.quantized_matmul
// CHECK: quantx.dequantize
// GEMMLOWP: quantx.rescale %{{.*}} rounding<gemmlowp>
// BAD: quantx-quantize: unknown rescale 'round' (expected single_round, double_round, gemmlowp or float)
//
// Both models on x = [[3, 1]] (codes 16 and 12 with zero point 10): the
// hidden layer relu(x W + b) = relu([3.5 + 1, -2 - 0.5]) = [4.5, 0] lies on
// its grid (0.25); in integers the accumulator [14, -16] plus the bias
// [4, -4] rescaled by [1, 0.5] is [18, -10] + zero point -125, clamped at
// -125: codes 18 and 0 above the zero point. The output, 4.5 * 1 + 0 * 1.
// EXEC: result #0: tensor<?x1xf32> = {{\[\[}}4.5]]

ml_program.global private mutable @w(dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
ml_program.global private mutable @b(dense<[1.0, -0.5]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @w2(dense<[[1.0], [1.0]]> : tensor<2x1xf32>) : tensor<2x1xf32>
func.func @mlp(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %w = ml_program.global_load @w : tensor<2x2xf32>
  %b = ml_program.global_load @b : tensor<2xf32>
  %w2 = ml_program.global_load @w2 : tensor<2x1xf32>
  %qx = quantx.fake_quant %x to !quantx.fixed<u8:f32, 0.5:10> : tensor<?x2xf32>
  %qw = quantx.fake_quant %w to !quantx.fixed<i8<-127:127>:f32:1, {0.5, 0.25}> : tensor<2x2xf32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %m = linalg.matmul ins(%qx, %qw : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %b : tensor<?x2xf32>, tensor<2xf32>) outs(%e : tensor<?x2xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x2xf32>
  %qh = quantx.fake_quant %h to !quantx.fixed<u8:f32, 0.25:3> : tensor<?x2xf32>
  %qw2 = quantx.fake_quant %w2 to !quantx.fixed<i8<-127:127>:f32:1, {0.5}> : tensor<2x1xf32>
  %e2 = tensor.empty(%n) : tensor<?x1xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x1xf32>) -> tensor<?x1xf32>
  %y = linalg.matmul ins(%qh, %qw2 : tensor<?x2xf32>, tensor<2x1xf32>) outs(%f2 : tensor<?x1xf32>) -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}
