//===- DocumentedExamplesTest.cpp - the examples of docs/Formats.md -------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every number in the example tables of docs/Formats.md, checked here so the
// documentation cannot drift from the library.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/FixedPoint.h"
#include "quantx/Numerics/FloatFormat.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace quantx::numerics;

namespace {

constexpr RoundingMode kEven = RoundingMode::NearestEven;

double fixedRoundTrip(const FixedPointFormat &format, double x, double scale,
                      int64_t zeroPoint,
                      RoundingMode mode = RoundingMode::NearestEven) {
  return FixedPointFormat::decode(format.encode(x, scale, zeroPoint, mode),
                                  scale, zeroPoint);
}

TEST(DocumentedExamples, FixedPoint) {
  // !quantx.fixed<i8:f32, 0.5>
  FixedPointFormat i8 = FixedPointFormat::get(8, true);
  EXPECT_EQ(FixedPointFormat::decode(i8.storageMin, 0.5, 0), -64.0);
  EXPECT_EQ(FixedPointFormat::decode(i8.storageMax, 0.5, 0), 63.5);
  EXPECT_EQ(i8.encode(0.3, 0.5, 0, kEven), 1);
  EXPECT_EQ(i8.encode(0.25, 0.5, 0, kEven), 0);
  EXPECT_EQ(i8.encode(0.75, 0.5, 0, kEven), 2);
  EXPECT_EQ(i8.encode(0.25, 0.5, 0, RoundingMode::NearestAway), 1);
  EXPECT_EQ(i8.encode(0.99, 0.5, 0, RoundingMode::TowardZero), 1);
  EXPECT_EQ(i8.encode(100.0, 0.5, 0, kEven), 127);
  EXPECT_EQ(i8.encode(NAN, 0.5, 0, kEven), 0);
  // !quantx.fixed<u8:f32, 0.0235:128>
  FixedPointFormat u8 = FixedPointFormat::get(8, false);
  EXPECT_EQ(u8.encode(0.0, 0.0235, 128, kEven), 128);
  EXPECT_EQ(u8.encode(1.0, 0.0235, 128, kEven), 171);
  EXPECT_NEAR(fixedRoundTrip(u8, 1.0, 0.0235, 128), 1.0105, 1e-12);
  EXPECT_NEAR(FixedPointFormat::decode(0, 0.0235, 128), -3.008, 1e-12);
  EXPECT_NEAR(FixedPointFormat::decode(255, 0.0235, 128), 2.9845, 1e-12);
  // !quantx.fixed<i2<-1:1>:f32, 3.0>
  FixedPointFormat narrow{2, true, -1, 1};
  EXPECT_EQ(fixedRoundTrip(narrow, 1.5, 3.0, 0), 0.0);
  EXPECT_EQ(fixedRoundTrip(narrow, 1.6, 3.0, 0), 3.0);
  EXPECT_EQ(fixedRoundTrip(narrow, -7.0, 3.0, 0), -3.0);
  // !quantx.fixed<i4:f32:0, {0.1, 0.25:1}>
  FixedPointFormat i4 = FixedPointFormat::get(4, true);
  EXPECT_NEAR(FixedPointFormat::decode(i4.storageMin, 0.1, 0), -0.8, 1e-15);
  EXPECT_NEAR(FixedPointFormat::decode(i4.storageMax, 0.1, 0), 0.7, 1e-15);
  EXPECT_EQ(FixedPointFormat::decode(i4.storageMin, 0.25, 1), -2.25);
  EXPECT_EQ(FixedPointFormat::decode(i4.storageMax, 0.25, 1), 1.5);
}

FloatFormat make(unsigned e, unsigned m) { return FloatFormat::get(e, m); }

TEST(DocumentedExamples, CustomFloat) {
  // !quantx.float<e5m2>
  FloatFormat e5m2 = make(5, 2);
  EXPECT_EQ(e5m2.getMaxFinite(), 57344.0);
  EXPECT_EQ(e5m2.getMinPositive(), std::ldexp(1.0, -16));
  EXPECT_EQ(e5m2.decode(e5m2.encode(1e6)), INFINITY);
  EXPECT_EQ(e5m2.decode(e5m2.encode(1e6, RoundingMode::TowardZero)), 57344.0);
  FloatFormat e5m2sat = e5m2;
  e5m2sat.overflow = OverflowMode::Saturate;
  EXPECT_EQ(e5m2sat.decode(e5m2sat.encode(1e6)), 57344.0);
  EXPECT_EQ(e5m2sat.decode(e5m2sat.encode(-INFINITY)), -57344.0);
  // !quantx.float<e4m3>, with bias 11, special = fn, special = fnuz.
  FloatFormat e4m3 = make(4, 3);
  EXPECT_EQ(e4m3.getMaxFinite(), 240.0);
  EXPECT_EQ(e4m3.getMinPositive(), std::ldexp(1.0, -9));
  FloatFormat b11 = e4m3;
  b11.bias = 11;
  EXPECT_EQ(b11.getMaxFinite(), 15.0);
  EXPECT_EQ(b11.getMinPositive(), std::ldexp(1.0, -13));
  FloatFormat fn = e4m3;
  fn.special = SpecialValues::FN;
  EXPECT_EQ(fn.getMaxFinite(), 448.0);
  EXPECT_TRUE(std::isnan(fn.decode(fn.encode(500.0))));
  EXPECT_EQ(fn.encode(0.3), 0x2Au);
  EXPECT_EQ(fn.decode(0x2A), 0.3125);
  FloatFormat fnuz = e4m3;
  fnuz.special = SpecialValues::FNUZ;
  fnuz.bias = 8;
  EXPECT_EQ(fnuz.getMaxFinite(), 240.0);
  EXPECT_EQ(fnuz.encode(-0.0), 0u);
  EXPECT_TRUE(fnuz.isNaN(0x80));
  // !quantx.float<e3m0, radix = 4> and with special = none.
  FloatFormat fp4 = make(3, 0);
  fp4.radix = 4;
  std::vector<double> ieeeValues = {0, 1.0 / 16, 0.25, 1, 4, 16, 64};
  for (uint64_t code = 0; code < 7; ++code)
    EXPECT_EQ(fp4.decode(code), ieeeValues[code]);
  EXPECT_EQ(fp4.decode(7), INFINITY);
  fp4.special = SpecialValues::None;
  EXPECT_EQ(fp4.decode(7), 256.0);
  EXPECT_EQ(fp4.decode(fp4.encode(2.4)), 1.0);
  EXPECT_EQ(fp4.decode(fp4.encode(2.5)), 4.0);
  // !quantx.float<e2m1, special = none>
  FloatFormat e2m1 = make(2, 1);
  e2m1.special = SpecialValues::None;
  std::vector<double> e2m1Values = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
  for (uint64_t code = 0; code < 8; ++code)
    EXPECT_EQ(e2m1.decode(code), e2m1Values[code]);
  EXPECT_EQ(e2m1.decode(e2m1.encode(100.0)), 6.0);
  EXPECT_EQ(e2m1.encode(INFINITY), 0u);
  EXPECT_EQ(e2m1.decode(e2m1.encode(5.0)), 4.0); // tie: 4 has even significand
  // !quantx.float<e8m0, special = fn, unsigned, nozero>
  FloatFormat e8m0 = make(8, 0);
  e8m0.special = SpecialValues::FN;
  e8m0.isSigned = false;
  e8m0.hasZero = false;
  EXPECT_EQ(e8m0.decode(0), std::ldexp(1.0, -127));
  EXPECT_EQ(e8m0.getMaxFinite(), std::ldexp(1.0, 127));
  EXPECT_TRUE(e8m0.isNaN(0xFF));
  EXPECT_EQ(e8m0.encode(0.0), 0u);
  EXPECT_EQ(e8m0.encode(3.0), 0x81u); // tie between 2 and 4 goes up
  // !quantx.float<e4m3, nosubnormal>: 2^-6 is the smallest positive value.
  FloatFormat ftz = e4m3;
  ftz.hasSubnormals = false;
  EXPECT_EQ(ftz.getMinPositive(), std::ldexp(1.0, -6));
  EXPECT_EQ(ftz.decode(ftz.encode(std::ldexp(1.0, -8))), 0.0);
  EXPECT_EQ(ftz.decode(ftz.encode(std::ldexp(0.75, -6))), std::ldexp(1.0, -6));
}

} // namespace
