// The binary kernels' popcount follows the options, not the host: the
// kernel function carries its target features, so llc emits the same
// instructions everywhere (unittests/Conversion/BinaryOpsJitTest.cpp runs
// the kernel the host's options select).
// RUN: quantx-opt %s --quantx-to-llvm | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64 | FileCheck %s --check-prefix=YMM
// RUN: quantx-opt %s --quantx-to-llvm="vector-bits=512 vpopcntdq" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64 | FileCheck %s --check-prefix=ZMM
// RUN: quantx-opt %s --quantx-to-llvm="vector-bits=512" | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64 | FileCheck %s --check-prefix=ZMM-BW

// AVX2: the nibble lookup (vpshufb) and byte sums (vpsadbw) on ymm.
// YMM-LABEL: __quantx_binary_kernel_0:
//       YMM: vpxor {{.*}}%ymm
//       YMM: vpshufb {{.*}}%ymm
//       YMM: vpsadbw {{.*}}%ymm
//   YMM-NOT: zmm
//   YMM-NOT: popcnt
// AVX-512 without VPOPCNTDQ: the nibble lookup on zmm, byte counts summed
// by vpsadbw.
// ZMM-BW-LABEL: __quantx_binary_kernel_0:
//       ZMM-BW: vpshufb {{.*}}%zmm
//       ZMM-BW: vpsadbw {{.*}}%zmm
//   ZMM-BW-NOT: vpopcntq
// AVX-512 VPOPCNTDQ: one vpopcntq per vector of eight words.
// ZMM-LABEL: __quantx_binary_kernel_0:
//       ZMM: vpopcntq {{.*}}%zmm
//   ZMM-NOT: vpshufb

// Float rows by packed weights: each weight bit shifted into a lane's
// sign bit (vpsllvd), the broadcast activation's sign flipped (vpxor) and
// added (vaddps); no multiply anywhere in the kernel.
// YMM-LABEL: __quantx_binary_kernel_1:
//   YMM-NOT: vmulps
//   YMM-NOT: vfmadd
//       YMM: vpsllvd {{.*}}%ymm
//   YMM-NOT: vmulps
//   YMM-NOT: vfmadd
//       YMM: vpxor {{.*}}%ymm
//       YMM: vaddps {{.*}}%ymm
//   YMM-NOT: vmulps
//   YMM-NOT: vfmadd
//       YMM: .Lfunc_end
// ZMM-LABEL: __quantx_binary_kernel_1:
//       ZMM: vpsllvd {{.*}}%zmm
//       ZMM: vaddps {{.*}}%zmm
//   ZMM-NOT: vfmadd
//       ZMM: .Lfunc_end

func.func @product(%x: tensor<?x256xf32>) -> tensor<?x8xi32> {
  %w = arith.constant dense<7> : tensor<8x4xi64>
  %a = quantx.pack_signs %x : tensor<?x256xf32> to tensor<?x4xi64>
  %d = quantx.binary_matmul %a, %w k 256 : tensor<?x4xi64>, tensor<8x4xi64> -> tensor<?x8xi32>
  return %d : tensor<?x8xi32>
}

func.func @signs(%x: tensor<?x256xf32>) -> tensor<?x8xf32> {
  %w = arith.constant dense<7> : tensor<8x4xi64>
  %y = quantx.sign_matmul %x, %w : tensor<?x256xf32>, tensor<8x4xi64> -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
