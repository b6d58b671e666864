//===- Rounding.h - rounding modes shared by every format -------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The rounding modes of quantx and the one decision they all reduce to: given
// a magnitude between two neighbouring grid points, keep the lower one or take
// the upper one. Fixed-point, custom-float, binary and ternary encoders call
// this helper, so every format rounds by the same rules.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_ROUNDING_H
#define QUANTX_NUMERICS_ROUNDING_H

#include <cstdint>
#include <optional>
#include <string_view>

namespace quantx::numerics {

/// How a value between two representable neighbours is rounded.
enum class RoundingMode : uint8_t {
  /// Nearest neighbour; ties go to the even significand (IEEE 754
  /// roundTiesToEven).
  NearestEven,
  /// Nearest neighbour; ties go away from zero (roundTiesToAway).
  NearestAway,
  /// The neighbour of smaller magnitude (truncation).
  TowardZero,
  /// The neighbour of larger magnitude with probability equal to the
  /// distance from the smaller one, in units of the gap. The caller supplies
  /// 32 uniformly random bits `r`; the larger magnitude is taken exactly when
  /// `fraction > r * 2^-32`, so results are reproducible.
  Stochastic,
};

/// Returns the mnemonic of `mode` (`nearest_even`, `nearest_away`,
/// `toward_zero`, `stochastic`).
std::string_view stringifyRoundingMode(RoundingMode mode);

/// Parses a mnemonic produced by `stringifyRoundingMode`.
std::optional<RoundingMode> parseRoundingMode(std::string_view name);

/// Decides how to round a magnitude `a` with `lo <= a <= hi`, where `lo` and
/// `hi` are neighbouring non-negative grid values. `loIsOdd` tells whether the
/// significand of `lo` is odd; a tie goes up exactly when it is (for formats
/// without mantissa bits both neighbours are odd and the tie goes up, as in
/// LLVM's APFloat). Returns true to take `hi`.
///
/// Exact whenever `lo + hi` and `a - lo` are exact in double precision, which
/// holds for every fixed-point grid and every custom float within the f64
/// range.
bool shouldRoundUp(double a, double lo, double hi, bool loIsOdd,
                   RoundingMode mode, uint32_t randomBits);

/// Rounds `t` to an integer under `mode`. The rules apply to the magnitude,
/// so rounding is symmetric about zero (toward-zero truncates, stochastic
/// rounding is unbiased for negative values too). Non-finite values and
/// values beyond 2^52 are returned unchanged.
double roundToIntegral(double t, RoundingMode mode, uint32_t randomBits);

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_ROUNDING_H
