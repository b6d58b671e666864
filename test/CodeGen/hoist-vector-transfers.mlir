// RUN: quantx-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(quantx-hoist-vector-transfers))" | FileCheck %s

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

// -----

// A buffer of dynamic size with views elsewhere (the partial tile of a
// dynamic batch): fresh memory is reached only through the buffer and its
// views, and no other operation in the loop touches it, so the pair moves.
// CHECK-LABEL: func.func @dynamic_buffer
//       CHECK:   %[[BUF:.*]] = memref.alloc(%{{.*}}) : memref<?x8xf32>
//       CHECK:   %[[INIT:.*]] = vector.transfer_read %[[BUF]]
//       CHECK:   %[[ACC:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INIT]]) -> (vector<4x8xf32>)
//   CHECK-NOT:     vector.transfer_write
//       CHECK:     scf.yield
//       CHECK:   vector.transfer_write %[[ACC]], %[[BUF]]
//       CHECK:   memref.subview %[[BUF]]
func.func @dynamic_buffer(%a: memref<?x64xf32>, %n: index, %row: index) -> memref<?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc(%n) : memref<?x8xf32>
  scf.for %k = %c0 to %c64 step %c1 {
    %va = vector.transfer_read %a[%row, %k], %zero {in_bounds = [true, true]} : memref<?x64xf32>, vector<4x8xf32>
    %acc = vector.transfer_read %buf[%row, %c0], %zero {in_bounds = [true, true]} : memref<?x8xf32>, vector<4x8xf32>
    %s = arith.addf %va, %acc : vector<4x8xf32>
    vector.transfer_write %s, %buf[%row, %c0] {in_bounds = [true, true]} : vector<4x8xf32>, memref<?x8xf32>
  }
  %tail = memref.subview %buf[0, 0] [%n, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1]>>
  linalg.fill ins(%zero : f32) outs(%tail : memref<?x4xf32, strided<[8, 1]>>)
  return %buf : memref<?x8xf32>
}

// -----

// Another access to the buffer in the loop (through a view) keeps the pair
// in place.
// CHECK-LABEL: func.func @aliased_in_loop
//       CHECK:   scf.for
//       CHECK:     vector.transfer_read %[[B:.*]][
//       CHECK:     memref.store
//       CHECK:     vector.transfer_write
func.func @aliased_in_loop(%n: index, %row: index) -> memref<?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc(%n) : memref<?x8xf32>
  %view = memref.subview %buf[0, 0] [%n, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1]>>
  scf.for %k = %c0 to %c64 step %c1 {
    %acc = vector.transfer_read %buf[%row, %c0], %zero {in_bounds = [true, true]} : memref<?x8xf32>, vector<4x8xf32>
    memref.store %zero, %view[%k, %c0] : memref<?x4xf32, strided<[8, 1]>>
    %s = arith.addf %acc, %acc : vector<4x8xf32>
    vector.transfer_write %s, %buf[%row, %c0] {in_bounds = [true, true]} : vector<4x8xf32>, memref<?x8xf32>
  }
  return %buf : memref<?x8xf32>
}

// -----

// The buffer escapes to a call before the loop and has a view after it
// (which stops upstream's hoisting): a call in the loop may reach it through
// what the first call kept, so the pair stays.
// CHECK-LABEL: func.func @unknown_effects
//       CHECK:   scf.for
//       CHECK:     vector.transfer_read
//       CHECK:     func.call @opaque
//       CHECK:     vector.transfer_write
func.func private @keep(memref<?x8xf32>)
func.func private @opaque()
func.func @unknown_effects(%n: index, %row: index) -> memref<?x4xf32, strided<[8, 1]>> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc(%n) : memref<?x8xf32>
  func.call @keep(%buf) : (memref<?x8xf32>) -> ()
  scf.for %k = %c0 to %c64 step %c1 {
    %acc = vector.transfer_read %buf[%row, %c0], %zero {in_bounds = [true, true]} : memref<?x8xf32>, vector<4x8xf32>
    func.call @opaque() : () -> ()
    %s = arith.addf %acc, %acc : vector<4x8xf32>
    vector.transfer_write %s, %buf[%row, %c0] {in_bounds = [true, true]} : vector<4x8xf32>, memref<?x8xf32>
  }
  %view = memref.subview %buf[0, 0] [%n, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1]>>
  return %view : memref<?x4xf32, strided<[8, 1]>>
}

// -----

// A loop that may run zero times (dynamic bound): hoisting would read and
// write the tile even then, possibly out of bounds; the pair stays.
// CHECK-LABEL: func.func @maybe_empty_loop
//       CHECK:   scf.for
//       CHECK:     vector.transfer_read
//       CHECK:     vector.transfer_write
func.func @maybe_empty_loop(%n: index, %row: index, %trips: index) -> memref<?x4xf32, strided<[8, 1]>> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %buf = memref.alloc(%n) : memref<?x8xf32>
  scf.for %k = %c0 to %trips step %c1 {
    %acc = vector.transfer_read %buf[%row, %c0], %zero {in_bounds = [true, true]} : memref<?x8xf32>, vector<4x8xf32>
    %s = arith.addf %acc, %acc : vector<4x8xf32>
    vector.transfer_write %s, %buf[%row, %c0] {in_bounds = [true, true]} : vector<4x8xf32>, memref<?x8xf32>
  }
  %view = memref.subview %buf[0, 0] [%n, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1]>>
  return %view : memref<?x4xf32, strided<[8, 1]>>
}
