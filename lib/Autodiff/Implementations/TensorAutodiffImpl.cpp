//===- TensorAutodiffImpl.cpp - gradient rules of tensor ops --------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Slicing, reshaping, padding and concatenation move values without changing
// them, so each gradient moves the result's gradient back: a slice's
// gradient is inserted into zeros, a reshape's is reshaped back, a pad's is
// sliced out.
//
//===----------------------------------------------------------------------===//

#include "quantx/Autodiff/GradientExternalModels.h"
#include "quantx/Interfaces/GradientOpInterface.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::quantx;

namespace {

using TensorRuleFn = Value (*)(Operation *, OpBuilder &, Value g,
                               unsigned operand);

/// A rule computing the gradient of each required tensor operand with
/// `Rule(op, builder, g, operandIndex)` (null: no gradient for it).
template <typename OpTy, TensorRuleFn Rule>
struct TensorGradientModel
    : GradientOpInterface::ExternalModel<TensorGradientModel<OpTy, Rule>,
                                         OpTy> {
  LogicalResult buildGradients(Operation *op, OpBuilder &b,
                               ValueRange resultGradients,
                               ArrayRef<bool> requiresGradient,
                               SmallVectorImpl<Value> &operandGradients) const {
    operandGradients.assign(op->getNumOperands(), Value());
    for (auto [i, operand] : llvm::enumerate(op->getOperands()))
      if (requiresGradient[i] && isDifferentiableType(operand.getType()))
        operandGradients[i] = Rule(op, b, resultGradients[0], i);
    return success();
  }
};

Value extractSliceRule(Operation *operation, OpBuilder &b, Value g,
                       unsigned operand) {
  auto op = cast<tensor::ExtractSliceOp>(operation);
  if (operand != 0)
    return {};
  Value zeros = createZerosLike(b, op.getLoc(), op.getSource());
  return tensor::InsertSliceOp::create(b, op.getLoc(), g, zeros,
                                       op.getMixedOffsets(), op.getMixedSizes(),
                                       op.getMixedStrides());
}

Value insertSliceRule(Operation *operation, OpBuilder &b, Value g,
                      unsigned operand) {
  auto op = cast<tensor::InsertSliceOp>(operation);
  Location loc = op.getLoc();
  if (operand == 0)
    return tensor::ExtractSliceOp::create(
        b, loc, op.getSourceType(), g, op.getMixedOffsets(), op.getMixedSizes(),
        op.getMixedStrides());
  if (operand == 1) {
    // The overwritten window gets no gradient.
    Value zeros = createZerosLike(b, loc, op.getSource());
    return tensor::InsertSliceOp::create(b, loc, zeros, g, op.getMixedOffsets(),
                                         op.getMixedSizes(),
                                         op.getMixedStrides());
  }
  return {};
}

Value collapseRule(Operation *operation, OpBuilder &b, Value g,
                   unsigned operand) {
  auto op = cast<tensor::CollapseShapeOp>(operation);
  return tensor::ExpandShapeOp::create(
      b, op.getLoc(), op.getSrcType(), g, op.getReassociationIndices(),
      tensor::getMixedSizes(b, op.getLoc(), op.getSrc()));
}

Value expandRule(Operation *operation, OpBuilder &b, Value g,
                 unsigned operand) {
  auto op = cast<tensor::ExpandShapeOp>(operation);
  if (operand != 0)
    return {};
  return tensor::CollapseShapeOp::create(b, op.getLoc(), op.getSrcType(), g,
                                         op.getReassociationIndices());
}

Value padRule(Operation *operation, OpBuilder &b, Value g, unsigned operand) {
  auto op = cast<tensor::PadOp>(operation);
  if (operand != 0)
    return {};
  Location loc = op.getLoc();
  SmallVector<OpFoldResult> sizes =
      tensor::getMixedSizes(b, loc, op.getSource());
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, op.getSourceType(), g,
                                        op.getMixedLowPad(), sizes, strides);
}

Value concatRule(Operation *operation, OpBuilder &b, Value g,
                 unsigned operand) {
  auto op = cast<tensor::ConcatOp>(operation);
  Location loc = op.getLoc();
  int64_t dim = op.getDim();
  OpFoldResult offset = b.getIndexAttr(0);
  for (unsigned i = 0; i < operand; ++i) {
    OpFoldResult size = tensor::getMixedSize(b, loc, op.getInputs()[i], dim);
    Value sum = arith::AddIOp::create(
        b, loc, getValueOrCreateConstantIndexOp(b, loc, offset),
        getValueOrCreateConstantIndexOp(b, loc, size));
    offset = getAsOpFoldResult(sum);
  }
  Value input = op.getInputs()[operand];
  unsigned rank = cast<RankedTensorType>(input.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets[dim] = offset;
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(
      b, loc, cast<RankedTensorType>(input.getType()), g, offsets,
      tensor::getMixedSizes(b, loc, input), strides);
}

Value castRule(Operation *operation, OpBuilder &b, Value g, unsigned operand) {
  auto op = cast<tensor::CastOp>(operation);
  return tensor::CastOp::create(b, op.getLoc(), op.getSource().getType(), g);
}

} // namespace

namespace mlir::quantx {
void registerTensorGradientModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, tensor::TensorDialect *) {
    tensor::ExtractSliceOp::attachInterface<
        TensorGradientModel<tensor::ExtractSliceOp, extractSliceRule>>(
        *context);
    tensor::InsertSliceOp::attachInterface<
        TensorGradientModel<tensor::InsertSliceOp, insertSliceRule>>(*context);
    tensor::CollapseShapeOp::attachInterface<
        TensorGradientModel<tensor::CollapseShapeOp, collapseRule>>(*context);
    tensor::ExpandShapeOp::attachInterface<
        TensorGradientModel<tensor::ExpandShapeOp, expandRule>>(*context);
    tensor::PadOp::attachInterface<TensorGradientModel<tensor::PadOp, padRule>>(
        *context);
    tensor::ConcatOp::attachInterface<
        TensorGradientModel<tensor::ConcatOp, concatRule>>(*context);
    tensor::CastOp::attachInterface<
        TensorGradientModel<tensor::CastOp, castRule>>(*context);
  });
}
} // namespace mlir::quantx
