// RUN: quantx-opt %s --quantx-tile-vectorize-elementwise=vector-bits=512 --split-input-file | FileCheck %s

// A reduction to a scalar keeps its innermost static loop as partial
// results, starting from the combiner's neutral element, which the tiling
// vectorizes; a small reduction combines them into the initial value.
// CHECK-LABEL: func.func @max_of_activations
//       CHECK:   %[[NEG:.*]] = arith.constant 0xFF800000 : f32
//       CHECK:   %[[P0:.*]] = linalg.fill ins(%[[NEG]] : f32) outs(%{{.*}} : tensor<16xf32>)
//       CHECK:   %[[P:.*]] = scf.for
//       CHECK:     vector.multi_reduction <maximumf>, %{{.*}}, %{{.*}} [0, 1, 2] : vector<1x1x1x16xf32> to vector<16xf32>
//       CHECK:   linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[P]] : tensor<16xf32>) outs(%arg1 : tensor<f32>)
//       CHECK:     arith.maximumf %out, %in : f32
func.func @max_of_activations(%x: tensor<?x14x14x16xf32>, %init: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [affine_map<(a, b, c, d) -> (a, b, c, d)>, affine_map<(a, b, c, d) -> ()>], iterator_types = ["reduction", "reduction", "reduction", "reduction"]}
      ins(%x : tensor<?x14x14x16xf32>) outs(%init : tensor<f32>) {
  ^bb0(%v: f32, %a: f32):
    %m = arith.maximumf %a, %v : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// Sums start from -0.0, the neutral element of addf; the innermost loop is
// dynamic here, so the static one before it is kept.
// CHECK-LABEL: func.func @sum_of_transposed
//       CHECK:   %[[ZERO:.*]] = arith.constant -0.000000e+00 : f32
//       CHECK:   linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<64xf32>)
//       CHECK:   vector.multi_reduction <add>
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<64xf32>) outs(%arg1 : tensor<f32>)
//       CHECK:     arith.addf %out, %in : f32
func.func @sum_of_transposed(%x: tensor<64x?xf32>, %init: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [affine_map<(a, b) -> (a, b)>, affine_map<(a, b) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<64x?xf32>) outs(%init : tensor<f32>) {
  ^bb0(%v: f32, %a: f32):
    %abs = math.absf %v : f32
    %s = arith.addf %a, %abs : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// Not split: a combiner that is no add, max or min (a product), and a loop
// too short to fill a vector.
// CHECK-LABEL: func.func @kept
//   CHECK-NOT:   vector.
//       CHECK:   linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%arg0 : tensor<64xf32>)
//       CHECK:   linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%arg1 : tensor<3xf32>)
func.func @kept(%x: tensor<64xf32>, %y: tensor<3xf32>, %init: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
  %p = linalg.generic {indexing_maps = [affine_map<(a) -> (a)>, affine_map<(a) -> ()>], iterator_types = ["reduction"]}
      ins(%x : tensor<64xf32>) outs(%init : tensor<f32>) {
  ^bb0(%v: f32, %a: f32):
    %m = arith.mulf %a, %v : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  %s = linalg.generic {indexing_maps = [affine_map<(a) -> (a)>, affine_map<(a) -> ()>], iterator_types = ["reduction"]}
      ins(%y : tensor<3xf32>) outs(%init : tensor<f32>) {
  ^bb0(%v: f32, %a: f32):
    %t = arith.addf %a, %v : f32
    linalg.yield %t : f32
  } -> tensor<f32>
  return %p, %s : tensor<f32>, tensor<f32>
}
