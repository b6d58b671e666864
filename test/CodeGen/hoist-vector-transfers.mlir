// RUN: quantx-opt %s --pass-pipeline="builtin.module(func.func(quantx-hoist-vector-transfers))" | FileCheck %s

// The accumulator tile is read and written through a subview inside the K
// loop: folding the subview into the transfers and hoisting keeps it in a
// register across the loop (iter_args), read once before and written once
// after.
// CHECK-LABEL: func.func @accumulate
//       CHECK:   %[[INIT:.*]] = vector.transfer_read %[[C:.*]][%{{.*}}, %{{.*}}]
//       CHECK:   %[[ACC:.*]] = scf.for {{.*}} iter_args(%[[A:.*]] = %[[INIT]]) -> (vector<4x8xf32>)
//   CHECK-NOT:     vector.transfer_write
//       CHECK:     vector.contract
//       CHECK:     scf.yield
//       CHECK:   vector.transfer_write %[[ACC]], %[[C]]
func.func @accumulate(%a: memref<4x64xf32>, %b: memref<64x8xf32>, %c: memref<16x8xf32>, %row: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %tile = memref.subview %c[%row, 0] [4, 8] [1, 1] : memref<16x8xf32> to memref<4x8xf32, strided<[8, 1], offset: ?>>
  scf.for %k = %c0 to %c64 step %c1 {
    %va = vector.transfer_read %a[%c0, %k], %zero {in_bounds = [true, true]} : memref<4x64xf32>, vector<4x1xf32>
    %vb = vector.transfer_read %b[%k, %c0], %zero {in_bounds = [true, true]} : memref<64x8xf32>, vector<1x8xf32>
    %acc = vector.transfer_read %tile[%c0, %c0], %zero {in_bounds = [true, true]} : memref<4x8xf32, strided<[8, 1], offset: ?>>, vector<4x8xf32>
    %r = vector.contract {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                          iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>}
        %va, %vb, %acc : vector<4x1xf32>, vector<1x8xf32> into vector<4x8xf32>
    vector.transfer_write %r, %tile[%c0, %c0] {in_bounds = [true, true]} : vector<4x8xf32>, memref<4x8xf32, strided<[8, 1], offset: ?>>
  }
  return
}
