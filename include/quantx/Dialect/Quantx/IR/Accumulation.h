//===- Accumulation.h - contractions and their accumulation -----*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_ACCUMULATION_H
#define QUANTX_DIALECT_QUANTX_IR_ACCUMULATION_H

#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::quantx {

/// The term a sum-of-terms `linalg` op adds into its accumulator: with
/// reduction loops, one init, tensor semantics and a body that yields
/// `arith.addf` (used nowhere else) of the accumulator argument (used
/// nowhere else) and a term of the accumulator's float type. A null value
/// for any other op.
Value getAccumulatedTerm(linalg::LinalgOp op);

/// Checks that a contraction whose accumulator has type `accumulator` can
/// accumulate as `accumulation` says: in f32 or f64, which hold every value
/// of its format exactly.
LogicalResult verifyAccumulation(function_ref<InFlightDiagnostic()> emitError,
                                 AccumulationAttr accumulation,
                                 FloatType accumulator);

} // namespace mlir::quantx

#endif // QUANTX_DIALECT_QUANTX_IR_ACCUMULATION_H
