// RUN: quantx-opt %s --quantx-tile-vectorize-matmul="cache-tile=64,32,32 register-tile=6,16,8" --split-input-file | FileCheck %s
// RUN: not quantx-opt %s --quantx-tile-vectorize-matmul="register-tile=6,16" --split-input-file 2>&1 | FileCheck %s --check-prefix=BADTILE
// BADTILE: error: quantx-tile-vectorize-matmul: cache-tile and register-tile take three positive sizes (M, N, K)

// Cache loops (N, K, M), register loops with the M loop peeled (64 = 10 * 6
// + 4), every tile a static vector.contract.
// CHECK-LABEL: func.func @matmul
//   CHECK-NOT:   linalg.matmul
//       CHECK:   scf.for
//       CHECK:     scf.for
//       CHECK:       scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}}
//       CHECK:         vector.contract {{.*}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
//       CHECK:         vector.contract {{.*}} : vector<4x8xf32>, vector<8x16xf32> into vector<4x16xf32>
//   CHECK-NOT:   linalg.matmul
func.func @matmul(%a: tensor<64x64xf32>, %b: tensor<64x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<64x64xf32>, tensor<64x64xf32>) outs(%c : tensor<64x64xf32>) -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// -----

// B read as (n, k) is copied to (k, n) first; A read as (k, m) stays.
// CHECK-LABEL: func.func @transposed_b
//       CHECK:   vector.transfer_read {{.*}}permutation_map
//       CHECK:   vector.contract
func.func @transposed_b(%a: tensor<12x8xf32>, %b: tensor<16x8xf32>, %c: tensor<12x16xf32>) -> tensor<12x16xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<12x8xf32>, tensor<16x8xf32>) outs(%c : tensor<12x16xf32>) -> tensor<12x16xf32>
  return %r : tensor<12x16xf32>
}

// -----

// A dynamic dimension is tiled by the register tile (it is not cache
// tiled): full tiles are static vector contractions, the partial tile is
// padded with zeros to a full one and contracted.
// CHECK-LABEL: func.func @dynamic
//   CHECK-NOT:   linalg.matmul
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c6
//   CHECK-NOT:     tensor.pad
//       CHECK:     vector.contract {{.*}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c6
//       CHECK:     tensor.pad
//       CHECK:     } : tensor<?x8xf32> to tensor<6x8xf32>
//       CHECK:     tensor.pad
//       CHECK:     } : tensor<?x16xf32> to tensor<6x16xf32>
//       CHECK:     vector.contract {{.*}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
// The slice of the padded result folds into a write of the rows in bounds.
//       CHECK:     vector.transfer_write {{.*}} {in_bounds = [false, true]} : vector<6x16xf32>, tensor<?x16xf32>
//   CHECK-NOT:   linalg.matmul
func.func @dynamic(%a: tensor<?x64xf32>, %b: tensor<64x64xf32>, %c: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x64xf32>) outs(%c : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}
