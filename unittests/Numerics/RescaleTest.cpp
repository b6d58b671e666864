//===- RescaleTest.cpp - integer requantization conventions ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each convention of quantx::numerics::rescale on hand-computed ties (where
// they differ), zero points, saturation, and against exact rational
// arithmetic on random inputs.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Rescale.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

using namespace quantx::numerics;

namespace {

RescaleParams fixedPoint(RescaleRounding rounding, int32_t multiplier,
                         int32_t shift) {
  RescaleParams p;
  p.rounding = rounding;
  p.multiplier = multiplier;
  p.shift = shift;
  p.outputMin = -1000;
  p.outputMax = 1000;
  return p;
}

TEST(RescaleTest, TiesOfAHalf) {
  // multiplier 2^30, shift 31: x / 2. 2.5 and -2.5 in every convention.
  RescaleParams single = fixedPoint(RescaleRounding::SingleRound, 1 << 30, 31);
  RescaleParams dbl = fixedPoint(RescaleRounding::DoubleRound, 1 << 30, 31);
  RescaleParams gemm = fixedPoint(RescaleRounding::Gemmlowp, 1 << 30, 31);
  RescaleParams flt;
  flt.rounding = RescaleRounding::Float;
  flt.scale = 0.5f;
  flt.outputMin = -1000;
  flt.outputMax = 1000;
  EXPECT_EQ(rescale(5, flt), 2);    // half to even
  EXPECT_EQ(rescale(7, flt), 4);    // 3.5: to even
  EXPECT_EQ(rescale(-5, flt), -2);  // -2.5: to even
  EXPECT_EQ(rescale(5, single), 3); // toward +inf
  EXPECT_EQ(rescale(-5, single), -2);
  EXPECT_EQ(rescale(5, dbl), 3); // shift 31: no second rounding
  EXPECT_EQ(rescale(-5, dbl), -2);
  // SaturatingRoundingDoublingHighMul: ties toward +inf.
  EXPECT_EQ(rescale(5, gemm), 3);
  EXPECT_EQ(rescale(-5, gemm), -2);
}

TEST(RescaleTest, DoubleRoundingBeyondShift31) {
  // multiplier 2^30, shift 32: x / 4.
  RescaleParams single = fixedPoint(RescaleRounding::SingleRound, 1 << 30, 32);
  RescaleParams dbl = fixedPoint(RescaleRounding::DoubleRound, 1 << 30, 32);
  RescaleParams gemm = fixedPoint(RescaleRounding::Gemmlowp, 1 << 30, 32);
  // -6 / 4 = -1.5: single rounds toward +inf, double as TFLite away.
  EXPECT_EQ(rescale(-6, single), -1);
  EXPECT_EQ(rescale(-6, dbl), -2);
  EXPECT_EQ(rescale(-6, gemm), -2);
  // 6 / 4 = 1.5: all to 2.
  EXPECT_EQ(rescale(6, single), 2);
  EXPECT_EQ(rescale(6, dbl), 2);
  EXPECT_EQ(rescale(6, gemm), 2);
  // 5 / 4 = 1.25: a tie after the first rounding in two steps
  // (round(5/2) = 3, 3/2 = 1.5 -> 2), not in one.
  EXPECT_EQ(rescale(5, single), 1);
  EXPECT_EQ(rescale(5, dbl), 2);
  EXPECT_EQ(rescale(5, gemm), 2);
}

TEST(RescaleTest, ZeroPointsAndClamp) {
  RescaleParams p = fixedPoint(RescaleRounding::SingleRound, 1 << 30, 31);
  p.inputZeroPoint = 10;
  p.outputZeroPoint = -128;
  p.outputMin = -128;
  p.outputMax = 127;
  EXPECT_EQ(rescale(10, p), -128);
  EXPECT_EQ(rescale(20, p), -123);
  EXPECT_EQ(rescale(1000, p), 127); // saturates
  EXPECT_EQ(rescale(-1000, p), -128);
  // Extreme accumulators do not overflow.
  EXPECT_EQ(rescale(INT64_MAX, p), 127);
  EXPECT_EQ(rescale(INT64_MIN + 11, p), -128);
  RescaleParams f;
  f.rounding = RescaleRounding::Float;
  f.scale = 1e30f;
  f.outputMin = 0;
  f.outputMax = 255;
  f.outputZeroPoint = 3;
  EXPECT_EQ(rescale(INT32_MAX, f), 255);
  EXPECT_EQ(rescale(-1, f), 0);
  EXPECT_EQ(rescale(0, f), 3);
}

TEST(RescaleTest, GemmlowpLeftShift) {
  // A real multiplier of 3 = 0.75 * 2^2: multiplier 0.75 * 2^31, shift 29.
  auto m = getFixedPointMultiplier(3.0);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->first, 1610612736);
  EXPECT_EQ(m->second, 29);
  RescaleParams p = fixedPoint(RescaleRounding::Gemmlowp, m->first, m->second);
  EXPECT_EQ(rescale(7, p), 21);
  EXPECT_EQ(rescale(-7, p), -21);
  RescaleParams s =
      fixedPoint(RescaleRounding::SingleRound, m->first, m->second);
  EXPECT_EQ(rescale(-7, s), -21);
  // The left-shifted input saturates to int32 (2^31 - 1), then is
  // multiplied by 0.75 (TFLite's int32 shift would overflow).
  p.outputMin = INT32_MIN;
  p.outputMax = INT32_MAX;
  EXPECT_EQ(rescale(int64_t(1) << 30, p), 1610612735);
}

TEST(RescaleTest, FixedPointMultiplier) {
  EXPECT_EQ(getFixedPointMultiplier(0.5), std::make_pair(1 << 30, 31));
  EXPECT_EQ(getFixedPointMultiplier(1.0), std::make_pair(1 << 30, 30));
  EXPECT_EQ(getFixedPointMultiplier(0.75), std::make_pair(1610612736, 31));
  // Rounding up to 2^31 moves to the next binade.
  EXPECT_EQ(getFixedPointMultiplier(std::nextafter(1.0, 0.0)),
            std::make_pair(1 << 30, 30));
  EXPECT_FALSE(getFixedPointMultiplier(0.0));
  EXPECT_FALSE(getFixedPointMultiplier(-1.0));
  EXPECT_FALSE(getFixedPointMultiplier(std::nan("")));
  EXPECT_FALSE(getFixedPointMultiplier(std::ldexp(1.0, -40)));
  EXPECT_FALSE(getFixedPointMultiplier(std::ldexp(1.0, 31)));
  for (double m : {1e-6, 0.001234, 0.3, 0.9999, 1.5, 1000.0}) {
    auto fp = getFixedPointMultiplier(m);
    ASSERT_TRUE(fp) << m;
    EXPECT_GE(fp->first, 1 << 30);
    EXPECT_NEAR(std::ldexp(double(fp->first), -fp->second), m, m * 0x1p-30);
  }
}

TEST(RescaleTest, AgreesWithRationalArithmetic) {
  // With m = multiplier 2^-shift: y = round(x m) wherever x m is not
  // within 2^-20 of a tie and the convention rounds once; |y - x m| < 1
  // where it rounds twice.
  std::mt19937_64 random(20261203);
  std::uniform_real_distribution<double> logScale(-20.0, 3.0);
  std::uniform_int_distribution<int64_t> input(-(int64_t(1) << 31),
                                               (int64_t(1) << 31) - 1);
  for (int trial = 0; trial < 20000; ++trial) {
    double m = std::exp2(logScale(random));
    auto fp = getFixedPointMultiplier(m);
    ASSERT_TRUE(fp);
    double exact = std::ldexp(double(fp->first), -fp->second);
    int64_t x = input(random) >> (trial % 24);
    for (RescaleRounding r :
         {RescaleRounding::SingleRound, RescaleRounding::DoubleRound,
          RescaleRounding::Gemmlowp}) {
      RescaleParams p = fixedPoint(r, fp->first, fp->second);
      p.outputMin = INT64_MIN / 4;
      p.outputMax = INT64_MAX / 4;
      long double product = static_cast<long double>(x) * exact;
      int left = std::max(0, 31 - fp->second);
      if (r == RescaleRounding::Gemmlowp &&
          (std::fabs(static_cast<double>(product)) >= 0x1p31 ||
           std::ldexp(std::fabs(double(x)), left) >= 0x1p31))
        continue; // int32 saturation
      long double nearest = std::round(product);
      long double distance = std::fabs(product - std::floor(product) - 0.5L);
      int64_t y = rescale(x, p);
      // One rounding: the nearest integer away from ties. Two (a shift
      // beyond 31 in double_round and gemmlowp): within 1.
      bool once = r == RescaleRounding::SingleRound || fp->second <= 31;
      if (once && distance > 0x1p-20L)
        EXPECT_EQ(y, static_cast<int64_t>(nearest))
            << getRescaleRoundingName(r) << " x=" << x << " m=" << exact;
      else
        EXPECT_LT(std::fabs(static_cast<long double>(y) - product), 1.0L)
            << getRescaleRoundingName(r) << " x=" << x << " m=" << exact;
    }
  }
}

TEST(RescaleTest, BiasFractionBits) {
  // Room for all 16: (100 + 10) 2^16 is far below 2^31.
  EXPECT_EQ(chooseBiasFractionBits(100, {1.0}, {0.1}, {0.5}, true,
                                   double(INT32_MAX), 16),
            16);
  // An accumulator bound of 2^29 leaves one bit (2^30 + 2^31 / 10 > limit
  // at two).
  EXPECT_EQ(chooseBiasFractionBits(0x1p29, {1.0}, {0.1}, {0.5}, true,
                                   double(INT32_MAX), 16),
            1);
  // A bias of 2^31 accumulator steps leaves none.
  EXPECT_EQ(chooseBiasFractionBits(0, {0x1p31}, {1.0}, {0.5}, true,
                                   double(INT32_MAX), 16),
            0);
  // A multiplier of 2^-30 keeps a fixed-point form (shift <= 62) for two
  // more bits only; the float convention has no such limit.
  EXPECT_EQ(chooseBiasFractionBits(1, {0.0}, {1.0}, {0x1p-30}, true,
                                   double(INT32_MAX), 16),
            2);
  EXPECT_EQ(chooseBiasFractionBits(1, {0.0}, {1.0}, {0x1p-30}, false,
                                   double(INT32_MAX), 16),
            16);
  // Per-channel scales divide each channel's bias.
  EXPECT_EQ(chooseBiasFractionBits(0, {1.0, 1.0}, {1.0, 0x1p-20}, {0.5, 0.5},
                                   true, double(INT32_MAX), 16),
            10);
}

} // namespace
