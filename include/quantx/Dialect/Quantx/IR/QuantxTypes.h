//===- QuantxTypes.h - quantx format types ----------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The quantized format types, their shared FormatTypeInterface and the
// rounding-mode attribute.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_QUANTXTYPES_H
#define QUANTX_DIALECT_QUANTX_IR_QUANTXTYPES_H

#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"
#include "quantx/Numerics/FixedPoint.h"
#include "quantx/Numerics/FloatFormat.h"
#include "quantx/Numerics/Format.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"

namespace mlir::quantx {
/// The scales of a format type: an ArrayRef<double> that hashes by the bits
/// of its values (LLVM hashes no floating-point value), so that the format
/// types can key their storage on their scales.
class ScaleList : public ArrayRef<double> {
public:
  using ArrayRef<double>::ArrayRef;
  ScaleList(ArrayRef<double> values) : ArrayRef<double>(values) {}
};

inline llvm::hash_code hash_value(ScaleList scales) {
  return llvm::hash_combine_range(llvm::map_range(
      scales, [](double v) { return llvm::bit_cast<uint64_t>(v); }));
}
} // namespace mlir::quantx

#include "quantx/Dialect/Quantx/IR/QuantxTypeInterfaces.h.inc"

// The attributes are declared with the dialect (QuantxDialect.h), whose
// discardable-attribute helpers name them.

#define GET_TYPEDEF_CLASSES
#include "quantx/Dialect/Quantx/IR/QuantxOpsTypes.h.inc"

namespace mlir {
class DialectRegistry;

namespace quantx {

/// Converts the dialect's rounding mode to the Numerics library's.
::quantx::numerics::RoundingMode toNumerics(RoundingMode mode);
::quantx::numerics::Arithmetic toNumerics(Arithmetic arithmetic);

/// Checks that `format` can be the element type of a value of shape `shape`:
/// a per-channel format needs its quantized dimension inside the shape and
/// that dimension static and equal in size to its number of channels.
LogicalResult
verifyFormatForShape(FormatTypeInterface format, ArrayRef<int64_t> shape,
                     function_ref<InFlightDiagnostic()> emitError);

/// Parses a float format named in an option or a flag: `f16` (IEEE half,
/// `e5m10`), `bf16` (`e8m7`) or the body of a `!quantx.float` type
/// (`e4m3`, `e3m0, radix = 4`), optionally in double quotes. On failure,
/// `error` says why in one line and the result is null.
FloatFormatType parseFloatFormatOption(MLIRContext *context, StringRef text,
                                       std::string &error);

/// Attaches FormatTypeInterface to the upstream `!quant.uniform` types (per
/// tensor and per axis), so quantx operations and passes accept them.
void registerQuantInterfaceExternalModels(DialectRegistry &registry);

} // namespace quantx
} // namespace mlir

#endif // QUANTX_DIALECT_QUANTX_IR_QUANTXTYPES_H
