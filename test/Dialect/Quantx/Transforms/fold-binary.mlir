// RUN: quantx-opt %s --split-input-file --quantx-fold-binary --verify-diagnostics | FileCheck %s
// RUN: quantx-opt %s --split-input-file --quantx-fold-binary=float-activations=false 2> /dev/null | FileCheck %s --check-prefix=OFF
// RUN: quantx-opt %s --split-input-file --quantx-fold-binary=float-activations=false 2>&1 > /dev/null | FileCheck %s --check-prefix=OFF-REMARK

// A BNN layer with K = 70 (two words, the second partial): the weights are
// packed per output channel (column 0 all +1: every bit of the first word
// and the low 6 of the second; column 1 all -1; column 2 +1 at k = 0 and
// k = 64), the activations packed at run time, and the integer product
// scaled by the activations' scale (0.5) times each channel's.
// CHECK-LABEL: func.func @bnn
//  CHECK-SAME:   (%[[X:.*]]: tensor<?x70xf32>)
//       CHECK:   %[[W:.*]] = arith.constant dense<{{\[\[}}-1, 63], [0, 0], [1, 1]]> : tensor<3x2xi64>
//       CHECK:   %[[A:.*]] = quantx.pack_signs %[[X]] : tensor<?x70xf32> to tensor<?x2xi64>
//       CHECK:   %[[D:.*]] = quantx.binary_matmul %[[A]], %[[W]] k 70 : tensor<?x2xi64>, tensor<3x2xi64> -> tensor<?x3xi32>
//       CHECK:   %[[S:.*]] = arith.constant dense<[1.250000e-01, 1.000000e+00, 7.500000e-01]> : tensor<3xf64>
//       CHECK:   linalg.generic {{.*}} ins(%[[D]], %[[S]] : tensor<?x3xi32>, tensor<3xf64>)
//       CHECK:     arith.sitofp %{{.*}} : i32 to f64
//       CHECK:     arith.mulf
//       CHECK:     arith.truncf %{{.*}} : f64 to f32
//   CHECK-NOT:   linalg.matmul
//   CHECK-NOT:   quantx.fake_quant
//   CHECK-NOT:   quantx.storage_cast
func.func @bnn(%x: tensor<?x70xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x70xf32>
  %codes = arith.constant dense<[[true, false, true], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, true], [true, false, false], [true, false, false], [true, false, false], [true, false, false], [true, false, false]]> : tensor<70x3xi1>
  %q = quantx.storage_cast %codes : tensor<70x3xi1> to tensor<70x3x!quantx.binary<f32:1, {0.25, 2.0, 1.5}>>
  %w = quantx.dequantize %q : tensor<70x3x!quantx.binary<f32:1, {0.25, 2.0, 1.5}>> to tensor<70x3xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 0.5> : tensor<?x70xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.matmul ins(%s, %w : tensor<?x70xf32>, tensor<70x3xf32>) outs(%z : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Binary activations, float weights: left alone.
// CHECK-LABEL: func.func @float_weights
//       CHECK:   linalg.matmul
func.func @float_weights(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @+1 {{quantx-fold-binary: left this matmul alone: its activations are binary or ternary but its weights are not constant binary or ternary codes}}
  %y = linalg.matmul ins(%s, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// BinaryConnect (float activations, binary weights): the weights packed
// per output channel (column 0: +1 at k = 0, -1 at k = 1, bits 0b01;
// column 1: 0b10), the product a signed sum of the activations, scaled by
// the weights' scale alone. With float-activations=false: left alone.
// CHECK-LABEL: func.func @binary_connect
//  CHECK-SAME:   (%[[X:.*]]: tensor<4x2xf32>)
//       CHECK:   %[[W:.*]] = arith.constant dense<{{\[\[}}1], [2]]> : tensor<2x1xi64>
//       CHECK:   %[[Y:.*]] = quantx.sign_matmul %[[X]], %[[W]] : tensor<4x2xf32>, tensor<2x1xi64> -> tensor<4x2xf32>
//       CHECK:   %[[SC:.*]] = arith.constant dense<5.000000e-01> : tensor<2xf64>
//       CHECK:   linalg.generic {{.*}} ins(%[[Y]], %[[SC]] : tensor<4x2xf32>, tensor<2xf64>)
//       CHECK:     arith.extf %{{.*}} : f32 to f64
//       CHECK:     arith.mulf
//       CHECK:     arith.truncf %{{.*}} : f64 to f32
//   CHECK-NOT:   linalg.matmul
// OFF-LABEL: func.func @binary_connect
//       OFF:   linalg.matmul
// OFF-REMARK: remark: quantx-fold-binary: left this matmul alone: its weights are binary or ternary but its activations are not (float activations fold only with float-activations=true)
func.func @binary_connect(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %codes = arith.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
  %q = quantx.storage_cast %codes : tensor<2x2xi1> to tensor<2x2x!quantx.binary<f32, 0.5>>
  %w = quantx.dequantize %q : tensor<2x2x!quantx.binary<f32, 0.5>> to tensor<2x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A TWN convolution with float activations (8-bit fake quantized, still
// floats): the windows of the float input, two planes of weights per
// output channel (codes 1, -1, 1, 0, 0, 0, 0, -1, 1 in (kh, kw, c) order:
// signs at k = 0, 2, 8, 261; mask at k = 0, 1, 2, 7, 8, 391), the signed
// sums expanded back to NHWC and scaled by 0.75.
// CHECK-LABEL: func.func @twn_conv_float
//       CHECK:   %[[F:.*]] = quantx.fake_quant
//       CHECK:   %[[W:.*]] = arith.constant dense<{{\[\[\[}}261], [391]]]> : tensor<1x2x1xi64>
//       CHECK:   %[[G:.*]] = linalg.generic {{.*}} ins(%[[F]] : tensor<?x5x5x1xf32>) outs(%{{.*}} : tensor<?x3x3x3x3x1xf32>)
//       CHECK:   %[[R:.*]] = tensor.collapse_shape %[[G]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<?x3x3x3x3x1xf32> into tensor<?x9xf32>
//       CHECK:   %[[Y:.*]] = quantx.sign_matmul %[[R]], %[[W]] : tensor<?x9xf32>, tensor<1x2x1xi64> -> tensor<?x1xf32>
//       CHECK:   %[[E:.*]] = tensor.expand_shape %[[Y]] {{\[\[}}0, 1, 2], [3]] output_shape [%{{.*}}, 3, 3, 1] : tensor<?x1xf32> into tensor<?x3x3x1xf32>
//       CHECK:   %[[SC:.*]] = arith.constant dense<7.500000e-01> : tensor<1xf64>
//       CHECK:   linalg.generic {{.*}} ins(%[[E]], %[[SC]] : tensor<?x3x3x1xf32>, tensor<1xf64>)
//   CHECK-NOT:   linalg.conv_2d_nhwc_hwcf
func.func @twn_conv_float(%x: tensor<?x5x5x1xf32>) -> tensor<?x3x3x1xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x5x5x1xf32>
  %codes = arith.constant dense<[[[[1]], [[-1]], [[1]]], [[[0]], [[0]], [[0]]], [[[0]], [[-1]], [[1]]]]> : tensor<3x3x1x1xi2>
  %q = quantx.storage_cast %codes : tensor<3x3x1x1xi2> to tensor<3x3x1x1x!quantx.ternary<f32, 0.75>>
  %w = quantx.dequantize %q : tensor<3x3x1x1x!quantx.ternary<f32, 0.75>> to tensor<3x3x1x1xf32>
  %f = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.1> : tensor<?x5x5x1xf32>
  %e = tensor.empty(%n) : tensor<?x3x3x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3x3x1xf32>) -> tensor<?x3x3x1xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%f, %w : tensor<?x5x5x1xf32>, tensor<3x3x1x1xf32>) outs(%z : tensor<?x3x3x1xf32>) -> tensor<?x3x3x1xf32>
  return %y : tensor<?x3x3x1xf32>
}

// -----

// Stochastic signs and a nonzero accumulator: left alone.
// CHECK-LABEL: func.func @not_folded
//   CHECK-COUNT-2:   linalg.matmul
func.func @not_folded(%x: tensor<4x2xf32>, %acc: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %codes = arith.constant dense<[[true, false], [false, true]]> : tensor<2x2xi1>
  %q = quantx.storage_cast %codes : tensor<2x2xi1> to tensor<2x2x!quantx.binary<f32, 0.5>>
  %w = quantx.dequantize %q : tensor<2x2x!quantx.binary<f32, 0.5>> to tensor<2x2xf32>
  %r = quantx.fake_quant %x to !quantx.binary<f32, 1.0> rounding<stochastic> seed 1 : tensor<4x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @+1 {{its activations round stochastically}}
  %y = linalg.matmul ins(%r, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  // expected-remark @+1 {{it accumulates into a tensor not known to be zero}}
  %y2 = linalg.matmul ins(%s, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y, %y2 : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// A binary convolution (stride 2, dilation 1 by 2): each output pixel's
// window of the binarized input becomes a row of K = 3 * 3 * 2 = 18 signs
// (a gather generic and a collapse), the filter's three first dimensions
// are flattened into K, and the product is expanded back to NHWC. The
// window gather moves the input's signs (i8 -1 and +1), taken first.
// CHECK-DAG: #[[WINDOW:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 * 2 + d3, d2 * 2 + d4 * 2, d5)>
// CHECK-LABEL: func.func @conv
//  CHECK-SAME:   (%[[X:.*]]: tensor<?x9x9x2xf32>)
//       CHECK:   %[[S:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x9x9x2xf32>) outs(%{{.*}} : tensor<?x9x9x2xi8>)
//       CHECK:     arith.cmpf uge
//       CHECK:   %[[G:.*]] = linalg.generic {{.*}}#[[WINDOW]]{{.*}} ins(%[[S]] : tensor<?x9x9x2xi8>) outs(%{{.*}} : tensor<?x4x3x3x3x2xi8>)
//       CHECK:   %[[R:.*]] = tensor.collapse_shape %[[G]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<?x4x3x3x3x2xi8> into tensor<?x18xi8>
//       CHECK:   %[[A:.*]] = quantx.pack_signs %[[R]] : tensor<?x18xi8> to tensor<?x1xi64>
//       CHECK:   %[[D:.*]] = quantx.binary_matmul %[[A]], %{{.*}} k 18 : tensor<?x1xi64>, tensor<2x1xi64> -> tensor<?x2xi32>
//       CHECK:   %[[E:.*]] = tensor.expand_shape %[[D]] {{\[\[}}0, 1, 2], [3]] output_shape [%{{.*}}, 4, 3, 2] : tensor<?x2xi32> into tensor<?x4x3x2xi32>
//       CHECK:   linalg.generic {{.*}} ins(%[[E]], %{{.*}} : tensor<?x4x3x2xi32>, tensor<2xf64>)
//   CHECK-NOT:   linalg.conv_2d_nhwc_hwcf
func.func @conv(%x: tensor<?x9x9x2xf32>) -> tensor<?x4x3x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x9x9x2xf32>
  %codes = arith.constant dense<[[[[true, true], [false, false]], [[true, true], [false, false]], [[true, true], [false, false]]], [[[false, true], [true, true]], [[false, true], [true, true]], [[true, false], [true, false]]], [[[false, false], [false, false]], [[false, true], [false, true]], [[true, true], [false, true]]]]> : tensor<3x3x2x2xi1>
  %q = quantx.storage_cast %codes : tensor<3x3x2x2xi1> to tensor<3x3x2x2x!quantx.binary<f32:3, {0.5, 0.25}>>
  %w = quantx.dequantize %q : tensor<3x3x2x2x!quantx.binary<f32:3, {0.5, 0.25}>> to tensor<3x3x2x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<?x9x9x2xf32>
  %e = tensor.empty(%n) : tensor<?x4x3x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4x3x2xf32>) -> tensor<?x4x3x2xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%s, %w : tensor<?x9x9x2xf32>, tensor<3x3x2x2xf32>) outs(%z : tensor<?x4x3x2xf32>) -> tensor<?x4x3x2xf32>
  return %y : tensor<?x4x3x2xf32>
}

// -----

// No output channel: left alone.
// CHECK-LABEL: func.func @no_channels
//       CHECK:   linalg.matmul
func.func @no_channels(%x: tensor<4x5xf32>) -> tensor<4x0xf32> {
  %zero = arith.constant 0.0 : f32
  %codes = arith.constant dense<> : tensor<5x0xi1>
  %q = quantx.storage_cast %codes : tensor<5x0xi1> to tensor<5x0x!quantx.binary<f32, 0.5>>
  %w = quantx.dequantize %q : tensor<5x0x!quantx.binary<f32, 0.5>> to tensor<5x0xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x5xf32>
  %e = tensor.empty() : tensor<4x0xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x0xf32>) -> tensor<4x0xf32>
  // expected-remark @+1 {{its weights are empty (no output channel or no input)}}
  %y = linalg.matmul ins(%s, %w : tensor<4x5xf32>, tensor<5x0xf32>) outs(%z : tensor<4x0xf32>) -> tensor<4x0xf32>
  return %y : tensor<4x0xf32>
}

// -----

// Two binary layers: the first one's epilogue (its scale, a per-channel
// multiplier, a shift, a hard-tanh) only decides the signs the second one
// reads, so it becomes `sign * d >= threshold` per channel, found now.
// With K = 3, d is in [-3, 3]: 0.5 d + 0.25 >= 0 from d = 0; 0.25 d - 0.5
// from d = 2; -2 d >= 0 up to d = 0 (-d >= 0); 0.5 d + 10 always (0 d >=
// 0); 0.5 d - 10 never (0 d >= 1); 0.5 d + 0 from d = 0 (+0 is +1).
// CHECK-LABEL: func.func @thresholds
//       CHECK:   %[[D:.*]] = quantx.binary_matmul %{{.*}}, %{{.*}} k 3 : tensor<4x1xi64>, tensor<6x1xi64> -> tensor<4x6xi32>
//   CHECK-DAG:   %[[SIGN:.*]] = arith.constant dense<[1, 1, -1, 0, 0, 1]> : tensor<6xi32>
//   CHECK-DAG:   %[[BOUND:.*]] = arith.constant dense<[0, 2, 0, 0, 1, 0]> : tensor<6xi32>
//       CHECK:   %[[S:.*]] = linalg.generic {{.*}} ins(%[[D]], %[[SIGN]], %[[BOUND]] : tensor<4x6xi32>, tensor<6xi32>, tensor<6xi32>) outs(%{{.*}} : tensor<4x6xi8>)
//       CHECK:     arith.muli
//       CHECK:     arith.cmpi sge
//       CHECK:   quantx.pack_signs %[[S]] : tensor<4x6xi8> to tensor<4x1xi64>
//   CHECK-NOT:   arith.minimumf
#map = affine_map<(i, j) -> (i, j)>
#channel = affine_map<(i, j) -> (j)>
func.func @thresholds(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %minus = arith.constant -1.0 : f32
  %codes = arith.constant dense<[[true, false, true, true, false, true], [false, false, true, true, true, false], [true, true, false, false, true, true]]> : tensor<3x6xi1>
  %q = quantx.storage_cast %codes : tensor<3x6xi1> to tensor<3x6x!quantx.binary<f32:1, {0.5, 0.25, 1.0, 0.5, 0.5, 0.5}>>
  %w = quantx.dequantize %q : tensor<3x6x!quantx.binary<f32:1, {0.5, 0.25, 1.0, 0.5, 0.5, 0.5}>> to tensor<3x6xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<4x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x6xf32>) -> tensor<4x6xf32>
  %y = linalg.matmul ins(%s, %w : tensor<4x3xf32>, tensor<3x6xf32>) outs(%z : tensor<4x6xf32>) -> tensor<4x6xf32>
  %m = arith.constant dense<[1.0, 1.0, -2.0, 1.0, 1.0, 1.0]> : tensor<6xf32>
  %scaled = linalg.generic {indexing_maps = [#map, #channel, #map], iterator_types = ["parallel", "parallel"]} ins(%y, %m : tensor<4x6xf32>, tensor<6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.mulf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  %b = arith.constant dense<[0.25, -0.5, 0.0, 10.0, -10.0, 0.0]> : tensor<6xf32>
  %shifted = linalg.generic {indexing_maps = [#map, #channel, #map], iterator_types = ["parallel", "parallel"]} ins(%scaled, %b : tensor<4x6xf32>, tensor<6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x6xf32>
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%shifted : tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%v: f32, %o: f32):
    %l = arith.maximumf %v, %minus : f32
    %h = arith.minimumf %l, %one : f32
    linalg.yield %h : f32
  } -> tensor<4x6xf32>
  %codes2 = arith.constant dense<[[true, false], [false, true], [true, true], [false, false], [true, false], [false, true]]> : tensor<6x2xi1>
  %q2 = quantx.storage_cast %codes2 : tensor<6x2xi1> to tensor<6x2x!quantx.binary<f32, 1.0>>
  %w2 = quantx.dequantize %q2 : tensor<6x2x!quantx.binary<f32, 1.0>> to tensor<6x2xf32>
  %s2 = quantx.fake_quant %a to !quantx.binary<f32, 1.0> : tensor<4x6xf32>
  %e2 = tensor.empty() : tensor<4x2xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y2 = linalg.matmul ins(%s2, %w2 : tensor<4x6xf32>, tensor<6x2xf32>) outs(%z2 : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y2 : tensor<4x2xf32>
}

// -----

// Epilogues whose monotonicity is not known keep their floats, with a
// remark: a square, and a multiplier of zero.
// CHECK-LABEL: func.func @not_monotone
//   CHECK-NOT:   arith.cmpi
//       CHECK:   arith.mulf
//       CHECK:   quantx.pack_signs %{{.*}} : tensor<4x2xf32> to tensor<4x1xi64>
#map = affine_map<(i, j) -> (i, j)>
#channel = affine_map<(i, j) -> (j)>
func.func @not_monotone(%x: tensor<4x3xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %codes = arith.constant dense<[[true, false], [false, true], [true, true]]> : tensor<3x2xi1>
  %q = quantx.storage_cast %codes : tensor<3x2xi1> to tensor<3x2x!quantx.binary<f32, 1.0>>
  %w = quantx.dequantize %q : tensor<3x2x!quantx.binary<f32, 1.0>> to tensor<3x2xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul ins(%s, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @+1 {{the next binary layer's signs are computed from floats: the epilogue's arith.mulf combines two values that both depend on the dot product}}
  %sq = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<4x2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<4x2xf32>
  %m = arith.constant dense<[1.0, 0.0]> : tensor<2xf32>
  // expected-remark @+1 {{the next binary layer's signs are computed from floats: an epilogue constant is zero, infinite or NaN}}
  %zeroed = linalg.generic {indexing_maps = [#map, #channel, #map], iterator_types = ["parallel", "parallel"]} ins(%y, %m : tensor<4x2xf32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.mulf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x2xf32>
  %codes2 = arith.constant dense<[[true], [false]]> : tensor<2x1xi1>
  %q2 = quantx.storage_cast %codes2 : tensor<2x1xi1> to tensor<2x1x!quantx.binary<f32, 1.0>>
  %w2 = quantx.dequantize %q2 : tensor<2x1x!quantx.binary<f32, 1.0>> to tensor<2x1xf32>
  %e2 = tensor.empty() : tensor<4x1xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  %s2 = quantx.fake_quant %sq to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  %y2 = linalg.matmul ins(%s2, %w2 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  %s3 = quantx.fake_quant %zeroed to !quantx.binary<f32, 1.0> : tensor<4x2xf32>
  %y3 = linalg.matmul ins(%s3, %w2 : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z2 : tensor<4x1xf32>) -> tensor<4x1xf32>
  return %y, %y : tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// Left alone, each with its reason: a ternary code outside {-1, 0, 1} (an
// i2 holds -2), a -0 accumulator (a zero result's sign would change),
// ternary activations per channel, the weights on the left, and a batch
// matmul.
// CHECK-LABEL: func.func @ternary_refusals
//   CHECK-NOT:   quantx.ternary_matmul
func.func @ternary_refusals(%x: tensor<4x2xf32>, %b: tensor<3x4x2xf32>) -> (tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>, tensor<1x2xf32>, tensor<3x4x1xf32>) {
  %zero = arith.constant 0.0 : f32
  %negzero = arith.constant -0.0 : f32
  %e = tensor.empty() : tensor<4x1xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x1xf32>) -> tensor<4x1xf32>
  %nz = linalg.fill ins(%negzero : f32) outs(%e : tensor<4x1xf32>) -> tensor<4x1xf32>
  %bad = arith.constant dense<[[-2], [1]]> : tensor<2x1xi2>
  %badq = quantx.storage_cast %bad : tensor<2x1xi2> to tensor<2x1x!quantx.ternary<f32, 1.0>>
  %badw = quantx.dequantize %badq : tensor<2x1x!quantx.ternary<f32, 1.0>> to tensor<2x1xf32>
  %good = arith.constant dense<[[-1], [1]]> : tensor<2x1xi2>
  %goodq = quantx.storage_cast %good : tensor<2x1xi2> to tensor<2x1x!quantx.ternary<f32, 1.0>>
  %w = quantx.dequantize %goodq : tensor<2x1x!quantx.ternary<f32, 1.0>> to tensor<2x1xf32>
  %s = quantx.fake_quant %x to !quantx.ternary<f32, 1.0> : tensor<4x2xf32>
  // expected-remark @+1 {{its ternary weight codes include one outside {-1, 0, 1}}}
  %y1 = linalg.matmul ins(%s, %badw : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z : tensor<4x1xf32>) -> tensor<4x1xf32>
  // expected-remark @+1 {{it accumulates into -0 (the sign of a zero result would change)}}
  %y2 = linalg.matmul ins(%s, %w : tensor<4x2xf32>, tensor<2x1xf32>) outs(%nz : tensor<4x1xf32>) -> tensor<4x1xf32>
  %pc = quantx.fake_quant %x to !quantx.ternary<f32:1, {1.0, 0.5}> : tensor<4x2xf32>
  // expected-remark @+1 {{its activations are binary or ternary per channel (one scale per tensor is needed)}}
  %y3 = linalg.matmul ins(%pc, %w : tensor<4x2xf32>, tensor<2x1xf32>) outs(%z : tensor<4x1xf32>) -> tensor<4x1xf32>
  %lhs = arith.constant dense<[[1, -1]]> : tensor<1x2xi2>
  %lhsq = quantx.storage_cast %lhs : tensor<1x2xi2> to tensor<1x2x!quantx.ternary<f32, 1.0>>
  %lhsw = quantx.dequantize %lhsq : tensor<1x2x!quantx.ternary<f32, 1.0>> to tensor<1x2xf32>
  %s2 = quantx.fake_quant %x to !quantx.ternary<f32, 1.0> : tensor<4x2xf32>
  %t = tensor.extract_slice %s2[0, 0] [2, 2] [1, 1] : tensor<4x2xf32> to tensor<2x2xf32>
  %e4 = tensor.empty() : tensor<1x2xf32>
  %z4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<1x2xf32>) -> tensor<1x2xf32>
  // expected-remark @+1 {{its binary or ternary weights are its left operand (the activations must be the left one)}}
  %y4 = linalg.matmul ins(%lhsw, %t : tensor<1x2xf32>, tensor<2x2xf32>) outs(%z4 : tensor<1x2xf32>) -> tensor<1x2xf32>
  %bs = quantx.fake_quant %b to !quantx.ternary<f32, 1.0> : tensor<3x4x2xf32>
  %bwb = tensor.empty() : tensor<3x2x1xf32>
  %bww = linalg.broadcast ins(%w : tensor<2x1xf32>) outs(%bwb : tensor<3x2x1xf32>) dimensions = [0]
  %e5 = tensor.empty() : tensor<3x4x1xf32>
  %z5 = linalg.fill ins(%zero : f32) outs(%e5 : tensor<3x4x1xf32>) -> tensor<3x4x1xf32>
  // expected-remark @+1 {{left this linalg.batch_matmul alone: only linalg.matmul and linalg.conv_2d_nhwc_hwcf with binary or ternary operands fold}}
  %y5 = linalg.batch_matmul ins(%bs, %bww : tensor<3x4x2xf32>, tensor<3x2x1xf32>) outs(%z5 : tensor<3x4x1xf32>) -> tensor<3x4x1xf32>
  return %y1, %y2, %y3, %y4, %y5 : tensor<4x1xf32>, tensor<4x1xf32>, tensor<4x1xf32>, tensor<1x2xf32>, tensor<3x4x1xf32>
}

// -----

// Float activations by binary weights it cannot fold, each with a remark:
// per-input-channel scales (axis 0), codes known only at run time, and
// f64 weights whose scale overflows the f32 the matmul converts them to.
// CHECK-LABEL: func.func @float_refusals
//   CHECK-NOT:   quantx.sign_matmul
//       CHECK:   return
func.func @float_refusals(%x: tensor<4x3xf32>, %codes: tensor<3x2xi1>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %c = arith.constant dense<[[false, true], [true, true], [false, false]]> : tensor<3x2xi1>
  %q0 = quantx.storage_cast %c : tensor<3x2xi1> to tensor<3x2x!quantx.binary<f32:0, {0.5, 0.25, 2.0}>>
  %w0 = quantx.dequantize %q0 : tensor<3x2x!quantx.binary<f32:0, {0.5, 0.25, 2.0}>> to tensor<3x2xf32>
  // expected-remark @+1 {{its weights are binary or ternary but not constant codes with one scale per tensor or per output channel (the last dimension)}}
  %y0 = linalg.matmul ins(%x, %w0 : tensor<4x3xf32>, tensor<3x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %q1 = quantx.storage_cast %codes : tensor<3x2xi1> to tensor<3x2x!quantx.binary<f32, 0.5>>
  %w1 = quantx.dequantize %q1 : tensor<3x2x!quantx.binary<f32, 0.5>> to tensor<3x2xf32>
  // expected-remark @+1 {{its weights are binary or ternary but not constant codes with one scale per tensor or per output channel (the last dimension)}}
  %y1 = linalg.matmul ins(%x, %w1 : tensor<4x3xf32>, tensor<3x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  %q2 = quantx.storage_cast %c : tensor<3x2xi1> to tensor<3x2x!quantx.binary<f64, 1.0e39>>
  %w2 = quantx.dequantize %q2 : tensor<3x2x!quantx.binary<f64, 1.0e39>> to tensor<3x2xf64>
  // expected-remark @+1 {{a scale is infinite or zero in f32 once the layer converts it}}
  %y2 = linalg.matmul ins(%x, %w2 : tensor<4x3xf32>, tensor<3x2xf64>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y0, %y1, %y2 : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}
