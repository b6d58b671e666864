//===- Format.h - a whole format as Numerics computes with it ---*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// FormatDescription: every parameter of a quantized format, per channel, in
// Numerics terms. FormatTypeInterface returns it for every format type (the
// quantx types and `!quant.uniform`), so that code generators mirror the
// Numerics algorithms without knowing which type defined the format.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_NUMERICS_FORMAT_H
#define QUANTX_NUMERICS_FORMAT_H

#include "quantx/Numerics/FixedPoint.h"
#include "quantx/Numerics/FloatFormat.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace quantx::numerics {

struct FormatDescription {
  enum class Kind {
    /// FixedPointFormat with per-channel scales and zero points.
    Fixed,
    /// FloatFormat (no scale).
    Float,
    /// BinaryFormat with per-channel scales.
    Binary,
    /// TernaryFormat with per-channel scales (zero points all 0).
    Ternary,
  };
  Kind kind = Kind::Fixed;
  /// Fixed: the storage integer; Ternary: TernaryFormat::getStorage().
  FixedPointFormat fixed;
  /// Float only.
  FloatFormat floatFormat;
  /// One entry per channel (one for a per-tensor format); empty for Float.
  /// Binary and ternary formats without a scale have scale 1.
  std::vector<double> scales;
  /// Fixed and Ternary: one entry per channel, as `scales`.
  std::vector<int64_t> zeroPoints;
  /// The quantized dimension of a per-channel format.
  std::optional<int32_t> axis;
};

} // namespace quantx::numerics

#endif // QUANTX_NUMERICS_FORMAT_H
