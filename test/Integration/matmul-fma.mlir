// REQUIRES: cpu-avx2, cpu-fma
// The register-blocked matmul becomes packed FMAs on ymm registers (AVX2):
// outer products of a broadcast A element and a row of B.
// RUN: quantx-opt %s --quantx-tile-vectorize-matmul="register-tile=6,16,8" \
// RUN:     --quantx-to-llvm \
// RUN:   | mlir-translate --mlir-to-llvmir \
// RUN:   | llc -O3 -mattr=+avx2,+fma -o - \
// RUN:   | FileCheck %s

// CHECK-LABEL: gemm:
//       CHECK: vfmadd{{[0-9]+}}ps {{.*}}%ymm
func.func @gemm(%a: tensor<96x64xf32>, %b: tensor<64x128xf32>) -> tensor<96x128xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<96x128xf32>
  %c = linalg.fill ins(%zero : f32) outs(%e : tensor<96x128xf32>) -> tensor<96x128xf32>
  %r = linalg.matmul ins(%a, %b : tensor<96x64xf32>, tensor<64x128xf32>) outs(%c : tensor<96x128xf32>) -> tensor<96x128xf32>
  return %r : tensor<96x128xf32>
}
