// RUN: quantx-opt %s --split-input-file --convert-quantx-to-arith --quantx-lower-binary-matmuls --canonicalize --verify-diagnostics | FileCheck %s
// RUN: quantx-opt %s --split-input-file --convert-quantx-to-arith --quantx-lower-binary-matmuls=vector-bits=512 --canonicalize --verify-diagnostics | FileCheck %s --check-prefix=ZMM
// RUN: quantx-opt %s --split-input-file --convert-quantx-to-arith --quantx-lower-binary-matmuls="vector-bits=512 vpopcntdq" --canonicalize --verify-diagnostics | FileCheck %s --check-prefix=VPOPCNT
// RUN: not quantx-opt %s --split-input-file --quantx-lower-binary-matmuls=vpopcntdq 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not quantx-opt %s --split-input-file --quantx-lower-binary-matmuls=vector-bits=128 2>&1 | FileCheck %s --check-prefix=BAD-BITS

// BAD: error: quantx-lower-binary-matmuls: vpopcntdq needs vector-bits=512
// BAD-BITS: error: quantx-lower-binary-matmuls: vector-bits must be 256 or 512, not 128

// Five weight rows of five words (K = 300): two panels of four rows, two
// steps of four words on AVX2 (one of eight with AVX-512), zero padded;
// the product becomes a call of the kernel on the packed activations.
// CHECK-LABEL: func.func @product
//       CHECK:   %[[A:.*]] = linalg.generic
//       CHECK:   %[[AB:.*]] = bufferization.to_buffer %[[A]] read_only : tensor<?x5xi64> to memref<?x5xi64>
//       CHECK:   %[[OUT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x5xi32>
//       CHECK:   call @__quantx_binary_kernel_0(%[[AB]], %[[OUT]])
//       CHECK:   bufferization.to_tensor %[[OUT]] restrict writable
//   CHECK-NOT:   math.ctpop
//       CHECK: memref.global "private" constant @__quantx_binary_kernel_0_weights : memref<64xi64> = dense<[1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, -1, -2, -3, -4, 5, 0, 0, 0, 10, 0, 0, 0, 15, 0, 0, 0, -5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0,
//       CHECK: func.func private @__quantx_binary_kernel_0(%{{.*}}: memref<?x5xi64>, %{{.*}}: memref<?x5xi32>) attributes {target_features = #llvm.target_features<["+avx2"]>}
//       CHECK:   scf.for {{.*}} iter_args({{.*}}) -> (vector<4xi64>, vector<4xi64>, vector<4xi64>, vector<4xi64>, vector<4xi64>, vector<4xi64>, vector<4xi64>, vector<4xi64>)
//       CHECK:     arith.xori %{{.*}}, %{{.*}} : vector<4xi64>
//       CHECK:     math.ctpop %{{.*}} : vector<4xi64>
//       CHECK:   vector.reduction <add>
//       CHECK:   arith.subi %c300_i64
//       CHECK:   arith.trunci %{{.*}} : i64 to i32
// ZMM-LABEL: func.func private @__quantx_binary_kernel_0
//  ZMM-SAME:   target_features = #llvm.target_features<["+avx512f", "+avx512bw"]>
//       ZMM:   math.ctpop %{{.*}} : vector<8xi64>
// VPOPCNT-LABEL: func.func private @__quantx_binary_kernel_0
//  VPOPCNT-SAME:   target_features = #llvm.target_features<["+avx512f", "+avx512bw", "+avx512vpopcntdq"]>
func.func @product(%x: tensor<?x300xf32>) -> tensor<?x5xi32> {
  %w = arith.constant dense<[[1, 2, 3, 4, 5], [6, 7, 8, 9, 10], [11, 12, 13, 14, 15], [-1, -2, -3, -4, -5], [0, 0, 0, 0, 255]]> : tensor<5x5xi64>
  %a = quantx.pack_signs %x : tensor<?x300xf32> to tensor<?x5xi64>
  %d = quantx.binary_matmul %a, %w k 300 : tensor<?x5xi64>, tensor<5x5xi64> -> tensor<?x5xi32>
  return %d : tensor<?x5xi32>
}

// -----

// Weights computed at run time stay with the generic lowering.
// CHECK-LABEL: func.func @runtime_weights
//       CHECK:   math.ctpop
//   CHECK-NOT:   call
func.func @runtime_weights(%x: tensor<?x64xf32>, %y: tensor<3x64xf32>) -> tensor<?x3xi32> {
  %a = quantx.pack_signs %x : tensor<?x64xf32> to tensor<?x1xi64>
  %b = quantx.pack_signs %y : tensor<3x64xf32> to tensor<3x1xi64>
  // expected-remark @+1 {{binary kernel not used: its weights are not known at compile time}}
  %d = quantx.binary_matmul %a, %b k 64 : tensor<?x1xi64>, tensor<3x1xi64> -> tensor<?x3xi32>
  return %d : tensor<?x3xi32>
}
