//===- FloatFormatTest.cpp - custom float formats against APFloat ---------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every code of every small format decodes and re-encodes to itself, and
// encoding agrees bit for bit with LLVM's APFloat on every bf16 bit pattern,
// on ties and on a million random f32 values per format and rounding mode.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/FloatFormat.h"

#include "llvm/ADT/APFloat.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace quantx::numerics;

namespace {

struct ApFloatCase {
  const char *name;
  const llvm::fltSemantics &(*semantics)();
  FloatFormat format;
};

FloatFormat makeFormat(unsigned e, unsigned m, int32_t bias,
                       SpecialValues special, bool isSigned = true,
                       bool hasZero = true) {
  FloatFormat format = FloatFormat::get(e, m);
  format.bias = bias;
  format.special = special;
  format.isSigned = isSigned;
  format.hasZero = hasZero;
  return format;
}

std::vector<ApFloatCase> getApFloatCases() {
  using llvm::APFloat;
  using S = SpecialValues;
  return {
      {"f8E5M2", APFloat::Float8E5M2, makeFormat(5, 2, 15, S::IEEE)},
      {"f8E4M3", APFloat::Float8E4M3, makeFormat(4, 3, 7, S::IEEE)},
      {"f8E4M3FN", APFloat::Float8E4M3FN, makeFormat(4, 3, 7, S::FN)},
      {"f8E4M3FNUZ", APFloat::Float8E4M3FNUZ, makeFormat(4, 3, 8, S::FNUZ)},
      {"f8E5M2FNUZ", APFloat::Float8E5M2FNUZ, makeFormat(5, 2, 16, S::FNUZ)},
      {"f8E4M3B11FNUZ", APFloat::Float8E4M3B11FNUZ,
       makeFormat(4, 3, 11, S::FNUZ)},
      {"f8E3M4", APFloat::Float8E3M4, makeFormat(3, 4, 3, S::IEEE)},
      {"f6E3M2FN", APFloat::Float6E3M2FN, makeFormat(3, 2, 3, S::None)},
      {"f6E2M3FN", APFloat::Float6E2M3FN, makeFormat(2, 3, 1, S::None)},
      {"f4E2M1FN", APFloat::Float4E2M1FN, makeFormat(2, 1, 1, S::None)},
      {"f8E8M0FNU", APFloat::Float8E8M0FNU,
       makeFormat(8, 0, 127, S::FN, /*isSigned=*/false, /*hasZero=*/false)},
      // Wider IEEE formats: the same code path at 16 bits.
      {"f16", APFloat::IEEEhalf, makeFormat(5, 10, 15, S::IEEE)},
      {"bf16", APFloat::BFloat, makeFormat(8, 7, 127, S::IEEE)},
  };
}

llvm::RoundingMode toLlvm(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::NearestEven:
    return llvm::RoundingMode::NearestTiesToEven;
  case RoundingMode::NearestAway:
    return llvm::RoundingMode::NearestTiesToAway;
  default:
    return llvm::RoundingMode::TowardZero;
  }
}

constexpr RoundingMode kDeterministicModes[] = {RoundingMode::NearestEven,
                                                RoundingMode::NearestAway,
                                                RoundingMode::TowardZero};

class ApFloatAgreement : public ::testing::TestWithParam<ApFloatCase> {
protected:
  /// APFloat's encoding of `value`, or nothing where APFloat's result is not
  /// a defined conversion (negative inputs to the unsigned f8E8M0FNU: APFloat
  /// returns 0xff for -1.0 and 0xe3 for -1e30; quantx saturates them).
  std::optional<uint64_t> reference(const llvm::APFloat &value,
                                    RoundingMode mode) const {
    const ApFloatCase &c = GetParam();
    if (!c.format.isSigned && value.isNegative() && !value.isZero())
      return std::nullopt;
    llvm::APFloat converted = value;
    bool losesInfo;
    converted.convert(c.semantics(), toLlvm(mode), &losesInfo);
    return converted.bitcastToAPInt().getZExtValue();
  }

  void expectAgreement(const llvm::APFloat &value, RoundingMode mode) {
    // APFloat leaves a signalling NaN untouched when converting a format to
    // itself; every real conversion quiets it (IEEE 754 6.2), as quantx does.
    if (value.isSignaling() && &value.getSemantics() == &GetParam().semantics())
      return;
    std::optional<uint64_t> expected = reference(value, mode);
    if (!expected)
      return;
    llvm::APFloat asDouble = value;
    bool losesInfo;
    asDouble.convert(llvm::APFloat::IEEEdouble(),
                     llvm::RoundingMode::NearestTiesToEven, &losesInfo);
    double x = asDouble.convertToDouble();
    uint64_t actual = GetParam().format.encode(x, mode);
    ASSERT_EQ(actual, *expected)
        << GetParam().name << " mode " << stringifyRoundingMode(mode)
        << " input " << x << " (bits 0x" << std::hex
        << value.bitcastToAPInt().getZExtValue() << ")";
  }
};

TEST_P(ApFloatAgreement, FormatIsValid) {
  EXPECT_EQ(GetParam().format.verify(), std::nullopt);
  EXPECT_EQ(GetParam().format.getStorageWidth(),
            llvm::APFloat::getSizeInBits(GetParam().semantics()));
}

TEST_P(ApFloatAgreement, DecodeMatchesEveryCode) {
  const ApFloatCase &c = GetParam();
  unsigned width = c.format.getStorageWidth();
  for (uint64_t code = 0; code < (uint64_t(1) << width); ++code) {
    llvm::APFloat ref(c.semantics(), llvm::APInt(width, code));
    double actual = c.format.decode(code);
    if (ref.isNaN()) {
      EXPECT_TRUE(std::isnan(actual)) << c.name << " code " << code;
      EXPECT_TRUE(c.format.isNaN(code));
      continue;
    }
    EXPECT_FALSE(c.format.isNaN(code)) << c.name << " code " << code;
    bool losesInfo;
    ref.convert(llvm::APFloat::IEEEdouble(),
                llvm::RoundingMode::NearestTiesToEven, &losesInfo);
    double expected = ref.convertToDouble();
    EXPECT_EQ(actual, expected) << c.name << " code " << code;
    EXPECT_EQ(std::signbit(actual), std::signbit(expected))
        << c.name << " code " << code;
  }
}

TEST_P(ApFloatAgreement, EveryBf16BitPattern) {
  for (uint32_t bits = 0; bits < (1u << 16); ++bits) {
    llvm::APFloat value(llvm::APFloat::BFloat(), llvm::APInt(16, bits));
    for (RoundingMode mode : kDeterministicModes)
      expectAgreement(value, mode);
  }
}

TEST_P(ApFloatAgreement, MillionRandomF32) {
  std::mt19937 rng(20261126);
  for (int i = 0; i < 1000000; ++i) {
    uint32_t bits = rng();
    // Half of the draws come from the format's own range, so rounding inside
    // it (and overflow just past it) is exercised; the other half are
    // arbitrary bit patterns (NaNs, infinities, zeros, subnormals).
    if (i % 2) {
      float f = static_cast<float>(std::ldexp(
          static_cast<double>(rng()) / 4294967296.0,
          static_cast<int>(std::ilogb(GetParam().format.getMaxFinite())) -
              static_cast<int>(rng() % 40)));
      if (rng() & 1)
        f = -f;
      std::memcpy(&bits, &f, sizeof(bits));
    }
    llvm::APFloat value(llvm::APFloat::IEEEsingle(), llvm::APInt(32, bits));
    for (RoundingMode mode : kDeterministicModes)
      expectAgreement(value, mode);
  }
}

TEST_P(ApFloatAgreement, TiesAndNeighbours) {
  const FloatFormat &format = GetParam().format;
  unsigned width = format.getStorageWidth();
  std::vector<double> values;
  for (uint64_t code = 0; code < (uint64_t(1) << width); ++code) {
    double v = format.decode(code);
    if (std::isfinite(v))
      values.push_back(v);
  }
  std::sort(values.begin(), values.end());
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    double lo = values[i], hi = values[i + 1];
    for (double x : {(lo + hi) / 2, std::nextafter((lo + hi) / 2, lo),
                     std::nextafter((lo + hi) / 2, hi)}) {
      for (RoundingMode mode : kDeterministicModes)
        expectAgreement(llvm::APFloat(x), mode);
    }
  }
  // Just past the largest value: round to it, or overflow.
  double max = format.getMaxFinite();
  for (double x : {max * 1.0625, max * 1.125, max * 1.25, max * 2, max * 4})
    for (RoundingMode mode : kDeterministicModes) {
      expectAgreement(llvm::APFloat(x), mode);
      expectAgreement(llvm::APFloat(-x), mode);
    }
}

INSTANTIATE_TEST_SUITE_P(Formats, ApFloatAgreement,
                         ::testing::ValuesIn(getApFloatCases()),
                         [](const ::testing::TestParamInfo<ApFloatCase> &info) {
                           return std::string(info.param.name);
                         });

//===----------------------------------------------------------------------===//
// Round trips over every code of every format of 8 bits or fewer.
//===----------------------------------------------------------------------===//

/// Every combination of options for formats of up to 8 bits that verify.
std::vector<FloatFormat> getSmallFormats() {
  std::vector<FloatFormat> formats;
  for (unsigned e = 0; e <= 7; ++e)
    for (unsigned m = 0; e + m <= 7; ++m)
      for (unsigned radix : {2u, 4u})
        for (SpecialValues special : {SpecialValues::IEEE, SpecialValues::FN,
                                      SpecialValues::FNUZ, SpecialValues::None})
          for (int options = 0; options < 8; ++options) {
            FloatFormat format = FloatFormat::get(e, m);
            format.radix = radix;
            format.special = special;
            format.isSigned = !(options & 1);
            format.hasSubnormals = !(options & 2);
            format.hasZero = !(options & 4);
            for (int32_t bias : {FloatFormat::getDefaultBias(e), -3, 11}) {
              format.bias = bias;
              if (!format.verify())
                formats.push_back(format);
            }
          }
  return formats;
}

std::string describe(const FloatFormat &f) {
  return "e" + std::to_string(f.exponentBits) + "m" +
         std::to_string(f.mantissaBits) + " bias " + std::to_string(f.bias) +
         " radix " + std::to_string(f.radix) + " special " +
         std::string(stringifySpecialValues(f.special)) +
         (f.isSigned ? "" : " unsigned") +
         (f.hasSubnormals ? "" : " nosubnormal") + (f.hasZero ? "" : " nozero");
}

TEST(FloatFormatRoundTrip, EveryCodeOfEverySmallFormat) {
  std::vector<FloatFormat> formats = getSmallFormats();
  ASSERT_GT(formats.size(), 1000u);
  for (const FloatFormat &format : formats) {
    unsigned width = format.getStorageWidth();
    uint64_t firstNormal = uint64_t(1) << format.mantissaBits;
    for (uint64_t code = 0; code < (uint64_t(1) << width); ++code) {
      double value = format.decode(code);
      uint64_t magnitude =
          code & ((uint64_t(1) << (width - format.isSigned)) - 1);
      uint64_t expected = code;
      if (std::isnan(value)) {
        // Conversion delivers quiet NaNs (IEEE 754 6.2): a signalling NaN
        // code comes back with its quiet bit set.
        if (format.special == SpecialValues::IEEE)
          expected |= firstNormal >> 1;
      } else if (format.hasZero && !format.hasSubnormals &&
                 magnitude < firstNormal) {
        // Flush-to-zero formats read exponent-0 codes as zero.
        // (FNUZ has no negative zero: those codes read as +0.)
        expected = format.special == SpecialValues::FNUZ
                       ? 0
                       : code & ~(firstNormal - 1);
      }
      for (RoundingMode mode : kDeterministicModes)
        ASSERT_EQ(format.encode(value, mode), expected)
            << describe(format) << " code " << code << " value " << value;
    }
  }
}

TEST(FloatFormatRoundTrip, ValuesIncreaseWithCodes) {
  for (const FloatFormat &format : getSmallFormats()) {
    unsigned magnitudeBits = format.exponentBits + format.mantissaBits;
    double previous = -1;
    for (uint64_t code = 0; code < (uint64_t(1) << magnitudeBits); ++code) {
      double value = format.decode(code);
      if (!std::isfinite(value))
        continue;
      ASSERT_GE(value, previous) << describe(format) << " code " << code;
      previous = value;
    }
  }
}

TEST(FloatFormatRoundTrip, DirectEncoderAgreesWithSearch) {
  // encode() computes the neighbours of |x| from its bits; encodeBySearch()
  // bisects over every finite value. Compare them on every grid value, every
  // midpoint and its neighbours, and random values, in every mode.
  std::mt19937 rng(11);
  constexpr RoundingMode kModes[] = {
      RoundingMode::NearestEven, RoundingMode::NearestAway,
      RoundingMode::TowardZero, RoundingMode::Stochastic};
  for (const FloatFormat &format : getSmallFormats()) {
    unsigned width = format.getStorageWidth();
    std::vector<double> values;
    for (uint64_t code = 0; code < (uint64_t(1) << width); ++code) {
      double v = format.decode(code);
      if (std::isfinite(v) && v >= 0)
        values.push_back(v);
    }
    std::sort(values.begin(), values.end());
    std::vector<double> inputs = {0.0, -0.0, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < values.size(); ++i) {
      double v = values[i];
      double next = i + 1 < values.size() ? values[i + 1] : v * 4;
      double mid = (v + next) / 2;
      for (double x :
           {v, mid, std::nextafter(mid, 0.0), std::nextafter(mid, INFINITY),
            std::nextafter(v, 0.0), v + (next - v) * 0.3, next * 1.5})
        for (double signedX : {x, -x})
          inputs.push_back(signedX);
    }
    for (int i = 0; i < 200; ++i)
      inputs.push_back(std::ldexp(static_cast<double>(rng()) * 0x1p-32,
                                  static_cast<int>(rng() % 80) - 40));
    for (double x : inputs)
      for (RoundingMode mode : kModes) {
        uint32_t bits = rng();
        ASSERT_EQ(format.encode(x, mode, bits),
                  format.encodeBySearch(x, mode, bits))
            << describe(format) << " x=" << x
            << " mode=" << stringifyRoundingMode(mode) << " bits=" << bits;
      }
  }
}

//===----------------------------------------------------------------------===//
// Policies APFloat does not cover.
//===----------------------------------------------------------------------===//

TEST(FloatFormatPolicy, SaturationClampsOverflowAndInfinity) {
  FloatFormat format = FloatFormat::get(4, 3); // IEEE e4m3, max 240
  format.overflow = OverflowMode::Saturate;
  EXPECT_EQ(format.getMaxFinite(), 240.0);
  EXPECT_EQ(format.decode(format.encode(1e6)), 240.0);
  EXPECT_EQ(format.decode(format.encode(-INFINITY)), -240.0);
  EXPECT_TRUE(std::isnan(format.decode(format.encode(NAN))));
  format.overflow = OverflowMode::Inf;
  EXPECT_EQ(format.decode(format.encode(1e6)), INFINITY);
  EXPECT_EQ(format.decode(format.encode(1e6, RoundingMode::TowardZero)), 240.0);
}

TEST(FloatFormatPolicy, RadixFourFp4) {
  // The 1-3-0 radix-4 format of 4-bit training, without special values.
  FloatFormat format = FloatFormat::get(3, 0);
  format.radix = 4;
  format.special = SpecialValues::None;
  ASSERT_EQ(format.verify(), std::nullopt);
  // Default bias 3: the exponent fields 1..7 are 4^-2 .. 4^4.
  std::vector<double> expected = {0, 1.0 / 16, 1.0 / 4, 1, 4, 16, 64, 256};
  for (uint64_t code = 0; code < 8; ++code) {
    EXPECT_EQ(format.decode(code), expected[code]) << code;
    EXPECT_EQ(format.decode(code | 8), -expected[code]) << code;
  }
  // Nearest in value: 2.5 is the midpoint of 1 and 4.
  EXPECT_EQ(format.decode(format.encode(2.4)), 1.0);
  EXPECT_EQ(format.decode(format.encode(2.6)), 4.0);
  EXPECT_EQ(format.decode(format.encode(2.5)), 4.0); // tie, odd low side
  // Finite-only formats saturate finite overflow.
  EXPECT_EQ(format.decode(format.encode(1000)), 256.0);
}

TEST(FloatFormatPolicy, UnsignedSaturatesNegatives) {
  FloatFormat format = FloatFormat::get(4, 3);
  format.isSigned = false;
  EXPECT_EQ(format.encode(-3.0), 0u);
  EXPECT_EQ(format.encode(-0.0), 0u);
  EXPECT_EQ(format.decode(format.encode(3.0)), 3.0);
}

TEST(FloatFormatPolicy, StochasticRoundingIsUnbiased) {
  FloatFormat format = FloatFormat::get(4, 3);
  std::mt19937 rng(7);
  for (double x : {1.03, -1.03, 0.3, 17.7, 1e-3}) {
    double sum = 0;
    const int n = 200000;
    for (int i = 0; i < n; ++i)
      sum += format.decode(format.encode(x, RoundingMode::Stochastic, rng()));
    // Each draw is one of the two neighbours of x, so the standard error of
    // the mean is at most half their gap over sqrt(n); allow five of them.
    double lo = format.decode(format.encode(x, RoundingMode::TowardZero));
    double hi = format.decode(format.encode(x, RoundingMode::Stochastic, 0));
    ASSERT_NE(lo, hi) << x;
    EXPECT_NEAR(sum / n, x, 5 * std::fabs(hi - lo) / 2 / std::sqrt(double(n)))
        << x;
  }
  // Exact values never move; the random bits only decide inexact ones.
  EXPECT_EQ(format.decode(format.encode(1.125, RoundingMode::Stochastic, 0)),
            1.125);
  EXPECT_EQ(
      format.decode(format.encode(1.13, RoundingMode::Stochastic, 0xffffffffu)),
      1.125);
  EXPECT_EQ(format.decode(format.encode(1.13, RoundingMode::Stochastic, 0)),
            1.25);
}

TEST(FloatFormatPolicy, VerifierNamesTheBadParameter) {
  auto message = [](FloatFormat f) { return f.verify().value_or(""); };
  FloatFormat f = FloatFormat::get(9, 2);
  EXPECT_NE(message(f).find("exponent bits"), std::string::npos);
  f = FloatFormat::get(4, 24);
  EXPECT_NE(message(f).find("mantissa bits"), std::string::npos);
  f = FloatFormat::get(0, 0);
  f.special = SpecialValues::None;
  EXPECT_NE(message(f).find("at least one"), std::string::npos);
  f = FloatFormat::get(0, 3);
  f.special = SpecialValues::None;
  f.radix = 4;
  EXPECT_NE(message(f).find("radix 4"), std::string::npos);
  f = FloatFormat::get(8, 3);
  f.bias = -2000;
  EXPECT_NE(message(f).find("bias"), std::string::npos);
  f = FloatFormat::get(8, 3);
  f.bias = 2000;
  EXPECT_NE(message(f).find("bias"), std::string::npos);
}

} // namespace

namespace {

/// Every bias of every radix-4 and radix-2 shape is either rejected or gives
/// values inside the f64 range; the bound on the bias is never what rejects
/// a format whose values would fit (its exponent arithmetic never overflows
/// int, even at INT32_MIN and INT32_MAX).
TEST(FloatFormatVerify, BiasesAtEveryMagnitude) {
  for (unsigned radix : {2u, 4u})
    for (unsigned e : {1u, 3u, 8u}) {
      FloatFormat format = FloatFormat::get(e, 1);
      format.radix = radix;
      for (int64_t bias :
           {int64_t(INT32_MIN), int64_t(-(1 << 30)) - 1, int64_t(-5000),
            int64_t(-4097), int64_t(-4096), int64_t(-600), int64_t(-1), 0L, 1L,
            600L, 4096L, 4097L, 5000L, int64_t(1) << 30, int64_t(INT32_MAX)}) {
        format.bias = static_cast<int32_t>(bias);
        std::optional<std::string> message = format.verify();
        if (!message) {
          EXPECT_TRUE(std::isfinite(format.getMaxFinite())) << bias;
          EXPECT_GT(format.getMinPositive(), 0.0) << bias;
          continue;
        }
        EXPECT_NE(message->find("outside the f64 range"), std::string::npos)
            << *message;
      }
      // The accepted biases form one interval, found without the bound.
      for (int32_t bias = -3000; bias <= 3000; ++bias) {
        format.bias = bias;
        if (format.verify())
          continue;
        EXPECT_LT(std::abs(bias), FloatFormat::kMaxBiasMagnitude);
      }
    }
}

} // namespace
