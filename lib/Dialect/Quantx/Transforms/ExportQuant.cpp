//===- ExportQuant.cpp - quantx fixed point to upstream quant -------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The inverse of quantx-import-quant. Only what `!quant.uniform` expresses
// is converted; everything else stays quantx, so nothing is lost.
//
//===----------------------------------------------------------------------===//

#include "QuantInterop.h"

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/AttrTypeSubElements.h"
#include "mlir/IR/TypeUtilities.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_EXPORTQUANTPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"

namespace {

/// The `!quant.uniform` equivalent of `type`, or nothing when the quant
/// dialect rejects its parameters.
std::optional<Type> convertFixed(FixedType type) {
  // A run-time scale has no !quant.uniform form.
  if (type.hasRuntimeScale())
    return std::nullopt;
  MLIRContext *context = type.getContext();
  unsigned flags = type.getIsSigned() ? quant::QuantizationFlags::Signed : 0;
  auto storageType = IntegerType::get(context, type.getWidth());
  // Probe with a silent diagnostic handler: a type quant cannot express
  // stays a quantx type.
  bool rejected = false;
  auto emitError = [&] {
    rejected = true;
    return mlir::emitError(UnknownLoc::get(context));
  };
  ScopedDiagnosticHandler silence(context,
                                  [](Diagnostic &) { return success(); });
  Type result;
  if (type.isPerChannel())
    result = quant::UniformQuantizedPerAxisType::getChecked(
        emitError, flags, storageType, type.getExpressedType(),
        type.getScales(), type.getZeroPoints(), type.getQuantizedDimension(),
        type.getStorageMin(), type.getStorageMax());
  else
    result = quant::UniformQuantizedType::getChecked(
        emitError, flags, storageType, type.getExpressedType(),
        type.getScales().front(), type.getZeroPoints().front(),
        type.getStorageMin(), type.getStorageMax());
  if (rejected || !result)
    return std::nullopt;
  return result;
}

struct ExportQuantPass : impl::ExportQuantPassBase<ExportQuantPass> {
  using Base::Base;
  void runOnOperation() override;
};

} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

void ExportQuantPass::runOnOperation() {
  // Load the quant dialect (and with it the FormatTypeInterface models that
  // let quantx operations keep working on the converted types).
  getContext().getOrLoadDialect<quant::QuantDialect>();

  AttrTypeReplacer replacer;
  replacer.addReplacement(
      [](FixedType type) -> std::optional<Type> { return convertFixed(type); });
  replacer.recursivelyReplaceElementsIn(getOperation(), /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);

  auto isQuant = [](Type type) {
    return isa<quant::QuantizedType>(getElementTypeOrSelf(type));
  };
  IRRewriter rewriter(&getContext());
  getOperation()->walk([&](Operation *op) {
    if (auto quantize = dyn_cast<QuantizeOp>(op)) {
      if (isQuant(quantize.getType()) &&
          quantize.getRounding() == RoundingMode::nearest_even)
        replaceCast<quant::QuantizeCastOp>(rewriter, op);
    } else if (isa<DequantizeOp>(op) && isQuant(op->getOperandTypes()[0])) {
      replaceCast<quant::DequantizeCastOp>(rewriter, op);
    } else if (isa<StorageCastOp>(op) && (isQuant(op->getOperandTypes()[0]) ||
                                          isQuant(op->getResultTypes()[0]))) {
      replaceCast<quant::StorageCastOp>(rewriter, op);
    }
  });
}
