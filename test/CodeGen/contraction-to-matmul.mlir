// RUN: quantx-opt %s --quantx-contraction-to-matmul --split-input-file | FileCheck %s

// A convolution-gradient tap: dX[n, h, w, c] += dY[n, h, w, f] * W[c, f].
// Rows (n, h, w) collapse to 8, the filter is read transposed, the product
// is expanded back and added to the (non-zero) init.
// CHECK-DAG:   #[[MK:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:   #[[NK:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @tap(
// CHECK-SAME:      %[[W:.*]]: tensor<3x5xf32>, %[[DY:.*]]: tensor<2x2x2x5xf32>, %[[INIT:.*]]: tensor<2x2x2x3xf32>)
// CHECK:         %[[A:.*]] = tensor.collapse_shape %[[DY]] {{\[}}[0, 1, 2], [3]] : tensor<2x2x2x5xf32> into tensor<8x5xf32>
// CHECK:         %[[Z:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<8x3xf32>)
// CHECK:         %[[P:.*]] = linalg.matmul indexing_maps = [#[[MK]], #[[NK]], #[[MN]]] ins(%[[A]], %[[W]] : tensor<8x5xf32>, tensor<3x5xf32>) outs(%[[Z]] : tensor<8x3xf32>)
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[P]] {{\[}}[0, 1, 2], [3]] output_shape [2, 2, 2, 3]
// CHECK:         %[[R:.*]] = linalg.generic {{.*}} ins(%[[INIT]], %[[E]] :
// CHECK:           arith.addf
// CHECK:         return %[[R]]
func.func @tap(%w: tensor<3x5xf32>, %dy: tensor<2x2x2x5xf32>, %init: tensor<2x2x2x3xf32>) -> tensor<2x2x2x3xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(n, h, w, f, c) -> (c, f)>, affine_map<(n, h, w, f, c) -> (n, h, w, f)>, affine_map<(n, h, w, f, c) -> (n, h, w, c)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]}
      ins(%w, %dy : tensor<3x5xf32>, tensor<2x2x2x5xf32>) outs(%init : tensor<2x2x2x3xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %b, %a : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x2x2x3xf32>
  return %r : tensor<2x2x2x3xf32>
}

// -----

// A weight gradient into a zero fill: A is read as (k, m); no add.
// CHECK-DAG:   #[[KM:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG:   #[[KN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @weight(
// CHECK-SAME:      %[[X:.*]]: tensor<4x2x3xf32>, %[[G:.*]]: tensor<4x2x6xf32>)
// CHECK-DAG:     %[[A:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1], [2]] : tensor<4x2x3xf32> into tensor<8x3xf32>
// CHECK-DAG:     %[[B:.*]] = tensor.collapse_shape %[[G]] {{\[}}[0, 1], [2]] : tensor<4x2x6xf32> into tensor<8x6xf32>
// CHECK:         %[[P:.*]] = linalg.matmul indexing_maps = [#[[KM]], #[[KN]], #{{.*}}] ins(%[[A]], %[[B]] : tensor<8x3xf32>, tensor<8x6xf32>)
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[P]]
func.func @weight(%x: tensor<4x2x3xf32>, %g: tensor<4x2x6xf32>) -> tensor<3x6xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x6xf32>) -> tensor<3x6xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, t, c, f) -> (n, t, c)>, affine_map<(n, t, c, f) -> (n, t, f)>, affine_map<(n, t, c, f) -> (c, f)>],
                       iterator_types = ["reduction", "reduction", "parallel", "parallel"]}
      ins(%x, %g : tensor<4x2x3xf32>, tensor<4x2x6xf32>) outs(%z : tensor<3x6xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %acc : f32
    linalg.yield %s : f32
  } -> tensor<3x6xf32>
  return %r : tensor<3x6xf32>
}

// -----

// Output columns first: the second input becomes the left factor.
// CHECK-LABEL: func.func @swapped(
// CHECK-SAME:      %[[A:.*]]: tensor<4x5xf32>, %[[B:.*]]: tensor<5x3xf32>, %{{.*}}: tensor<3x4xf32>)
// CHECK:         linalg.matmul indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}] ins(%[[B]], %[[A]] : tensor<5x3xf32>, tensor<4x5xf32>) outs(%{{.*}} : tensor<3x4xf32>)
func.func @swapped(%a: tensor<4x5xf32>, %b: tensor<5x3xf32>, %init: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (n, m)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<4x5xf32>, tensor<5x3xf32>) outs(%init : tensor<3x4xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x4xf32>
  return %r : tensor<3x4xf32>
}

// -----

// Left alone: batch loops, interleaved groups, groups in different orders,
// other bodies, dynamic shapes.
// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT:     linalg.matmul
// CHECK-COUNT-5: linalg.generic
// CHECK-NOT:     linalg.matmul
func.func @left_alone(%a: tensor<2x4x5xf32>, %b: tensor<2x5x3xf32>, %c: tensor<2x4x3xf32>,
                      %x: tensor<4x2x5xf32>, %y: tensor<5x3xf32>, %z: tensor<4x3x2xf32>,
                      %p: tensor<4x2x5xf32>, %q: tensor<5x3xf32>, %r: tensor<2x4x3xf32>,
                      %d: tensor<?x5xf32>, %e: tensor<5x3xf32>, %f: tensor<?x3xf32>)
    -> (tensor<2x4x3xf32>, tensor<4x3x2xf32>, tensor<2x4x3xf32>, tensor<2x4x3xf32>, tensor<?x3xf32>) {
  %0 = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<2x4x5xf32>, tensor<2x5x3xf32>) outs(%c : tensor<2x4x3xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %m = arith.mulf %u, %v : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x4x3xf32>
  // Output rows (m, t) interleaved with the column n.
  %1 = linalg.generic {indexing_maps = [affine_map<(m, t, n, k) -> (m, t, k)>, affine_map<(m, t, n, k) -> (k, n)>, affine_map<(m, t, n, k) -> (m, n, t)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %y : tensor<4x2x5xf32>, tensor<5x3xf32>) outs(%z : tensor<4x3x2xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %m = arith.mulf %u, %v : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x3x2xf32>
  // Rows (m, t) in A but (t, m) in the output.
  %2 = linalg.generic {indexing_maps = [affine_map<(m, t, n, k) -> (m, t, k)>, affine_map<(m, t, n, k) -> (k, n)>, affine_map<(m, t, n, k) -> (t, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %q : tensor<4x2x5xf32>, tensor<5x3xf32>) outs(%r : tensor<2x4x3xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %m = arith.mulf %u, %v : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x4x3xf32>
  // A max-plus product.
  %3 = linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<2x4x5xf32>, tensor<2x5x3xf32>) outs(%c : tensor<2x4x3xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %m = arith.addf %u, %v : f32
    %s = arith.maximumf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x4x3xf32>
  %4 = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%d, %e : tensor<?x5xf32>, tensor<5x3xf32>) outs(%f : tensor<?x3xf32>) {
  ^bb0(%u: f32, %v: f32, %acc: f32):
    %m = arith.mulf %u, %v : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  return %0, %1, %2, %3, %4 : tensor<2x4x3xf32>, tensor<4x3x2xf32>, tensor<2x4x3xf32>, tensor<2x4x3xf32>, tensor<?x3xf32>
}
