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
