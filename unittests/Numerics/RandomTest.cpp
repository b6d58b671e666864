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

/// SplitMix64 in its original, sequential form: a state advanced by the
/// golden gamma, each output a mix of the state. The counter-based form must
/// give the high half of output `counter` (from 0) for state `seed`.
class SequentialSplitMix64 {
public:
  explicit SequentialSplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next() {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

private:
  uint64_t state;
};

TEST(CounterRandomBits, IsSplitMix64IndexedByTheCounter) {
  for (uint64_t seed : {0ull, 1ull, 7ull, 0xDEADBEEFCAFEull, ~0ull}) {
    SequentialSplitMix64 sequential(seed);
    for (uint64_t counter = 0; counter < 1000; ++counter)
      ASSERT_EQ(counterRandomBits(seed, counter),
                static_cast<uint32_t>(sequential.next() >> 32))
          << "seed " << seed << ", counter " << counter;
  }
}

TEST(CounterRandomBits, DependsOnSeedAndCounter) {
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
