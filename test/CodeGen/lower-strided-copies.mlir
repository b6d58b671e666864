// RUN: quantx-opt %s --pass-pipeline="builtin.module(func.func(quantx-lower-strided-copies))" --split-input-file | FileCheck %s

// A copy into a strided slice becomes linalg.copy (loops, no runtime call).
// CHECK-LABEL: func.func @into_strided
//   CHECK-NOT:   memref.copy
//       CHECK:   linalg.copy ins(%{{.*}} : memref<4xf32>) outs(%{{.*}} : memref<4xf32, strided<[2]>>)
func.func @into_strided(%src: memref<4xf32>, %dst: memref<8xf32>) {
  %s = memref.subview %dst[0] [4] [2] : memref<8xf32> to memref<4xf32, strided<[2]>>
  memref.copy %src, %s : memref<4xf32> to memref<4xf32, strided<[2]>>
  return
}

// -----

// Out of a non-contiguous 2-D window as well.
// CHECK-LABEL: func.func @from_window
//       CHECK:   linalg.copy
//   CHECK-NOT:   memref.copy
func.func @from_window(%src: memref<8x8xf32>, %dst: memref<2x3xf32>) {
  %s = memref.subview %src[1, 2] [2, 3] [1, 1] : memref<8x8xf32> to memref<2x3xf32, strided<[8, 1], offset: 10>>
  memref.copy %s, %dst : memref<2x3xf32, strided<[8, 1], offset: 10>> to memref<2x3xf32>
  return
}

// -----

// Contiguous copies stay memref.copy (a memcpy), a contiguous subview too.
// CHECK-LABEL: func.func @contiguous
//   CHECK-NOT:   linalg.copy
//       CHECK:   memref.copy %{{.*}}, %{{.*}} : memref<4xf32> to memref<4xf32>
//       CHECK:   memref.copy %{{.*}}, %{{.*}} : memref<2x8xf32, strided<[8, 1], offset: 16>> to memref<2x8xf32>
func.func @contiguous(%a: memref<4xf32>, %b: memref<4xf32>, %m: memref<8x8xf32>, %r: memref<2x8xf32>) {
  memref.copy %a, %b : memref<4xf32> to memref<4xf32>
  %rows = memref.subview %m[2, 0] [2, 8] [1, 1] : memref<8x8xf32> to memref<2x8xf32, strided<[8, 1], offset: 16>>
  memref.copy %rows, %r : memref<2x8xf32, strided<[8, 1], offset: 16>> to memref<2x8xf32>
  return
}
