//===- RandomTest.cpp - the counter-based generator -----------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Random.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace quantx::numerics;

namespace {

TEST(CounterRandomBits, IsAPureFunctionOfSeedAndCounter) {
  EXPECT_EQ(counterRandomBits(7, 100), counterRandomBits(7, 100));
  EXPECT_NE(counterRandomBits(7, 100), counterRandomBits(7, 101));
  EXPECT_NE(counterRandomBits(7, 100), counterRandomBits(8, 100));
  // SplitMix64's first output for seed 0 (counter 0) is the published
  // 0xE220A8397B1DCDAF; we keep its high half.
  EXPECT_EQ(counterRandomBits(0, 0), 0xE220A839u);
}

TEST(CounterRandomBits, IsUniform) {
  // Bucket counts of the top four bits and the mean of each bit over 2^20
  // consecutive counters: within five standard deviations of uniform.
  const int n = 1 << 20;
  int buckets[16] = {};
  int ones[32] = {};
  for (int i = 0; i < n; ++i) {
    uint32_t bits = counterRandomBits(12345, i);
    ++buckets[bits >> 28];
    for (int b = 0; b < 32; ++b)
      ones[b] += (bits >> b) & 1;
  }
  double expected = n / 16.0, sd = std::sqrt(n * (1.0 / 16) * (15.0 / 16));
  for (int count : buckets)
    EXPECT_NEAR(count, expected, 5 * sd);
  for (int count : ones)
    EXPECT_NEAR(count, n / 2.0, 5 * std::sqrt(n / 4.0));
}

} // namespace
