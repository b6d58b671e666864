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
// word boundaries, codes outside {-1, 0, 1} read by their sign; the signed
// sums of float rows against the plain loop of products in the same order.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Binary.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
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

TEST(BinaryTest, SignedSumsEqualPlainProducts) {
  // x * w summed from +0 in increasing order: a weight of 0 adds +0 (the
  // sum is never -0, so that is x * 0 for every finite x); -0, infinities,
  // NaN and subnormal activations against binary weights.
  std::mt19937_64 rng(23);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  const float special[] = {-0.0f,
                           0.0f,
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN(),
                           std::numeric_limits<float>::denorm_min()};
  for (int64_t k : {1, 2, 63, 64, 65, 127, 128, 129, 200, 1000}) {
    for (int trial = 0; trial < 20; ++trial) {
      bool ternary = trial % 2;
      std::vector<float> x(k);
      std::vector<int64_t> codes(k);
      for (int64_t i = 0; i < k; ++i) {
        // Non-finite values only where no weight is 0 (x * 0 is NaN there).
        bool useSpecial = !ternary && trial % 4 == 1 && rng() % 8 == 0;
        x[i] = useSpecial ? special[rng() % 6]
                          : (ternary && rng() % 8 == 0 ? -0.0f : normal(rng));
        codes[i] = ternary ? static_cast<int64_t>(rng() % 3) - 1
                           : static_cast<int64_t>(rng() & 1);
      }
      std::vector<uint64_t> packed = ternary ? packTernaryCodes(codes.data(), k)
                                             : packSignCodes(codes.data(), k);
      float expected = 0.0f;
      for (int64_t i = 0; i < k; ++i) {
        float w =
            ternary ? static_cast<float>(codes[i]) : (codes[i] ? 1.0f : -1.0f);
        expected += x[i] * w;
      }
      float got = signedSum(x.data(), packed.data(), ternary, k);
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(got)) << k;
        continue;
      }
      uint32_t gotBits, expectedBits;
      std::memcpy(&gotBits, &got, 4);
      std::memcpy(&expectedBits, &expected, 4);
      EXPECT_EQ(gotBits, expectedBits)
          << "k " << k << (ternary ? " ternary" : " binary") << ": " << got
          << " vs " << expected;
    }
  }
}

} // namespace
