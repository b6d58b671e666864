// A three-layer perceptron for the 8x8 digits: 64 -> 128 (ReLU) -> 128
// (ReLU) -> 10, so that QAT with the default first-last-bits keeps the
// first and last layers 8-bit and binarizes the middle one.

#map = affine_map<(n, j) -> (n, j)>
#bias = affine_map<(n, j) -> (j)>

ml_program.global private mutable @w1 : tensor<64x128xf32> {quantx.init = "he_normal"}
ml_program.global private mutable @b1 : tensor<128xf32> {quantx.init = "zeros"}
ml_program.global private mutable @w2 : tensor<128x128xf32> {quantx.init = "he_normal"}
ml_program.global private mutable @b2 : tensor<128xf32> {quantx.init = "zeros"}
ml_program.global private mutable @w3 : tensor<128x10xf32> {quantx.init = "he_normal"}
ml_program.global private mutable @b3 : tensor<10xf32> {quantx.init = "zeros"}

func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x10xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %w1 = ml_program.global_load @w1 : tensor<64x128xf32>
  %b1 = ml_program.global_load @b1 : tensor<128xf32>
  %w2 = ml_program.global_load @w2 : tensor<128x128xf32>
  %b2 = ml_program.global_load @b2 : tensor<128xf32>
  %w3 = ml_program.global_load @w3 : tensor<128x10xf32>
  %b3 = ml_program.global_load @b3 : tensor<10xf32>
  %e1 = tensor.empty(%n) : tensor<?x128xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x128xf32>) -> tensor<?x128xf32>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<?x64xf32>, tensor<64x128xf32>)
                      outs(%z1 : tensor<?x128xf32>) -> tensor<?x128xf32>
  %h1 = linalg.generic {indexing_maps = [#map, #bias, #map],
                        iterator_types = ["parallel", "parallel"]}
      ins(%m1, %b1 : tensor<?x128xf32>, tensor<128xf32>) outs(%e1 : tensor<?x128xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x128xf32>
  %e2 = tensor.empty(%n) : tensor<?x128xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x128xf32>) -> tensor<?x128xf32>
  %m2 = linalg.matmul ins(%h1, %w2 : tensor<?x128xf32>, tensor<128x128xf32>)
                      outs(%z2 : tensor<?x128xf32>) -> tensor<?x128xf32>
  %h2 = linalg.generic {indexing_maps = [#map, #bias, #map],
                        iterator_types = ["parallel", "parallel"]}
      ins(%m2, %b2 : tensor<?x128xf32>, tensor<128xf32>) outs(%e2 : tensor<?x128xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x128xf32>
  %e3 = tensor.empty(%n) : tensor<?x10xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %m3 = linalg.matmul ins(%h2, %w3 : tensor<?x128xf32>, tensor<128x10xf32>)
                      outs(%z3 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %logits = linalg.generic {indexing_maps = [#map, #bias, #map],
                            iterator_types = ["parallel", "parallel"]}
      ins(%m3, %b3 : tensor<?x10xf32>, tensor<10xf32>) outs(%e3 : tensor<?x10xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
