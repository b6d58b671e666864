// RUN: quantx-opt %s --quantx-freeze-quantization --split-input-file | FileCheck %s

// Learned per-channel steps for the weights (LSQ), observed ranges for the
// activations (the model stores the updated range in training).
// The codes of each weight channel (w / s: 0.6, 1.4 | -6, 0.8), their
// static format, and the inference range (-1, not the batch's -3) as a
// scale and zero point; the stores that updated the range, and the
// globals only the quantizers read, are gone; other globals stay.
// CHECK-LABEL: module
//   CHECK-NOT:   @w(
//   CHECK-NOT:   @lo(
//       CHECK:   ml_program.global private mutable @b(
//       CHECK:   func.func @lsq_observed
//   CHECK-NOT:     global_store
//       CHECK:     %[[CODES:.*]] = arith.constant dense<{{\[\[1, -6\], \[1, 1\]\]}}> : tensor<2x2xi4>
//       CHECK:     %[[Q:.*]] = quantx.storage_cast %[[CODES]] : tensor<2x2xi4> to tensor<2x2x!quantx.fixed<i4:f32:1, {0.5, 0.25}>>
//       CHECK:     %[[W:.*]] = quantx.dequantize %[[Q]] : tensor<2x2x!quantx.fixed<i4:f32:1, {0.5, 0.25}>> to tensor<2x2xf32>
//       CHECK:     %[[X:.*]] = quantx.fake_quant %arg0 to !quantx.fixed<u4:f32, 0.20000000298023224:5> : tensor<?x2xf32>
//       CHECK:     linalg.matmul ins(%[[X]], %[[W]] :

ml_program.global private mutable @w(dense<[[0.3, -1.5], [0.7, 0.2]]> : tensor<2x2xf32>) : tensor<2x2xf32>
ml_program.global private mutable @s(dense<[0.5, 0.25]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @lo(dense<-1.0> : tensor<f32>) : tensor<f32> {quantx.buffer}
ml_program.global private mutable @hi(dense<2.0> : tensor<f32>) : tensor<f32> {quantx.buffer}
ml_program.global private mutable @b(dense<[0.5, -0.5]> : tensor<2xf32>) : tensor<2xf32>
func.func @lsq_observed(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %w = ml_program.global_load @w : tensor<2x2xf32>
  %s = ml_program.global_load @s : tensor<2xf32>
  %wq = quantx.scaled_fake_quant %w, %s to !quantx.fixed<i4:f32, ?> axis 1 gradient<lsq> : tensor<2x2xf32>, tensor<2xf32>
  %lo = ml_program.global_load @lo : tensor<f32>
  %hi = ml_program.global_load @hi : tensor<f32>
  %batchlo = arith.constant dense<-3.0> : tensor<f32>
  %newlo = quantx.mode_select %batchlo, %lo : tensor<f32>
  ml_program.global_store @lo = %newlo : tensor<f32>
  %e0 = tensor.empty() : tensor<f32>
  %scale = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%newlo, %hi : tensor<f32>, tensor<f32>) outs(%e0 : tensor<f32>) {
  ^bb0(%l: f32, %h: f32, %o: f32):
    %span = arith.subf %h, %l : f32
    %levels = arith.constant 15.0 : f32
    %q = arith.divf %span, %levels : f32
    linalg.yield %q : f32
  } -> tensor<f32>
  %zp = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%newlo, %scale : tensor<f32>, tensor<f32>) outs(%e0 : tensor<f32>) {
  ^bb0(%l: f32, %q: f32, %o: f32):
    %neg = arith.negf %l : f32
    %z = arith.divf %neg, %q : f32
    linalg.yield %z : f32
  } -> tensor<f32>
  %xq = quantx.scaled_fake_quant %x, %scale zero_point %zp : tensor<f32> to !quantx.fixed<u4:f32, ?> : tensor<?x2xf32>, tensor<f32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%xq, %wq : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// TWN's threshold decides the ternary codes (0.7 mean|w| = 0.35 here, not
// the format's own scale / 2); binary weights code 1 for w >= 0; sign
// activations become a binary format of scale 1.
// CHECK-LABEL: func.func @ternary_binary
//       CHECK:   arith.constant dense<{{\[\[0, -1\], \[1, 0\]\]}}> : tensor<2x2xi2>
//       CHECK:   quantx.storage_cast %{{.*}} : tensor<2x2xi2> to tensor<2x2x!quantx.ternary<f32, 0.3799999952316284>>
//       CHECK:   arith.constant dense<{{\[\[true, false\], \[true, true\]\]}}> : tensor<2x2xi1>
//       CHECK:   quantx.storage_cast %{{.*}} : tensor<2x2xi1> to tensor<2x2x!quantx.binary<f32:1, {0.15000000596046448, 0.20000000298023224}>>
//       CHECK:   quantx.fake_quant %arg0 to !quantx.binary<f32, 1.0> : tensor<?x2xf32>

ml_program.global private mutable @t(dense<[[0.3, -0.4], [0.36, 0.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
ml_program.global private mutable @v(dense<[[0.3, -0.4], [0.0, -0.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
func.func @ternary_binary(%x: tensor<?x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<?x2xf32>) {
  %t = ml_program.global_load @t : tensor<2x2xf32>
  %v = ml_program.global_load @v : tensor<2x2xf32>
  %delta = arith.constant dense<0.35> : tensor<f32>
  %alpha = arith.constant dense<0.38> : tensor<f32>
  %tq = quantx.scaled_fake_quant %t, %alpha threshold %delta : tensor<f32> to !quantx.ternary<f32> : tensor<2x2xf32>, tensor<f32>
  %mean = arith.constant dense<[0.15, 0.2]> : tensor<2xf32>
  %vq = quantx.scaled_fake_quant %v, %mean to !quantx.binary<f32> axis 1 gradient<identity> : tensor<2x2xf32>, tensor<2xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %xq = quantx.scaled_fake_quant %x, %one to !quantx.binary<f32> : tensor<?x2xf32>, tensor<f32>
  return %tq, %vq, %xq : tensor<2x2xf32>, tensor<2x2xf32>, tensor<?x2xf32>
}

// -----

// Frozen narrow 2-bit weights after which an inference batch norm folds into
// the scales.
// k = gamma / sqrt(var + eps) = 1.1547, -0.99998: the scales become
// 0.5 k0 and 0.25 |k1|, channel 1's codes are negated (a narrow grid is
// symmetric), the batch norm a shift beta - mean k, and its statistics'
// globals and stores go.
// CHECK-LABEL: func.func @conv_bn
//   CHECK-NOT:   quantx.batch_norm
//   CHECK-NOT:   global_store
//       CHECK:   arith.constant dense<{{\[\[\[\[1, 1\]\], \[\[1, -1\]\]\], \[\[\[-1, -1\]\], \[\[0, 1\]\]\]\]}}> : tensor<2x2x1x2xi2>
//       CHECK:   quantx.storage_cast %{{.*}} to tensor<2x2x1x2x!quantx.fixed<i2<-1:1>:f32:3, {0.5773493051528931, 0.24999499320983887}>>
//       CHECK:   %[[C:.*]] = linalg.conv_2d_nhwc_hwcf
//       CHECK:   %[[SHIFT:.*]] = arith.constant dense<[-0.327349305, 2.00271606E-5]> : tensor<2xf32>
//       CHECK:   linalg.generic {{.*}} ins(%[[C]], %[[SHIFT]] :
//       CHECK:     arith.addf
ml_program.global private mutable @k(dense<[[[[0.5, -0.5]], [[1.0, 0.25]]], [[[-1.0, 0.75]], [[0.0, -0.25]]]]> : tensor<2x2x1x2xf32>) : tensor<2x2x1x2xf32>
ml_program.global private mutable @g(dense<[2.0, -0.5]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @b(dense<[0.25, 1.0]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @m(dense<[0.5, -1.0]> : tensor<2xf32>) : tensor<2xf32> {quantx.buffer}
ml_program.global private mutable @v(dense<[3.0, 0.25]> : tensor<2xf32>) : tensor<2xf32> {quantx.buffer}
func.func @conv_bn(%x: tensor<?x3x3x1xf32>) -> tensor<?x2x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x3x3x1xf32>
  %k = ml_program.global_load @k : tensor<2x2x1x2xf32>
  %s = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %kq = quantx.scaled_fake_quant %k, %s to !quantx.fixed<i2<-1:1>:f32, ?> axis 3 : tensor<2x2x1x2xf32>, tensor<2xf32>
  %e = tensor.empty(%n) : tensor<?x2x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %kq : tensor<?x3x3x1xf32>, tensor<2x2x1x2xf32>) outs(%f : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  %g = ml_program.global_load @g : tensor<2xf32>
  %b = ml_program.global_load @b : tensor<2xf32>
  %m = ml_program.global_load @m : tensor<2xf32>
  %v = ml_program.global_load @v : tensor<2xf32>
  %y, %nm, %nv = quantx.batch_norm %c, %g, %b, %m, %v {epsilon = 1.0e-5 : f64, momentum = 0.1 : f64} : tensor<?x2x2x2xf32>, tensor<2xf32>
  ml_program.global_store @m = %nm : tensor<2xf32>
  ml_program.global_store @v = %nv : tensor<2xf32>
  return %y : tensor<?x2x2x2xf32>
}

// -----

// A scale computed from a static size (as an LSQ step's first value counts
// its elements): 1 / dim(w, 0) = 0.5, through index arithmetic and a value
// the generic's body captures.
// CHECK-LABEL: func.func @from_size
//       CHECK:   quantx.storage_cast %{{.*}} : tensor<2x2xi8> to tensor<2x2x!quantx.fixed<i8:f32, 0.5>>
ml_program.global private mutable @u(dense<[[1.0, -1.0], [0.5, 2.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
func.func @from_size() -> tensor<2x2xf32> {
  %c0 = arith.constant 0 : index
  %u = ml_program.global_load @u : tensor<2x2xf32>
  %d = tensor.dim %u, %c0 : tensor<2x2xf32>
  %i = arith.index_castui %d : index to i64
  %df = arith.uitofp %i : i64 to f32
  %e = tensor.empty() : tensor<f32>
  %s = linalg.generic {indexing_maps = [affine_map<() -> ()>], iterator_types = []} outs(%e : tensor<f32>) {
  ^bb0(%o: f32):
    %one = arith.constant 1.0 : f32
    %inv = arith.divf %one, %df : f32
    linalg.yield %inv : f32
  } -> tensor<f32>
  %uq = quantx.scaled_fake_quant %u, %s to !quantx.fixed<i8:f32, ?> : tensor<2x2xf32>, tensor<f32>
  return %uq : tensor<2x2xf32>
}
