// RUN: quantx-opt %s --split-input-file --convert-quantx-to-arith --quantx-lower-binary-matmuls --canonicalize --verify-diagnostics | FileCheck %s
// RUN: quantx-opt %s --split-input-file --convert-quantx-to-arith --quantx-lower-binary-matmuls=vector-bits=512 --canonicalize --verify-diagnostics | FileCheck %s --check-prefix=ZMM
// RUN: quantx-opt %s --split-input-file --convert-quantx-to-arith --quantx-lower-binary-matmuls="vector-bits=512 vpopcntdq" --canonicalize --verify-diagnostics | FileCheck %s --check-prefix=VPOPCNT
// RUN: not quantx-opt %s --split-input-file --quantx-lower-binary-matmuls=vpopcntdq 2>&1 | FileCheck %s --check-prefix=BAD
// RUN: not quantx-opt %s --split-input-file --quantx-lower-binary-matmuls=vector-bits=128 2>&1 | FileCheck %s --check-prefix=BAD-BITS

// BAD: error: quantx-lower-binary-matmuls: vpopcntdq needs vector-bits=512
// BAD-BITS: error: quantx-lower-binary-matmuls: vector-bits must be 256 or 512, not 128

// Five weight rows of five words (K = 300): the weights transposed into a
// panel of two vectors of four weight rows per word (zero padded past the
// fifth), one broadcast activation word per row and step, 4 x 2 vector
// accumulators on AVX2 (6 x 3 of eight lanes with AVX-512), counting in
// bytes (the nibble lookup's result) summed by vpsadbw after each block of
// at most 31 words, or in 64-bit lanes with VPOPCNTDQ; the product becomes
// a call of the kernel on the packed activations.
// CHECK-LABEL: func.func @product
//       CHECK:   %[[A:.*]] = scf.for
//       CHECK:   %[[AB:.*]] = bufferization.to_buffer %[[A]] read_only : tensor<?x5xi64> to memref<?x5xi64>
//       CHECK:   %[[OUT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x5xi32>
//       CHECK:   call @__quantx_binary_kernel_0(%[[AB]], %[[OUT]])
//       CHECK:   bufferization.to_tensor %[[OUT]] restrict writable
//   CHECK-NOT:   math.ctpop
//       CHECK: memref.global "private" constant @__quantx_binary_kernel_0_weights : memref<40xi64> = dense<[1, 6, 11, -1, 0, 0, 0, 0, 2, 7, 12, -2, 0, 0, 0, 0, 3, 8, 13, -3, 0, 0, 0, 0, 4, 9, 14, -4, 0, 0, 0, 0, 5, 10, 15, -5, 255, 0, 0, 0]>
//       CHECK: func.func private @__quantx_binary_kernel_0(%{{.*}}: memref<?x5xi64>, %{{.*}}: memref<?x5xi32>) attributes {target_features = #llvm.target_features<["+avx2"]>}
//       CHECK:   scf.for {{.*}} step %c4
//       CHECK:   scf.for {{.*}} iter_args({{.*}}) -> (vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>)
//       CHECK:     vector.broadcast %{{.*}} : i64 to vector<4xi64>
//       CHECK:     arith.xori %{{.*}}, %{{.*}} : vector<4xi64>
//       CHECK:     vector.bitcast %{{.*}} : vector<4xi64> to vector<32xi8>
//       CHECK:     math.ctpop %{{.*}} : vector<32xi8>
//       CHECK:   call @llvm.x86.avx2.psad.bw(%{{.*}}, %{{.*}}) : (vector<32xi8>, vector<32xi8>) -> vector<4xi64>
//       CHECK:   vector.constant_mask [1] : vector<4xi1>
//       CHECK:   vector.maskedstore
// ZMM-LABEL: func.func private @__quantx_binary_kernel_0
//  ZMM-SAME:   target_features = #llvm.target_features<["+avx512f", "+avx512bw"]>
//       ZMM:   iter_args({{.*}}) -> (vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>, vector<64xi8>)
//       ZMM:   math.ctpop %{{.*}} : vector<64xi8>
//       ZMM:   call @llvm.x86.avx512.psad.bw.512
// VPOPCNTDQ counts in 64-bit lanes directly.
// VPOPCNT-LABEL: func.func private @__quantx_binary_kernel_0
//  VPOPCNT-SAME:   target_features = #llvm.target_features<["+avx512f", "+avx512bw", "+avx512vpopcntdq"]>
//       VPOPCNT:   iter_args({{.*}}) -> (vector<8xi64>,
//       VPOPCNT:   math.ctpop %{{.*}} : vector<8xi64>
//   VPOPCNT-NOT:   psad.bw
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

// -----

// A ternary product of sign activations by ternary weights (one word, two
// planes): per word the weights' signs then masks of the panel, one
// popcount of (a xor signs) & mask per vector, and each column's count of
// nonzero weights (a constant: 3 and 1, 0 past N) minus twice the sum.
// CHECK-LABEL: func.func @ternary_weights
//       CHECK:   call @__quantx_binary_kernel_0(
//   CHECK-DAG: memref.global "private" constant @__quantx_binary_kernel_0_weights : memref<16xi64> = dense<[5, 1, 0, 0, 0, 0, 0, 0, 7, 1, 0, 0, 0, 0, 0, 0]>
//   CHECK-DAG: memref.global "private" constant @__quantx_binary_kernel_0_counts : memref<8xi64> = dense<[3, 1, 0, 0, 0, 0, 0, 0]>
//       CHECK: func.func private @__quantx_binary_kernel_0(%{{.*}}: memref<?x1xi64>, %{{.*}}: memref<?x2xi32>)
//       CHECK:     arith.xori %{{.*}}, %{{.*}} : vector<4xi64>
//       CHECK:     arith.andi %{{.*}}, %{{.*}} : vector<4xi64>
//       CHECK:     math.ctpop %{{.*}} : vector<32xi8>
//       CHECK:   memref.get_global @__quantx_binary_kernel_0_counts
func.func @ternary_weights(%x: tensor<?x3xf32>) -> tensor<?x2xi32> {
  %w = arith.constant dense<[[[5], [7]], [[1], [1]]]> : tensor<2x2x1xi64>
  %a = quantx.pack_signs %x : tensor<?x3xf32> to tensor<?x1xi64>
  %d = quantx.ternary_matmul %a, %w k 3 : tensor<?x1xi64>, tensor<2x2x1xi64> -> tensor<?x2xi32>
  return %d : tensor<?x2xi32>
}

// -----

// Ternary activations by ternary weights (K = 130, three words): two
// accumulators per tile element (nonzero pairs and differing signs), half
// the rows.
// CHECK-LABEL: func.func @ternary_both
//       CHECK: func.func private @__quantx_binary_kernel_0(%{{.*}}: memref<?x2x3xi64>, %{{.*}}: memref<?x2xi32>)
//       CHECK:   scf.for {{.*}} step %c2
//       CHECK:   scf.for {{.*}} iter_args({{.*}}) -> (vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>, vector<32xi8>)
func.func @ternary_both(%x: tensor<?x130xi8>) -> tensor<?x2xi32> {
  %w = arith.constant dense<[[[5, 0, 1], [7, 0, 3]], [[1, 2, 3], [1, 0, 0]]]> : tensor<2x2x3xi64>
  %a = quantx.pack_ternary %x : tensor<?x130xi8> to tensor<?x2x3xi64>
  %d = quantx.ternary_matmul %a, %w k 130 : tensor<?x2x3xi64>, tensor<2x2x3xi64> -> tensor<?x2xi32>
  return %d : tensor<?x2xi32>
}

// -----

// Float rows by constant binary weights (quantx.sign_matmul), K = 70, three
// weight rows (one vector of eight columns, so eight rows of accumulators
// on AVX2): per k one byte of the columns' negative bits (k = 0: column 1;
// k = 1: column 0; k = 2 to 68: columns 0 and 1; k = 69: column 1), each
// bit shifted into its lane's sign bit and masked, flipping the sign of
// the broadcast activation, added in increasing k. With AVX-512: 16 lanes,
// two bytes per k.
// CHECK-LABEL: func.func @sign_weights
//       CHECK:   call @__quantx_binary_kernel_0(%{{.*}}, %{{.*}}) : (memref<?x70xf32>, memref<?x3xf32>) -> ()
//       CHECK: memref.global "private" constant @__quantx_binary_kernel_0_weights : memref<70xi8> = dense<{{\[}}2, 1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 2]>
//       CHECK: func.func private @__quantx_binary_kernel_0
//       CHECK:   %[[SIGN:.*]] = arith.constant dense<-2147483648> : vector<8xi32>
//       CHECK:   %[[SHIFTS:.*]] = arith.constant dense<[31, 30, 29, 28, 27, 26, 25, 24]> : vector<8xi32>
//       CHECK:   scf.for {{.*}} step %c8
//       CHECK:   scf.for %[[K:.*]] = %c0 to %c70 step %c1 iter_args({{.*}}) -> (vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>, vector<8xf32>)
//       CHECK:     %[[BITS:.*]] = memref.load %{{.*}}[%[[K]]] : memref<70xi8>
//       CHECK:     %[[WIDE:.*]] = arith.extui %[[BITS]] : i8 to i32
//       CHECK:     %[[B:.*]] = vector.broadcast %[[WIDE]] : i32 to vector<8xi32>
//       CHECK:     %[[SH:.*]] = arith.shli %[[B]], %[[SHIFTS]] : vector<8xi32>
//       CHECK:     %[[FLIP:.*]] = arith.andi %[[SH]], %[[SIGN]] : vector<8xi32>
//       CHECK:     %[[X:.*]] = memref.load %{{.*}}[%{{.*}}, %[[K]]] : memref<?x70xf32>
//       CHECK:     %[[XB:.*]] = vector.broadcast %[[X]] : f32 to vector<8xf32>
//       CHECK:     %[[XI:.*]] = vector.bitcast %[[XB]] : vector<8xf32> to vector<8xi32>
//       CHECK:     %[[T:.*]] = arith.xori %[[XI]], %[[FLIP]] : vector<8xi32>
//       CHECK:     %[[TF:.*]] = vector.bitcast %[[T]] : vector<8xi32> to vector<8xf32>
//       CHECK:     arith.addf %{{.*}}, %[[TF]] : vector<8xf32>
//   CHECK-NOT:     arith.mulf
//       CHECK:   vector.maskedstore
// ZMM-LABEL: func.func @sign_weights
//       ZMM: memref.global "private" constant @__quantx_binary_kernel_0_weights : memref<70xi16>
//       ZMM:   arith.constant dense<[31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16]> : vector<16xi32>
//       ZMM:     arith.extui %{{.*}} : i16 to i32
//       ZMM:     arith.addf %{{.*}}, %{{.*}} : vector<16xf32>
func.func @sign_weights(%x: tensor<?x70xf32>) -> tensor<?x3xf32> {
  %w = arith.constant dense<[[1, 32], [2, 0], [-1, -1]]> : tensor<3x2xi64>
  %y = quantx.sign_matmul %x, %w : tensor<?x70xf32>, tensor<3x2xi64> -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// Ternary weights: a second plane per k, the nonzero bits shifted into the
// sign bit and spread over the lane by an arithmetic shift, clearing the
// term of a zero weight (+0). Per k, negative then nonzero bits: k = 0:
// none, columns 0, 2, 3; k = 1: 0 and 2, then 0, 2, 3; k = 2: none, then
// 2 and 3; k = 3 to 63: none, then 3; k = 64: 0, then 0, 2, 3 (column 1 is
// all zeros). Weights not known at compile time: the generic stays, with
// a remark.
// CHECK-LABEL: func.func @sign_ternary
//       CHECK:   call @__quantx_binary_kernel_0
//       CHECK:   linalg.generic
//       CHECK: memref.global "private" constant @__quantx_binary_kernel_0_weights : memref<130xi8> = dense<"0x000D050D000C0008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008000800080008010D">
//       CHECK: func.func private @__quantx_binary_kernel_0
//       CHECK:     arith.shrsi %{{.*}}, %{{.*}} : vector<8xi32>
//       CHECK:     arith.xori
//       CHECK:     arith.andi
//       CHECK:     arith.addf
func.func @sign_ternary(%x: tensor<?x65xf32>, %v: tensor<4x2xi64>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %w = arith.constant dense<[[[1, 0], [3, 1]], [[0, 0], [0, 0]], [[5, 1], [7, 1]], [[-1, 1], [-1, 1]]]> : tensor<4x2x2xi64>
  %y = quantx.sign_matmul %x, %w : tensor<?x65xf32>, tensor<4x2x2xi64> -> tensor<?x4xf32>
  // expected-remark @+1 {{binary kernel not used: its weights are not known at compile time}}
  %z = quantx.sign_matmul %x, %v : tensor<?x65xf32>, tensor<4x2xi64> -> tensor<?x4xf32>
  return %y, %z : tensor<?x4xf32>, tensor<?x4xf32>
}

// -----

// A result typed with a dynamic N: the kernel writes the weights' N
// columns and the result is cast back. No weight rows: no kernel, with a
// remark.
// CHECK-LABEL: func.func @sign_dynamic_n
//       CHECK:   %[[OUT:.*]] = memref.alloc(%{{.*}}) {alignment = 64 : i64} : memref<?x3xf32>
//       CHECK:   call @__quantx_binary_kernel_0
//       CHECK:   %[[T:.*]] = bufferization.to_tensor %[[OUT]]
//       CHECK:   tensor.cast %[[T]] : tensor<?x3xf32> to tensor<?x?xf32>
func.func @sign_dynamic_n(%x: tensor<?x65xf32>) -> (tensor<?x?xf32>, tensor<?x0xf32>) {
  %w = arith.constant dense<[[-1, 1], [0, 0], [12345, -9876]]> : tensor<3x2xi64>
  %y = quantx.sign_matmul %x, %w : tensor<?x65xf32>, tensor<3x2xi64> -> tensor<?x?xf32>
  %none = arith.constant dense<0> : tensor<0x2xi64>
  // expected-remark @+1 {{binary kernel not used: it has no weight rows}}
  %z = quantx.sign_matmul %x, %none : tensor<?x65xf32>, tensor<0x2xi64> -> tensor<?x0xf32>
  return %y, %z : tensor<?x?xf32>, tensor<?x0xf32>
}
