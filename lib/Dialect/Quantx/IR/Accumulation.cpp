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
#include "llvm/ADT/APFloat.h"

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
  // The sum only feeds the yield: the expansion replaces it.
  if (!add || add->getBlock() != op.getBlock() || !add->hasOneUse())
    return {};
  if (add.getLhs() == acc && add.getRhs() != acc)
    return add.getRhs();
  if (add.getRhs() == acc && add.getLhs() != acc)
    return add.getLhs();
  return {};
}

LogicalResult
mlir::quantx::verifyAccumulation(function_ref<InFlightDiagnostic()> emitError,
                                 AccumulationAttr accumulation,
                                 FloatType accumulator) {
  if (!accumulator.isF32() && !accumulator.isF64())
    return emitError() << "accumulates in " << accumulator
                       << ": a contraction with 'quantx.accumulate' must "
                          "accumulate in f32 or f64 (its chunk sums are "
                          "added in that type)";
  // Every value of the format, and so every rounded term and sum, is held
  // exactly by the accumulator.
  auto format = cast<FloatFormatType>(accumulation.getFormat()).getFormat();
  const llvm::fltSemantics &semantics = accumulator.getFloatSemantics();
  double largest = llvm::APFloat::getLargest(semantics).convertToDouble();
  double smallest = llvm::APFloat::getSmallest(semantics).convertToDouble();
  int digits = llvm::APFloat::semanticsPrecision(semantics) - 1;
  if (format.getMaxFinite() > largest || format.getMinPositive() < smallest ||
      static_cast<int>(format.mantissaBits) > digits)
    return emitError() << "accumulates onto " << accumulation.getFormat()
                       << ", whose values " << accumulator
                       << " does not hold exactly";
  return success();
}

LogicalResult
AccumulationAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         Type format, int64_t chunk) {
  auto floatFormat = dyn_cast<FloatFormatType>(format);
  if (!floatFormat)
    return emitError() << "an accumulation format must be a !quantx.float, "
                          "got "
                       << format;
  // Sums need negative values and zero.
  if (!floatFormat.getFormat().isSigned || !floatFormat.getFormat().hasZero)
    return emitError() << "an accumulation format must be signed and hold "
                          "zero, got "
                       << format;
  if (chunk < 1)
    return emitError() << "an accumulation chunk must be at least 1 term, "
                          "got "
                       << chunk;
  return success();
}
