//===- FixedPoint.cpp - uniform fixed-point formats -----------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/FixedPoint.h"

#include <cmath>

namespace quantx::numerics {

int64_t FixedPointFormat::getIntegerMin(unsigned width, bool isSigned) {
  return isSigned ? -(int64_t(1) << (width - 1)) : 0;
}

int64_t FixedPointFormat::getIntegerMax(unsigned width, bool isSigned) {
  return isSigned ? (int64_t(1) << (width - 1)) - 1 : (int64_t(1) << width) - 1;
}

FixedPointFormat FixedPointFormat::get(unsigned width, bool isSigned) {
  return {width, isSigned, getIntegerMin(width, isSigned),
          getIntegerMax(width, isSigned)};
}

std::optional<std::string> FixedPointFormat::verify() const {
  if (width < 1 || width > kMaxFixedPointWidth)
    return "storage width must be in [1, " +
           std::to_string(kMaxFixedPointWidth) + "], got " +
           std::to_string(width);
  int64_t lo = getIntegerMin(width, isSigned);
  int64_t hi = getIntegerMax(width, isSigned);
  if (storageMin < lo || storageMax > hi)
    return "storage range [" + std::to_string(storageMin) + ", " +
           std::to_string(storageMax) + "] exceeds the " +
           std::to_string(width) + "-bit " +
           (isSigned ? "signed" : "unsigned") + " range [" +
           std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (storageMin >= storageMax)
    return "storage minimum " + std::to_string(storageMin) +
           " must be less than storage maximum " + std::to_string(storageMax);
  return std::nullopt;
}

std::optional<std::string> verifyScale(double scale) {
  if (std::isfinite(scale) && scale > 0.0)
    return std::nullopt;
  std::string text = std::isnan(scale)   ? "nan"
                     : std::isinf(scale) ? (scale > 0 ? "inf" : "-inf")
                                         : std::to_string(scale);
  // std::to_string prints six decimals; trim the zeros it pads with.
  if (std::isfinite(scale)) {
    while (text.size() > 1 && text.back() == '0')
      text.pop_back();
    if (text.back() == '.')
      text.push_back('0');
  }
  return "scale must be finite and positive, got " + text;
}

std::optional<std::string>
FixedPointFormat::verifyParams(double scale, int64_t zeroPoint) const {
  if (std::optional<std::string> message = verifyScale(scale))
    return message;
  if (zeroPoint < storageMin || zeroPoint > storageMax)
    return "zero point " + std::to_string(zeroPoint) +
           " is outside the storage range [" + std::to_string(storageMin) +
           ", " + std::to_string(storageMax) + "]";
  return std::nullopt;
}

int64_t FixedPointFormat::encode(double x, double scale, int64_t zeroPoint,
                                 RoundingMode mode, uint32_t randomBits) const {
  if (std::isnan(x))
    return zeroPoint;
  double q = roundToIntegral(x / scale, mode, randomBits) +
             static_cast<double>(zeroPoint);
  if (!(q > static_cast<double>(storageMin)))
    return storageMin;
  if (!(q < static_cast<double>(storageMax)))
    return storageMax;
  return static_cast<int64_t>(q);
}

double FixedPointFormat::decode(int64_t q, double scale, int64_t zeroPoint) {
  return static_cast<double>(q - zeroPoint) * scale;
}

int64_t encodeAffine(Arithmetic arithmetic, float x, double scale,
                     int64_t zeroPoint, int64_t lo, int64_t hi) {
  if (arithmetic == Arithmetic::Exact) {
    FixedPointFormat format;
    format.storageMin = lo;
    format.storageMax = hi;
    return format.encode(x, scale, zeroPoint, RoundingMode::NearestEven);
  }
  if (std::isnan(x))
    return zeroPoint;
  float s = static_cast<float>(scale);
  // Each step is one float32 operation (volatile keeps the compiler from
  // fusing or widening them).
  double code;
  if (arithmetic == Arithmetic::PyTorch) {
    volatile float inverse = 1.0f / s;
    volatile float product = x * inverse;
    volatile float rounded = std::nearbyint(product);
    volatile float sum = static_cast<float>(zeroPoint) + rounded;
    code = sum;
  } else {
    volatile float quotient = x / s;
    volatile float rounded = std::nearbyint(quotient);
    code = static_cast<double>(rounded) + static_cast<double>(zeroPoint);
  }
  if (!(code > static_cast<double>(lo)))
    return lo;
  if (!(code < static_cast<double>(hi)))
    return hi;
  return static_cast<int64_t>(code);
}

float decodeAffine(Arithmetic arithmetic, int64_t q, double scale,
                   int64_t zeroPoint, bool doubleScale) {
  if (arithmetic == Arithmetic::Exact)
    return static_cast<float>(FixedPointFormat::decode(q, scale, zeroPoint));
  float s = static_cast<float>(scale);
  if (arithmetic == Arithmetic::PyTorch && !doubleScale) {
    volatile float difference = static_cast<float>(q - zeroPoint);
    return s * difference;
  }
  volatile float difference =
      static_cast<float>(q) - static_cast<float>(zeroPoint);
  if (arithmetic == Arithmetic::PyTorch)
    return static_cast<float>(static_cast<double>(difference) * scale);
  return difference * s;
}

int64_t BinaryFormat::encode(double x, double scale, RoundingMode mode,
                             uint32_t randomBits) {
  if (mode != RoundingMode::Stochastic || std::isnan(x))
    return !(x < 0.0);
  double p = (x / scale + 1.0) * 0.5;
  p = std::fmin(std::fmax(p, 0.0), 1.0);
  return p > std::ldexp(static_cast<double>(randomBits), -32);
}

double BinaryFormat::decode(int64_t code, double scale) {
  return (code & 1) ? scale : -scale;
}

} // namespace quantx::numerics
