//===- FloatFormat.cpp - custom floating-point formats --------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Encoding finds the two finite neighbours of |x| by binary search over the
// magnitude codes, whose values increase with the code in every supported
// layout (radix 2 and 4, with or without subnormals or zero), and lets the
// shared rounding helper choose. One code path serves every option, and every
// value involved is exact in double precision.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/FloatFormat.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace quantx::numerics {

std::string_view stringifySpecialValues(SpecialValues special) {
  switch (special) {
  case SpecialValues::IEEE:
    return "ieee";
  case SpecialValues::FN:
    return "fn";
  case SpecialValues::FNUZ:
    return "fnuz";
  case SpecialValues::None:
    return "none";
  }
  return "";
}

std::optional<SpecialValues> parseSpecialValues(std::string_view name) {
  for (SpecialValues special : {SpecialValues::IEEE, SpecialValues::FN,
                                SpecialValues::FNUZ, SpecialValues::None})
    if (stringifySpecialValues(special) == name)
      return special;
  return std::nullopt;
}

std::string_view stringifyOverflowMode(OverflowMode mode) {
  return mode == OverflowMode::Inf ? "inf" : "sat";
}

std::optional<OverflowMode> parseOverflowMode(std::string_view name) {
  if (name == "inf")
    return OverflowMode::Inf;
  if (name == "sat")
    return OverflowMode::Saturate;
  return std::nullopt;
}

int32_t FloatFormat::getDefaultBias(unsigned exponentBits) {
  if (exponentBits == 0)
    return 1;
  return (int32_t(1) << (exponentBits - 1)) - 1;
}

FloatFormat FloatFormat::get(unsigned exponentBits, unsigned mantissaBits) {
  FloatFormat format;
  format.exponentBits = exponentBits;
  format.mantissaBits = mantissaBits;
  format.bias = getDefaultBias(exponentBits);
  return format;
}

std::optional<std::string> FloatFormat::verify() const {
  if (exponentBits > kMaxExponentBits)
    return "exponent bits must be in [0, " + std::to_string(kMaxExponentBits) +
           "], got " + std::to_string(exponentBits);
  if (mantissaBits > kMaxMantissaBits)
    return "mantissa bits must be in [0, " + std::to_string(kMaxMantissaBits) +
           "], got " + std::to_string(mantissaBits);
  if (radix != 2 && radix != 4)
    return "radix must be 2 or 4, got " + std::to_string(radix);
  if (exponentBits + mantissaBits == 0)
    return "a format needs at least one exponent or mantissa bit";
  if (radix == 4 && exponentBits == 0)
    return "radix 4 needs at least one exponent bit";
  if (special == SpecialValues::IEEE && exponentBits == 0)
    return "special = ieee needs at least one exponent bit to reserve";
  if (special == SpecialValues::FNUZ && !isSigned)
    return "special = fnuz needs a sign bit (its NaN is the negative zero "
           "code)";
  if (special == SpecialValues::FNUZ && !hasZero)
    return "special = fnuz needs a zero (its NaN is the negative zero code)";
  if (!hasSubnormals && exponentBits == 0)
    return "'nosubnormal' needs at least one exponent bit";
  if (!hasZero && !hasSubnormals)
    return "'nozero' already excludes subnormals; drop 'nosubnormal'";
  if (getMaxFiniteMagnitude() == 0 && hasZero)
    return "the format has no finite value other than zero";
  // Beyond this bound every value lies outside the f64 range (at most 255
  // exponent codes, times 2 for radix 4); checking it first also keeps the
  // exponent arithmetic below far from int overflow.
  if (bias > kMaxBiasMagnitude || bias < -kMaxBiasMagnitude)
    return "exponent bias " + std::to_string(bias) +
           " puts the format's values outside the f64 range";
  // Every finite value must be a normal f64 with room for the midpoint of two
  // neighbours, so that rounding decisions stay exact.
  double beyondMax = magnitudeValue(getMaxFiniteMagnitude() + 1);
  double minPositive = getMinPositive();
  if (!(beyondMax < 0x1p1023) || !(minPositive >= 0x1p-1021))
    return "exponent bias " + std::to_string(bias) +
           " puts the format's values outside the f64 range";
  return std::nullopt;
}

uint64_t FloatFormat::getMaxFiniteMagnitude() const {
  uint64_t mask = getMagnitudeMask();
  switch (special) {
  case SpecialValues::IEEE:
    // Everything below the all-ones exponent.
    return (((uint64_t(1) << exponentBits) - 1) << mantissaBits) - 1;
  case SpecialValues::FN:
    return mask - 1;
  case SpecialValues::FNUZ:
  case SpecialValues::None:
    return mask;
  }
  return mask;
}

uint64_t FloatFormat::indexToMagnitude(uint64_t index) const {
  if (hasZero && !hasSubnormals && index != 0)
    return (uint64_t(1) << mantissaBits) + index - 1;
  return index;
}

uint64_t FloatFormat::magnitudeToIndex(uint64_t magnitude) const {
  if (hasZero && !hasSubnormals) {
    uint64_t firstNormal = uint64_t(1) << mantissaBits;
    return magnitude < firstNormal ? 0 : magnitude - firstNormal + 1;
  }
  return magnitude;
}

double FloatFormat::magnitudeValue(uint64_t magnitude) const {
  uint64_t exponentField = magnitude >> mantissaBits;
  uint64_t mantissaField = magnitude & ((uint64_t(1) << mantissaBits) - 1);
  int radixLog2 = getRadixLog2();
  double fraction = std::ldexp(static_cast<double>(mantissaField),
                               -static_cast<int>(mantissaBits));
  if (exponentField == 0 && hasZero) {
    if (!hasSubnormals)
      return 0.0;
    return std::ldexp(fraction, radixLog2 * (1 - bias));
  }
  int exponent = static_cast<int>(exponentField) - bias;
  return std::ldexp(1.0 + fraction, radixLog2 * exponent);
}

bool FloatFormat::isSignificandOdd(uint64_t magnitude) const {
  bool isNormal = (magnitude >> mantissaBits) != 0 || !hasZero;
  if (mantissaBits == 0)
    return isNormal; // The significand is the implicit leading one.
  return magnitude & 1;
}

bool FloatFormat::isNaN(uint64_t code) const {
  uint64_t magnitude = code & getMagnitudeMask();
  bool negative = isSigned && (code & getSignBit());
  switch (special) {
  case SpecialValues::IEEE:
    return magnitude > getMaxFiniteMagnitude() + 1;
  case SpecialValues::FN:
    return magnitude == getMagnitudeMask();
  case SpecialValues::FNUZ:
    return negative && magnitude == 0;
  case SpecialValues::None:
    return false;
  }
  return false;
}

bool FloatFormat::isInf(uint64_t code) const {
  return special == SpecialValues::IEEE &&
         (code & getMagnitudeMask()) == getMaxFiniteMagnitude() + 1;
}

double FloatFormat::decode(uint64_t code) const {
  uint64_t magnitude = code & getMagnitudeMask();
  bool negative = isSigned && (code & getSignBit());
  double sign = negative ? -1.0 : 1.0;
  if (isNaN(code)) {
    // Rebuild an f64 NaN whose payload re-encodes to this code: the
    // mantissa field lands just below the f64 quiet bit's position.
    uint64_t bits = uint64_t(0x7ff) << 52;
    if (negative)
      bits |= uint64_t(1) << 63;
    uint64_t payload = magnitude & ((uint64_t(1) << mantissaBits) - 1);
    if (special == SpecialValues::IEEE && mantissaBits > 0)
      bits |= payload << (52 - mantissaBits);
    else
      bits |= uint64_t(1) << 51;
    if ((bits & ((uint64_t(1) << 52) - 1)) == 0)
      bits |= uint64_t(1) << 51;
    double result;
    std::memcpy(&result, &bits, sizeof(result));
    return result;
  }
  if (isInf(code))
    return sign * std::numeric_limits<double>::infinity();
  double value = magnitudeValue(indexToMagnitude(magnitudeToIndex(magnitude)));
  if (value == 0.0 && special == SpecialValues::FNUZ)
    return 0.0; // No negative zero (non-canonical flushed codes included).
  return sign * value;
}

double FloatFormat::getMaxFinite() const {
  return magnitudeValue(getMaxFiniteMagnitude());
}

double FloatFormat::getMinFinite() const {
  return isSigned ? -getMaxFinite() : magnitudeValue(0);
}

double FloatFormat::getMinPositive() const {
  return magnitudeValue(indexToMagnitude(hasZero ? 1 : 0));
}

uint64_t FloatFormat::encodeNaN(bool negative, double x) const {
  uint64_t sign = negative && isSigned ? getSignBit() : 0;
  switch (special) {
  case SpecialValues::IEEE: {
    uint64_t exponentOnes = ((uint64_t(1) << exponentBits) - 1) << mantissaBits;
    if (mantissaBits == 0)
      return sign; // No NaN code: NaN becomes zero.
    // Quiet NaN, keeping the top of the input's payload (as APFloat does).
    uint64_t bits;
    std::memcpy(&bits, &x, sizeof(bits));
    uint64_t payload = (bits & ((uint64_t(1) << 51) - 1)) >>
                       (52 - mantissaBits); // below the quiet bit
    uint64_t quiet = uint64_t(1) << (mantissaBits - 1);
    return sign | exponentOnes | quiet | payload;
  }
  case SpecialValues::FN:
    return sign | getMagnitudeMask();
  case SpecialValues::FNUZ:
    return getSignBit();
  case SpecialValues::None:
    return sign; // Signed zero, as APFloat does.
  }
  return sign;
}

uint64_t FloatFormat::encodeOverflow(bool negative, bool fromInfinity) const {
  uint64_t sign = negative && isSigned ? getSignBit() : 0;
  if (overflow == OverflowMode::Saturate)
    return sign | getMaxFiniteMagnitude();
  switch (special) {
  case SpecialValues::IEEE:
    return sign | (getMaxFiniteMagnitude() + 1);
  case SpecialValues::FN:
  case SpecialValues::FNUZ:
    return encodeNaN(negative, 0.0);
  case SpecialValues::None:
    // Nothing non-finite to produce: finite overflow saturates, infinities
    // become zero (APFloat's rule for finite-only formats).
    return fromInfinity ? sign : sign | getMaxFiniteMagnitude();
  }
  return sign;
}

FloatFormat::Neighbours FloatFormat::findNeighbours(double a) const {
  // The grid around a: binade j (a in [radix^j, 2 * radix^j) when normal)
  // holds (2^M + m) * 2^s with s = log2(radix) * j - M. Below the smallest
  // normal binade jmin the spacing stays that of jmin (subnormals). With
  // radix 4 the values in [2 * 4^j, 4^(j+1)) lie between the binade's top and
  // the next binade.
  const int radixLog2 = getRadixLog2();
  const int m = static_cast<int>(mantissaBits);
  const int64_t minBinade = getMinBinade();
  const uint64_t top = (uint64_t(2) << mantissaBits) - 1;
  int exponent = 0;
  if (a > 0)
    std::frexp(a, &exponent);
  // floor((exponent - 1) / radixLog2), also for negative exponents.
  int64_t k = a > 0 ? exponent - 1 : -2000;
  int64_t binade = k >= 0 ? k / radixLog2 : -((-k + radixLog2 - 1) / radixLog2);
  Neighbours result;
  if (hasZero && !hasSubnormals && binade < minBinade) {
    // Flush to zero: the only grid points below the smallest normal value
    // are zero and that value.
    result.lo = 0.0;
    result.hi = std::ldexp(1.0, radixLog2 * static_cast<int>(minBinade));
    result.loMagnitude = 0;
    result.hiMagnitude = uint64_t(1) << mantissaBits;
    result.loIsOdd = false;
    return result;
  }
  int64_t clamped = std::max(binade, minBinade);
  int spacing = radixLog2 * static_cast<int>(clamped) - m;
  uint64_t n = static_cast<uint64_t>(std::floor(std::ldexp(a, -spacing)));
  uint64_t nLo = std::min(n, top);
  result.lo = std::ldexp(static_cast<double>(nLo), spacing);
  result.hi = nLo == top
                  ? std::ldexp(1.0, radixLog2 * static_cast<int>(clamped + 1))
                  : std::ldexp(static_cast<double>(nLo + 1), spacing);
  result.loMagnitude =
      (static_cast<uint64_t>(clamped - minBinade) << mantissaBits) + nLo -
      (hasZero ? 0 : uint64_t(1) << mantissaBits);
  result.hiMagnitude = result.loMagnitude + 1;
  result.loIsOdd = nLo & 1;
  return result;
}

FloatFormat::Neighbours FloatFormat::findNeighboursBySearch(double a) const {
  // Largest index whose value is <= a, by bisection over all finite
  // magnitudes in value order.
  uint64_t below = 0, above = magnitudeToIndex(getMaxFiniteMagnitude()) + 1;
  while (above - below > 1) {
    uint64_t probe = below + (above - below) / 2;
    if (magnitudeValue(indexToMagnitude(probe)) <= a)
      below = probe;
    else
      above = probe;
  }
  Neighbours result;
  result.loMagnitude = indexToMagnitude(below);
  result.hiMagnitude = indexToMagnitude(below + 1);
  result.lo = magnitudeValue(result.loMagnitude);
  result.hi = magnitudeValue(result.hiMagnitude);
  result.loIsOdd = isSignificandOdd(result.loMagnitude);
  return result;
}

uint64_t FloatFormat::encode(double x, RoundingMode mode,
                             uint32_t randomBits) const {
  return encodeImpl(x, mode, randomBits, /*bySearch=*/false);
}

uint64_t FloatFormat::encodeBySearch(double x, RoundingMode mode,
                                     uint32_t randomBits) const {
  return encodeImpl(x, mode, randomBits, /*bySearch=*/true);
}

uint64_t FloatFormat::encodeImpl(double x, RoundingMode mode,
                                 uint32_t randomBits, bool bySearch) const {
  bool negative = std::signbit(x);
  if (std::isnan(x))
    return encodeNaN(negative, x);
  // Unsigned formats saturate negative inputs to their smallest value.
  if (!isSigned && negative)
    return 0;
  uint64_t sign = negative ? getSignBit() : 0;
  if (std::isinf(x))
    return encodeOverflow(negative, /*fromInfinity=*/true);

  double a = std::fabs(x);
  uint64_t maxMagnitude = getMaxFiniteMagnitude();
  // At or past the largest value's upper neighbour, only truncation keeps the
  // value finite.
  if (a >= magnitudeValue(maxMagnitude + 1))
    return mode == RoundingMode::TowardZero
               ? sign | maxMagnitude
               : encodeOverflow(negative, /*fromInfinity=*/false);
  // Without zero, nothing lies below the smallest value.
  if (!hasZero && a <= magnitudeValue(0))
    return sign;

  Neighbours around = bySearch ? findNeighboursBySearch(a) : findNeighbours(a);
  uint64_t magnitude = around.loMagnitude;
  if (shouldRoundUp(a, around.lo, around.hi, around.loIsOdd, mode,
                    randomBits)) {
    if (around.hiMagnitude > maxMagnitude)
      return encodeOverflow(negative, /*fromInfinity=*/false);
    magnitude = around.hiMagnitude;
  }
  if (magnitude == 0 && special == SpecialValues::FNUZ)
    return 0; // No negative zero.
  return sign | magnitude;
}

} // namespace quantx::numerics
