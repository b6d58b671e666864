//===- Rescale.cpp - integer requantization conventions -------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Rescale.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

using namespace quantx::numerics;

std::string_view
quantx::numerics::getRescaleRoundingName(RescaleRounding rounding) {
  switch (rounding) {
  case RescaleRounding::Float:
    return "float";
  case RescaleRounding::SingleRound:
    return "single_round";
  case RescaleRounding::DoubleRound:
    return "double_round";
  case RescaleRounding::Gemmlowp:
    return "gemmlowp";
  }
  return "";
}

std::optional<RescaleRounding>
quantx::numerics::parseRescaleRounding(std::string_view name) {
  for (RescaleRounding r :
       {RescaleRounding::Float, RescaleRounding::SingleRound,
        RescaleRounding::DoubleRound, RescaleRounding::Gemmlowp})
    if (getRescaleRoundingName(r) == name)
      return r;
  return std::nullopt;
}

static int32_t saturateToInt32(int64_t v) {
  return static_cast<int32_t>(
      std::clamp<int64_t>(v, std::numeric_limits<int32_t>::min(),
                          std::numeric_limits<int32_t>::max()));
}

/// gemmlowp's SaturatingRoundingDoublingHighMul: round(a * b / 2^31), ties
/// away from zero, INT32_MIN * INT32_MIN saturated.
static int32_t roundingDoublingHighMul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  int64_t ab = int64_t(a) * int64_t(b);
  int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : (1 - (int64_t(1) << 30));
  // Division truncating toward zero, as gemmlowp's.
  return static_cast<int32_t>((ab + nudge) / (int64_t(1) << 31));
}

/// gemmlowp's RoundingDivideByPOT: x / 2^e, ties away from zero.
static int32_t roundingDivideByPowerOfTwo(int32_t x, int exponent) {
  if (exponent == 0)
    return x;
  int32_t mask = static_cast<int32_t>((int64_t(1) << exponent) - 1);
  int32_t remainder = x & mask;
  int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int64_t quantx::numerics::rescale(int64_t x, const RescaleParams &p) {
  using Wide = __int128;
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  // Exact: |x - zp| < 2^64, and every product below stays under 2^96.
  Wide v = static_cast<Wide>(x) - p.inputZeroPoint;
  Wide y = 0;
  switch (p.rounding) {
  case RescaleRounding::Float: {
    // x' saturated to int64, rounded to f32, one f32 multiplication,
    // nearbyint (ties to even), saturated to int64.
    int64_t saturated = static_cast<int64_t>(std::clamp<Wide>(v, kMin, kMax));
    float product = static_cast<float>(saturated) * p.scale;
    float rounded = std::nearbyint(product);
    int64_t r;
    if (rounded >= 0x1p63f)
      r = kMax;
    else if (rounded < -0x1p63f)
      r = kMin;
    else
      r = static_cast<int64_t>(rounded);
    y = static_cast<Wide>(r) + p.outputZeroPoint;
    break;
  }
  case RescaleRounding::SingleRound:
  case RescaleRounding::DoubleRound: {
    Wide round = p.shift > 0 ? Wide(1) << (p.shift - 1) : 0;
    if (p.rounding == RescaleRounding::DoubleRound && p.shift > 31)
      round += v >= 0 ? (Wide(1) << 30) : -(Wide(1) << 30);
    y = ((v * p.multiplier + round) >> p.shift) + p.outputZeroPoint;
    break;
  }
  case RescaleRounding::Gemmlowp: {
    int32_t s = p.shift - 31;
    int32_t leftShift = s < 0 ? -s : 0, rightShift = s > 0 ? s : 0;
    int32_t in = static_cast<int32_t>(
        std::clamp<Wide>(v, std::numeric_limits<int32_t>::min(),
                         std::numeric_limits<int32_t>::max()));
    int32_t shifted = saturateToInt32(int64_t(in) * (int64_t(1) << leftShift));
    int32_t r = roundingDivideByPowerOfTwo(
        roundingDoublingHighMul(shifted, p.multiplier), rightShift);
    y = static_cast<Wide>(r) + p.outputZeroPoint;
    break;
  }
  }
  return static_cast<int64_t>(std::clamp<Wide>(y, p.outputMin, p.outputMax));
}

std::optional<std::pair<int32_t, int32_t>>
quantx::numerics::getFixedPointMultiplier(double m) {
  if (!(m > 0) || !std::isfinite(m))
    return std::nullopt;
  int exponent;
  double fraction = std::frexp(m, &exponent); // m = fraction 2^exponent
  int64_t multiplier = std::llround(fraction * double(int64_t(1) << 31));
  if (multiplier == (int64_t(1) << 31)) {
    multiplier /= 2;
    ++exponent;
  }
  int32_t shift = 31 - exponent;
  if (shift < 1 || shift > 62)
    return std::nullopt;
  return std::make_pair(static_cast<int32_t>(multiplier), shift);
}

int quantx::numerics::chooseBiasFractionBits(
    double bound, const std::vector<double> &bias,
    const std::vector<double> &scales, const std::vector<double> &multipliers,
    bool fixedPoint, double limit, int maxBits) {
  auto fits = [&](int k) {
    double biasMax = 0;
    for (size_t c = 0; c < bias.size(); ++c) {
      double scale = scales.size() == 1 ? scales[0] : scales[c];
      biasMax = std::max(
          biasMax, std::fabs(std::nearbyint(std::ldexp(bias[c], k) / scale)));
    }
    if (std::ldexp(bound, k) + biasMax > limit)
      return false;
    if (fixedPoint)
      for (double m : multipliers)
        if (!getFixedPointMultiplier(std::ldexp(m, -k)))
          return false;
    return true;
  };
  for (int k = maxBits; k > 0; --k)
    if (fits(k))
      return k;
  return 0;
}

std::optional<std::string>
quantx::numerics::verifyRescaleParams(const RescaleParams &p) {
  char text[160];
  if (p.outputMin > p.outputMax) {
    std::snprintf(text, sizeof(text), "the output range [%lld, %lld] is empty",
                  static_cast<long long>(p.outputMin),
                  static_cast<long long>(p.outputMax));
    return std::string(text);
  }
  switch (p.rounding) {
  case RescaleRounding::Float:
    if (!(p.scale > 0) || !std::isfinite(p.scale)) {
      std::snprintf(text, sizeof(text),
                    "a scale must be positive and finite, got %g",
                    static_cast<double>(p.scale));
      return std::string(text);
    }
    return std::nullopt;
  case RescaleRounding::SingleRound:
  case RescaleRounding::DoubleRound:
  case RescaleRounding::Gemmlowp:
    if (p.multiplier <= 0) {
      std::snprintf(text, sizeof(text), "a multiplier must be positive, got %d",
                    p.multiplier);
      return std::string(text);
    }
    if (p.shift < 1 || p.shift > 62) {
      std::snprintf(text, sizeof(text), "a shift must be in [1, 62], got %d",
                    p.shift);
      return std::string(text);
    }
    return std::nullopt;
  }
  return std::nullopt;
}
