//===- Random.h - counter-based random bits for stochastic rounding -*- C++
//-*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Stochastic rounding draws 32 random bits per element from a counter-based
// generator: a pure function of a seed and the element's position, so a run
// is reproducible, elements are independent of evaluation order, and the
// lowered code and the Numerics library produce the same bits. The mixing
// function is the SplitMix64 finalizer applied to seed + (counter + 1) times
// the 64-bit golden ratio.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_RANDOM_H
#define QUANTX_NUMERICS_RANDOM_H

#include <cstdint>

namespace quantx::numerics {

inline constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ull;
inline constexpr uint64_t kMixMultiplier1 = 0xBF58476D1CE4E5B9ull;
inline constexpr uint64_t kMixMultiplier2 = 0x94D049BB133111EBull;

/// The SplitMix64 output for `counter` under `seed` (all 64 bits).
constexpr uint64_t splitMix64(uint64_t seed, uint64_t counter) {
  uint64_t z = seed + (counter + 1) * kGoldenGamma;
  z = (z ^ (z >> 30)) * kMixMultiplier1;
  z = (z ^ (z >> 27)) * kMixMultiplier2;
  return z ^ (z >> 31);
}

/// The 32 random bits of element `counter` under `seed`.
constexpr uint32_t counterRandomBits(uint64_t seed, uint64_t counter) {
  return static_cast<uint32_t>(splitMix64(seed, counter) >> 32);
}

/// The seed an operation seeded `seed` uses at training step `step`, so that
/// every step draws other bits.
constexpr uint64_t stepSeed(uint64_t seed, uint64_t step) {
  return splitMix64(seed, step);
}

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_RANDOM_H
