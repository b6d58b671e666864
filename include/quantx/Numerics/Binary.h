//===- Binary.h - sign packing and XNOR-popcount dot products ---*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The bit layout of quantx.pack_signs and the arithmetic of
// quantx.binary_matmul: +-1 values one bit each (1 for +1, the binary
// format's code), 64 per word, low bit first, bits past the row's length 0.
// And of quantx.pack_ternary and quantx.ternary_matmul: {-1, 0, +1} values
// in two such planes, the signs (1 for +1) then the nonzero mask.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_BINARY_H
#define QUANTX_NUMERICS_BINARY_H

#include <cstdint>
#include <vector>

namespace quantx::numerics {

/// Words of a row of `k` values.
constexpr int64_t getSignWords(int64_t k) { return (k + 63) / 64; }

/// Packs one row of `k` binary codes (1 for +1, 0 for -1; only bit 0 of
/// each is read) into getSignWords(k) words.
std::vector<uint64_t> packSignCodes(const int64_t *codes, int64_t k);

/// The dot product of two rows of `k` +-1 values packed by packSignCodes:
/// k - 2 popcount(a xor b).
int64_t binaryDot(const uint64_t *a, const uint64_t *b, int64_t k);

/// Packs one row of `k` ternary codes (read as signed: positive is +1,
/// zero 0, negative -1) into two planes of getSignWords(k) words: signs
/// (bit 1 for +1) then the nonzero mask.
std::vector<uint64_t> packTernaryCodes(const int64_t *codes, int64_t k);

/// The dot product of two packed rows of `words` words each, either of
/// them ternary (two planes, packTernaryCodes) or binary (one plane,
/// packSignCodes; its mask is every value): with m = ma & mb,
/// sum_w popcount(m) - 2 popcount(m & (sa xor sb)). `aTernary` and
/// `bTernary` say which.
int64_t ternaryDot(const uint64_t *a, bool aTernary, const uint64_t *b,
                   bool bTernary, int64_t k);

/// The signed sum quantx.sign_matmul defines for one row of `k` floats
/// and one packed row of weights (packSignCodes, or packTernaryCodes when
/// `ternary`): (((+0 + t_0) + t_1) + ...) + t_(k-1) in f32, t_i = x[i],
/// -x[i] or +0 for a weight +1, -1 or 0.
float signedSum(const float *x, const uint64_t *weights, bool ternary,
                int64_t k);

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_BINARY_H
