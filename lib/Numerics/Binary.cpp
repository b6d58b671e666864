//===- Binary.cpp - sign packing and XNOR-popcount dot products -----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Binary.h"

#include <bitset>

using namespace quantx::numerics;

std::vector<uint64_t> quantx::numerics::packSignCodes(const int64_t *codes,
                                                      int64_t k) {
  std::vector<uint64_t> words(getSignWords(k), 0);
  for (int64_t i = 0; i < k; ++i)
    words[i / 64] |= static_cast<uint64_t>(codes[i] & 1) << (i % 64);
  return words;
}

int64_t quantx::numerics::binaryDot(const uint64_t *a, const uint64_t *b,
                                    int64_t k) {
  int64_t differ = 0;
  for (int64_t w = 0; w < getSignWords(k); ++w)
    differ += static_cast<int64_t>(std::bitset<64>(a[w] ^ b[w]).count());
  return k - 2 * differ;
}

std::vector<uint64_t> quantx::numerics::packTernaryCodes(const int64_t *codes,
                                                         int64_t k) {
  int64_t words = getSignWords(k);
  std::vector<uint64_t> planes(2 * words, 0);
  for (int64_t i = 0; i < k; ++i) {
    uint64_t bit = uint64_t(1) << (i % 64);
    if (codes[i] > 0)
      planes[i / 64] |= bit;
    if (codes[i] != 0)
      planes[words + i / 64] |= bit;
  }
  return planes;
}

int64_t quantx::numerics::ternaryDot(const uint64_t *a, bool aTernary,
                                     const uint64_t *b, bool bTernary,
                                     int64_t k) {
  int64_t words = getSignWords(k);
  // A binary row's mask: every one of its k values.
  auto mask = [&](const uint64_t *row, bool ternary, int64_t w) {
    if (ternary)
      return row[words + w];
    int64_t valid = k - 64 * w;
    return valid >= 64 ? ~uint64_t(0) : (uint64_t(1) << valid) - 1;
  };
  int64_t both = 0, differ = 0;
  for (int64_t w = 0; w < words; ++w) {
    uint64_t m = mask(a, aTernary, w) & mask(b, bTernary, w);
    both += static_cast<int64_t>(std::bitset<64>(m).count());
    differ += static_cast<int64_t>(std::bitset<64>(m & (a[w] ^ b[w])).count());
  }
  return both - 2 * differ;
}

float quantx::numerics::signedSum(const float *x, const uint64_t *weights,
                                  bool ternary, int64_t k) {
  int64_t words = getSignWords(k);
  float sum = 0.0f;
  for (int64_t i = 0; i < k; ++i) {
    uint64_t bit = uint64_t(1) << (i % 64);
    if (ternary && !(weights[words + i / 64] & bit))
      sum += 0.0f;
    else
      sum += (weights[i / 64] & bit) ? x[i] : -x[i];
  }
  return sum;
}
