//===- Rescale.h - integer requantization conventions -----------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Requantization of an integer (an accumulator) to an output code: the
// conventions of the integer runtimes users bring, exactly. With
// x' = x - inputZeroPoint (exact):
//
//   Float         (ONNX QLinearMatMul, onnxruntime):
//                 y = round_half_even(f32(x') * f32(scale)) + outputZeroPoint,
//                 one f32 multiplication (x' saturated to int64, then
//                 rounded to f32; the rounded product saturated to int64);
//   SingleRound   (TOSA rescale, SINGLE_ROUND):
//                 y = (x' * multiplier + 2^(shift-1)) >> shift  (exact,
//                 arithmetic shift: ties toward +infinity) + outputZeroPoint;
//   DoubleRound   (TOSA rescale, DOUBLE_ROUND): as SingleRound, with
//                 2^30 added (x' >= 0) or subtracted (x' < 0) to the rounding
//                 term when shift > 31;
//   Gemmlowp      (TFLite's MultiplyByQuantizedMultiplier): with
//                 shift = 31 + s, r = SaturatingRoundingDoublingHighMul(
//                 x' << max(-s, 0), multiplier) then RoundingDivideByPOT(r,
//                 max(s, 0)): the first rounds ties toward +infinity, the
//                 second away from zero; x' and the shifted x' saturate to
//                 int32 (where TFLite's int32 shift overflows);
//
// then clamped to [outputMin, outputMax]; nothing overflows in between. In
// every fixed-point convention the real multiplier is multiplier *
// 2^-shift. Clamping after rounding equals onnxruntime's clamping before
// it wherever the clamp's bounds minus the zero point are exact in f32.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_RESCALE_H
#define QUANTX_NUMERICS_RESCALE_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace quantx::numerics {

enum class RescaleRounding : uint8_t {
  Float,
  SingleRound,
  DoubleRound,
  Gemmlowp
};

std::string_view getRescaleRoundingName(RescaleRounding rounding);
std::optional<RescaleRounding> parseRescaleRounding(std::string_view name);

struct RescaleParams {
  RescaleRounding rounding = RescaleRounding::SingleRound;
  /// RescaleRounding::Float.
  float scale = 1.0f;
  /// The fixed-point conventions: multiplier * 2^-shift.
  int32_t multiplier = 1 << 30;
  int32_t shift = 31;
  int64_t inputZeroPoint = 0, outputZeroPoint = 0;
  int64_t outputMin = -128, outputMax = 127;
};

/// The output code of `x`.
int64_t rescale(int64_t x, const RescaleParams &params);

/// The fixed-point form of a positive finite real multiplier m: multiplier
/// in [2^30, 2^31) and shift with multiplier * 2^-shift = m to 31
/// significant bits (round half away from zero); nothing when the shift
/// would leave [1, 62] (m at least 2^30 or below 2^-32).
std::optional<std::pair<int32_t, int32_t>> getFixedPointMultiplier(double m);

/// The fraction bits a bias gets below its accumulator's grid before a
/// requantization: the accumulator `acc` (|acc| <= `bound`, scale
/// `scales[c]` per channel) becomes `acc 2^k + round(bias[c] 2^k /
/// scales[c])` and its multipliers `multipliers[c] 2^-k`. Returns the
/// largest k in [0, maxBits] with `bound 2^k + max |bias code| <= limit` and,
/// when `fixedPoint`, a fixed-point form for every multiplier (k = 0 when
/// even that does not hold). With k = 0 the bias is on the accumulator's
/// grid, as TFLite and ONNX store it.
int chooseBiasFractionBits(double bound, const std::vector<double> &bias,
                           const std::vector<double> &scales,
                           const std::vector<double> &multipliers,
                           bool fixedPoint, double limit, int maxBits);

/// Why the parameters are no valid rescale (a shift outside what the
/// convention allows, a non-positive or non-finite scale, an empty output
/// range), or nothing.
std::optional<std::string> verifyRescaleParams(const RescaleParams &params);

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_RESCALE_H
