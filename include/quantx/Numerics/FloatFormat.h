//===- FloatFormat.h - custom floating-point formats ------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Custom floating-point formats: sign, E exponent bits, M mantissa bits, an
// exponent bias, radix 2 or 4, a policy for special values (inf/NaN), an
// overflow policy, and optional removal of the sign, of subnormals, or of
// zero. Encoding rounds exactly (no double rounding); for the formats LLVM's
// APFloat also models, the codes agree with APFloat bit for bit.
//
// Value of a code with exponent field e and mantissa field m, r the radix:
//   normal      (e >= 1):  (1 + m / 2^M) * r^(e - bias)
//   subnormal   (e == 0):  (m / 2^M)     * r^(1 - bias)
//   `nozero`    (e == 0):  (1 + m / 2^M) * r^(0 - bias)   (no zero, no
//                          subnormals: the exponent field 0 is a normal binade)
//   `nosubnormal` (e == 0): zero; codes with m != 0 are non-canonical and read
//                          as zero (flush to zero)
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_FLOATFORMAT_H
#define QUANTX_NUMERICS_FLOATFORMAT_H

#include "quantx/Numerics/Rounding.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace quantx::numerics {

/// Which codes are reserved for non-finite values.
enum class SpecialValues : uint8_t {
  /// IEEE 754: the all-ones exponent holds inf (mantissa 0) and NaN.
  IEEE,
  /// Finite, NaN: no inf; the all-ones magnitude is NaN (one per sign).
  FN,
  /// Finite, NaN, unsigned zero: no inf, no negative zero; the code of
  /// negative zero is the only NaN.
  FNUZ,
  /// Every code is finite.
  None,
};

/// What a finite value beyond the largest finite magnitude becomes.
enum class OverflowMode : uint8_t {
  /// IEEE: overflow rounds to inf (to NaN in formats without inf), as LLVM's
  /// APFloat does; toward-zero rounding still gives the largest finite value.
  /// Formats without inf and NaN saturate finite overflow and map inf and
  /// NaN to zero, again as APFloat does.
  Inf,
  /// Saturate: every value beyond the range, infinities included, becomes the
  /// largest finite value of its sign.
  Saturate,
};

std::string_view stringifySpecialValues(SpecialValues special);
std::optional<SpecialValues> parseSpecialValues(std::string_view name);
std::string_view stringifyOverflowMode(OverflowMode mode);
std::optional<OverflowMode> parseOverflowMode(std::string_view name);

/// A custom floating-point format. Codes are the storage bits, sign (if any)
/// in the most significant position, then the exponent, then the mantissa.
class FloatFormat {
public:
  static constexpr unsigned kMaxExponentBits = 8;
  static constexpr unsigned kMaxMantissaBits = 23;
  /// No valid format has a bias of larger magnitude (its values would lie
  /// outside the f64 range).
  static constexpr int32_t kMaxBiasMagnitude = 4096;

  unsigned exponentBits = 5;
  unsigned mantissaBits = 2;
  int32_t bias = 15;
  unsigned radix = 2;
  SpecialValues special = SpecialValues::IEEE;
  OverflowMode overflow = OverflowMode::Inf;
  bool isSigned = true;
  bool hasSubnormals = true;
  bool hasZero = true;

  /// The IEEE-like bias 2^(E-1) - 1 (1 for E = 0, so that e0mM holds the
  /// values m / 2^M).
  static int32_t getDefaultBias(unsigned exponentBits);

  /// An IEEE-like format with the default bias and every option at its
  /// default.
  static FloatFormat get(unsigned exponentBits, unsigned mantissaBits);

  /// Returns a message naming the first bad parameter, or nothing.
  std::optional<std::string> verify() const;

  /// log2 of the radix: 1 for radix 2, 2 for radix 4. A value's exponent
  /// counts in steps of this many binary orders of magnitude.
  int getRadixLog2() const { return radix == 4 ? 2 : 1; }

  unsigned getStorageWidth() const {
    return (isSigned ? 1 : 0) + exponentBits + mantissaBits;
  }

  /// Encodes `x` (see the file comment and docs/Formats.md for the rules on
  /// rounding, overflow, NaN and negative inputs to unsigned formats).
  uint64_t encode(double x, RoundingMode mode = RoundingMode::NearestEven,
                  uint32_t randomBits = 0) const;

  /// The same result as encode(), found by bisection over every finite value
  /// instead of computed from the bits of `x`. Slow; the tests cross-check
  /// the two.
  uint64_t encodeBySearch(double x,
                          RoundingMode mode = RoundingMode::NearestEven,
                          uint32_t randomBits = 0) const;

  /// Decodes a code (only the low getStorageWidth() bits are read). NaN codes
  /// give a NaN carrying the sign and mantissa payload, so a quiet NaN
  /// re-encodes to itself.
  double decode(uint64_t code) const;

  bool isNaN(uint64_t code) const;
  bool isInf(uint64_t code) const;

  /// The largest finite value (positive).
  double getMaxFinite() const;
  /// The smallest finite value: -getMaxFinite() for signed formats, 0 (or
  /// the smallest value for `nozero`) for unsigned ones.
  double getMinFinite() const;
  /// The smallest positive value.
  double getMinPositive() const;

  // The layout, for code generators that mirror encode() and decode().

  /// The largest magnitude code (sign bit clear) of a finite value.
  uint64_t getMaxFiniteMagnitude() const;
  /// The value of a magnitude code read as a finite number, ignoring special
  /// values; also defined one past the largest finite magnitude.
  double getMagnitudeValue(uint64_t magnitude) const {
    return magnitudeValue(magnitude);
  }
  /// The exponent index of the smallest normal binade: the binade with
  /// exponent field 1 (or 0 under `nozero`), as a power of the radix.
  int64_t getMinBinade() const { return hasZero ? 1 - bias : -bias; }
  uint64_t getMagnitudeMask() const {
    return (uint64_t(1) << (exponentBits + mantissaBits)) - 1;
  }
  uint64_t getSignBit() const {
    return uint64_t(1) << (exponentBits + mantissaBits);
  }

private:
  /// The finite grid values around a magnitude: lo <= a < hi, neighbours.
  struct Neighbours {
    double lo, hi;
    uint64_t loMagnitude, hiMagnitude;
    bool loIsOdd;
  };
  Neighbours findNeighbours(double a) const;
  Neighbours findNeighboursBySearch(double a) const;
  uint64_t encodeImpl(double x, RoundingMode mode, uint32_t randomBits,
                      bool bySearch) const;

  // Finite magnitudes are enumerated by an index in increasing value order;
  // it differs from the magnitude code only for flush-to-zero formats.
  uint64_t indexToMagnitude(uint64_t index) const;
  uint64_t magnitudeToIndex(uint64_t magnitude) const;
  double magnitudeValue(uint64_t magnitude) const;
  bool isSignificandOdd(uint64_t magnitude) const;
  uint64_t encodeNaN(bool negative, double x) const;
  uint64_t encodeOverflow(bool negative, bool fromInfinity) const;
};

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_FLOATFORMAT_H
