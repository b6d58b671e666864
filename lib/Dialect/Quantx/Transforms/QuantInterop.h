//===- QuantInterop.h - helpers of the quant import/export passes -*- C++
//-*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What quantx-import-quant and quantx-export-quant share: replacing one cast
// operation by its counterpart in the other dialect, operands, result types
// and discardable attributes unchanged.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_QUANTINTEROP_H
#define QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_QUANTINTEROP_H

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::quantx {

/// Replaces `op` by a `ToOp` with the same operands and result types, keeping
/// its discardable attributes. Inherent attributes are not carried: the casts
/// of both dialects have none that the other understands.
template <typename ToOp>
void replaceCast(RewriterBase &rewriter, Operation *op) {
  rewriter.setInsertionPoint(op);
  rewriter.replaceOpWithNewOp<ToOp>(op, op->getResultTypes(), op->getOperands(),
                                    llvm::to_vector(op->getDiscardableAttrs()));
}

} // namespace mlir::quantx

#endif // QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_QUANTINTEROP_H
