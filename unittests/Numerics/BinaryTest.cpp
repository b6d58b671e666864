//===- BinaryTest.cpp - packed binary and ternary dot products ------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The packed forms of quantx::numerics against plain sums of products of
// -1, 0 and +1: every pairing of binary and ternary rows, lengths around
// word boundaries, codes outside {-1, 0, 1} read by their sign.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Binary.h"

#include "gtest/gtest.h"

#include <cstdint>
#include <random>
#include <vector>

using namespace quantx::numerics;

namespace {

/// The value a code stands for: its sign.
int64_t valueOf(int64_t code) { return (code > 0) - (code < 0); }

TEST(BinaryTest, PackedDotsEqualPlainSums) {
  std::mt19937_64 rng(11);
  for (int64_t k : {1, 2, 63, 64, 65, 127, 128, 129, 200, 1000}) {
    for (int trial = 0; trial < 20; ++trial) {
      std::uniform_int_distribution<int> ternary(-1, 1), wide(-5, 5),
          coin(0, 1);
      std::vector<int64_t> a(k), b(k), binaryA(k), binaryB(k);
      for (int64_t i = 0; i < k; ++i) {
        // Ternary codes, some outside {-1, 0, 1} (read by their sign).
        a[i] = trial % 4 == 0 ? wide(rng) : ternary(rng);
        b[i] = ternary(rng);
        binaryA[i] = coin(rng);
        binaryB[i] = coin(rng);
      }
      std::vector<uint64_t> ta = packTernaryCodes(a.data(), k);
      std::vector<uint64_t> tb = packTernaryCodes(b.data(), k);
      std::vector<uint64_t> sa = packSignCodes(binaryA.data(), k);
      std::vector<uint64_t> sb = packSignCodes(binaryB.data(), k);
      ASSERT_EQ(ta.size(), size_t(2 * getSignWords(k)));
      int64_t tt = 0, st = 0, ts = 0, ss = 0;
      for (int64_t i = 0; i < k; ++i) {
        int64_t va = valueOf(a[i]), vb = valueOf(b[i]);
        int64_t pa = binaryA[i] ? 1 : -1, pb = binaryB[i] ? 1 : -1;
        tt += va * vb;
        st += pa * vb;
        ts += va * pb;
        ss += pa * pb;
      }
      EXPECT_EQ(ternaryDot(ta.data(), true, tb.data(), true, k), tt) << k;
      EXPECT_EQ(ternaryDot(sa.data(), false, tb.data(), true, k), st) << k;
      EXPECT_EQ(ternaryDot(ta.data(), true, sb.data(), false, k), ts) << k;
      EXPECT_EQ(ternaryDot(sa.data(), false, sb.data(), false, k), ss) << k;
      EXPECT_EQ(binaryDot(sa.data(), sb.data(), k), ss) << k;
    }
  }
}

TEST(BinaryTest, TernaryPlanes) {
  // Codes 1, 0, -1, 7, -3: signs 1 0 0 1 0, mask 1 0 1 1 1.
  std::vector<int64_t> codes = {1, 0, -1, 7, -3};
  std::vector<uint64_t> planes = packTernaryCodes(codes.data(), 5);
  ASSERT_EQ(planes.size(), 2u);
  EXPECT_EQ(planes[0], 0b01001u);
  EXPECT_EQ(planes[1], 0b11101u);
}

} // namespace
