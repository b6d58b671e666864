//===- IntegerOpsJitTest.cpp - rescale and unpack against Numerics --------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every rounding convention of quantx.rescale, per tensor and per channel,
// from 16-, 32- and 64-bit inputs to 8- and 16-bit codes (signed, unsigned
// and narrow ranges), is lowered through quantx-to-llvm, JIT-compiled and
// run on boundary, tie and random inputs; each code must equal
// quantx::numerics::rescale's. quantx.unpack of packed random codes of
// every packable width gives back the codes.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Rescale.h"
#include "quantx/Numerics/Storage.h"
#include "quantx/Runtime/Runner.h"

#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

using namespace quantx::numerics;
using namespace quantx::runtime;

namespace {

struct Case {
  RescaleRounding rounding;
  int inputBits;
  int outputBits;
  int64_t outputMin, outputMax;
  int64_t inputZeroPoint, outputZeroPoint;
  /// Real multipliers, one per channel (axis 1) or one.
  std::vector<double> multipliers;
};

std::string join(const std::vector<std::string> &items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i)
    out += (i ? ", " : "") + items[i];
  return out;
}

DType getDType(int bits) {
  switch (bits) {
  case 8:
    return DType::I8;
  case 16:
    return DType::I16;
  case 32:
    return DType::I32;
  default:
    return DType::I64;
  }
}

int64_t readElement(const NpyArray &array, int64_t i) {
  switch (array.dtype) {
  case DType::I8:
    return reinterpret_cast<const int8_t *>(array.data.data())[i];
  case DType::I16:
    return reinterpret_cast<const int16_t *>(array.data.data())[i];
  case DType::I32:
    return reinterpret_cast<const int32_t *>(array.data.data())[i];
  default:
    return reinterpret_cast<const int64_t *>(array.data.data())[i];
  }
}

void runCase(const Case &c, uint64_t seed) {
  int64_t channels = static_cast<int64_t>(c.multipliers.size());
  std::vector<RescaleParams> params;
  std::vector<std::string> scales, multipliers, shifts;
  for (double m : c.multipliers) {
    RescaleParams p;
    p.rounding = c.rounding;
    p.inputZeroPoint = c.inputZeroPoint;
    p.outputZeroPoint = c.outputZeroPoint;
    p.outputMin = c.outputMin;
    p.outputMax = c.outputMax;
    if (c.rounding == RescaleRounding::Float) {
      p.scale = static_cast<float>(m);
      char text[64];
      std::snprintf(text, sizeof(text), "%.9e", static_cast<double>(p.scale));
      scales.push_back(text);
    } else {
      auto fp = getFixedPointMultiplier(m);
      ASSERT_TRUE(fp) << m;
      p.multiplier = fp->first;
      p.shift = fp->second;
      multipliers.push_back(std::to_string(p.multiplier));
      shifts.push_back(std::to_string(p.shift));
    }
    params.push_back(p);
  }
  std::vector<int64_t> values = {0, 1, -1, 2, -2, 3, -3, 5, -5, 7, -7};
  int64_t inputMax =
      c.inputBits == 64 ? INT64_MAX : (int64_t(1) << (c.inputBits - 1)) - 1;
  int64_t inputMin = c.inputBits == 64 ? INT64_MIN : -inputMax - 1;
  for (int64_t v : {inputMax, inputMin, inputMax - 1, inputMin + 1})
    values.push_back(v);
  // Ties: x' m = k + 1/2 where the multiplier allows.
  for (double m : c.multipliers)
    for (int k = -6; k <= 6 && c.inputZeroPoint > -(int64_t(1) << 40) &&
                     c.inputZeroPoint < (int64_t(1) << 40);
         ++k) {
      double x = (k + 0.5) / m;
      int64_t tie = static_cast<int64_t>(x) + c.inputZeroPoint;
      if (std::fabs(x) < 0x1p40 && x == std::round(x) && tie >= inputMin &&
          tie <= inputMax)
        values.push_back(tie);
    }
  std::mt19937_64 random(seed);
  for (int i = 0; i < 400; ++i) {
    int64_t v = static_cast<int64_t>(random());
    int shift = 64 - c.inputBits + static_cast<int>(random() % c.inputBits);
    values.push_back(v >> shift);
  }
  int64_t rows =
      (static_cast<int64_t>(values.size()) + channels - 1) / channels;
  values.resize(rows * channels, 0);

  std::string in = "i" + std::to_string(c.inputBits);
  std::string out = "i" + std::to_string(c.outputBits);
  std::string shape = std::to_string(rows) + "x" + std::to_string(channels);
  std::ostringstream source;
  source << "func.func @f(%x: tensor<" << shape << "x" << in << ">) -> tensor<"
         << shape << "x" << out << "> {\n"
         << "  %y = quantx.rescale %x rounding<"
         << getRescaleRoundingName(c.rounding) << ">";
  if (c.rounding == RescaleRounding::Float)
    source << " scale [" << join(scales) << "]";
  else
    source << " multiplier [" << join(multipliers) << "] shift ["
           << join(shifts) << "]";
  if (channels > 1)
    source << " axis 1";
  source << " zero_points (" << c.inputZeroPoint << ", " << c.outputZeroPoint
         << ") clamp [" << c.outputMin << ", " << c.outputMax << "] : tensor<"
         << shape << "x" << in << "> to tensor<" << shape << "x" << out
         << ">\n  return %y : tensor<" << shape << "x" << out << ">\n}\n";
  RunnerOptions options;
  auto module = CompiledModule::compileSource(source.str(), {"f"}, options);
  ASSERT_TRUE(static_cast<bool>(module))
      << llvm::toString(module.takeError()) << "\n"
      << source.str();
  NpyArray input;
  input.dtype = getDType(c.inputBits);
  input.shape = {rows, channels};
  unsigned size = c.inputBits / 8;
  input.data.resize(values.size() * size);
  for (size_t i = 0; i < values.size(); ++i)
    std::memcpy(input.data.data() + i * size, &values[i], size);
  auto results = (*module)->call("f", {input});
  ASSERT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  const NpyArray &result = results->front();
  uint64_t mask =
      c.outputBits == 64 ? ~uint64_t(0) : (uint64_t(1) << c.outputBits) - 1;
  int failures = 0;
  for (size_t i = 0; i < values.size() && failures < 10; ++i) {
    int64_t x = values[i];
    int64_t expected = rescale(x, params[i % channels]);
    uint64_t got = static_cast<uint64_t>(readElement(result, i)) & mask;
    if (got != (static_cast<uint64_t>(expected) & mask)) {
      ++failures;
      ADD_FAILURE() << getRescaleRoundingName(c.rounding) << " " << in << " -> "
                    << out << " channel " << i % channels << ": x = " << x
                    << ", expected " << expected << ", got bits " << got;
    }
  }
}

class IntegerOpsJitTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
};

constexpr RescaleRounding kRoundings[] = {
    RescaleRounding::Float, RescaleRounding::SingleRound,
    RescaleRounding::DoubleRound, RescaleRounding::Gemmlowp};

TEST_F(IntegerOpsJitTest, PerTensorInt32ToInt8) {
  uint64_t seed = 1;
  for (RescaleRounding r : kRoundings)
    for (double m : {0.5, 0.25, 0.0123456, 3.0e-5, 0.9999, 1.75})
      runCase({r, 32, 8, -128, 127, 0, -3, {m}}, seed++);
}

TEST_F(IntegerOpsJitTest, PerChannelZeroPointsUnsignedAndNarrow) {
  uint64_t seed = 100;
  for (RescaleRounding r : kRoundings) {
    // Unsigned codes [0, 255] in i8 bits, an input zero point.
    runCase({r, 32, 8, 0, 255, 17, 131, {0.003, 0.5, 0.0625, 1.0e-4}}, seed++);
    // A narrow signed range.
    runCase({r, 32, 8, -127, 127, -9, 0, {0.02, 0.75, 0.1}}, seed++);
    // 16-bit codes from 16-bit inputs.
    runCase({r, 16, 16, -32768, 32767, 5, -7, {0.3, 1.5}}, seed++);
  }
}

TEST_F(IntegerOpsJitTest, WideInputs) {
  uint64_t seed = 200;
  for (RescaleRounding r : kRoundings)
    runCase({r, 64, 32, INT32_MIN, INT32_MAX, 0, 0, {0.001, 2.0e-7}}, seed++);
}

TEST_F(IntegerOpsJitTest, LargestOperandsOfTheI64Path) {
  // The i64 path (inputs and results of at most 32 bits) at its bounds:
  // zero points of +-2^16, multipliers just below 2^31, the smallest and
  // largest shifts, and 32-bit results, so no output clamp hides an
  // overflow of the products or of the rounding term. Per tensor and per
  // channel (multipliers and shifts read from i32 columns).
  uint64_t seed = 250;
  for (RescaleRounding r : kRoundings)
    for (int64_t zp : {int64_t(1) << 16, -(int64_t(1) << 16)}) {
      runCase({r, 32, 32, INT32_MIN, INT32_MAX, zp, -zp, {0.99999999}}, seed++);
      runCase({r,
               32,
               32,
               INT32_MIN,
               INT32_MAX,
               zp,
               zp,
               {0.99999999, 1.9999999, 1.0e-9, 0.5, 3.0e-5}},
              seed++);
    }
}

TEST_F(IntegerOpsJitTest, ExtremeValues) {
  // 64-bit inputs and results with their whole range (the i128 path),
  // zero points at the ends of int64, scales that overflow int64.
  uint64_t seed = 300;
  for (RescaleRounding r : kRoundings) {
    runCase({r, 64, 64, INT64_MIN, INT64_MAX, 0, 0, {1.0, 4.0, 0.75}}, seed++);
    runCase({r, 64, 32, INT32_MIN, INT32_MAX, 5, -3, {0.75}}, seed++);
    runCase({r, 32, 8, -128, 127, INT64_MAX, 0, {0.5}}, seed++);
    runCase({r, 32, 8, -128, 127, INT64_MIN, 0, {0.5}}, seed++);
    runCase({r, 32, 64, INT64_MIN, INT64_MAX, 0, INT64_MIN + 5, {0.25}},
            seed++);
    runCase({r, 16, 32, INT32_MIN, INT32_MAX, 70000, -70000, {3.0e-3}}, seed++);
  }
  runCase(
      {RescaleRounding::Float, 32, 64, INT64_MIN, INT64_MAX, 0, 7, {1.0e30}},
      seed++);
}

TEST_F(IntegerOpsJitTest, UnpackGivesBackPackedCodes) {
  std::mt19937_64 random(7);
  for (unsigned bits : {1u, 2u, 3u, 4u, 5u, 6u, 7u})
    for (std::pair<int64_t, int64_t> shape :
         {std::pair<int64_t, int64_t>{3, 5}, {1, 1}, {4, 8}, {7, 3}}) {
      int64_t count = shape.first * shape.second;
      std::vector<int64_t> codes(count);
      for (int64_t &c : codes)
        c = static_cast<int64_t>(random() % (uint64_t(1) << bits));
      std::vector<uint8_t> bytes = packCodes(codes, bits);
      std::string dims =
          std::to_string(shape.first) + "x" + std::to_string(shape.second);
      std::string packed = std::to_string(bytes.size()) + "xi8";
      std::string source =
          "func.func @f(%p: tensor<" + packed + ">) -> tensor<" + dims +
          "xi8> {\n  %u = quantx.unpack %p : tensor<" + packed +
          "> to tensor<" + dims + "xi" + std::to_string(bits) +
          ">\n  %e = tensor.empty() : tensor<" + dims +
          "xi8>\n  %w = linalg.generic {indexing_maps = [affine_map<(i, j) "
          "-> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = "
          "[\"parallel\", \"parallel\"]} ins(%u : tensor<" +
          dims + "xi" + std::to_string(bits) + ">) outs(%e : tensor<" + dims +
          "xi8>) {\n  ^bb0(%c: i" + std::to_string(bits) +
          ", %o: i8):\n    %x = arith.extui %c : i" + std::to_string(bits) +
          " to i8\n    linalg.yield %x : i8\n  } -> tensor<" + dims +
          "xi8>\n  return %w : tensor<" + dims + "xi8>\n}\n";
      auto module = CompiledModule::compileSource(source, {"f"}, {});
      ASSERT_TRUE(static_cast<bool>(module))
          << llvm::toString(module.takeError()) << "\n"
          << source;
      NpyArray input;
      input.dtype = DType::I8;
      input.shape = {static_cast<int64_t>(bytes.size())};
      input.data.assign(bytes.begin(), bytes.end());
      auto results = (*module)->call("f", {input});
      ASSERT_TRUE(static_cast<bool>(results))
          << llvm::toString(results.takeError());
      for (int64_t i = 0; i < count; ++i) {
        EXPECT_EQ(unpackCode(bytes.data(), static_cast<int64_t>(bytes.size()),
                             i, bits),
                  static_cast<uint64_t>(codes[i]));
        EXPECT_EQ(static_cast<uint8_t>(results->front().data[i]),
                  static_cast<uint8_t>(codes[i]))
            << bits << " bits, element " << i;
      }
    }
}

} // namespace
