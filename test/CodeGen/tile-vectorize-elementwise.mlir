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

// Reductions and dynamic shapes are not touched.
// CHECK-LABEL: func.func @dynamic
//       CHECK:   linalg.generic
func.func @dynamic(%x: tensor<?xf32>) -> tensor<?xf32> {
  %f = quantx.fake_quant %x to !quantx.float<e4m3> : tensor<?xf32>
  return %f : tensor<?xf32>
}
