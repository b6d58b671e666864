// TRAIN: quantx-runner train %s --dataset fashion-mnist --epochs 15 --batch-size 64 --optimizer momentum --lr 0.02 --seed 1
//
// A two-layer perceptron for Fashion-MNIST (28x28 = 784 pixels in [0, 1],
// 10 classes): 784 -> 256 (ReLU) -> 10. The model is the forward pass only;
// quantx-runner generates the backward pass and the optimizer step.
// Parameters are mutable globals without values: the runner initializes
// them (He-normal for weights, zeros for biases, or `quantx.init`), and
// `-o TRAINED.mlir` writes this file back with their trained values.

#map = affine_map<(n, j) -> (n, j)>
#bias = affine_map<(n, j) -> (j)>

ml_program.global private mutable @w1 : tensor<784x256xf32> {quantx.init = "he_normal"}
ml_program.global private mutable @b1 : tensor<256xf32> {quantx.init = "zeros"}
ml_program.global private mutable @w2 : tensor<256x10xf32> {quantx.init = "he_normal"}
ml_program.global private mutable @b2 : tensor<10xf32> {quantx.init = "zeros"}

func.func @forward(%x: tensor<?x784xf32>) -> tensor<?x10xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x784xf32>
  %w1 = ml_program.global_load @w1 : tensor<784x256xf32>
  %b1 = ml_program.global_load @b1 : tensor<256xf32>
  %w2 = ml_program.global_load @w2 : tensor<256x10xf32>
  %b2 = ml_program.global_load @b2 : tensor<10xf32>

  // hidden = relu(x w1 + b1)
  %e1 = tensor.empty(%n) : tensor<?x256xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x256xf32>) -> tensor<?x256xf32>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<?x784xf32>, tensor<784x256xf32>)
                      outs(%z1 : tensor<?x256xf32>) -> tensor<?x256xf32>
  %h = linalg.generic {indexing_maps = [#map, #bias, #map],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m1, %b1 : tensor<?x256xf32>, tensor<256xf32>) outs(%e1 : tensor<?x256xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x256xf32>

  // logits = hidden w2 + b2
  %e2 = tensor.empty(%n) : tensor<?x10xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %m2 = linalg.matmul ins(%h, %w2 : tensor<?x256xf32>, tensor<256x10xf32>)
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
