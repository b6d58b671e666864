// REQUIRES: torch
// Signs packed per pixel before max pooling and window gathers
// (quantx-fold-binary's pack-pixels) never change a result: binary layers
// after pooling, padding with -1, 0 and +1 and window gathers, for channel
// counts of 8 to 32 and multiples of 64 (packed) and 1 to 4, 3 and 48
// (left as bytes), written by Inputs/pixel_models.py, run with and
// without pack-pixels and through the scalar loops on random inputs with
// zeros and -0: the same bits (Inputs/pixel_check.py).
// RUN: %torch_python %S/Inputs/pixel_models.py %t.mlir > %t.cases
// RUN: quantx-opt %t.mlir --quantx-fold-binary -o %t.on.mlir
// RUN: quantx-opt %t.mlir --quantx-fold-binary=pack-pixels=false -o %t.off.mlir
// RUN: FileCheck %s < %t.on.mlir
// RUN: %torch_python %S/Inputs/pixel_check.py quantx-runner %t
// Packed per pixel: no max pooling is left but those of the channel
// counts below 8 or neither dividing 64 nor its multiples.
// CHECK-LABEL: func.func @case0
//       CHECK:   linalg.pooling_nhwc_max {{.*}} -> tensor<?x4x4x1xi8>
// CHECK-LABEL: func.func @case3
//   CHECK-NOT:   linalg.pooling_nhwc_max
//       CHECK:   quantx.pack_signs %{{.*}} : tensor<?x8x8x8xi8> to tensor<?x8x8x1xi64>
//       CHECK:   arith.ori
// CHECK-LABEL: func.func @case8
//   CHECK-NOT:   linalg.pooling_nhwc_max
//       CHECK:   quantx.pack_signs %{{.*}} : tensor<?x5x5x128xi8> to tensor<?x5x5x2xi64>
// CHECK-LABEL: func.func @case9
//       CHECK:   linalg.pooling_nhwc_max {{.*}} -> tensor<?x4x4x3xi8>
// CHECK-LABEL: func.func @case10
//       CHECK:   linalg.pooling_nhwc_max {{.*}} -> tensor<?x3x3x48xi8>
