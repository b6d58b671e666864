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

#include <cstdint>
#include <vector>

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

/// Packed sub-byte codes (`quantx.unpack`): for a width w of 1 to 7 bits,
/// element i of a tensor (row-major) occupies bits [i w, i w + w) of the
/// bytes read as one little-endian bit string: bit b is bit (b mod 8) of
/// byte floor(b / 8). Codes of 1, 2 and 4 bits stay within a byte (two
/// int4 per byte, low nibble first); codes of 3, 5, 6 and 7 bits may
/// straddle two. The last byte's unused high bits are 0.
constexpr bool isPackableWidth(unsigned bits) { return bits >= 1 && bits <= 7; }

constexpr int64_t getPackedBytes(int64_t count, unsigned bits) {
  return (count * static_cast<int64_t>(bits) + 7) / 8;
}

/// Packs the low `bits` bits of each code.
inline std::vector<uint8_t> packCodes(const std::vector<int64_t> &codes,
                                      unsigned bits) {
  std::vector<uint8_t> bytes(
      getPackedBytes(static_cast<int64_t>(codes.size()), bits), 0);
  uint64_t mask = (uint64_t(1) << bits) - 1;
  for (size_t i = 0; i < codes.size(); ++i) {
    uint64_t bit = i * bits;
    uint64_t value = (static_cast<uint64_t>(codes[i]) & mask) << (bit % 8);
    bytes[bit / 8] |= static_cast<uint8_t>(value);
    if (value >> 8)
      bytes[bit / 8 + 1] |= static_cast<uint8_t>(value >> 8);
  }
  return bytes;
}

/// The bits of code `i` (zero-extended) of `count` packed bytes.
inline uint64_t unpackCode(const uint8_t *bytes, int64_t count, int64_t i,
                           unsigned bits) {
  uint64_t bit = static_cast<uint64_t>(i) * bits;
  uint64_t byte = bit / 8;
  uint64_t pair = bytes[byte];
  if (static_cast<int64_t>(byte + 1) < count)
    pair |= static_cast<uint64_t>(bytes[byte + 1]) << 8;
  return (pair >> (bit % 8)) & ((uint64_t(1) << bits) - 1);
}

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_STORAGE_H
