// RUN: quantx-opt %s --quantx-fold-empty-tensors --split-input-file | FileCheck %s
// RUN: %torch_python -c "import numpy as n; n.save('%t.x.npy', n.zeros((0, 5, 5, 3), n.float32))"
// RUN: quantx-runner run %s -e pad --input %t.x.npy --output %t.y.npy --vectorize=false | FileCheck %s --check-prefix=JIT
// RUN: quantx-runner run %s -e pad --input %t.x.npy --output %t.y.npy | FileCheck %s --check-prefix=JIT
// REQUIRES: torch

// A pad and a generic of a static batch of 0 compute nothing: tensor.empty
// (a pad of it failed to lower: a subview at offset 0 of a size-0
// dimension). A dynamic or non-empty result stays.
// CHECK-LABEL: func.func @pad
//   CHECK-NOT:   tensor.pad
//   CHECK-NOT:   linalg.generic
//       CHECK:   tensor.empty() : tensor<0x7x7x3xf32>
//   CHECK-NOT:   tensor.pad
//   CHECK-NOT:   linalg.generic
//       CHECK:   return %{{.*}} : tensor<0x7x7x3xf32>
// JIT: shape (0, 7, 7, 3)
func.func @pad(%x: tensor<0x5x5x3xf32>) -> tensor<0x7x7x3xf32> {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %zero : f32
  } : tensor<0x5x5x3xf32> to tensor<0x7x7x3xf32>
  %e = tensor.empty() : tensor<0x7x7x3xf32>
  %g = linalg.generic {indexing_maps = [affine_map<(n, h, w, c) -> (n, h, w, c)>, affine_map<(n, h, w, c) -> (n, h, w, c)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p : tensor<0x7x7x3xf32>) outs(%e : tensor<0x7x7x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<0x7x7x3xf32>
  return %g : tensor<0x7x7x3xf32>
}

// -----

// CHECK-LABEL: func.func @kept
//       CHECK:   tensor.pad
//       CHECK:   tensor.pad
func.func @kept(%x: tensor<?x5xf32>, %y: tensor<1x5xf32>) -> (tensor<?x7xf32>, tensor<1x7xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1] high[0, 1] {
  ^bb0(%a: index, %b: index):
    tensor.yield %zero : f32
  } : tensor<?x5xf32> to tensor<?x7xf32>
  %q = tensor.pad %y low[0, 1] high[0, 1] {
  ^bb0(%a: index, %b: index):
    tensor.yield %zero : f32
  } : tensor<1x5xf32> to tensor<1x7xf32>
  return %p, %q : tensor<?x7xf32>, tensor<1x7xf32>
}
