//===- Rounding.cpp - rounding modes shared by every format ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Rounding.h"

#include <cmath>

namespace quantx::numerics {

std::string_view stringifyRoundingMode(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::NearestEven:
    return "nearest_even";
  case RoundingMode::NearestAway:
    return "nearest_away";
  case RoundingMode::TowardZero:
    return "toward_zero";
  case RoundingMode::Stochastic:
    return "stochastic";
  }
  return "";
}

std::optional<RoundingMode> parseRoundingMode(std::string_view name) {
  for (RoundingMode mode :
       {RoundingMode::NearestEven, RoundingMode::NearestAway,
        RoundingMode::TowardZero, RoundingMode::Stochastic})
    if (stringifyRoundingMode(mode) == name)
      return mode;
  return std::nullopt;
}

bool shouldRoundUp(double a, double lo, double hi, bool loIsOdd,
                   RoundingMode mode, uint32_t randomBits) {
  if (a <= lo)
    return false;
  if (a >= hi)
    return true;
  switch (mode) {
  case RoundingMode::TowardZero:
    return false;
  case RoundingMode::NearestEven:
  case RoundingMode::NearestAway: {
    // lo + hi is exact for every grid quantx builds (see the header), and
    // halving it is exact away from the bottom of the f64 range.
    double mid = (lo + hi) * 0.5;
    if (a != mid)
      return a > mid;
    return mode == RoundingMode::NearestAway || loIsOdd;
  }
  case RoundingMode::Stochastic: {
    double fraction = (a - lo) / (hi - lo);
    return fraction > std::ldexp(static_cast<double>(randomBits), -32);
  }
  }
  return false;
}

double roundToIntegral(double t, RoundingMode mode, uint32_t randomBits) {
  if (!std::isfinite(t) || std::fabs(t) >= 0x1p52)
    return t;
  double a = std::fabs(t);
  double lo = std::floor(a);
  bool loIsOdd = std::fmod(lo, 2.0) != 0.0;
  double rounded =
      shouldRoundUp(a, lo, lo + 1.0, loIsOdd, mode, randomBits) ? lo + 1.0 : lo;
  return std::copysign(rounded, t);
}

} // namespace quantx::numerics
