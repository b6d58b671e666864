//===- FixedPointTest.cpp - fixed-point formats against a plain formula ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Fixed-point encoding agrees with a reference formula written with the C
// library's rounding functions, on random and boundary inputs, for every
// rounding mode; binary and ternary formats follow their definitions.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/FixedPoint.h"

#include "gtest/gtest.h"

#include <cfenv>
#include <cmath>
#include <random>

using namespace quantx::numerics;

namespace {

/// clamp(round(x / scale) + zeroPoint) written independently of the library:
/// std::nearbyint in the default environment rounds half to even,
/// std::round half away from zero, std::trunc toward zero; stochastic
/// rounding adds one to the magnitude's floor when its fraction exceeds the
/// random draw.
int64_t referenceEncode(double x, double scale, int64_t zeroPoint, int64_t qmin,
                        int64_t qmax, RoundingMode mode, uint32_t bits) {
  if (std::isnan(x))
    return zeroPoint;
  double t = x / scale;
  double r = 0;
  switch (mode) {
  case RoundingMode::NearestEven:
    r = std::nearbyint(t);
    break;
  case RoundingMode::NearestAway:
    r = std::round(t);
    break;
  case RoundingMode::TowardZero:
    r = std::trunc(t);
    break;
  case RoundingMode::Stochastic: {
    double magnitude = std::fabs(t);
    double floor = std::floor(magnitude);
    double fraction = magnitude - floor;
    r = std::copysign(floor + (fraction * 4294967296.0 > bits ? 1 : 0), t);
    break;
  }
  }
  r += static_cast<double>(zeroPoint);
  if (r <= static_cast<double>(qmin))
    return qmin;
  if (r >= static_cast<double>(qmax))
    return qmax;
  return static_cast<int64_t>(r);
}

constexpr RoundingMode kAllModes[] = {
    RoundingMode::NearestEven, RoundingMode::NearestAway,
    RoundingMode::TowardZero, RoundingMode::Stochastic};

TEST(FixedPoint, IntegerRanges) {
  EXPECT_EQ(FixedPointFormat::getIntegerMin(8, true), -128);
  EXPECT_EQ(FixedPointFormat::getIntegerMax(8, true), 127);
  EXPECT_EQ(FixedPointFormat::getIntegerMax(8, false), 255);
  EXPECT_EQ(FixedPointFormat::getIntegerMin(1, true), -1);
  EXPECT_EQ(FixedPointFormat::getIntegerMax(1, true), 0);
  EXPECT_EQ(FixedPointFormat::getIntegerMax(32, false), 4294967295);
  EXPECT_EQ(FixedPointFormat::getIntegerMin(32, true), -2147483648LL);
}

TEST(FixedPoint, AgreesWithReferenceFormula) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  std::mt19937_64 rng(42);
  struct Case {
    unsigned width;
    bool isSigned;
    int64_t qmin, qmax, zeroPoint;
    double scale;
  };
  std::vector<Case> cases = {
      {8, true, -128, 127, 0, 0.5},
      {8, false, 0, 255, 128, 0.0235},
      {2, true, -1, 1, 0, 3.0},
      {4, true, -8, 7, 1, 0.1},
      {8, true, -127, 127, 0, 1.0 / 3},
      {16, true, -32768, 32767, -5, 1e-4},
      {32, false, 0, 4294967295, 7, 1e-6},
      {1, false, 0, 1, 0, 1.0},
      {32, true, -2147483648LL, 2147483647, 0, 0.75},
  };
  for (const Case &c : cases) {
    FixedPointFormat format{c.width, c.isSigned, c.qmin, c.qmax};
    ASSERT_EQ(format.verify(), std::nullopt);
    ASSERT_EQ(format.verifyParams(c.scale, c.zeroPoint), std::nullopt);
    double span = (static_cast<double>(c.qmax - c.qmin) + 4) * c.scale;
    std::vector<double> inputs = {
        0.0,    -0.0,        NAN,          INFINITY,      -INFINITY,     1e300,
        -1e300, c.scale / 2, -c.scale / 2, c.scale * 1.5, -c.scale * 2.5};
    // Every half-integer multiple of the scale across the range (ties), and
    // the values next to them.
    for (int64_t k = -2 * 300; k <= 2 * 300; ++k) {
      double tie = (static_cast<double>(k) + 0.5) * c.scale;
      inputs.push_back(tie);
      inputs.push_back(std::nextafter(tie, -INFINITY));
      inputs.push_back(std::nextafter(tie, INFINITY));
    }
    for (int i = 0; i < 100000; ++i) {
      double u = static_cast<double>(rng() >> 11) * 0x1p-53;
      inputs.push_back((u - 0.5) * span -
                       static_cast<double>(c.zeroPoint) * c.scale);
    }
    for (double x : inputs)
      for (RoundingMode mode : kAllModes) {
        uint32_t bits = static_cast<uint32_t>(rng());
        ASSERT_EQ(format.encode(x, c.scale, c.zeroPoint, mode, bits),
                  referenceEncode(x, c.scale, c.zeroPoint, c.qmin, c.qmax, mode,
                                  bits))
            << "x=" << x << " mode=" << stringifyRoundingMode(mode)
            << " width=" << c.width;
      }
  }
}

TEST(FixedPoint, EveryCodeRoundTrips) {
  // Nearest rounding recovers every code for any scale. Truncating and
  // stochastic rounding see x / scale, which for a scale that is not a power
  // of two can land an ulp below the integer that (q - zp) * scale was
  // rounded from; they are checked on a power-of-two scale, where decoding
  // is exact.
  for (unsigned width = 1; width <= 12; ++width)
    for (bool isSigned : {true, false}) {
      FixedPointFormat format = FixedPointFormat::get(width, isSigned);
      int64_t zeroPoint = format.storageMin + (width > 1 ? 1 : 0);
      for (int64_t q = format.storageMin; q <= format.storageMax; ++q) {
        for (RoundingMode mode :
             {RoundingMode::NearestEven, RoundingMode::NearestAway})
          ASSERT_EQ(format.encode(FixedPointFormat::decode(q, 0.37, zeroPoint),
                                  0.37, zeroPoint, mode),
                    q);
        for (RoundingMode mode : kAllModes)
          ASSERT_EQ(format.encode(FixedPointFormat::decode(q, 0.125, zeroPoint),
                                  0.125, zeroPoint, mode, 0),
                    q);
      }
    }
}

TEST(FixedPoint, NarrowTwoBitIsMinusThreeZeroThree) {
  FixedPointFormat format{2, true, -1, 1};
  ASSERT_EQ(format.verify(), std::nullopt);
  EXPECT_EQ(FixedPointFormat::decode(
                format.encode(-10, 3.0, 0, RoundingMode::NearestEven), 3.0, 0),
            -3.0);
  EXPECT_EQ(format.encode(1.5, 3.0, 0, RoundingMode::NearestEven), 0);
  EXPECT_EQ(format.encode(1.5, 3.0, 0, RoundingMode::NearestAway), 1);
  EXPECT_EQ(format.encode(1.6, 3.0, 0, RoundingMode::NearestEven), 1);
  EXPECT_EQ(format.encode(2.9, 3.0, 0, RoundingMode::TowardZero), 0);
  EXPECT_EQ(format.encode(-1e9, 3.0, 0, RoundingMode::NearestEven), -1);
}

TEST(FixedPoint, StochasticRoundingIsUnbiased) {
  FixedPointFormat format = FixedPointFormat::get(8, true);
  std::mt19937 rng(3);
  for (double x : {0.3, -0.3, 2.71, -5.5}) {
    double sum = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i)
      sum += static_cast<double>(
          format.encode(x, 1.0, 0, RoundingMode::Stochastic, rng()));
    // Each draw is within one of x, so the standard error is below
    // 0.5 / sqrt(n); allow five of them.
    EXPECT_NEAR(sum / n, x, 5 * 0.5 / std::sqrt(double(n))) << x;
  }
}

TEST(FixedPoint, VerifierMessages) {
  auto message = [](FixedPointFormat format) {
    return format.verify().value_or("");
  };
  EXPECT_NE(message({0, true, 0, 0}).find("storage width"), std::string::npos);
  EXPECT_NE(message({33, true, 0, 1}).find("storage width"), std::string::npos);
  EXPECT_NE(message({8, true, -129, 1}).find("exceeds"), std::string::npos);
  EXPECT_NE(message({8, true, 3, 3}).find("less than"), std::string::npos);
  FixedPointFormat format = FixedPointFormat::get(8, false);
  EXPECT_EQ(format.verifyParams(-0.5, 0).value_or(""),
            "scale must be finite and positive, got -0.5");
  EXPECT_EQ(format.verifyParams(NAN, 0).value_or(""),
            "scale must be finite and positive, got nan");
  EXPECT_EQ(format.verifyParams(1.0, 256).value_or(""),
            "zero point 256 is outside the storage range [0, 255]");
}

TEST(Binary, SignAndStochastic) {
  EXPECT_EQ(BinaryFormat::encode(0.3, 1.0, RoundingMode::NearestEven), 1);
  EXPECT_EQ(BinaryFormat::encode(-0.3, 1.0, RoundingMode::NearestEven), 0);
  EXPECT_EQ(BinaryFormat::encode(0.0, 1.0, RoundingMode::TowardZero), 1);
  EXPECT_EQ(BinaryFormat::encode(-0.0, 1.0, RoundingMode::NearestEven), 1);
  EXPECT_EQ(BinaryFormat::decode(1, 0.73), 0.73);
  EXPECT_EQ(BinaryFormat::decode(0, 0.73), -0.73);
  std::mt19937 rng(5);
  double sum = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i)
    sum += BinaryFormat::decode(
        BinaryFormat::encode(0.2, 0.5, RoundingMode::Stochastic, rng()), 0.5);
  // E = 0.5 * (2p - 1) with p = (0.4 + 1) / 2, i.e. 0.2: unbiased inside
  // [-scale, scale]. Each draw is +-0.5, standard error 0.5 / sqrt(n).
  EXPECT_NEAR(sum / n, 0.2, 5 * 0.5 / std::sqrt(double(n)));
}

} // namespace
