//===- FoldBatchNorm.cpp - batch norm into the preceding contraction ------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// BN(x W) = (x W - mean) s + beta = x (W s) + (beta - mean s), with
// s = gamma / sqrt(var + epsilon) per output channel, the last dimension of
// the weights of every folded contraction.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_FOLDBATCHNORMPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// The operand of `op` that holds weights whose last dimension is the
/// output channel (the result's last dimension), or failure with the reason.
FailureOr<unsigned> getWeightOperand(linalg::LinalgOp op, std::string &why) {
  auto hasDefaultMaps = [&](ArrayRef<AffineMap> defaults) {
    return op.getIndexingMapsArray() == defaults;
  };
  MLIRContext *context = op.getContext();
  if (isa<linalg::MatmulOp>(op)) {
    if (!hasDefaultMaps(linalg::MatmulOp::getDefaultIndexingMaps(context))) {
      why = "the matmul has transposed operands";
      return failure();
    }
    return 1u;
  }
  if (isa<linalg::BatchMatmulOp>(op)) {
    if (!hasDefaultMaps(
            linalg::BatchMatmulOp::getDefaultIndexingMaps(context))) {
      why = "the batch matmul has transposed operands";
      return failure();
    }
    return 1u;
  }
  if (isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp>(op))
    return 1u;
  why = "its input is not the result of a matmul or convolution (" +
        op->getName().getStringRef().str() + ")";
  return failure();
}

struct FoldBatchNormPass
    : mlir::quantx::impl::FoldBatchNormPassBase<FoldBatchNormPass> {
  void runOnOperation() override {
    SmallVector<BatchNormOp> norms;
    getOperation()->walk([&](BatchNormOp op) { norms.push_back(op); });
    for (BatchNormOp op : norms)
      fold(op);
  }

  void fold(BatchNormOp op) {
    std::string why;
    auto producer = op.getInput().getDefiningOp<linalg::LinalgOp>();
    FailureOr<unsigned> weightIndex = failure();
    if (op.getTraining())
      why = "it is in training mode (batch statistics)";
    else if (!producer)
      why = "its input is not the result of a matmul or convolution";
    else
      weightIndex = getWeightOperand(producer, why);
    if (succeeded(weightIndex)) {
      if (!op.getInput().hasOneUse())
        why = "the contraction's result has other uses";
      else if (!isKnownZero(producer.getDpsInitsMutable()[0].get()))
        why = "the contraction accumulates into a tensor that is not zero";
    }
    if (!why.empty()) {
      op.emitRemark("batch norm not folded: ") << why;
      return;
    }

    OpBuilder b(op);
    Location loc = op.getLoc();
    double epsilon = op.getEpsilon().convertToDouble();
    Type element = getElementTypeOrSelf(op.getInput().getType());
    // s = gamma / sqrt(var + epsilon); shift = beta - mean s.
    Value scale = createElementwise(
        b, loc, {op.getScale(), op.getRunningVar()},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value shifted = arith::AddFOp::create(
              nb, nloc, args[1],
              createFloatConstant(nb, nloc, element, epsilon));
          return arith::MulFOp::create(nb, nloc, args[0],
                                       math::RsqrtOp::create(nb, nloc, shifted))
              .getResult();
        });
    Value shift = createElementwise(
        b, loc, {op.getOffset(), op.getRunningMean(), scale},
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          Value moved = arith::MulFOp::create(nb, nloc, args[1], args[2]);
          return arith::SubFOp::create(nb, nloc, args[0], moved).getResult();
        });

    // The weights scaled along their last dimension.
    Value weights = producer->getOperand(*weightIndex);
    int64_t rank = cast<RankedTensorType>(weights.getType()).getRank();
    AffineMap identity = b.getMultiDimIdentityMap(rank);
    AffineMap channel =
        AffineMap::get(rank, 0, b.getAffineDimExpr(rank - 1), b.getContext());
    auto multiply = [](OpBuilder &nb, Location nloc, ValueRange args) {
      return arith::MulFOp::create(nb, nloc, args[0], args[1]).getResult();
    };
    Value scaled = createGeneric(b, loc, {weights, scale}, {identity, channel},
                                 createEmptyLike(b, loc, weights), identity,
                                 SmallVector<bool>(rank, false), multiply);
    Operation *contraction = b.clone(*producer.getOperation());
    contraction->setOperand(*weightIndex, scaled);

    // The shift as a bias along the output's last dimension.
    Value result = contraction->getResult(0);
    int64_t outRank = cast<RankedTensorType>(result.getType()).getRank();
    AffineMap outIdentity = b.getMultiDimIdentityMap(outRank);
    AffineMap outChannel = AffineMap::get(
        outRank, 0, b.getAffineDimExpr(outRank - 1), b.getContext());
    Value output = createGeneric(
        b, loc, {result, shift}, {outIdentity, outChannel},
        createEmptyLike(b, loc, result), outIdentity,
        SmallVector<bool>(outRank, false),
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::AddFOp::create(nb, nloc, args[0], args[1]).getResult();
        });
    op.getOutput().replaceAllUsesWith(output);
    op.getNewMean().replaceAllUsesWith(op.getRunningMean());
    op.getNewVar().replaceAllUsesWith(op.getRunningVar());
    op.erase();
    producer->erase();
  }
};
} // namespace
