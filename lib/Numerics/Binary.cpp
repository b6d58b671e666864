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
