// RUN: quantx-opt %s --quantx-check-allocations --split-input-file | FileCheck %s

// A static buffer: only the null check (out of memory), after the malloc.
// CHECK-LABEL: func.func private @__quantx_allocation_failed(
//  CHECK-SAME:     %[[MSG:.*]]: !llvm.ptr, %[[LEN:.*]]: i64)
//       CHECK:   %[[FD:.*]] = llvm.mlir.constant(2 : i32) : i32
//       CHECK:   llvm.call @write(%[[FD]], %[[MSG]], %[[LEN]])
//       CHECK:   llvm.call @abort()
// CHECK-LABEL: func.func @static_buffer
//       CHECK:   %[[M:.*]] = memref.alloc() : memref<1024x1024xf32>
//       CHECK:   %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[M]]
//       CHECK:   %[[NULL:.*]] = arith.cmpi eq, %[[P]], %{{.*}} : index
//       CHECK:   scf.if %[[NULL]] {
//       CHECK:     %[[A:.*]] = llvm.mlir.addressof @__quantx_allocation_message_0
//       CHECK:     func.call @__quantx_allocation_failed(%[[A]], %{{.*}})
//       CHECK:   return %[[M]]
//       CHECK: llvm.mlir.global internal constant @__quantx_allocation_message_0("quantx: cannot allocate a buffer of type memref<1024x1024xf32> ({{.*}}check-allocations.mlir:{{[0-9]+}}:{{[0-9]+}}): out of memory\0A")
func.func @static_buffer() -> memref<1024x1024xf32> {
  %m = memref.alloc() : memref<1024x1024xf32>
  return %m : memref<1024x1024xf32>
}

// -----

// A dynamic buffer: the size is multiplied out with overflow detection
// before the malloc (4096 bytes per row times %n), and the null check after
// it only counts for a non-empty buffer.
// CHECK-LABEL: func.func @dynamic_buffer
//  CHECK-SAME:     (%[[N:.*]]: index)
//   CHECK-DAG:   %[[ROW:.*]] = arith.constant 4096 : i64
//       CHECK:   %[[N64:.*]] = arith.index_castui %[[N]] : index to i64
//       CHECK:   %[[LO:.*]], %[[HI:.*]] = arith.mului_extended %[[ROW]], %[[N64]] : i64
//       CHECK:   arith.cmpi ne, %[[HI]]
//       CHECK:   arith.cmpi slt, %[[LO]]
//       CHECK:   scf.if
//       CHECK:     func.call @__quantx_allocation_failed
//       CHECK:   %[[M:.*]] = memref.alloc(%[[N]]) : memref<?x1024xf32>
//       CHECK:   memref.extract_aligned_pointer_as_index %[[M]]
//       CHECK:   arith.cmpi ne, %[[LO]]
//       CHECK:   scf.if
//       CHECK:     func.call @__quantx_allocation_failed
//   CHECK-DAG: llvm.mlir.global internal constant @__quantx_allocation_message_{{[01]}}("quantx: cannot allocate a buffer of type memref<?x1024xf32> ({{.*}}): its size in bytes does not fit in 63 bits\0A")
//   CHECK-DAG: llvm.mlir.global internal constant @__quantx_allocation_message_{{[01]}}("quantx: cannot allocate a buffer of type memref<?x1024xf32> ({{.*}}): out of memory\0A")
func.func @dynamic_buffer(%n: index) -> memref<?x1024xf32> {
  %m = memref.alloc(%n) : memref<?x1024xf32>
  return %m : memref<?x1024xf32>
}

// -----

// An empty static buffer may come back null from malloc: no check.
// CHECK-LABEL: func.func @empty_buffer
//   CHECK-NOT:   scf.if
//       CHECK:   return
func.func @empty_buffer() -> memref<0x16xf32> {
  %m = memref.alloc() : memref<0x16xf32>
  return %m : memref<0x16xf32>
}

// -----

// A stack buffer of a dynamic size is checked against 1 MiB before it is
// made; a small static one is left alone.
// CHECK-LABEL: func.func @dynamic_stack_buffer
//  CHECK-SAME:     (%[[N:.*]]: index)
//       CHECK:   %[[N64:.*]] = arith.index_castui %[[N]] : index to i64
//       CHECK:   %[[LO:.*]], %[[HI:.*]] = arith.mului_extended %{{.*}}, %[[N64]] : i64
//       CHECK:   %[[LIMIT:.*]] = arith.constant 1048576 : i64
//       CHECK:   %[[BIG:.*]] = arith.cmpi ugt, %[[LO]], %[[LIMIT]] : i64
//       CHECK:   scf.if
//       CHECK:     func.call @__quantx_allocation_failed
//       CHECK:   memref.alloca(%[[N]]) : memref<?xf32>
//       CHECK:   memref.alloca() : memref<16xf32>
//   CHECK-NOT:   scf.if
//       CHECK:   return
//       CHECK: llvm.mlir.global internal constant @__quantx_allocation_message_0("quantx: cannot make a stack buffer of type memref<?xf32> ({{.*}}): it needs more than 1048576 bytes\0A")
func.func @dynamic_stack_buffer(%n: index) {
  %m = memref.alloca(%n) : memref<?xf32>
  %s = memref.alloca() : memref<16xf32>
  return
}
