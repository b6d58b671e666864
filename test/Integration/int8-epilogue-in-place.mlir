// REQUIRES: torch
// Epilogue stages that write in place (a bias add and a clamp whose init is
// the previous result) are fused into the int8 kernel's store: the kernel
// gives the same outputs as the kernel-free loops (--vectorize=false).
// RUN: %torch_python -c "import numpy as n; n.save('%t.a.npy', n.random.default_rng(2).integers(-128, 128, size=(37, 4)).astype(n.int8))"
// RUN: quantx-runner run %s -e in_place --input %t.a.npy --output %t.kernel.npy 2>&1 | FileCheck %s --allow-empty --check-prefix=NOREMARK
// NOREMARK-NOT: int8 kernel not used
// RUN: quantx-runner run %s -e in_place --input %t.a.npy --output %t.loops.npy --vectorize=false > /dev/null
// RUN: %torch_python -c "import numpy as n, sys; a, b = n.load('%t.kernel.npy'), n.load('%t.loops.npy'); sys.exit(0 if a.shape == (37, 16) and n.array_equal(a, b) else 1)"

func.func @in_place(%a: tensor<?x4xi8>) -> tensor<?x16xf32> {
  %w = arith.constant dense<[[3, -5, 7, 1, 2, -128, 127, 0, 9, -9, 4, 4, 5, 6, -7, 8], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16], [-1, -2, -3, -4, -5, -6, -7, -8, -9, -10, -11, -12, -13, -14, -15, -16], [100, -100, 50, -50, 25, -25, 12, -12, 6, -6, 3, -3, 1, -1, 0, 127]]> : tensor<4x16xi8>
  %scale = arith.constant dense<[0.5, 0.25, 0.125, 1.5, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09, 0.1, 0.11, 0.12]> : tensor<16xf32>
  %bias = arith.constant dense<[0.25, -0.5, 1.0, 2.0, -3.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]> : tensor<16xf32>
  %za = arith.constant -3 : i32
  %zero = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x4xi8>
  %e = tensor.empty(%n) : tensor<?x16xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<?x16xi32>) -> tensor<?x16xi32>
  %acc = linalg.quantized_matmul ins(%a, %w, %za, %zero : tensor<?x4xi8>, tensor<4x16xi8>, i32, i32) outs(%f : tensor<?x16xi32>) -> tensor<?x16xi32>
  %ef = tensor.empty(%n) : tensor<?x16xf32>
  %d = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%acc, %scale : tensor<?x16xi32>, tensor<16xf32>) outs(%ef : tensor<?x16xf32>) {
  ^bb0(%v: i32, %s: f32, %o: f32):
    %x = arith.sitofp %v : i32 to f32
    %y = arith.mulf %x, %s : f32
    linalg.yield %y : f32
  } -> tensor<?x16xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%d, %bias : tensor<?x16xf32>, tensor<16xf32>) outs(%d : tensor<?x16xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %y = arith.addf %v, %c : f32
    linalg.yield %y : f32
  } -> tensor<?x16xf32>
  %one = arith.constant 1.0 : f32
  %c = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%b : tensor<?x16xf32>) outs(%b : tensor<?x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %y = arith.minimumf %v, %one : f32
    linalg.yield %y : f32
  } -> tensor<?x16xf32>
  return %c : tensor<?x16xf32>
}
