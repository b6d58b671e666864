// TRAIN: quantx-runner train %s --dataset digits --epochs 20 --batch-size 32 --optimizer momentum --lr 0.05 --seed 1
//
// A small convolutional network for the 8x8 digits (64 pixels in [0, 1], 10
// classes): a 3x3 convolution with 8 channels (zero padding 1), bias, ReLU
// and 2x2 max pooling, then a 128 -> 10 dense layer. It trains in seconds,
// so `make check` runs it (test/Integration/train-cnn-digits.mlir).

#nhwc = affine_map<(n, h, w, c) -> (n, h, w, c)>
#chan = affine_map<(n, h, w, c) -> (c)>
#map = affine_map<(n, j) -> (n, j)>
#bias = affine_map<(n, j) -> (j)>

ml_program.global private mutable @k1 : tensor<3x3x1x8xf32> {quantx.init = "he_normal"}
ml_program.global private mutable @c1 : tensor<8xf32> {quantx.init = "zeros"}
ml_program.global private mutable @w2 : tensor<128x10xf32> {quantx.init = "xavier_uniform"}
ml_program.global private mutable @b2 : tensor<10xf32> {quantx.init = "zeros"}

func.func @forward(%x: tensor<?x64xf32>) -> tensor<?x10xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347e+38 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %k1 = ml_program.global_load @k1 : tensor<3x3x1x8xf32>
  %c1 = ml_program.global_load @c1 : tensor<8xf32>
  %w2 = ml_program.global_load @w2 : tensor<128x10xf32>
  %b2 = ml_program.global_load @b2 : tensor<10xf32>
  %image = tensor.expand_shape %x [[0], [1, 2, 3]] output_shape [%n, 8, 8, 1]
      : tensor<?x64xf32> into tensor<?x8x8x1xf32>
  %padded = tensor.pad %image low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<?x8x8x1xf32> to tensor<?x10x10x1xf32>
  %e1 = tensor.empty(%n) : tensor<?x8x8x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x8x8x8xf32>) -> tensor<?x8x8x8xf32>
  %conv = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%padded, %k1 : tensor<?x10x10x1xf32>, tensor<3x3x1x8xf32>)
      outs(%z1 : tensor<?x8x8x8xf32>) -> tensor<?x8x8x8xf32>
  %act = linalg.generic {indexing_maps = [#nhwc, #chan, #nhwc],
                         iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%conv, %c1 : tensor<?x8x8x8xf32>, tensor<8xf32>) outs(%e1 : tensor<?x8x8x8xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x8x8x8xf32>
  %window = tensor.empty() : tensor<2x2xf32>
  %pe = tensor.empty(%n) : tensor<?x4x4x8xf32>
  %pf = linalg.fill ins(%lowest : f32) outs(%pe : tensor<?x4x4x8xf32>) -> tensor<?x4x4x8xf32>
  %pool = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%act, %window : tensor<?x8x8x8xf32>, tensor<2x2xf32>)
      outs(%pf : tensor<?x4x4x8xf32>) -> tensor<?x4x4x8xf32>
  %flat = tensor.collapse_shape %pool [[0], [1, 2, 3]] : tensor<?x4x4x8xf32> into tensor<?x128xf32>
  %e2 = tensor.empty(%n) : tensor<?x10xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %m2 = linalg.matmul ins(%flat, %w2 : tensor<?x128xf32>, tensor<128x10xf32>)
                      outs(%z2 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %logits = linalg.generic {indexing_maps = [#map, #bias, #map], iterator_types = ["parallel", "parallel"]}
      ins(%m2, %b2 : tensor<?x10xf32>, tensor<10xf32>) outs(%e2 : tensor<?x10xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
