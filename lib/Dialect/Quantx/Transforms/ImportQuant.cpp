//===- ImportQuant.cpp - upstream quant types and casts to quantx ---------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Replaces `!quant.uniform` types by `!quantx.fixed` everywhere they occur
// (AttrTypeReplacer walks values, block arguments and attributes, function
// types included), then swaps the quant casts for quantx ones.
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
#define GEN_PASS_DEF_IMPORTQUANTPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"

namespace {

/// The `!quantx.fixed` equivalent of a uniform quant type, or nothing when
/// its storage is not an integer.
/// Its verifier reports (through `emitError`) parameters that
/// `!quantx.fixed` rejects, such as a zero point outside the storage range,
/// which upstream accepts.
template <typename UniformType>
std::optional<Type>
convertUniform(UniformType type, int32_t axis, ArrayRef<double> scales,
               ArrayRef<int64_t> zeroPoints,
               function_ref<InFlightDiagnostic()> emitError = nullptr) {
  auto expressed = dyn_cast<FloatType>(type.getExpressedType());
  if (!isa<IntegerType>(type.getStorageType()) || !expressed)
    return std::nullopt;
  MLIRContext *context = type.getContext();
  unsigned width = type.getStorageTypeIntegralWidth();
  if (emitError)
    return FixedType::getChecked(emitError, context, width, type.isSigned(),
                                 type.getStorageTypeMin(),
                                 type.getStorageTypeMax(), expressed, axis,
                                 ScaleList(scales), zeroPoints);
  return FixedType::get(context, width, type.isSigned(),
                        type.getStorageTypeMin(), type.getStorageTypeMax(),
                        expressed, axis, scales, zeroPoints);
}

std::optional<Type> convertType(quant::UniformQuantizedType type,
                                function_ref<InFlightDiagnostic()> emitError) {
  return convertUniform(type, -1, type.getScale(), type.getZeroPoint(),
                        emitError);
}

std::optional<Type> convertType(quant::UniformQuantizedPerAxisType type,
                                function_ref<InFlightDiagnostic()> emitError) {
  return convertUniform(type, type.getQuantizedDimension(), type.getScales(),
                        type.getZeroPoints(), emitError);
}

/// Reports, on the op that uses it, every uniform type that has no valid
/// `!quantx.fixed` equivalent (instead of building an invalid type).
LogicalResult verifyConvertible(Operation *root) {
  bool valid = true;
  root->walk([&](Operation *op) {
    AttrTypeWalker walker;
    auto check = [&](auto type) {
      if (!valid)
        return WalkResult::interrupt();
      std::optional<Type> converted = convertType(type, [&] {
        return op->emitOpError("cannot import ") << type << ": ";
      });
      if (converted && !*converted)
        valid = false;
      return WalkResult::advance();
    };
    walker.addWalk(
        [&](quant::UniformQuantizedType type) { return check(type); });
    walker.addWalk(
        [&](quant::UniformQuantizedPerAxisType type) { return check(type); });
    for (Type type : op->getResultTypes())
      walker.walk(type);
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument argument : block.getArguments())
          walker.walk(argument.getType());
    walker.walk(op->getAttrDictionary());
  });
  return success(valid);
}

struct ImportQuantPass : impl::ImportQuantPassBase<ImportQuantPass> {
  using Base::Base;
  void runOnOperation() override;
};

} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

void ImportQuantPass::runOnOperation() {
  if (failed(verifyConvertible(getOperation())))
    return signalPassFailure();
  AttrTypeReplacer replacer;
  replacer.addReplacement(
      [](quant::UniformQuantizedType type) -> std::optional<Type> {
        return convertType(type, nullptr);
      });
  replacer.addReplacement(
      [](quant::UniformQuantizedPerAxisType type) -> std::optional<Type> {
        return convertType(type, nullptr);
      });
  replacer.recursivelyReplaceElementsIn(getOperation(), /*replaceAttrs=*/true,
                                        /*replaceLocs=*/false,
                                        /*replaceTypes=*/true);

  // Casts whose quantized side is now quantx become quantx casts; the others
  // (unconverted quant types) stay.
  auto isQuantx = [](Type type) {
    return isa<QuantxDialect>(getElementTypeOrSelf(type).getDialect());
  };
  IRRewriter rewriter(&getContext());
  getOperation()->walk([&](Operation *op) {
    if (isa<quant::QuantizeCastOp>(op) && isQuantx(op->getResultTypes()[0]))
      replaceCast<QuantizeOp>(rewriter, op);
    else if (isa<quant::DequantizeCastOp>(op) &&
             isQuantx(op->getOperandTypes()[0]))
      replaceCast<DequantizeOp>(rewriter, op);
    else if (isa<quant::StorageCastOp>(op) &&
             (isQuantx(op->getOperandTypes()[0]) ||
              isQuantx(op->getResultTypes()[0])))
      replaceCast<StorageCastOp>(rewriter, op);
  });
}
