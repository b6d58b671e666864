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

// A dynamic M is tiled by the register tile (it is not cache tiled): full
// tiles are static vector contractions; the partial tile (r < 6 rows) runs
// as static blocks of 4, 2 and 1 rows, the block of s rows when bit s of r
// is set, at row r & ~(2s - 1). Nothing is padded.
// CHECK-LABEL: func.func @dynamic
//   CHECK-NOT:   linalg.matmul
//   CHECK-NOT:   tensor.pad
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c6
//       CHECK:     vector.contract {{.*}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
//       CHECK:   scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c6
//       CHECK:     %[[BIT4:.*]] = arith.andi %[[ROWS:.*]], %c4
//       CHECK:     %[[HAS4:.*]] = arith.cmpi ne, %[[BIT4]], %c0
//       CHECK:     arith.andi %[[ROWS]], %c-8
//       CHECK:     scf.if %[[HAS4]]
//       CHECK:       vector.contract {{.*}} : vector<4x8xf32>, vector<8x16xf32> into vector<4x16xf32>
//       CHECK:     arith.andi %[[ROWS]], %c2
//       CHECK:     arith.andi %[[ROWS]], %c-4
//       CHECK:     scf.if
//       CHECK:       vector.contract {{.*}} : vector<2x8xf32>, vector<8x16xf32> into vector<2x16xf32>
//       CHECK:     arith.andi %[[ROWS]], %c1
//       CHECK:     arith.andi %[[ROWS]], %c-2
//       CHECK:     scf.if
//       CHECK:       vector.contract {{.*}} : vector<1x8xf32>, vector<8x16xf32> into vector<1x16xf32>
//   CHECK-NOT:   linalg.matmul
//   CHECK-NOT:   tensor.pad
func.func @dynamic(%a: tensor<?x64xf32>, %b: tensor<64x64xf32>, %c: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x64xf32>) outs(%c : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %r : tensor<?x64xf32>
}

// -----

// A dynamic K: its partial register tile pads the slices of A and B with
// zeros to a full one (zero products add nothing); the accumulator is
// static and not padded.
// CHECK-LABEL: func.func @dynamic_k
//       CHECK:   vector.contract {{.*}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
//       CHECK:   tensor.pad
//       CHECK:   } : tensor<6x?xf32> to tensor<6x8xf32>
//       CHECK:   tensor.pad
//       CHECK:   } : tensor<?x16xf32> to tensor<8x16xf32>
//   CHECK-NOT:   tensor.pad
//       CHECK:   vector.contract {{.*}} : vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
func.func @dynamic_k(%a: tensor<12x?xf32>, %b: tensor<?x16xf32>, %c: tensor<12x16xf32>) -> tensor<12x16xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<12x?xf32>, tensor<?x16xf32>) outs(%c : tensor<12x16xf32>) -> tensor<12x16xf32>
  return %r : tensor<12x16xf32>
}

// -----

// Operands of another float type than the result (f16 weights, f64
// activations in an f32 matmul) are converted to it first, as
// linalg.matmul's semantics convert them, so vector.contract sees one
// element type. Integers of mixed types stay as loops.
// CHECK-LABEL: func.func @mixed_floats
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<12x16xf64>) outs(%{{.*}} : tensor<12x16xf32>)
//       CHECK:     arith.truncf %{{.*}} : f64 to f32
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}} : tensor<16x32xf16>) outs(%{{.*}} : tensor<16x32xf32>)
//       CHECK:     arith.extf %{{.*}} : f16 to f32
//   CHECK-NOT:   vector.contract {{.*}} vector<{{.*}}xf16>
//       CHECK:   vector.contract
//  CHECK-SAME:     vector<6x8xf32>, vector<8x16xf32> into vector<6x16xf32>
// CHECK-LABEL: func.func @mixed_integers
//       CHECK:   linalg.matmul
func.func @mixed_floats(%x: tensor<12x16xf64>, %w: tensor<16x32xf16>) -> tensor<12x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x32xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<12x32xf32>) -> tensor<12x32xf32>
  %y = linalg.matmul ins(%x, %w : tensor<12x16xf64>, tensor<16x32xf16>) outs(%z : tensor<12x32xf32>) -> tensor<12x32xf32>
  return %y : tensor<12x32xf32>
}
func.func @mixed_integers(%x: tensor<12x16xi8>, %w: tensor<16x32xi16>) -> tensor<12x32xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<12x32xi32>
  %z = linalg.fill ins(%zero : i32) outs(%e : tensor<12x32xi32>) -> tensor<12x32xi32>
  %y = linalg.matmul ins(%x, %w : tensor<12x16xi8>, tensor<16x32xi16>) outs(%z : tensor<12x32xi32>) -> tensor<12x32xi32>
  return %y : tensor<12x32xi32>
}
