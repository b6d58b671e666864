// RUN: quantx-opt %s --quantx-to-llvm | FileCheck %s
// RUN: quantx-opt %s --quantx-to-llvm="vectorize=false" | FileCheck %s --check-prefix=SCALAR
// RUN: quantx-opt %s --quantx-to-llvm="emit-c-interface=false" | FileCheck %s --check-prefix=NOCIFACE

// The whole pipeline: quantx formats, a matmul, an elementwise op and
// a sub-byte tensor in, only the LLVM dialect out.

// CHECK-NOT: quantx.
// CHECK-NOT: linalg.
// CHECK-NOT: tensor.
// CHECK-NOT: memref.
// CHECK-NOT: vector.transfer
// CHECK-NOT: scf.
// CHECK-NOT: func.func
// CHECK-NOT: unrealized_conversion_cast

// The public function, vectorized: the register tile's FMAs on rows of 16
// floats (the default vector-bits=256 tile is 6x16x8), then its C wrapper
// taking memref descriptors.
// CHECK-LABEL: llvm.func @layer(
//       CHECK:   llvm.intr.fmuladd{{.*}}vector<16xf32>
// CHECK-LABEL: llvm.func @_mlir_ciface_layer(

// Without vectorization, no vector code at all.
// SCALAR-NOT: vector<
// SCALAR-LABEL: llvm.func @layer(
// SCALAR-LABEL: llvm.func @_mlir_ciface_layer(

// NOCIFACE-NOT: _mlir_ciface_layer

func.func @layer(%x: tensor<12x32xf32>, %w: tensor<32x16xf32>) -> (tensor<12x16xf32>, tensor<12x16x!quantx.fixed<i4:f32, 0.25>>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<12x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<12x16xf32>) -> tensor<12x16xf32>
  %wq = quantx.fake_quant %w to !quantx.float<e4m3> : tensor<32x16xf32>
  %y = linalg.matmul ins(%x, %wq : tensor<12x32xf32>, tensor<32x16xf32>) outs(%f : tensor<12x16xf32>) -> tensor<12x16xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<12x16xf32>) outs(%e : tensor<12x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<12x16xf32>
  %q = quantx.quantize %r : tensor<12x16xf32> to tensor<12x16x!quantx.fixed<i4:f32, 0.25>>
  return %r, %q : tensor<12x16xf32>, tensor<12x16x!quantx.fixed<i4:f32, 0.25>>
}
