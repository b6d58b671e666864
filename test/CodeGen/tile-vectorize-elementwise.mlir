// RUN: quantx-opt %s --convert-quantx-to-arith --quantx-tile-vectorize-elementwise="vector-width=8" --split-input-file | FileCheck %s

// The lowered fake_quant runs on vector<1x8xf32> tiles; 20 = 2 * 8 + 4
// columns are peeled into a vector<1x4xf32> tile.
// CHECK-LABEL: func.func @fake_quant
//   CHECK-NOT:   linalg.generic
//       CHECK:   scf.for
//       CHECK:     math.roundeven %{{.*}} : vector<1x8xf64>
//       CHECK:   math.roundeven %{{.*}} : vector<1x4xf64>
func.func @fake_quant(%x: tensor<3x20xf32>) -> tensor<3x20xf32> {
  %f = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.05> : tensor<3x20xf32>
  return %f : tensor<3x20xf32>
}

// -----

// A generic whose loops are all dynamic is not touched.
// CHECK-LABEL: func.func @dynamic
//       CHECK:   linalg.generic
func.func @dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %f = quantx.fake_quant %x to !quantx.float<e4m3> : tensor<?xf32>
  return %f : tensor<?xf32>
}

// -----

// A dynamic batch is tiled by 1: each row is static vectors (20 = 2 * 8 + 4).
// CHECK-LABEL: func.func @dynamic_rows
//   CHECK-NOT:   linalg.generic
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
//       CHECK:     arith.maximumf %{{.*}} : vector<1x8xf32>
//       CHECK:   arith.maximumf %{{.*}} : vector<1x4xf32>
func.func @dynamic_rows(%x: tensor<?x20xf32>) -> tensor<?x20xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x20xf32>
  %e = tensor.empty(%n) : tensor<?x20xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x20xf32>) outs(%e : tensor<?x20xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<?x20xf32>
  return %r : tensor<?x20xf32>
}

// -----

// A bias gradient: a sum over a dynamic batch that keeps the channels. The
// batch (a reduction) is tiled by 1 and the channels vectorized: each tile
// adds a row vector into the accumulator (a reduction over a unit
// dimension, which canonicalizes to one vector add).
// CHECK-LABEL: func.func @bias_gradient
//   CHECK-NOT:   linalg.generic
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1
//       CHECK:     scf.for %{{.*}} = %c0 to %c16 step %c8
//       CHECK:       vector.transfer_read {{.*}} : tensor<1x8xf32>, vector<1x8xf32>
//       CHECK:       vector.multi_reduction <add>, {{.*}} [0] : vector<1x8xf32> to vector<8xf32>
//       CHECK:       vector.transfer_write {{.*}} : vector<8xf32>, tensor<8xf32>
//   CHECK-NOT:   linalg.generic
func.func @bias_gradient(%dy: tensor<?x16xf32>, %acc: tensor<16xf32>) -> tensor<16xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(n, c) -> (n, c)>, affine_map<(n, c) -> (c)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%dy : tensor<?x16xf32>) outs(%acc : tensor<16xf32>) {
  ^bb0(%v: f32, %s: f32):
    %t = arith.addf %s, %v : f32
    linalg.yield %t : f32
  } -> tensor<16xf32>
  return %r : tensor<16xf32>
}

// -----

// A reduction over every loop keeps no parallel loop to vectorize: left to
// loops.
// CHECK-LABEL: func.func @full_sum
//       CHECK:   linalg.generic
func.func @full_sum(%x: tensor<4x16xf32>, %acc: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [affine_map<(n, c) -> (n, c)>, affine_map<(n, c) -> ()>],
                       iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<4x16xf32>) outs(%acc : tensor<f32>) {
  ^bb0(%v: f32, %s: f32):
    %t = arith.addf %s, %v : f32
    linalg.yield %t : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// An im2col gather reads its input through sums of loops (`oh + kh`), which
// the vectorizer cannot read; each tile's unit loops are dropped first, and
// the channels are copied as whole vectors.
// CHECK-LABEL: func.func @gather
//   CHECK-NOT:   linalg.generic
//       CHECK:   vector.transfer_read {{.*}} : tensor<8xf32>, vector<8xf32>
//       CHECK:   vector.transfer_write {{.*}} : vector<8xf32>, tensor<8xf32>
//   CHECK-NOT:   linalg.generic
func.func @gather(%x: tensor<2x6x6x8xf32>) -> tensor<2x4x4x3x3x8xf32> {
  %e = tensor.empty() : tensor<2x4x4x3x3x8xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, oh, ow, kh, kw, c) -> (n, oh + kh, ow + kw, c)>,
                                        affine_map<(n, oh, ow, kh, kw, c) -> (n, oh, ow, kh, kw, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x6x6x8xf32>) outs(%e : tensor<2x4x4x3x3x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  } -> tensor<2x4x4x3x3x8xf32>
  return %r : tensor<2x4x4x3x3x8xf32>
}
