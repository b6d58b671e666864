// RUN: quantx-opt %s --quantx-widen-sub-byte-accesses --split-input-file | FileCheck %s

// A vector of i4 is stored one code per byte, zero-extended.
// CHECK-LABEL: llvm.func @store_vector_i4
//  CHECK-SAME:   (%[[V:.*]]: vector<8xi4>, %[[P:.*]]: !llvm.ptr)
//       CHECK:   %[[W:.*]] = llvm.zext %[[V]] : vector<8xi4> to vector<8xi8>
//       CHECK:   llvm.store %[[W]], %[[P]] {alignment = 1 : i64} : vector<8xi8>, !llvm.ptr
//   CHECK-NOT:   vector<8xi4>, !llvm.ptr
llvm.func @store_vector_i4(%v: vector<8xi4>, %p: !llvm.ptr) {
  llvm.store %v, %p {alignment = 1 : i64} : vector<8xi4>, !llvm.ptr
  llvm.return
}

// -----

// Loads read whole bytes and keep the low bits; an access without an
// alignment gets the element's (the widened vector's ABI alignment would be
// a false promise).
// CHECK-LABEL: llvm.func @load_vector_i4
//       CHECK:   %[[L:.*]] = llvm.load %{{.*}} {alignment = 1 : i64} : !llvm.ptr -> vector<8xi8>
//       CHECK:   %[[T:.*]] = llvm.trunc %[[L]] : vector<8xi8> to vector<8xi4>
//       CHECK:   llvm.return %[[T]]
llvm.func @load_vector_i4(%p: !llvm.ptr) -> vector<8xi4> {
  %v = llvm.load %p : !llvm.ptr -> vector<8xi4>
  llvm.return %v : vector<8xi4>
}

// -----

// Widths between bytes go to the next power-of-two byte count: i12 -> i16,
// i24 -> i32; scalars of such types too, and i1.
// CHECK-LABEL: llvm.func @other_widths
//       CHECK:   llvm.zext %{{.*}} : vector<4xi12> to vector<4xi16>
//       CHECK:   llvm.store %{{.*}} : vector<4xi16>, !llvm.ptr
//       CHECK:   llvm.load %{{.*}} {alignment = 4 : i64} : !llvm.ptr -> i32
//       CHECK:   llvm.trunc %{{.*}} : i32 to i24
//       CHECK:   llvm.zext %{{.*}} : i1 to i8
//       CHECK:   llvm.store %{{.*}} {alignment = 1 : i64} : i8, !llvm.ptr
llvm.func @other_widths(%v: vector<4xi12>, %b: i1, %p: !llvm.ptr) -> i24 {
  llvm.store %v, %p {alignment = 2 : i64} : vector<4xi12>, !llvm.ptr
  %s = llvm.load %p : !llvm.ptr -> i24
  llvm.store %b, %p : i1, !llvm.ptr
  llvm.return %s : i24
}

// -----

// Masked accesses: the mask stays i1, the data and the pass-through value
// are widened.
// CHECK-LABEL: llvm.func @masked
//  CHECK-SAME:   (%[[P:.*]]: !llvm.ptr, %[[M:.*]]: vector<8xi1>, %[[PT:.*]]: vector<8xi2>)
//       CHECK:   %[[WPT:.*]] = llvm.zext %[[PT]] : vector<8xi2> to vector<8xi8>
//       CHECK:   %[[L:.*]] = llvm.intr.masked.load %[[P]], %[[M]], %[[WPT]] {alignment = 1 : i32} : (!llvm.ptr, vector<8xi1>, vector<8xi8>) -> vector<8xi8>
//       CHECK:   %[[T:.*]] = llvm.trunc %[[L]] : vector<8xi8> to vector<8xi2>
//       CHECK:   %[[W:.*]] = llvm.zext %[[T]] : vector<8xi2> to vector<8xi8>
//       CHECK:   llvm.intr.masked.store %[[W]], %[[P]], %[[M]] {alignment = 1 : i32} : vector<8xi8>, vector<8xi1> into !llvm.ptr
llvm.func @masked(%p: !llvm.ptr, %m: vector<8xi1>, %pt: vector<8xi2>) {
  %v = llvm.intr.masked.load %p, %m, %pt {alignment = 1 : i32} : (!llvm.ptr, vector<8xi1>, vector<8xi2>) -> vector<8xi2>
  llvm.intr.masked.store %v, %p, %m {alignment = 1 : i32} : vector<8xi2>, vector<8xi1> into !llvm.ptr
  llvm.return
}

// -----

// Gathers and scatters: every lane reads or writes a whole byte.
// CHECK-LABEL: llvm.func @gather_scatter
//       CHECK:   %[[G:.*]] = llvm.intr.masked.gather %{{.*}}, %{{.*}} {alignment = 1 : i32} : (vector<4x!llvm.ptr>, vector<4xi1>) -> vector<4xi8>
//       CHECK:   llvm.trunc %[[G]] : vector<4xi8> to vector<4xi3>
//       CHECK:   llvm.zext %{{.*}} : vector<4xi3> to vector<4xi8>
//       CHECK:   llvm.intr.masked.scatter %{{.*}} : vector<4xi8>, vector<4xi1> into vector<4x!llvm.ptr>
llvm.func @gather_scatter(%ptrs: vector<4x!llvm.ptr>, %m: vector<4xi1>) {
  %v = llvm.intr.masked.gather %ptrs, %m {alignment = 1 : i32} : (vector<4x!llvm.ptr>, vector<4xi1>) -> vector<4xi3>
  llvm.intr.masked.scatter %v, %ptrs, %m {alignment = 1 : i32} : vector<4xi3>, vector<4xi1> into vector<4x!llvm.ptr>
  llvm.return
}

// -----

// A stack slot or an address computation over vectors of sub-byte integers
// steps by the widened vector, as the widened accesses expect.
// CHECK-LABEL: llvm.func @slots
//       CHECK:   llvm.alloca %{{.*}} x vector<8xi8>
//       CHECK:   llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, vector<8xi8>
//       CHECK:   llvm.getelementptr %{{.*}}[%{{.*}}] : (!llvm.ptr, i64) -> !llvm.ptr, i4
llvm.func @slots(%n: i64) -> !llvm.ptr {
  %a = llvm.alloca %n x vector<8xi4> : (i64) -> !llvm.ptr
  %g = llvm.getelementptr %a[%n] : (!llvm.ptr, i64) -> !llvm.ptr, vector<8xi4>
  %h = llvm.getelementptr %g[%n] : (!llvm.ptr, i64) -> !llvm.ptr, i4
  llvm.return %h : !llvm.ptr
}

// -----

// Whole-byte integers and floats are left alone.
// CHECK-LABEL: llvm.func @untouched
//   CHECK-NOT:   llvm.zext
//   CHECK-NOT:   llvm.trunc
//       CHECK:   llvm.store %{{.*}} : vector<8xi8>, !llvm.ptr
//       CHECK:   llvm.store %{{.*}} : vector<8xf32>, !llvm.ptr
llvm.func @untouched(%a: vector<8xi8>, %b: vector<8xf32>, %p: !llvm.ptr) {
  llvm.store %a, %p : vector<8xi8>, !llvm.ptr
  llvm.store %b, %p : vector<8xf32>, !llvm.ptr
  llvm.return
}
