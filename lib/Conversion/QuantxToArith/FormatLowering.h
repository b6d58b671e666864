//===- FormatLowering.h - what the lowering needs of a format ---*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A format reduced to one of three code shapes: affine fixed point (fixed,
// ternary, !quant.uniform), custom float, or binary; with its per-channel
// parameters. The lowering switches on this shape, not on type classes.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_LIB_CONVERSION_QUANTXTOARITH_FORMATLOWERING_H
#define QUANTX_LIB_CONVERSION_QUANTXTOARITH_FORMATLOWERING_H

#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"

#include "llvm/ADT/SmallVector.h"

namespace mlir::quantx {

struct FormatLowering {
  enum class Kind { Fixed, Float, Binary };
  Kind kind;
  /// Fixed point: the storage integer.
  ::quantx::numerics::FixedPointFormat fixed;
  /// Custom float.
  ::quantx::numerics::FloatFormat floatFormat;
  /// Per channel (or one entry): scales (fixed, binary) and zero points
  /// (fixed).
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  std::optional<int32_t> axis;

  /// Describes `format`, or fails for a format the lowering does not know.
  static FailureOr<FormatLowering> get(FormatTypeInterface format);
};

/// Whether f32 values round onto `format` and back by the f32 bits alone
/// (buildF32FloatRounding): a signed binary IEEE-like format with
/// subnormals, 1 to 22 mantissa bits, and every value normal or zero in f32
/// apart from its subnormals (f16, bf16, e4m3, e5m2, ...).
bool canRoundInF32Bits(const ::quantx::numerics::FloatFormat &format);

/// `x` (f32) rounded onto `format` and back, as FloatFormat::encode then
/// decode give it, computed on the f32 bits instead of through the general
/// f64 encoder. Without `randomBits`: to nearest even (one f32 addition and
/// subtraction for the format's subnormals, integer operations elsewhere).
/// With `randomBits` (i32, the element's draw): stochastically, up when
/// the discarded fraction exceeds randomBits / 2^32 (an integer comparison
/// of the discarded bits in the normal binades; exact f64 arithmetic in the
/// format's subnormal range). Requires canRoundInF32Bits(format).
Value buildF32FloatRounding(OpBuilder &b, Location loc,
                            const ::quantx::numerics::FloatFormat &format,
                            Value x, Value randomBits = {});

} // namespace mlir::quantx

#endif // QUANTX_LIB_CONVERSION_QUANTXTOARITH_FORMATLOWERING_H
