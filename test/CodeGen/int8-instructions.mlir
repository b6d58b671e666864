// The int8 kernels' instructions follow the int8-dot option, not the host:
// each kernel function carries its target features, so llc emits the same
// instructions everywhere (only running them needs the CPU feature; the
// JIT tests in unittests/CodeGen/Int8KernelJitTest.cpp run each one the
// host has and say which they skip).
// RUN: quantx-opt %s --quantx-to-llvm=int8-dot=avx512-vnni | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64 | FileCheck %s --check-prefix=ZMM
// RUN: quantx-opt %s --quantx-to-llvm=int8-dot=avx-vnni | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64 | FileCheck %s --check-prefix=YMM
// RUN: quantx-opt %s --quantx-to-llvm=int8-dot=avx2 | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64 | FileCheck %s --check-prefix=PMADD
// RUN: quantx-opt %s --quantx-to-llvm=int8-dot=generic | mlir-translate --mlir-to-llvmir | llc -O3 -mtriple=x86_64 | FileCheck %s --check-prefix=GENERIC
// RUN: not quantx-opt %s --quantx-to-llvm=int8-dot=amx 2>&1 | FileCheck %s --check-prefix=BAD

// BAD: error: quantx-lower-int8-contractions: int8-dot must be generic, avx2, avx-vnni or avx512-vnni, not 'amx'

// The non-saturating dot product of unsigned and signed bytes on zmm and
// (VEX-encoded, AVX-VNNI) on ymm; never the saturating vpdpbusds or
// vpmaddubsw.
//     ZMM-LABEL: __quantx_int8_kernel_0:
//           ZMM: vpdpbusd {{.*}}%zmm
//  ZMM-NOT: vpmaddubsw
//  ZMM-NOT: vpdpbusds
//     YMM-LABEL: __quantx_int8_kernel_0:
//           YMM: {vex} vpdpbusd {{.*}}%ymm
//       YMM-NOT: zmm
//       YMM-NOT: vpmaddubsw
// AVX2: weights of -128 with 8-bit activations could leave 16 bits in a
// pair of byte products, so vpmaddwd on 16-bit operands; weights of 3
// cannot, so vpmaddubsw (never for the first kernel).
//   PMADD-LABEL: __quantx_int8_kernel_0:
//         PMADD: vpmaddwd {{.*}}%ymm
//     PMADD-NOT: vpmaddubsw
//     PMADD-NOT: vpdpbusd
//         PMADD: __quantx_int8_kernel_1:
//         PMADD: vpmaddubsw {{.*}}%ymm
// GENERIC-LABEL: __quantx_int8_kernel_0:
//   GENERIC-NOT: vpdpbusd
//   GENERIC-NOT: vpmaddwd
//   GENERIC-NOT: vpmaddubsw
func.func @matmul(%a: tensor<?x64xi8>) -> tensor<?x64xi32> {
  %w = arith.constant dense<-128> : tensor<64x64xi8>
  %za = arith.constant -128 : i32
  %zw = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %n = tensor.dim %a, %c0 : tensor<?x64xi8>
  %e = tensor.empty(%n) : tensor<?x64xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<?x64xi32>) -> tensor<?x64xi32>
  %r = linalg.quantized_matmul ins(%a, %w, %za, %zw : tensor<?x64xi8>, tensor<64x64xi8>, i32, i32) outs(%f : tensor<?x64xi32>) -> tensor<?x64xi32>
  return %r : tensor<?x64xi32>
}

func.func @small_weights(%a: tensor<?x64xi8>) -> tensor<?x64xi32> {
  %w = arith.constant dense<3> : tensor<64x64xi8>
  %za = arith.constant -128 : i32
  %zw = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0 : i32
  %n = tensor.dim %a, %c0 : tensor<?x64xi8>
  %e = tensor.empty(%n) : tensor<?x64xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<?x64xi32>) -> tensor<?x64xi32>
  %r = linalg.quantized_matmul ins(%a, %w, %za, %zw : tensor<?x64xi8>, tensor<64x64xi8>, i32, i32) outs(%f : tensor<?x64xi32>) -> tensor<?x64xi32>
  return %r : tensor<?x64xi32>
}
