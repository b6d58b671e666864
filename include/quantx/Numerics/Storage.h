//===- Storage.h - how codes are laid out in memory -------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one memory layout of storage integers that quantx uses everywhere
// (memrefs, compiled scalar and vector code, constants, the runner's .npy
// files): every element takes a whole number of bytes, the smallest power of
// two that holds it, as LLVM's data layout allocates an iN. A 1- to 8-bit
// code takes one byte, a 9- to 16-bit code two, up to 64 bits. The code sits
// in the low bits; the bits above it are zero when quantx writes them and
// ignored when it reads them. Packing several codes into one byte is never
// implicit: a pass that packs says so and documents its layout.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_STORAGE_H
#define QUANTX_NUMERICS_STORAGE_H

namespace quantx::numerics {

/// The widest integer whose in-memory size the rule below defines.
inline constexpr unsigned kMaxStorageElementBits = 64;

/// Returns the number of bytes one element of a `bits`-wide integer occupies
/// in memory (1, 2, 4 or 8), for 1 <= bits <= 64.
constexpr unsigned getStorageBytes(unsigned bits) {
  unsigned bytes = (bits + 7) / 8;
  unsigned power = 1;
  while (power < bytes)
    power *= 2;
  return power;
}

static_assert(getStorageBytes(1) == 1 && getStorageBytes(8) == 1 &&
              getStorageBytes(9) == 2 && getStorageBytes(12) == 2 &&
              getStorageBytes(17) == 4 && getStorageBytes(24) == 4 &&
              getStorageBytes(33) == 8 && getStorageBytes(64) == 8);

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_STORAGE_H
