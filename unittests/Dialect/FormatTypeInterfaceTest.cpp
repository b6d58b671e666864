//===- FormatTypeInterfaceTest.cpp - the format types through C++ ---------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The format types as C++ users build them: verifier messages that the
// textual syntax cannot reach, and FormatTypeInterface agreeing with the
// Numerics library for quantx types and for the upstream !quant.uniform
// types it is attached to.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"
#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MathExtras.h"
#include "gtest/gtest.h"

#include <random>

using namespace mlir;
using namespace mlir::quantx;
namespace num = ::quantx::numerics;

namespace {

class FormatTypeTest : public ::testing::Test {
protected:
  FormatTypeTest() {
    DialectRegistry registry;
    registry.insert<QuantxDialect, quant::QuantDialect>();
    registerQuantInterfaceExternalModels(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// Builds a fixed type through getChecked and returns the diagnostic it
  /// reports (empty when the parameters are valid).
  std::string fixedError(unsigned width, bool isSigned, int64_t min,
                         int64_t max, int32_t axis, ArrayRef<double> scales,
                         ArrayRef<int64_t> zeroPoints) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    auto emitError = [&] { return mlir::emitError(UnknownLoc::get(&context)); };
    FixedType type =
        FixedType::getChecked(emitError, &context, width, isSigned, min, max,
                              FloatType(Float32Type::get(&context)), axis,
                              ScaleList(scales), zeroPoints);
    EXPECT_EQ(!type, !message.empty());
    return message;
  }

  MLIRContext context;
};

TEST_F(FormatTypeTest, FixedVerifierMessagesFromCpp) {
  EXPECT_EQ(fixedError(8, true, -128, 127, -1, {0.5}, {0}), "");
  EXPECT_EQ(fixedError(8, true, -128, 127, -1, {0.5, 0.25}, {0, 0}),
            "a per-tensor format has one scale, got 2");
  EXPECT_EQ(fixedError(8, true, -128, 127, 0, {0.5, 0.25}, {0}),
            "expected as many zero points as scales, got 1 and 2");
  // No scales: a run-time scale (`?`), per tensor only and without zero
  // points of its own.
  EXPECT_EQ(fixedError(8, true, -128, 127, -1, {}, {}), "");
  EXPECT_EQ(fixedError(8, true, -128, 127, 0, {}, {}),
            "a format with a run-time scale (?) is per tensor; the op's axis "
            "makes it per channel");
  EXPECT_EQ(fixedError(8, true, -128, 127, -1, {}, {3}),
            "a format with a run-time scale (?) has no zero points of its own");
  EXPECT_EQ(fixedError(8, true, -128, 127, -2, {0.5}, {0}),
            "quantized dimension must be >= 0, got -2");
  EXPECT_EQ(fixedError(40, true, 0, 1, -1, {0.5}, {0}),
            "storage width must be in [1, 32], got 40");
}

TEST_F(FormatTypeTest, RuntimeScaleFormatHasNoParameters) {
  auto type =
      FixedType::get(&context, 4, false, 0, 15, Float32Type::get(&context), -1,
                     ArrayRef<double>{}, ArrayRef<int64_t>{});
  EXPECT_TRUE(type.hasRuntimeScale());
  auto format = cast<FormatTypeInterface>(type);
  EXPECT_FALSE(format.getAffineParams(0).has_value());
  EXPECT_EQ(format.getNumChannels(), 1);
  EXPECT_EQ(format.getCodeRange().first, 0);
  EXPECT_EQ(format.getCodeRange().second, 15);
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diagnostic) {
    message = diagnostic.str();
    return success();
  });
  EXPECT_TRUE(failed(format.verifyFormat(
      [&] { return emitError(UnknownLoc::get(&context)); })));
  EXPECT_EQ(message, "format '!quantx.fixed<u4:f32, ?>' has a run-time scale "
                     "(?): only quantx.scaled_fake_quant takes it");
}

TEST_F(FormatTypeTest, FixedInterfaceMatchesNumerics) {
  FloatType f32 = Float32Type::get(&context);
  auto type = FixedType::get(&context, 4, true, -7, 7, f32, 1,
                             ArrayRef<double>{0.1, 0.25, 3.0},
                             ArrayRef<int64_t>{0, 1, -2});
  auto format = cast<FormatTypeInterface>(type);
  EXPECT_EQ(format.getStorageWidth(), 4u);
  EXPECT_TRUE(format.isStorageSigned());
  EXPECT_EQ(format.getStorageType(), IntegerType::get(&context, 4));
  EXPECT_EQ(format.getExpressedFloatType(), f32);
  EXPECT_EQ(format.getChannelAxis(), std::optional<int32_t>(1));
  EXPECT_EQ(format.getNumChannels(), 3);
  num::FixedPointFormat ref{4, true, -7, 7};
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> dist(-30, 30);
  const double scales[] = {0.1, 0.25, 3.0};
  const int64_t zeroPoints[] = {0, 1, -2};
  for (int i = 0; i < 1000; ++i) {
    double x = dist(rng);
    for (int64_t c = 0; c < 3; ++c) {
      int64_t code = format.encode(x, num::RoundingMode::NearestEven, 0, c);
      EXPECT_EQ(code, ref.encode(x, scales[c], zeroPoints[c],
                                 num::RoundingMode::NearestEven));
      EXPECT_EQ(format.decode(code, c),
                num::FixedPointFormat::decode(code, scales[c], zeroPoints[c]));
    }
  }
  EXPECT_EQ(format.getRepresentableRange(2),
            std::make_pair(-15.0, 27.0)); // (-7 + 2) * 3, (7 + 2) * 3
}

TEST_F(FormatTypeTest, QuantUniformMatchesFixed) {
  FloatType f32 = Float32Type::get(&context);
  auto i8 = IntegerType::get(&context, 8);
  Type quantType = quant::UniformQuantizedType::get(
      /*flags=*/0, i8, f32, 0.0235, 128, 0, 255);
  auto fixedType =
      FixedType::get(&context, 8, false, 0, 255, f32, -1,
                     ArrayRef<double>{0.0235}, ArrayRef<int64_t>{128});
  auto quantFormat = dyn_cast<FormatTypeInterface>(quantType);
  ASSERT_TRUE(quantFormat) << "external model not attached";
  auto fixedFormat = cast<FormatTypeInterface>(fixedType);
  EXPECT_EQ(quantFormat.getStorageWidth(), 8u);
  EXPECT_FALSE(quantFormat.isStorageSigned());
  EXPECT_EQ(quantFormat.getExpressedFloatType(), f32);
  EXPECT_EQ(quantFormat.getChannelAxis(), std::nullopt);
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> dist(-4, 4);
  for (int i = 0; i < 1000; ++i) {
    double x = dist(rng);
    for (auto mode :
         {num::RoundingMode::NearestEven, num::RoundingMode::TowardZero,
          num::RoundingMode::Stochastic}) {
      uint32_t bits = rng();
      int64_t code = quantFormat.encode(x, mode, bits, 0);
      EXPECT_EQ(code, fixedFormat.encode(x, mode, bits, 0));
      EXPECT_EQ(quantFormat.decode(code, 0), fixedFormat.decode(code, 0));
    }
  }

  Type perAxis = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, i8, f32, {0.5, 0.25}, {0, 3}, 0, -127,
      127);
  auto perAxisFormat = cast<FormatTypeInterface>(perAxis);
  EXPECT_EQ(perAxisFormat.getChannelAxis(), std::optional<int32_t>(0));
  EXPECT_EQ(perAxisFormat.getNumChannels(), 2);
  EXPECT_EQ(perAxisFormat.encode(1.0, num::RoundingMode::NearestEven, 0, 1), 7);
  EXPECT_EQ(perAxisFormat.encode(-1e9, num::RoundingMode::NearestEven, 0, 0),
            -127);
  EXPECT_EQ(perAxisFormat.getRepresentableRange(1),
            std::make_pair(-32.5, 31.0));
}

TEST_F(FormatTypeTest, FloatTypeRoundTripsItsFormat) {
  num::FloatFormat format = num::FloatFormat::get(3, 0);
  format.radix = 4;
  format.special = num::SpecialValues::None;
  format.overflow = num::OverflowMode::Saturate;
  auto type = FloatFormatType::get(&context, format);
  num::FloatFormat back = type.getFormat();
  EXPECT_EQ(back.exponentBits, 3u);
  EXPECT_EQ(back.radix, 4u);
  EXPECT_EQ(back.special, num::SpecialValues::None);
  EXPECT_EQ(back.overflow, num::OverflowMode::Saturate);
  auto iface = cast<FormatTypeInterface>(type);
  EXPECT_EQ(iface.getStorageWidth(), 4u);
  EXPECT_FALSE(iface.isStorageSigned());
  EXPECT_EQ(iface.getExpressedFloatType(), FloatType());
  EXPECT_EQ(iface.getRepresentableRange(0), std::make_pair(-256.0, 256.0));
  for (int64_t code = 0; code < 16; ++code)
    EXPECT_EQ(iface.decode(code, 0), format.decode(code));
}

TEST_F(FormatTypeTest, BinaryAndTernary) {
  FloatType f32 = Float32Type::get(&context);
  auto binary = cast<FormatTypeInterface>(
      BinaryType::get(&context, f32, 0, ArrayRef<double>{0.5, 2.0}));
  EXPECT_EQ(binary.getStorageWidth(), 1u);
  EXPECT_EQ(binary.getNumChannels(), 2);
  EXPECT_EQ(binary.decode(
                binary.encode(-0.1, num::RoundingMode::NearestEven, 0, 1), 1),
            -2.0);
  auto ternary =
      cast<FormatTypeInterface>(TernaryType::get(&context, f32, -1, {}));
  EXPECT_EQ(ternary.getStorageWidth(), 2u);
  EXPECT_TRUE(ternary.isStorageSigned());
  EXPECT_EQ(ternary.getChannelAxis(), std::nullopt);
  EXPECT_EQ(ternary.encode(0.6, num::RoundingMode::NearestEven, 0, 0), 1);
  EXPECT_EQ(ternary.encode(0.4, num::RoundingMode::NearestEven, 0, 0), 0);
  EXPECT_EQ(ternary.encode(-9, num::RoundingMode::NearestEven, 0, 0), -1);
  EXPECT_EQ(ternary.getRepresentableRange(0), std::make_pair(-1.0, 1.0));
}

} // namespace

namespace {

/// getCodeRange: the codes encode can return, for every kind of format.
TEST_F(FormatTypeTest, CodeRanges) {
  auto range = [&](const char *text) {
    return cast<FormatTypeInterface>(parseType(text, &context)).getCodeRange();
  };
  using Range = std::pair<int64_t, int64_t>;
  EXPECT_EQ(range("!quantx.fixed<i4:f32, 1.0>"), Range(-8, 7));
  EXPECT_EQ(range("!quantx.fixed<u4:f32, 1.0:3>"), Range(0, 15));
  EXPECT_EQ(range("!quantx.fixed<i4<-7:7>:f32, 1.0>"), Range(-7, 7));
  EXPECT_EQ(range("!quantx.fixed<u32:f32, 1.0>"), Range(0, 4294967295));
  EXPECT_EQ(range("!quantx.fixed<i32:f32, 1.0>"),
            Range(-2147483648, 2147483647));
  EXPECT_EQ(range("!quantx.binary<f32>"), Range(0, 1));
  EXPECT_EQ(range("!quantx.ternary<f32>"), Range(-1, 1));
  EXPECT_EQ(range("!quantx.float<e2m1, special = none>"), Range(0, 15));
  EXPECT_EQ(range("!quantx.float<e8m23>"), Range(0, 4294967295));
  EXPECT_EQ(range("!quant.uniform<i8<-127:127>:f32, 0.5>"), Range(-127, 127));
  // Every code in the range encodes back to itself through its value.
  for (const char *text :
       {"!quantx.fixed<i4<-7:7>:f32, 0.5:2>", "!quantx.ternary<f32, 0.3>",
        "!quantx.binary<f32, 0.7>", "!quantx.fixed<u4:f32, 0.25:9>"}) {
    auto format = cast<FormatTypeInterface>(parseType(text, &context));
    auto [lo, hi] = format.getCodeRange();
    for (int64_t code = lo; code <= hi; ++code)
      EXPECT_EQ(format.encode(format.decode(code, 0),
                              num::RoundingMode::NearestEven, 0, 0),
                code)
          << text;
  }
}

/// verifyFormat: quantx's own types are valid by construction; upstream
/// uniform types are held to the fixed-point constraints.
TEST_F(FormatTypeTest, VerifyFormatChecksUpstreamTypes) {
  auto verify = [&](Type type) {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      message = diag.str();
      return success();
    });
    LogicalResult result = cast<FormatTypeInterface>(type).verifyFormat(
        [&] { return mlir::emitError(UnknownLoc::get(&context)); });
    EXPECT_EQ(succeeded(result), message.empty());
    return message;
  };
  Type f32 = Float32Type::get(&context);
  Type i8 = IntegerType::get(&context, 8);
  Type i64 = IntegerType::get(&context, 64);
  EXPECT_EQ(verify(parseType("!quantx.fixed<i8:f32, 0.5:3>", &context)), "");
  EXPECT_EQ(verify(quant::UniformQuantizedType::get(
                quant::QuantizationFlags::Signed, i8, f32, 0.5, 3, -128, 127)),
            "");
  EXPECT_EQ(
      verify(quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                              i8, f32, 0.5, 300, -128, 127)),
      "format '!quant.uniform<i8:f32, 5.000000e-01:300>': zero point "
      "300 is outside the storage range [-128, 127]");
  EXPECT_EQ(verify(quant::UniformQuantizedType::get(
                quant::QuantizationFlags::Signed, i64, f32, 0.5, 0,
                std::numeric_limits<int64_t>::min(),
                std::numeric_limits<int64_t>::max())),
            "format '!quant.uniform<i64:f32, 5.000000e-01>': storage width "
            "must be in [1, 32], got 64");
  EXPECT_EQ(verify(quant::UniformQuantizedPerAxisType::get(
                quant::QuantizationFlags::Signed, i8, f32, {0.5, 0.25},
                {0, 200}, 1, -128, 127)),
            "format '!quant.uniform<i8:f32:1, {5.000000e-01,2.500000e-01:200}>"
            "': channel 1: zero point 200 is outside the storage range "
            "[-128, 127]");
}

/// Encodes with the Numerics algorithm `description` names, as a code
/// generator reading only the description would.
int64_t encodeByDescription(const num::FormatDescription &description, double x,
                            num::RoundingMode mode, uint32_t bits,
                            int64_t channel) {
  size_t index = description.axis ? channel : 0;
  switch (description.kind) {
  case num::FormatDescription::Kind::Fixed:
    return description.fixed.encode(x, description.scales[index],
                                    description.zeroPoints[index], mode, bits);
  case num::FormatDescription::Kind::Ternary:
    EXPECT_EQ(description.zeroPoints[index], 0);
    return num::TernaryFormat::encode(x, description.scales[index], mode, bits);
  case num::FormatDescription::Kind::Binary:
    return num::BinaryFormat::encode(x, description.scales[index], mode, bits);
  case num::FormatDescription::Kind::Float: {
    // Codes travel sign-extended when the storage is signed.
    uint64_t code = description.floatFormat.encode(x, mode, bits);
    return static_cast<int64_t>(code);
  }
  }
  return 0;
}

TEST_F(FormatTypeTest, DescriptionDrivesTheSameEncoding) {
  const char *types[] = {
      "!quantx.fixed<i8:f32, 0.05>",
      "!quantx.fixed<u4<1:14>:f32, 0.5:7>",
      "!quantx.fixed<i4:f32:1, {0.1, 0.25:1, 2.0:-3}>",
      "!quantx.float<e4m3, special = fn>",
      "!quantx.float<e2m3, bias = 5, radix = 4, special = none>",
      "!quantx.binary<f32>",
      "!quantx.binary<f32:0, {0.5, 2.0}>",
      "!quantx.ternary<f32, 0.3>",
      "!quantx.ternary<f32:1, {0.5, 0.2}>",
      "!quant.uniform<u8:f32, 0.0235:128>",
      "!quant.uniform<i8<-127:127>:f32:0, {0.5:0, 0.25:3}>",
  };
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> dist(-8, 8);
  for (const char *text : types) {
    Type type = parseType(text, &context);
    ASSERT_TRUE(type) << text;
    auto format = cast<FormatTypeInterface>(type);
    num::FormatDescription description = format.getDescription();
    EXPECT_EQ(description.axis, format.getChannelAxis()) << text;
    if (description.kind != num::FormatDescription::Kind::Float)
      EXPECT_EQ(static_cast<int64_t>(description.scales.size()),
                format.getNumChannels())
          << text;
    for (int64_t channel = 0; channel < format.getNumChannels(); ++channel)
      for (int i = 0; i < 200; ++i) {
        double x = dist(rng);
        uint32_t bits = rng();
        for (auto mode :
             {num::RoundingMode::NearestEven, num::RoundingMode::TowardZero,
              num::RoundingMode::Stochastic}) {
          int64_t expected = format.encode(x, mode, bits, channel);
          int64_t described =
              encodeByDescription(description, x, mode, bits, channel);
          if (format.isStorageSigned() &&
              description.kind == num::FormatDescription::Kind::Float)
            described = llvm::SignExtend64(described, format.getStorageWidth());
          ASSERT_EQ(described, expected)
              << text << " channel " << channel << " x " << x;
        }
      }
  }
}

/// f16 and bf16 named in options are the IEEE formats: every value of a
/// sweep rounds as APFloat rounds it to half and to bfloat.
TEST_F(FormatTypeTest, ParseFloatFormatNames) {
  std::string error;
  for (auto [name, semantics] :
       {std::pair<const char *, const llvm::fltSemantics *>{
            "f16", &llvm::APFloat::IEEEhalf()},
        {"bf16", &llvm::APFloat::BFloat()},
        {"\"f16\"", &llvm::APFloat::IEEEhalf()}}) {
    FloatFormatType type = parseFloatFormatOption(&context, name, error);
    ASSERT_TRUE(type) << name << ": " << error;
    num::FloatFormat format = type.getFormat();
    std::mt19937_64 rng(5);
    std::uniform_real_distribution<double> exponent(-30.0, 30.0);
    for (int i = 0; i < 2000; ++i) {
      double x = std::ldexp(1.0 + (rng() % 1000) / 1000.0,
                            static_cast<int>(exponent(rng)));
      if (i % 2)
        x = -x;
      llvm::APFloat expected(x);
      bool lost = false;
      expected.convert(*semantics, llvm::APFloat::rmNearestTiesToEven, &lost);
      double got = format.decode(format.encode(x));
      EXPECT_EQ(got, expected.convertToDouble()) << name << " " << x;
    }
  }
}

/// A !quantx.float body, quoted or not, and one-line errors.
TEST_F(FormatTypeTest, ParseFloatFormatBodies) {
  std::string error;
  FloatFormatType radix4 =
      parseFloatFormatOption(&context, "\"e3m0, radix = 4\"", error);
  ASSERT_TRUE(radix4) << error;
  EXPECT_EQ(radix4.getFormat().radix, 4u);
  FloatFormatType e4m3 = parseFloatFormatOption(&context, " e4m3 ", error);
  ASSERT_TRUE(e4m3) << error;
  EXPECT_EQ(e4m3.getFormat().exponentBits, 4u);
  for (const char *bad : {"", "\"\"", "int8", "e9m2", "f32"}) {
    error.clear();
    EXPECT_FALSE(parseFloatFormatOption(&context, bad, error)) << bad;
    EXPECT_NE(error.find("is not a float format"), std::string::npos)
        << bad << ": " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  }
}

} // namespace
