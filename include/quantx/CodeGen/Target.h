//===- Target.h - the CPU that code generation targets ----------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What the code generation passes know of the target CPU, and the tile
// sizes they derive from it. The passes take it through options with a
// fixed default (256-bit vectors: AVX2), so the same input and options give
// the same IR on every machine; only the tools and the runtime resolve the
// host into a target (`CpuTarget::getHost`).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_CODEGEN_TARGET_H
#define QUANTX_CODEGEN_TARGET_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <optional>

namespace mlir {
class Operation;
} // namespace mlir

namespace mlir::quantx {

/// The instruction that the int8 kernels (quantx-lower-int8-contractions)
/// build their exact dot product on.
enum class Int8Dot {
  /// Portable vector arithmetic: bytes widened to 32 bits, multiplied and
  /// added (any target LLVM vectorizes for).
  Generic,
  /// AVX2 `vpmaddwd` on 16-bit operands: exact, never saturating.
  Avx2,
  /// AVX-VNNI `vpdpbusd` on 256-bit vectors (VEX encoding).
  AvxVnni,
  /// AVX-512 VNNI `vpdpbusd` on 512-bit vectors.
  Avx512Vnni,
};

/// The option spelling of each Int8Dot: generic, avx2, avx-vnni,
/// avx512-vnni.
StringRef stringifyInt8Dot(Int8Dot dot);
std::optional<Int8Dot> parseInt8Dot(StringRef name);

/// The LLVM target features a function needs to execute `dot`'s
/// instructions (empty for Generic).
SmallVector<StringRef> getInt8DotFeatures(Int8Dot dot);

/// Gives a generated kernel function the LLVM target features `features`
/// ("avx2", ...; none: nothing), so that the instructions emitted for it
/// follow the pass options and not the compiling host.
void setKernelTargetFeatures(Operation *function, ArrayRef<StringRef> features);

struct CpuTarget {
  /// The default of every pass and pipeline option: 256-bit vectors.
  static constexpr int64_t kDefaultVectorBits = 256;

  /// Width of a vector register in bits: 256 (AVX2, 16 registers) or 512
  /// (AVX-512, 32 registers).
  int64_t vectorBits = kDefaultVectorBits;

  /// Whether `bits` names a target: 256 or 512.
  static bool isSupportedVectorBits(int64_t bits) {
    return bits == 256 || bits == 512;
  }

  /// Number of vector registers.
  int64_t getNumVectorRegisters() const { return vectorBits >= 512 ? 32 : 16; }

  /// Elements of `elementBits` bits per vector register.
  int64_t getLanes(int64_t elementBits) const {
    return vectorBits / elementBits;
  }

  /// Register tile (M, N, K) of an f32 matmul: twelve accumulator registers
  /// of the widest vectors, 6x16 for 16 ymm registers, 12x32 for 32 zmm.
  SmallVector<int64_t> getMatmulRegisterTile() const {
    if (vectorBits >= 512)
      return {12, 32, 8};
    return {6, 16, 8};
  }

  /// Tile sizes of the seven loops of an NHWC convolution: eight output
  /// columns by two vectors of output channels.
  SmallVector<int64_t> getConvTile() const {
    return {1, 1, 8, 2 * getLanes(32), 1, 1, 8};
  }

  /// The int8 dot product of the target. The default matches the default
  /// vector width: AVX2.
  static constexpr Int8Dot kDefaultInt8Dot = Int8Dot::Avx2;
  Int8Dot int8Dot = kDefaultInt8Dot;

  /// AVX-512 VPOPCNTDQ (`vpopcntq`) for the binary kernels' popcounts.
  bool vpopcntdq = false;

  /// The host's target (AVX-512 when it has `avx512f`; the best int8 dot
  /// product of its features). For tools and the runtime only: a pass never
  /// asks the machine it runs on.
  static CpuTarget getHost();

  /// Whether the host can execute `dot`'s instructions.
  static bool hostHas(Int8Dot dot);
};

} // namespace mlir::quantx

#endif // QUANTX_CODEGEN_TARGET_H
