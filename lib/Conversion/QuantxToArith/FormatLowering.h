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

} // namespace mlir::quantx

#endif // QUANTX_LIB_CONVERSION_QUANTXTOARITH_FORMATLOWERING_H
