// TRAIN: quantx-runner train %s --dataset fashion-mnist --epochs 5 --batch-size 64 --optimizer momentum --lr 0.05 --lr-schedule cosine --seed 1
//
// A convolutional network with batch normalization for Fashion-MNIST (28x28
// grey images, 10 classes): conv 3x3 (16, zero padding 1) - batch norm -
// ReLU - 2x2 max pooling, conv 3x3 (32) - batch norm - ReLU - pooling, then
// dense 1568 -> 128 - batch norm - ReLU -> 10. The convolutions and the
// first dense layer have no bias: the batch norm's offset is one.
//
// Each quantx.batch_norm reads its running statistics from quantx.buffer
// globals and stores the new ones. Written once: in the training step
// quantx-runner normalizes with the batch's statistics and keeps the
// running ones it returns; for evaluation (and `run`) the running
// statistics are used and nothing changes. `-o TRAINED.mlir` writes this
// file back with the trained parameters and statistics.

#nhwc = affine_map<(n, h, w, c) -> (n, h, w, c)>
#map = affine_map<(n, j) -> (n, j)>
#bias = affine_map<(n, j) -> (j)>

ml_program.global private mutable @k1 : tensor<3x3x1x16xf32> {quantx.init = "fan_in_uniform"}
ml_program.global private mutable @g1 : tensor<16xf32> {quantx.init = "ones"}
ml_program.global private mutable @b1 : tensor<16xf32> {quantx.init = "zeros"}
ml_program.global private mutable @mean1 : tensor<16xf32> {quantx.buffer, quantx.init = "zeros"}
ml_program.global private mutable @var1 : tensor<16xf32> {quantx.buffer, quantx.init = "ones"}
ml_program.global private mutable @k2 : tensor<3x3x16x32xf32> {quantx.init = "fan_in_uniform"}
ml_program.global private mutable @g2 : tensor<32xf32> {quantx.init = "ones"}
ml_program.global private mutable @b2 : tensor<32xf32> {quantx.init = "zeros"}
ml_program.global private mutable @mean2 : tensor<32xf32> {quantx.buffer, quantx.init = "zeros"}
ml_program.global private mutable @var2 : tensor<32xf32> {quantx.buffer, quantx.init = "ones"}
ml_program.global private mutable @w3 : tensor<1568x128xf32> {quantx.init = "fan_in_uniform"}
ml_program.global private mutable @g3 : tensor<128xf32> {quantx.init = "ones"}
ml_program.global private mutable @b3 : tensor<128xf32> {quantx.init = "zeros"}
ml_program.global private mutable @mean3 : tensor<128xf32> {quantx.buffer, quantx.init = "zeros"}
ml_program.global private mutable @var3 : tensor<128xf32> {quantx.buffer, quantx.init = "ones"}
ml_program.global private mutable @w4 : tensor<128x10xf32> {quantx.init = "fan_in_uniform"}
ml_program.global private mutable @b4 : tensor<10xf32> {quantx.init = "zeros"}

func.func @forward(%x: tensor<?x784xf32>) -> tensor<?x10xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347e+38 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x784xf32>
  %image = tensor.expand_shape %x [[0], [1, 2, 3]] output_shape [%n, 28, 28, 1]
      : tensor<?x784xf32> into tensor<?x28x28x1xf32>
  %window = tensor.empty() : tensor<2x2xf32>

  // Block 1: 28x28x1 -> conv 3x3 (pad 1) -> 28x28x16 -> BN -> ReLU -> pool -> 14x14x16.
  %k1 = ml_program.global_load @k1 : tensor<3x3x1x16xf32>
  %g1 = ml_program.global_load @g1 : tensor<16xf32>
  %b1 = ml_program.global_load @b1 : tensor<16xf32>
  %mean1 = ml_program.global_load @mean1 : tensor<16xf32>
  %var1 = ml_program.global_load @var1 : tensor<16xf32>
  %p1 = tensor.pad %image low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<?x28x28x1xf32> to tensor<?x30x30x1xf32>
  %e1 = tensor.empty(%n) : tensor<?x28x28x16xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x28x28x16xf32>) -> tensor<?x28x28x16xf32>
  %conv1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p1, %k1 : tensor<?x30x30x1xf32>, tensor<3x3x1x16xf32>)
      outs(%z1 : tensor<?x28x28x16xf32>) -> tensor<?x28x28x16xf32>
  %n1, %newmean1, %newvar1 = quantx.batch_norm %conv1, %g1, %b1, %mean1, %var1
      : tensor<?x28x28x16xf32>, tensor<16xf32>
  ml_program.global_store @mean1 = %newmean1 : tensor<16xf32>
  ml_program.global_store @var1 = %newvar1 : tensor<16xf32>
  %a1 = linalg.generic {indexing_maps = [#nhwc, #nhwc],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%n1 : tensor<?x28x28x16xf32>) outs(%e1 : tensor<?x28x28x16xf32>) {
  ^bb0(%v: f32, %out: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x28x28x16xf32>
  %pe1 = tensor.empty(%n) : tensor<?x14x14x16xf32>
  %pf1 = linalg.fill ins(%lowest : f32) outs(%pe1 : tensor<?x14x14x16xf32>) -> tensor<?x14x14x16xf32>
  %pool1 = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%a1, %window : tensor<?x28x28x16xf32>, tensor<2x2xf32>)
      outs(%pf1 : tensor<?x14x14x16xf32>) -> tensor<?x14x14x16xf32>

  // Block 2: 14x14x16 -> conv 3x3 (pad 1) -> 14x14x32 -> BN -> ReLU -> pool -> 7x7x32.
  %k2 = ml_program.global_load @k2 : tensor<3x3x16x32xf32>
  %g2 = ml_program.global_load @g2 : tensor<32xf32>
  %b2 = ml_program.global_load @b2 : tensor<32xf32>
  %mean2 = ml_program.global_load @mean2 : tensor<32xf32>
  %var2 = ml_program.global_load @var2 : tensor<32xf32>
  %p2 = tensor.pad %pool1 low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<?x14x14x16xf32> to tensor<?x16x16x16xf32>
  %e2 = tensor.empty(%n) : tensor<?x14x14x32xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x14x14x32xf32>) -> tensor<?x14x14x32xf32>
  %conv2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p2, %k2 : tensor<?x16x16x16xf32>, tensor<3x3x16x32xf32>)
      outs(%z2 : tensor<?x14x14x32xf32>) -> tensor<?x14x14x32xf32>
  %n2, %newmean2, %newvar2 = quantx.batch_norm %conv2, %g2, %b2, %mean2, %var2
      : tensor<?x14x14x32xf32>, tensor<32xf32>
  ml_program.global_store @mean2 = %newmean2 : tensor<32xf32>
  ml_program.global_store @var2 = %newvar2 : tensor<32xf32>
  %a2 = linalg.generic {indexing_maps = [#nhwc, #nhwc],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%n2 : tensor<?x14x14x32xf32>) outs(%e2 : tensor<?x14x14x32xf32>) {
  ^bb0(%v: f32, %out: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x14x14x32xf32>
  %pe2 = tensor.empty(%n) : tensor<?x7x7x32xf32>
  %pf2 = linalg.fill ins(%lowest : f32) outs(%pe2 : tensor<?x7x7x32xf32>) -> tensor<?x7x7x32xf32>
  %pool2 = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%a2, %window : tensor<?x14x14x32xf32>, tensor<2x2xf32>)
      outs(%pf2 : tensor<?x7x7x32xf32>) -> tensor<?x7x7x32xf32>

  // Head: 1568 -> 128 -> BN -> ReLU -> 10.
  %w3 = ml_program.global_load @w3 : tensor<1568x128xf32>
  %g3 = ml_program.global_load @g3 : tensor<128xf32>
  %b3 = ml_program.global_load @b3 : tensor<128xf32>
  %mean3 = ml_program.global_load @mean3 : tensor<128xf32>
  %var3 = ml_program.global_load @var3 : tensor<128xf32>
  %w4 = ml_program.global_load @w4 : tensor<128x10xf32>
  %b4 = ml_program.global_load @b4 : tensor<10xf32>
  %flat = tensor.collapse_shape %pool2 [[0], [1, 2, 3]] : tensor<?x7x7x32xf32> into tensor<?x1568xf32>
  %e3 = tensor.empty(%n) : tensor<?x128xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?x128xf32>) -> tensor<?x128xf32>
  %m3 = linalg.matmul ins(%flat, %w3 : tensor<?x1568xf32>, tensor<1568x128xf32>)
                      outs(%z3 : tensor<?x128xf32>) -> tensor<?x128xf32>
  %n3, %newmean3, %newvar3 = quantx.batch_norm %m3, %g3, %b3, %mean3, %var3
      : tensor<?x128xf32>, tensor<128xf32>
  ml_program.global_store @mean3 = %newmean3 : tensor<128xf32>
  ml_program.global_store @var3 = %newvar3 : tensor<128xf32>
  %h = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%n3 : tensor<?x128xf32>) outs(%e3 : tensor<?x128xf32>) {
  ^bb0(%v: f32, %out: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x128xf32>
  %e4 = tensor.empty(%n) : tensor<?x10xf32>
  %z4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %m4 = linalg.matmul ins(%h, %w4 : tensor<?x128xf32>, tensor<128x10xf32>)
                      outs(%z4 : tensor<?x10xf32>) -> tensor<?x10xf32>
  %logits = linalg.generic {indexing_maps = [#map, #bias, #map], iterator_types = ["parallel", "parallel"]}
      ins(%m4, %b4 : tensor<?x10xf32>, tensor<10xf32>) outs(%e4 : tensor<?x10xf32>) {
  ^bb0(%v: f32, %b: f32, %out: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  } -> tensor<?x10xf32>
  return %logits : tensor<?x10xf32>
}
