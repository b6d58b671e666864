// REQUIRES: torch
// The threshold fold of quantx-fold-binary never changes a result: models
// whose binary layers feed binary layers through per-channel float
// epilogues (negative multipliers, shifts that put the sign change exactly
// on a dot product, f64 stages with quotients, differences and negations,
// hard-tanh as min/max of either kind), max pooling and padding with 0 and
// with -1, JIT-run with and without thresholds on random inputs: the
// outputs are the same bits.
// RUN: %torch_python -c "import numpy as n; r = n.random.default_rng(3); n.save('%t.x.npy', r.standard_normal((64, 70)).astype(n.float32)); n.save('%t.c.npy', r.standard_normal((16, 10, 10, 3)).astype(n.float32))"
// RUN: quantx-opt %s --quantx-fold-binary -o %t.on.mlir
// RUN: quantx-opt %s --quantx-fold-binary=thresholds=false -o %t.off.mlir
// RUN: quantx-opt %s --quantx-fold-binary=pack-pixels=false -o %t.bytes.mlir
// RUN: FileCheck %s < %t.on.mlir
// RUN: quantx-runner run %t.on.mlir -e mlp --input %t.x.npy --output %t.mlp-on.npy > /dev/null
// RUN: quantx-runner run %t.off.mlir -e mlp --input %t.x.npy --output %t.mlp-off.npy > /dev/null
// RUN: quantx-runner run %t.on.mlir -e cnn --input %t.c.npy --output %t.cnn-on.npy > /dev/null
// RUN: quantx-runner run %t.off.mlir -e cnn --input %t.c.npy --output %t.cnn-off.npy > /dev/null
// RUN: quantx-runner run %t.bytes.mlir -e cnn --input %t.c.npy --output %t.cnn-bytes.npy > /dev/null
// RUN: %torch_python -c "import numpy as n, sys; ok = all(n.array_equal(n.load('%t.' + m + '-on.npy'), n.load('%t.' + m + '-off.npy')) for m in ('mlp', 'cnn')) and n.array_equal(n.load('%t.cnn-on.npy'), n.load('%t.cnn-bytes.npy')); sys.exit(0 if ok else 1)"

// Every epilogue is decided by thresholds: no float stage is left between
// the binary layers.
// CHECK-LABEL: func.func @mlp
//       CHECK:   quantx.binary_matmul {{.*}} k 70
//       CHECK:   arith.cmpi sge
//   CHECK-NOT:   arith.divf
//       CHECK:   quantx.pack_signs {{.*}} : tensor<?x16xi8>
// CHECK-LABEL: func.func @cnn
//       CHECK:   quantx.binary_matmul {{.*}} k 27
//       CHECK:   arith.cmpi sge
//   CHECK-NOT:   arith.minimumf
//       CHECK:   quantx.pack_signs {{.*}} : tensor<?x10x10x8xi8> to tensor<?x10x10x1xi64>
//       CHECK:   arith.ori %{{.*}}, %{{.*}} : i64
//       CHECK:   tensor.pad
//       CHECK:     tensor.yield %c0_i64
//       CHECK:   quantx.binary_matmul {{.*}} k 72
//       CHECK:   arith.cmpi sge
//       CHECK:   quantx.pack_signs {{.*}} : tensor<?x36xi8>
//       CHECK:   quantx.binary_matmul {{.*}} k 36

#map = affine_map<(i, j) -> (i, j)>
#channel = affine_map<(i, j) -> (j)>
#nhwc = affine_map<(n, h, w, c) -> (n, h, w, c)>
#nhwc_channel = affine_map<(n, h, w, c) -> (c)>

func.func @mlp(%x: tensor<?x70xf32>) -> tensor<?x5xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %minus = arith.constant -1.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x70xf32>
  %w1c = arith.constant dense<[[true, true, true, true, true, true, true, false, false, false, false, true, true, false, false, true], [false, true, false, false, true, false, false, false, true, false, true, false, false, true, true, true], [true, true, true, true, true, true, false, true, false, false, true, false, true, true, false, false], [false, false, false, true, true, false, true, true, true, true, false, true, false, false, false, false], [true, false, false, false, true, true, true, false, true, false, false, false, true, true, true, false], [true, false, true, true, false, true, true, true, true, true, false, true, false, false, false, true], [true, true, true, true, true, false, true, true, false, false, true, false, true, false, false, false], [false, true, false, false, true, true, false, true, false, true, false, true, true, true, true, false], [true, false, false, false, false, false, true, false, false, true, true, false, false, true, false, false], [false, true, false, true, true, false, true, true, false, true, true, true, true, true, false, false], [true, false, true, true, false, true, false, false, false, true, true, true, true, true, false, false], [true, false, false, false, true, false, true, true, true, false, true, true, false, false, false, true], [false, false, true, false, true, false, true, false, false, true, false, true, true, false, false, true], [false, true, true, false, false, true, false, true, true, false, true, true, true, true, true, true], [true, false, false, true, false, false, true, true, true, true, true, false, true, false, true, true], [true, false, true, true, false, true, true, true, false, true, false, false, false, false, true, false], [false, false, false, false, false, true, true, true, true, false, false, false, false, true, false, false], [false, true, false, true, true, true, true, true, true, true, true, true, true, false, true, true], [false, false, true, true, false, false, false, false, false, true, true, true, true, false, true, true], [true, true, false, true, false, true, true, true, false, false, true, false, true, false, false, false], [false, false, false, true, true, true, true, false, true, true, true, false, false, true, false, true], [false, false, false, true, true, false, false, true, false, true, false, false, true, false, true, false], [false, true, true, true, true, true, true, false, true, true, true, true, true, true, true, true], [true, true, false, false, false, false, false, false, false, false, true, false, true, false, true, true], [false, false, false, true, false, false, false, true, false, false, false, false, true, true, true, true], [true, true, false, true, false, true, false, false, true, true, false, false, false, true, false, true], [true, true, false, false, true, false, true, false, false, false, false, true, false, true, false, false], [true, true, false, true, false, false, true, true, true, true, false, false, true, true, false, true], [false, true, true, false, false, true, false, true, true, true, true, true, false, false, false, true], [false, true, false, true, false, false, false, false, false, true, true, false, false, true, true, true], [true, false, false, false, true, false, true, true, true, false, true, false, true, false, false, true], [true, true, true, false, false, false, true, true, false, false, true, false, false, false, true, false], [true, false, false, true, true, true, true, false, false, false, false, true, true, false, true, false], [true, false, true, false, true, true, true, false, true, false, true, true, false, true, true, false], [false, false, false, true, true, false, false, true, false, false, true, true, false, true, true, true], [true, true, false, false, true, false, false, true, true, true, true, false, false, false, true, true], [false, true, true, true, true, false, true, false, false, true, false, true, false, true, false, true], [true, true, true, true, false, true, true, false, false, true, false, false, true, true, true, true], [false, true, false, false, false, false, false, false, false, false, false, true, false, true, false, false], [true, true, false, true, true, false, false, true, false, true, false, false, true, false, false, true], [true, true, false, false, false, true, true, true, false, true, false, false, false, false, true, true], [false, false, false, false, true, true, true, false, true, true, true, false, false, true, true, false], [true, true, false, false, false, false, false, false, false, false, false, false, false, true, false, false], [true, false, true, true, false, true, false, true, true, false, false, false, true, false, true, false], [false, false, true, true, true, false, false, false, true, true, true, false, true, false, false, true], [true, false, false, true, true, false, true, true, true, true, false, true, true, false, true, true], [false, true, false, false, false, false, false, false, true, true, true, true, false, false, true, true], [true, false, true, true, false, false, true, true, true, false, true, false, false, true, true, false], [true, false, true, false, true, true, false, true, true, true, true, true, true, true, false, true], [true, true, true, true, false, false, false, false, false, true, true, false, false, true, true, true], [true, false, true, true, true, false, false, true, false, false, false, true, false, true, false, true], [false, false, true, true, false, true, true, true, true, true, false, false, false, false, false, true], [false, true, true, false, false, true, false, false, false, true, true, true, false, false, true, true], [true, false, true, true, true, false, false, false, false, true, true, true, true, true, true, false], [true, true, false, true, false, true, true, false, true, false, false, true, false, true, true, false], [true, true, false, false, false, false, false, true, true, false, true, false, true, true, true, true], [false, true, false, true, false, false, true, true, false, true, false, true, true, true, false, false], [false, true, false, false, false, true, true, false, false, false, false, true, true, true, false, false], [false, true, true, false, false, true, false, true, true, false, true, true, true, false, true, false], [true, true, false, true, false, true, true, true, true, true, false, true, false, false, false, false], [false, false, true, false, false, false, true, true, true, false, false, false, true, false, false, true], [true, true, false, true, true, false, false, false, false, true, false, false, true, true, false, false], [false, true, false, false, true, false, false, false, true, false, false, true, false, true, false, false], [true, true, true, false, true, false, true, true, false, false, true, false, true, true, true, true], [true, false, false, true, true, true, false, false, false, false, false, true, true, false, false, true], [false, false, false, true, true, false, false, false, false, true, true, true, false, false, false, true], [false, false, true, false, false, false, false, false, true, false, true, true, false, true, true, false], [false, false, false, false, true, true, false, false, true, true, false, true, true, true, true, true], [false, true, false, false, false, false, true, false, false, false, false, false, false, false, false, true], [false, false, true, false, false, false, true, false, true, true, false, false, false, false, false, false]]> : tensor<70x16xi1>
  %w1q = quantx.storage_cast %w1c : tensor<70x16xi1> to tensor<70x16x!quantx.binary<f32:1, {0.5, 0.1, 0.3, 1.7, 0.0625, 0.25, 0.2, 0.75, 1.0, 0.125, 0.05, 0.9, 0.4, 0.6, 2.0, 0.33}>>
  %w1 = quantx.dequantize %w1q : tensor<70x16x!quantx.binary<f32:1, {0.5, 0.1, 0.3, 1.7, 0.0625, 0.25, 0.2, 0.75, 1.0, 0.125, 0.05, 0.9, 0.4, 0.6, 2.0, 0.33}>> to tensor<70x16xf32>
  %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<?x70xf32>
  %e = tensor.empty(%n) : tensor<?x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %y = linalg.matmul ins(%s, %w1 : tensor<?x70xf32>, tensor<70x16xf32>) outs(%z : tensor<?x16xf32>) -> tensor<?x16xf32>
  %m = arith.constant dense<[1.0, -1.5, 1.0, -0.1, 3.0, 1.0, -1.0, 0.7, 1.0, -2.0, 1.0, 1.0, -0.3, 1.0, 1.0, 0.5]> : tensor<16xf32>
  %scaled = linalg.generic {indexing_maps = [#map, #channel, #map], iterator_types = ["parallel", "parallel"]} ins(%y, %m : tensor<?x16xf32>, tensor<16xf32>) outs(%e : tensor<?x16xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.mulf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<?x16xf32>
  %b = arith.constant dense<[-2.0, 0.6000000238418579, -0.9, 1.1, 0.25, -1.5, 0.0, 2.0, 4.0, -0.5, 0.30000001192092896, -3.6, 0.9, 1.2, -8.0, 0.0]> : tensor<16xf32>
  %shifted = linalg.generic {indexing_maps = [#map, #channel, #map], iterator_types = ["parallel", "parallel"]} ins(%scaled, %b : tensor<?x16xf32>, tensor<16xf32>) outs(%e : tensor<?x16xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<?x16xf32>
  %d = arith.constant dense<[3.0, -0.7, 1.0, 1.0, -1.0, 0.1, 2.5, -4.0, 1.0, 1.0, -0.3, 7.0, 1.0, -1.0, 0.2, 1.0]> : tensor<16xf64>
  %k = arith.constant dense<[0.0, 0.01, -0.2, 0.0, 0.5, 0.0, -0.05, 0.0, 1.0, 0.0, 0.0, -0.4, 0.0, 0.1, 0.0, 0.0]> : tensor<16xf64>
  %wide = linalg.generic {indexing_maps = [#map, #channel, #channel, #map], iterator_types = ["parallel", "parallel"]} ins(%shifted, %d, %k : tensor<?x16xf32>, tensor<16xf64>, tensor<16xf64>) outs(%e : tensor<?x16xf32>) {
  ^bb0(%v: f32, %q: f64, %c: f64, %o: f32):
    %x64 = arith.extf %v : f32 to f64
    %r = arith.divf %x64, %q : f64
    %t = arith.subf %c, %r : f64
    %u = arith.negf %t : f64
    %f = arith.truncf %u : f64 to f32
    linalg.yield %f : f32
  } -> tensor<?x16xf32>
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]} ins(%wide : tensor<?x16xf32>) outs(%e : tensor<?x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %l = arith.maxnumf %v, %minus : f32
    %h = arith.minimumf %l, %one : f32
    linalg.yield %h : f32
  } -> tensor<?x16xf32>
  %w2c = arith.constant dense<[[true, false, true, false, false], [false, false, false, false, false], [true, true, true, false, false], [true, false, false, true, false], [false, true, true, false, true], [true, false, true, true, true], [false, false, false, true, true], [true, false, true, true, false], [false, true, false, true, false], [false, false, false, false, false], [true, true, true, true, true], [true, false, true, true, true], [true, true, false, true, false], [true, true, true, true, false], [false, true, false, false, false], [true, false, true, true, false]]> : tensor<16x5xi1>
  %w2q = quantx.storage_cast %w2c : tensor<16x5xi1> to tensor<16x5x!quantx.binary<f32:1, {0.5, 0.25, 1.0, 0.125, 2.0}>>
  %w2 = quantx.dequantize %w2q : tensor<16x5x!quantx.binary<f32:1, {0.5, 0.25, 1.0, 0.125, 2.0}>> to tensor<16x5xf32>
  %s2 = quantx.fake_quant %a to !quantx.binary<f32, 1.0> : tensor<?x16xf32>
  %e2 = tensor.empty(%n) : tensor<?x5xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x5xf32>) -> tensor<?x5xf32>
  %y2 = linalg.matmul ins(%s2, %w2 : tensor<?x16xf32>, tensor<16x5xf32>) outs(%z2 : tensor<?x5xf32>) -> tensor<?x5xf32>
  return %y2 : tensor<?x5xf32>
}

func.func @cnn(%x: tensor<?x10x10x3xf32>) -> tensor<?x3xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %minus = arith.constant -1.0 : f32
  %lowest = arith.constant -3.40282347e+38 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x10x10x3xf32>
  %window = tensor.empty() : tensor<2x2xf32>
  %p1 = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<?x10x10x3xf32> to tensor<?x12x12x3xf32>
  %s1 = quantx.fake_quant %p1 to !quantx.binary<f32, 1.0> : tensor<?x12x12x3xf32>
  %k1c = arith.constant dense<[[[[true, true, true, true, false, false, true, false], [false, false, true, false, false, false, true, false], [true, true, false, false, false, true, true, true]], [[false, true, false, false, false, false, false, true], [true, false, false, false, false, true, false, true], [true, false, false, false, true, true, true, false]], [[true, true, false, false, false, true, true, false], [true, true, false, false, true, true, false, true], [true, false, false, false, true, true, true, true]]], [[[true, false, true, true, false, false, true, true], [true, false, true, true, true, true, false, true], [false, false, false, true, false, true, false, false]], [[false, false, false, true, true, true, false, false], [true, true, false, false, true, false, false, true], [false, false, false, false, true, false, true, false]], [[true, false, true, false, false, false, true, false], [true, false, false, false, false, true, true, true], [true, false, false, true, true, true, true, false]]], [[[false, false, true, true, true, false, true, true], [false, false, true, true, false, true, true, true], [false, false, false, true, false, false, true, true]], [[true, false, false, false, false, true, false, false], [true, false, true, true, true, false, false, false], [true, false, false, false, false, false, false, true]], [[false, true, true, true, true, true, true, false], [true, true, true, true, true, true, false, true], [true, true, false, false, false, true, true, false]]]]> : tensor<3x3x3x8xi1>
  %k1q = quantx.storage_cast %k1c : tensor<3x3x3x8xi1> to tensor<3x3x3x8x!quantx.binary<f32:3, {0.5, 0.1, 0.3, 1.7, 0.0625, 0.25, 0.2, 0.75}>>
  %k1 = quantx.dequantize %k1q : tensor<3x3x3x8x!quantx.binary<f32:3, {0.5, 0.1, 0.3, 1.7, 0.0625, 0.25, 0.2, 0.75}>> to tensor<3x3x3x8xf32>
  %e1 = tensor.empty(%n) : tensor<?x10x10x8xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x10x10x8xf32>) -> tensor<?x10x10x8xf32>
  %y1 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%s1, %k1 : tensor<?x12x12x3xf32>, tensor<3x3x3x8xf32>) outs(%z1 : tensor<?x10x10x8xf32>) -> tensor<?x10x10x8xf32>
  %b1 = arith.constant dense<[-0.5, 0.2, 0.6000000238418579, -1.7, 0.0, 0.75, -0.4, 1.5]> : tensor<8xf32>
  %h1 = linalg.generic {indexing_maps = [#nhwc, #nhwc_channel, #nhwc], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y1, %b1 : tensor<?x10x10x8xf32>, tensor<8xf32>) outs(%e1 : tensor<?x10x10x8xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    %l = arith.maximumf %r, %minus : f32
    %h = arith.minimumf %l, %one : f32
    linalg.yield %h : f32
  } -> tensor<?x10x10x8xf32>
  %pe = tensor.empty(%n) : tensor<?x5x5x8xf32>
  %pf = linalg.fill ins(%lowest : f32) outs(%pe : tensor<?x5x5x8xf32>) -> tensor<?x5x5x8xf32>
  %pool = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%h1, %window : tensor<?x10x10x8xf32>, tensor<2x2xf32>) outs(%pf : tensor<?x5x5x8xf32>) -> tensor<?x5x5x8xf32>
  %p2 = tensor.pad %pool low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %minus : f32
  } : tensor<?x5x5x8xf32> to tensor<?x7x7x8xf32>
  %s2 = quantx.fake_quant %p2 to !quantx.binary<f32, 1.0> : tensor<?x7x7x8xf32>
  %k2c = arith.constant dense<[[[[false, false, true, true], [true, true, true, false], [true, true, true, true], [false, false, false, false], [true, false, true, true], [false, true, false, true], [false, false, true, true], [true, true, true, false]], [[false, false, true, false], [true, true, false, true], [true, false, true, false], [true, false, false, false], [false, true, true, false], [true, false, false, false], [true, true, true, true], [false, false, true, false]], [[true, false, true, true], [true, true, true, false], [false, true, false, false], [true, true, false, false], [false, true, true, false], [false, false, true, true], [false, true, false, false], [false, false, false, false]]], [[[true, false, true, false], [true, false, true, false], [false, false, false, true], [true, false, false, false], [false, false, true, true], [true, false, false, false], [false, true, true, false], [false, true, true, true]], [[false, false, false, true], [false, false, false, false], [true, false, false, true], [true, true, true, false], [false, true, true, false], [true, false, false, true], [false, true, false, false], [false, true, true, false]], [[true, false, true, false], [false, true, true, false], [false, true, false, true], [true, false, false, true], [true, false, true, true], [false, true, true, true], [true, true, true, false], [true, true, false, false]]], [[[true, true, true, true], [false, true, false, false], [false, false, false, true], [false, true, true, false], [false, true, true, false], [true, false, false, true], [false, false, false, false], [false, false, false, false]], [[true, false, false, false], [true, true, false, true], [false, true, false, true], [true, false, true, false], [true, false, false, false], [true, true, true, false], [false, false, false, true], [true, false, false, false]], [[true, true, false, true], [false, false, false, true], [true, false, true, false], [true, true, true, false], [true, false, true, true], [true, true, true, false], [false, true, false, false], [true, true, false, false]]]]> : tensor<3x3x8x4xi1>
  %k2q = quantx.storage_cast %k2c : tensor<3x3x8x4xi1> to tensor<3x3x8x4x!quantx.binary<f32:3, {0.5, 0.25, 1.0, 0.3}>>
  %k2 = quantx.dequantize %k2q : tensor<3x3x8x4x!quantx.binary<f32:3, {0.5, 0.25, 1.0, 0.3}>> to tensor<3x3x8x4xf32>
  %e2 = tensor.empty(%n) : tensor<?x3x3x4xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x3x3x4xf32>) -> tensor<?x3x3x4xf32>
  %y2 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%s2, %k2 : tensor<?x7x7x8xf32>, tensor<3x3x8x4xf32>) outs(%z2 : tensor<?x3x3x4xf32>) -> tensor<?x3x3x4xf32>
  %m2 = arith.constant dense<[-1.0, 2.0, -0.5, 1.0]> : tensor<4xf32>
  %b2 = arith.constant dense<[1.0, -0.5, 0.0, -0.6000000238418579]> : tensor<4xf32>
  %h2 = linalg.generic {indexing_maps = [#nhwc, #nhwc_channel, #nhwc_channel, #nhwc], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y2, %m2, %b2 : tensor<?x3x3x4xf32>, tensor<4xf32>, tensor<4xf32>) outs(%e2 : tensor<?x3x3x4xf32>) {
  ^bb0(%v: f32, %c: f32, %d: f32, %o: f32):
    %r = arith.mulf %v, %c : f32
    %t = arith.addf %r, %d : f32
    %l = arith.maximumf %t, %minus : f32
    %h = arith.minimumf %l, %one : f32
    linalg.yield %h : f32
  } -> tensor<?x3x3x4xf32>
  %flat = tensor.collapse_shape %h2 [[0], [1, 2, 3]] : tensor<?x3x3x4xf32> into tensor<?x36xf32>
  %s3 = quantx.fake_quant %flat to !quantx.binary<f32, 1.0> : tensor<?x36xf32>
  %w3c = arith.constant dense<[[true, false, true], [false, false, true], [true, false, false], [true, false, true], [false, true, true], [false, true, true], [true, true, false], [true, false, false], [true, false, true], [false, false, false], [true, true, false], [false, true, false], [true, false, true], [false, true, false], [false, true, true], [false, true, false], [true, true, true], [false, true, false], [false, true, true], [true, false, true], [true, false, true], [false, false, false], [true, false, true], [false, false, false], [true, true, false], [false, false, false], [true, true, false], [false, true, false], [false, false, true], [true, true, true], [false, true, true], [true, false, false], [true, false, false], [true, true, true], [true, true, true], [true, true, true]]> : tensor<36x3xi1>
  %w3q = quantx.storage_cast %w3c : tensor<36x3xi1> to tensor<36x3x!quantx.binary<f32:1, {0.5, 0.25, 1.0}>>
  %w3 = quantx.dequantize %w3q : tensor<36x3x!quantx.binary<f32:1, {0.5, 0.25, 1.0}>> to tensor<36x3xf32>
  %e3 = tensor.empty(%n) : tensor<?x3xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y3 = linalg.matmul ins(%s3, %w3 : tensor<?x36xf32>, tensor<36x3xf32>) outs(%z3 : tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y3 : tensor<?x3xf32>
}
