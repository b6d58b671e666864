//===- Accumulation.cpp - contractions and their accumulation -------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/Accumulation.h"
#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::quantx;

Value mlir::quantx::getAccumulatedTerm(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() == 0 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || op->getNumRegions() != 1 ||
      op.getBlock()->getNumArguments() != op->getNumOperands())
    return {};
  BlockArgument acc = op.getMatchingBlockArgument(op.getDpsInitOperand(0));
  if (!isa<FloatType>(acc.getType()) || !acc.hasOneUse())
    return {};
  auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
  auto add = yield->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add || add->getBlock() != op.getBlock())
    return {};
  if (add.getLhs() == acc && add.getRhs() != acc)
    return add.getRhs();
  if (add.getRhs() == acc && add.getLhs() != acc)
    return add.getLhs();
  return {};
}

LogicalResult
AccumulationAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         Type format, int64_t chunk) {
  if (!isa<FloatFormatType>(format))
    return emitError() << "an accumulation format must be a !quantx.float, "
                          "got "
                       << format;
  if (chunk < 1)
    return emitError() << "an accumulation chunk must be at least 1 term, "
                          "got "
                       << chunk;
  return success();
}
