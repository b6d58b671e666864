// RUN: quantx-opt %s --quantx-quantize --split-input-file | FileCheck %s
// RUN: quantx-opt %s --quantx-quantize="rescale=float pack-sub-byte=false" --split-input-file | FileCheck %s --check-prefix=FLOAT
// RUN: quantx-opt %s --quantx-quantize="bias-fraction-bits=0" --split-input-file | FileCheck %s --check-prefix=GRID
// RUN: not quantx-opt %s --quantx-quantize="bias-fraction-bits=40" --split-input-file 2>&1 | FileCheck %s --check-prefix=BADBITS
// BADBITS: quantx-quantize: bias-fraction-bits must be in 0..32, got 40

// A two-layer perceptron with hand-computed integers. The input format u8
// with zero point 10 runs as i8 with zero point -118; the weights
// [[1, -2], [0.5, 4]] on scales {0.5, 0.25} are the codes [[2, -8],
// [1, 16]]; the accumulator's scales are 0.5 * {0.5, 0.25} = {0.25, 0.125},
// so the bias [1, -0.5] is [4, -4] on its grid and the rescale to the next
// format (scale 0.25, u8 zero point 3 = i8 -125) multiplies by {1, 0.5}:
// 2^30 * 2^-30 and 2^30 * 2^-31. The accumulator's bound, 2 * 245 * 16,
// leaves room for 16 more fraction bits for the bias: acc 2^16 + [4, -4]
// 2^16, multipliers divided by 2^16 (shifts 46 and 47); with
// bias-fraction-bits=0 the bias stays on the grid. ReLU is the clamp's
// lower bound, the zero point. The last layer's output is its accumulator
// decoded.
// CHECK: ml_program.global private @w_codes(dense<{{\[\[}}2, -8], [1, 16]]> : tensor<2x2xi8>) : tensor<2x2xi8>
// CHECK-LABEL: func.func @mlp
// CHECK-DAG: %[[Q:.*]] = quantx.quantize %arg0 : tensor<?x2xf32> to tensor<?x2x!quantx.fixed<i8:f32, 0.5:-118>>
// CHECK-DAG: %[[X:.*]] = quantx.storage_cast %[[Q]]
// CHECK-DAG: %[[W:.*]] = ml_program.global_load @w_codes : tensor<2x2xi8>
// CHECK-DAG: %[[ZPX:.*]] = arith.constant -118 : i32
// CHECK: %[[ACC:.*]] = linalg.quantized_matmul ins(%[[X]], %[[W]], %[[ZPX]], %{{.*}} : tensor<?x2xi8>, tensor<2x2xi8>, i32, i32) outs(%{{.*}} : tensor<?x2xi32>)
// CHECK: %[[BIAS:.*]] = arith.constant dense<[262144, -262144]> : tensor<2xi32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[BIAS]] : tensor<?x2xi32>, tensor<2xi32>)
// CHECK: %[[SHIFTED:.*]] = arith.shli %{{.*}}, %c16_i32 : i32
// CHECK: arith.addi %[[SHIFTED]]
// CHECK: %[[H:.*]] = quantx.rescale %[[SUM]] rounding<single_round> multiplier [1073741824, 1073741824] shift [46, 47] axis 1 zero_points (0, -125) clamp [-125, 127] : tensor<?x2xi32> to tensor<?x2xi8>
// GRID-LABEL: func.func @mlp
// GRID: arith.constant dense<[4, -4]> : tensor<2xi32>
// GRID-NOT: arith.shli
// GRID: quantx.rescale %{{.*}} rounding<single_round> multiplier [1073741824, 1073741824] shift [30, 31] axis 1
// CHECK: %[[W2:.*]] = arith.constant dense<2> : tensor<2x1xi8>
// CHECK: %[[ACC2:.*]] = linalg.quantized_matmul ins(%[[H]], %[[W2]], %{{.*}}, %{{.*}} : tensor<?x2xi8>, tensor<2x1xi8>, i32, i32)
// CHECK: %[[C:.*]] = quantx.storage_cast %[[ACC2]] : tensor<?x1xi32> to tensor<?x1x!quantx.fixed<i32:f32, 0.125>>
// CHECK: %[[Y:.*]] = quantx.dequantize %[[C]]
// CHECK: return %[[Y]]
// CHECK-NOT: @w(
// With rescale=float the multipliers are f32 scales.
// FLOAT-LABEL: func.func @mlp
// FLOAT: quantx.rescale %{{.*}} rounding<float> scale [1.525879e-05, 7.629395e-06] axis 1 zero_points (0, -125) clamp [-125, 127]
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

// -----

// A convolution with 4-bit weights: the codes (per channel, scales 0.5 and
// 0.25) [1, -1, 2, 3, -3, 2, 7, -7] in row-major order are packed two per
// byte, low nibble first: 0xF1, 0x32, 0x2D, 0x97. The bias [0.5, -0.25] on
// the accumulator's grid (1/255) * {0.5, 0.25} is [255, -255], times 2^16
// with the fraction bits; the bias and the ReLU are separate generics. Max pooling and zero padding follow
// on the codes: the pooling's init is the lowest code, the padding the
// zero point's code (u8 zero point 0 = i8 -128).
// CHECK: ml_program.global private @k_codes(dense<[-15, 50, 45, -105]> : tensor<4xi8>) : tensor<4xi8>
// CHECK-LABEL: func.func @cnn
// CHECK: %[[PACKED:.*]] = ml_program.global_load @k_codes : tensor<4xi8>
// CHECK: %[[K:.*]] = quantx.unpack %[[PACKED]] : tensor<4xi8> to tensor<2x2x1x2xi4>
// CHECK: %[[ACC:.*]] = linalg.conv_2d_nhwc_hwcf_q {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %[[K]], %{{.*}}, %{{.*}} : tensor<?x4x4x1xi8>, tensor<2x2x1x2xi4>, i32, i32) outs(%{{.*}} : tensor<?x3x3x2xi32>)
// CHECK: arith.constant dense<[16711680, -16711680]> : tensor<2xi32>
// CHECK: %[[R:.*]] = quantx.rescale %{{.*}} rounding<single_round> multiplier [1347440720, 1347440720] shift [52, 53] axis 3 zero_points (0, -128) clamp [-128, 127] : tensor<?x3x3x2xi32> to tensor<?x3x3x2xi8>
// CHECK: %[[LOWEST:.*]] = arith.constant -128 : i8
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[LOWEST]] : i8)
// CHECK: %[[POOL:.*]] = linalg.pooling_nhwc_max {{.*}} ins(%[[R]], %{{.*}} : tensor<?x3x3x2xi8>, tensor<2x2xf32>) outs(%[[INIT]] : tensor<?x2x2x2xi8>)
// CHECK: %[[ZP:.*]] = arith.constant -128 : i8
// CHECK: %[[PAD:.*]] = tensor.pad %[[POOL]] low[0, 1, 1, 0] high[0, 1, 1, 0]
// CHECK: tensor.yield %[[ZP]] : i8
// CHECK: linalg.conv_2d_nhwc_hwcf_q {{.*}} ins(%[[PAD]], %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x4x4x2xi8>, tensor<3x3x2x1xi8>, i32, i32)
// Without packing the int4 codes stay one per element.
// FLOAT: ml_program.global private @k_codes(dense<{{\[\[\[\[}}1, -1]], {{\[\[}}2, 3]]], {{\[\[\[}}-3, 2]], {{\[\[}}7, -7]]]]> : tensor<2x2x1x2xi4>)
// FLOAT-LABEL: func.func @cnn
// FLOAT-NOT: quantx.unpack
ml_program.global private mutable @k(dense<[[[[0.5, -0.25]], [[1.0, 0.75]]], [[[-1.5, 0.5]], [[3.5, -1.75]]]]> : tensor<2x2x1x2xf32>) : tensor<2x2x1x2xf32>
ml_program.global private mutable @b(dense<[0.5, -0.25]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @k2(dense<0.5> : tensor<3x3x2x1xf32>) : tensor<3x3x2x1xf32>
func.func @cnn(%x: tensor<?x4x4x1xf32>) -> tensor<?x2x2x1xf32> {
  %zero = arith.constant 0.0 : f32
  %lowest = arith.constant -3.40282347E+38 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4x4x1xf32>
  %k = ml_program.global_load @k : tensor<2x2x1x2xf32>
  %b = ml_program.global_load @b : tensor<2xf32>
  %k2 = ml_program.global_load @k2 : tensor<3x3x2x1xf32>
  %qx = quantx.fake_quant %x to !quantx.fixed<u8:f32, 0.00392156862745098> : tensor<?x4x4x1xf32>
  %qk = quantx.fake_quant %k to !quantx.fixed<i4<-7:7>:f32:3, {0.5, 0.25}> : tensor<2x2x1x2xf32>
  %e = tensor.empty(%n) : tensor<?x3x3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3x3x2xf32>) -> tensor<?x3x3x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%qx, %qk : tensor<?x4x4x1xf32>, tensor<2x2x1x2xf32>) outs(%f : tensor<?x3x3x2xf32>) -> tensor<?x3x3x2xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>, affine_map<(n, h, w, c) -> (c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %b : tensor<?x3x3x2xf32>, tensor<2xf32>) outs(%e : tensor<?x3x3x2xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    linalg.yield %s : f32
  } -> tensor<?x3x3x2xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%h : tensor<?x3x3x2xf32>) outs(%e : tensor<?x3x3x2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.maximumf %v, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x3x3x2xf32>
  %window = tensor.empty() : tensor<2x2xf32>
  %pe = tensor.empty(%n) : tensor<?x2x2x2xf32>
  %pf = linalg.fill ins(%lowest : f32) outs(%pe : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  %p = linalg.pooling_nhwc_max {dilations = dense<1> : vector<2xi64>, strides = dense<1> : vector<2xi64>}
      ins(%r, %window : tensor<?x3x3x2xf32>, tensor<2x2xf32>) outs(%pf : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  %padded = tensor.pad %p low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k3: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<?x2x2x2xf32> to tensor<?x4x4x2xf32>
  %qp = quantx.fake_quant %padded to !quantx.fixed<u8:f32, 0.1> : tensor<?x4x4x2xf32>
  %qk2 = quantx.fake_quant %k2 to !quantx.fixed<i8:f32, 0.5> : tensor<3x3x2x1xf32>
  %e2 = tensor.empty(%n) : tensor<?x2x2x1xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2x2x1xf32>) -> tensor<?x2x2x1xf32>
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%qp, %qk2 : tensor<?x4x4x2xf32>, tensor<3x3x2x1xf32>) outs(%f2 : tensor<?x2x2x1xf32>) -> tensor<?x2x2x1xf32>
  return %y : tensor<?x2x2x1xf32>
}

// -----

// A QAT model still computing its weight scale at run time is frozen first
// (quantx-freeze-quantization): codes max|w| / 127 = 4/127 per tensor. An
// activation that is no accumulator's (here a tanh) is quantized from its
// float value.
// CHECK: ml_program.global private @codes(dense<{{\[\[}}32, -64], [16, 127]]> : tensor<2x2xi8>)
// CHECK-LABEL: func.func @qat
// CHECK-NOT: scaled_fake_quant
// CHECK: %[[W:.*]] = ml_program.global_load @codes : tensor<2x2xi8>
// CHECK: math.tanh
// CHECK: %[[Q:.*]] = quantx.quantize %{{.*}} : tensor<?x2xf32> to tensor<?x2x!quantx.fixed<i8:f32, 0.0078125>>
// CHECK: %[[X:.*]] = quantx.storage_cast %[[Q]]
// CHECK: linalg.quantized_matmul ins(%[[X]], %[[W]],
ml_program.global private mutable @wq(dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
func.func @qat(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %w = ml_program.global_load @wq : tensor<2x2xf32>
  %s = arith.constant dense<0.031496062992125984> : tensor<f32>
  %qw = quantx.scaled_fake_quant %w, %s to !quantx.fixed<i8<-127:127>:f32, ?> : tensor<2x2xf32>, tensor<f32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x2xf32>) outs(%e : tensor<?x2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %h = math.tanh %v : f32
    linalg.yield %h : f32
  } -> tensor<?x2xf32>
  %qt = quantx.fake_quant %t to !quantx.fixed<i8:f32, 0.0078125> : tensor<?x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %m = linalg.matmul ins(%qt, %qw : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %m : tensor<?x2xf32>
}

// -----

// 16-bit activations and weights: K max|a - zp| max|w| = 2 * 65535 * 32767
// exceeds int32, so the accumulator is i64, decoded (acc * 1.2207e-8 in
// f64, then f32) by a generic: no format has 64-bit storage.
// CHECK-LABEL: func.func @wide
// CHECK: %[[ACC:.*]] = linalg.quantized_matmul ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x2xi16>, tensor<2x2xi16>, i32, i32) outs(%{{.*}} : tensor<?x2xi64>)
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %{{.*}} : tensor<?x2xi64>, tensor<1xf64>)
// CHECK: arith.sitofp %{{.*}} : i64 to f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
ml_program.global private mutable @wide_w(dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
func.func @wide(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %w = ml_program.global_load @wide_w : tensor<2x2xf32>
  %wq = quantx.fake_quant %w to !quantx.fixed<i16<-32767:32767>:f32, 0.0001220703125> : tensor<2x2xf32>
  %xq = quantx.fake_quant %x to !quantx.fixed<u16:f32, 0.0001> : tensor<?x2xf32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %m = linalg.matmul ins(%xq, %wq : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %m : tensor<?x2xf32>
}

// -----

// Clips join the clamp: a ReLU6 in the bias generic and PACT's clip to a
// learned bound (a 0-D global, 2.5) in a generic of its own; the tighter
// bound holds, encoded in the output format (scale 0.25, i8 zero point
// -125): 2.5 / 0.25 - 125 = -115.
// CHECK-LABEL: func.func @clip
// CHECK-NOT: arith.minimumf
// CHECK: quantx.rescale %{{.*}} zero_points (0, -125) clamp [-125, -115]
// CHECK-NOT: arith.minimumf
ml_program.global private mutable @cw(dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
ml_program.global private mutable @cb(dense<[1.0, -0.5]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @alpha(dense<2.5> : tensor<f32>) : tensor<f32>
ml_program.global private mutable @cw2(dense<[[1.0], [1.0]]> : tensor<2x1xf32>) : tensor<2x1xf32>
func.func @clip(%x: tensor<?x2xf32>) -> tensor<?x1xf32> {
  %zero = arith.constant 0.0 : f32
  %six = arith.constant 6.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %w = ml_program.global_load @cw : tensor<2x2xf32>
  %b = ml_program.global_load @cb : tensor<2xf32>
  %alpha = ml_program.global_load @alpha : tensor<f32>
  %w2 = ml_program.global_load @cw2 : tensor<2x1xf32>
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
    %c = arith.minimumf %r, %six : f32
    linalg.yield %c : f32
  } -> tensor<?x2xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%h, %alpha : tensor<?x2xf32>, tensor<f32>) outs(%e : tensor<?x2xf32>) {
  ^bb0(%v: f32, %a: f32, %o: f32):
    %z = arith.constant 0.0 : f32
    %r = arith.maximumf %v, %z : f32
    %c = arith.minimumf %r, %a : f32
    linalg.yield %c : f32
  } -> tensor<?x2xf32>
  %qh = quantx.fake_quant %p to !quantx.fixed<u8:f32, 0.25:3> : tensor<?x2xf32>
  %qw2 = quantx.fake_quant %w2 to !quantx.fixed<i8<-127:127>:f32:1, {0.5}> : tensor<2x1xf32>
  %e2 = tensor.empty(%n) : tensor<?x1xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x1xf32>) -> tensor<?x1xf32>
  %y = linalg.matmul ins(%qh, %qw2 : tensor<?x2xf32>, tensor<2x1xf32>) outs(%f2 : tensor<?x1xf32>) -> tensor<?x1xf32>
  return %y : tensor<?x1xf32>
}
