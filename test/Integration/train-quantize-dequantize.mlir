// REQUIRES: dataset-digits
// Weights quantized by quantize -> dequantize (4-bit codes) train: the pair
// is differentiated as fake_quant (straight-through estimator). Before, the
// codes silently cut the gradient and the loss stayed where it started.
// RUN: quantx-runner train %s --dataset digits --epochs 8 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1 | FileCheck %s
// CHECK: epoch 1/8: train-loss {{[0-9.]+}} test-accuracy {{[0-9.]+}}
// CHECK: test-accuracy: 0.9{{[0-9]+}}

#map = affine_map<(n, j) -> (n, j)>
#bias = affine_map<(n, j) -> (j)>

ml_program.global private mutable @w1 : tensor<64x64xf32> {quantx.init = "he_normal"}
ml_program.global private mutable @b1 : tensor<64xf32> {quantx.init = "zeros"}
ml_program.global private mutable @w2 : tensor<64x10xf32> {quantx.init = "he_normal"}
ml_program.global private mutable @b2 : tensor<10xf32> {quantx.init = "zeros"}

func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x10xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %w1f = ml_program.global_load @w1 : tensor<64x64xf32>
  %b1 = ml_program.global_load @b1 : tensor<64xf32>
  %w2f = ml_program.global_load @w2 : tensor<64x10xf32>
  %b2 = ml_program.global_load @b2 : tensor<10xf32>
  %q1 = quantx.quantize %w1f : tensor<64x64xf32> to tensor<64x64x!quantx.fixed<i4:f32, 0.06>>
  %w1 = quantx.dequantize %q1 : tensor<64x64x!quantx.fixed<i4:f32, 0.06>> to tensor<64x64xf32>
  %q2 = quantx.quantize %w2f : tensor<64x10xf32> to tensor<64x10x!quantx.fixed<i4:f32, 0.06>>
  %w2 = quantx.dequantize %q2 : tensor<64x10x!quantx.fixed<i4:f32, 0.06>> to tensor<64x10xf32>

  %e1 = tensor.empty(%n) : tensor<?x64xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<?x64xf32>, tensor<64x64xf32>)
                      outs(%z1 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %h = linalg.generic {indexing_maps = [#map, #bias, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m1, %b1 : tensor<?x64xf32>, tensor<64xf32>) outs(%e1 : tensor<?x64xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  %e2 = tensor.empty(%n) : tensor<?x10xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %m2 = linalg.matmul ins(%h, %w2 : tensor<?x64xf32>, tensor<64x10xf32>)
                      outs(%z2 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %logits = linalg.generic {indexing_maps = [#map, #bias, #map],
                            iterator_types = ["parallel", "parallel"]}
      ins(%m2, %b2 : tensor<?x10xf32>, tensor<10xf32>) outs(%e2 : tensor<?x10xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
