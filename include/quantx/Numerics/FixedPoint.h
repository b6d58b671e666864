//===- FixedPoint.h - uniform fixed-point formats ---------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Uniform (affine) fixed-point formats: a storage integer of 1 to 32 bits,
// optionally narrowed to [storageMin, storageMax], read as
// (q - zeroPoint) * scale. The scale and zero point are per tensor or per
// channel; this file deals with one channel at a time. Ternary formats are the
// narrow 2-bit case {-1, 0, 1} with zero point 0.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_FIXEDPOINT_H
#define QUANTX_NUMERICS_FIXEDPOINT_H

#include "quantx/Numerics/Rounding.h"

#include <cstdint>
#include <optional>
#include <string>

namespace quantx::numerics {

/// The widest storage integer a fixed-point format may use.
inline constexpr unsigned kMaxFixedPointWidth = 32;

/// Returns a message when `scale` is not finite and positive (the rule for
/// every scale of every format).
std::optional<std::string> verifyScale(double scale);

/// The integer side of a fixed-point format.
struct FixedPointFormat {
  unsigned width = 8;
  bool isSigned = true;
  int64_t storageMin = -128;
  int64_t storageMax = 127;

  /// The full range of a `width`-bit integer. `width` must be in [1, 64).
  static int64_t getIntegerMin(unsigned width, bool isSigned);
  static int64_t getIntegerMax(unsigned width, bool isSigned);

  /// A format using the whole range of its storage integer.
  static FixedPointFormat get(unsigned width, bool isSigned);

  /// Returns a message naming the first bad parameter, or nothing when the
  /// format is well formed: 1 <= width <= 32 and
  /// integerMin <= storageMin < storageMax <= integerMax.
  std::optional<std::string> verify() const;

  /// Returns a message when `scale` is not finite and positive or
  /// `zeroPoint` lies outside [storageMin, storageMax].
  std::optional<std::string> verifyParams(double scale,
                                          int64_t zeroPoint) const;

  /// Encodes `x`: round(x / scale) + zeroPoint under `mode`, clamped to
  /// [storageMin, storageMax]. NaN encodes to the zero point (the value 0);
  /// infinities saturate.
  int64_t encode(double x, double scale, int64_t zeroPoint, RoundingMode mode,
                 uint32_t randomBits = 0) const;

  /// Decodes `q` to (q - zeroPoint) * scale.
  static double decode(int64_t q, double scale, int64_t zeroPoint);
};

/// Whose float arithmetic an affine conversion reproduces (the
/// `#quantx.arithmetic` attribute): quantx's exact one, ONNX's
/// QuantizeLinear/DequantizeLinear, or PyTorch 1.13's CPU quantizers.
enum class Arithmetic { Exact, Onnx, PyTorch };

/// Encodes float32 `x` with `scale` and `zeroPoint` into [lo, hi] as
/// `arithmetic` computes it (Onnx or PyTorch), rounding to nearest even:
///   Onnx:    clamp(rne(x / s) + zp),         s = float(scale), float32 ops
///   PyTorch: clamp(float(zp) + rne(x * inv)), inv = 1.0f / s
/// NaN encodes to the zero point and infinities saturate (the frameworks'
/// own results there are undefined behaviour).
int64_t encodeAffine(Arithmetic arithmetic, float x, double scale,
                     int64_t zeroPoint, int64_t lo, int64_t hi);

/// Decodes `q` as `arithmetic` computes it, into float32:
///   Onnx:                  (float(q) - float(zp)) * s
///   PyTorch:               s * float(q - zp)
///   PyTorch, doubleScale:  float(double(float(q) - float(zp)) * scale)
/// `doubleScale` is PyTorch's per-channel dequantize, which multiplies by the
/// scale in double precision (its fake_quantize_per_channel does not).
float decodeAffine(Arithmetic arithmetic, int64_t q, double scale,
                   int64_t zeroPoint, bool doubleScale);

/// Binary format {-1, +1} * scale, stored in one bit: code 1 is +1, code 0 is
/// -1 (the convention XNOR-popcount kernels rely on).
struct BinaryFormat {
  /// Encodes `x`. Deterministic modes return +1 for x >= 0 (including -0)
  /// and for NaN, -1 otherwise. Stochastic rounding returns +1 with
  /// probability clamp((x / scale + 1) / 2, 0, 1) (BinaryConnect).
  static int64_t encode(double x, double scale, RoundingMode mode,
                        uint32_t randomBits = 0);
  static double decode(int64_t code, double scale);
};

/// Ternary format {-1, 0, +1} * scale: the narrow 2-bit signed fixed-point
/// format [-1, 1] with zero point 0, so it rounds as fixed point does.
struct TernaryFormat {
  /// The storage integer: 2 bits, signed, codes -1, 0 and 1.
  static constexpr FixedPointFormat getStorage() { return {2, true, -1, 1}; }
  static int64_t encode(double x, double scale, RoundingMode mode,
                        uint32_t randomBits = 0) {
    return getStorage().encode(x, scale, 0, mode, randomBits);
  }
  static double decode(int64_t code, double scale) {
    return FixedPointFormat::decode(code, scale, 0);
  }
};

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_FIXEDPOINT_H
