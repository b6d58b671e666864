//===- LinalgAutodiffUtils.h - shared pieces of linalg rules ----*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Private to the gradient rules of linalg structured ops: the body-recomputing
// gradient generic (LinalgAutodiffImpl.cpp) and the gradients of ops whose maps
// sum loops, convolutions and pooling (LinalgWindowAutodiffImpl.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_LIB_AUTODIFF_IMPLEMENTATIONS_LINALGAUTODIFFUTILS_H
#define QUANTX_LIB_AUTODIFF_IMPLEMENTATIONS_LINALGAUTODIFFUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"

#include <optional>

namespace mlir::quantx::detail {

enum class Combiner { None, Sum, Max, Min };

/// How one result of a reducing op combines its accumulator.
struct Reduction {
  Combiner combiner = Combiner::None;
  /// The combined term (`e` in `acc + e`); the accumulator itself when the
  /// body yields it unchanged.
  Value term;
};

/// The values a gradient generic reads, in the order of the forward body's
/// arguments followed by the result gradients: the forward inputs, the
/// accumulator values (the init for elementwise outputs, the result for
/// reductions, whose combiner the gradient does not recompute), the result
/// gradients; with their indexing maps over `numLoops` loops.
struct BodyOperands {
  SmallVector<Value> values;
  SmallVector<AffineMap> maps;
  unsigned numLoops;
  /// For a sub-problem at one window point: per loop of the op, its fixed
  /// value (window loops) or -1, and the sub-problem loop of the others, so
  /// that `linalg.index` in the body still reads the op's loop values. Empty
  /// when the loops are the op's own.
  SmallVector<int64_t> fixedLoops;
  SmallVector<unsigned> loopNumbers;
};

/// Builds `init + d(results)/d(operand)` for operand number `target` of `op`
/// as a generic over `operands` (see BodyOperands) whose output map is
/// `targetMap`, a projected permutation: the body is recomputed and its
/// scalar rules run backwards; loops `targetMap` does not index reduce.
FailureOr<Value>
buildBodyGradient(OpBuilder &b, linalg::LinalgOp op,
                  const BodyOperands &operands, unsigned target,
                  AffineMap targetMap, Value init,
                  ArrayRef<std::optional<Reduction>> reductions);

/// The gradient of operand `target` of an op some of whose maps sum loops
/// (`oh * 2 + kh`): unfolded (im2col) when the op also contracts over loops
/// outside the window, else summed over window points of strided slices.
/// Fails with an error at `op` when the maps have no such form.
FailureOr<Value>
buildWindowedGradient(OpBuilder &b, linalg::LinalgOp op,
                      const BodyOperands &operands, unsigned target,
                      ArrayRef<std::optional<Reduction>> reductions);

} // namespace mlir::quantx::detail

#endif // QUANTX_LIB_AUTODIFF_IMPLEMENTATIONS_LINALGAUTODIFFUTILS_H
