//===- QuantxGradients.cpp - gradient rules and losses of quantx ops ------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The straight-through estimator of fake_quant, and softmax_cross_entropy:
// its verifier, its decomposition into linalg and its gradient.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

#include <limits>

using namespace mlir;
using namespace mlir::quantx;

//===----------------------------------------------------------------------===//
// fake_quant: straight-through estimator
//===----------------------------------------------------------------------===//

/// `g` where `lo <= x <= hi`, else 0 (scalars).
static Value gateInRange(OpBuilder &b, Location loc, Value x, Value g, Value lo,
                         Value hi) {
  Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, x, lo);
  Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, x, hi);
  Value inside = arith::AndIOp::create(b, loc, above, below);
  Value zero = createFloatConstant(b, loc, g.getType(), 0.0);
  return arith::SelectOp::create(b, loc, inside, g, zero);
}

LogicalResult
FakeQuantOp::buildGradients(OpBuilder &b, ValueRange resultGradients,
                            ArrayRef<bool> requiresGradient,
                            SmallVectorImpl<Value> &operandGradients) {
  operandGradients.assign(getNumOperands(), Value());
  if (!requiresGradient[0])
    return success();
  Location loc = getLoc();
  FormatTypeInterface format = getFormat();
  Type element = getElementTypeOrSelf(getInput().getType());
  Value g = resultGradients[0];
  std::optional<int32_t> axis = format.getChannelAxis();
  if (!axis) {
    // Plain variables: the lambda captures them.
    double lo, hi;
    std::tie(lo, hi) = format.getRepresentableRange(0);
    operandGradients[0] = createElementwise(
        b, loc, {getInput(), g},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return gateInRange(nb, nloc, args[0], args[1],
                             createFloatConstant(nb, nloc, element, lo),
                             createFloatConstant(nb, nloc, element, hi));
        });
    return success();
  }
  // Per channel: the bounds are constant vectors indexed by the channel.
  int64_t channels = format.getNumChannels();
  SmallVector<Attribute> lows, highs;
  for (int64_t c = 0; c < channels; ++c) {
    auto [lo, hi] = format.getRepresentableRange(c);
    lows.push_back(b.getFloatAttr(element, lo));
    highs.push_back(b.getFloatAttr(element, hi));
  }
  auto boundsType = RankedTensorType::get({channels}, element);
  Value lo = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(boundsType, lows));
  Value hi = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(boundsType, highs));
  unsigned rank = cast<RankedTensorType>(g.getType()).getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap channel =
      AffineMap::get(rank, 0, b.getAffineDimExpr(*axis), b.getContext());
  operandGradients[0] = createGeneric(
      b, loc, {getInput(), g, lo, hi}, {identity, identity, channel, channel},
      createEmptyLike(b, loc, g), identity, SmallVector<bool>(rank, false),
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        return gateInRange(nb, nloc, args[0], args[1], args[2], args[3]);
      });
  return success();
}

//===----------------------------------------------------------------------===//
// round_gradient: the gradient rounded onto a float format
//===----------------------------------------------------------------------===//

LogicalResult
RoundGradientOp::buildGradients(OpBuilder &b, ValueRange resultGradients,
                                ArrayRef<bool> requiresGradient,
                                SmallVectorImpl<Value> &operandGradients) {
  operandGradients.assign(getNumOperands(), Value());
  if (!requiresGradient[0])
    return success();
  Location loc = getLoc();
  Value g = resultGradients[0];
  // Marked as a gradient's rounding: the training step counts what it
  // flushes to zero and overflows.
  auto round = [&](Value value) -> Value {
    auto rounded = FakeQuantOp::create(
        b, loc, value.getType(), value, getStep(), TypeAttr::get(getFormat()),
        getRoundingAttr(), getSeedAttr(),
        ArithmeticAttr::get(b.getContext(), Arithmetic::exact));
    b.getContext()
        ->getLoadedDialect<QuantxDialect>()
        ->getGradientRoundingAttrHelper()
        .setAttr(rounded, b.getUnitAttr());
    return rounded;
  };
  auto type = cast<RankedTensorType>(g.getType());
  auto element = cast<FloatType>(type.getElementType());
  const llvm::fltSemantics &semantics = element.getFloatSemantics();
  double largestFinite = APFloat::getLargest(semantics).convertToDouble();
  unsigned rank = type.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap scalar = AffineMap::get(rank, 0, {}, b.getContext());
  // A non-finite gradient passes unchanged, also into a format without
  // infinities or NaN (which would make it finite or zero): an overflow is
  // never hidden from loss scaling. `rounded` (times `scale`) elsewhere.
  auto keepNonFinite = [&](Value rounded, Value scale) {
    SmallVector<Value> inputs = {g, rounded};
    SmallVector<AffineMap> maps = {identity, identity};
    if (scale) {
      inputs.push_back(scale);
      maps.push_back(scalar);
    }
    return createGeneric(
        b, loc, inputs, maps, createEmptyLike(b, loc, g), identity,
        SmallVector<bool>(rank, false),
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value finite = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::OLE,
              math::AbsFOp::create(nb, nloc, args[0]),
              createFloatConstant(nb, nloc, element, largestFinite));
          Value value = scale
                            ? arith::MulFOp::create(nb, nloc, args[1], args[2])
                            : args[1];
          return arith::SelectOp::create(nb, nloc, finite, value, args[0]);
        });
  };
  if (!getScaled()) {
    operandGradients[0] = keepNonFinite(round(g), Value());
    return success();
  }

  // s = max|g| / F, or 1 when that is no positive normal number.
  double largest = getFormat().getRepresentableRange(0).second;
  Value init = createFilled(b, loc, {}, element, 0.0);
  Value maxAbs = createMaxAbs(b, loc, g, init);
  Value scale = createElementwise(
      b, loc, {maxAbs}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value s = arith::DivFOp::create(
            nb, nloc, args[0], createFloatConstant(nb, nloc, element, largest));
        double smallestNormal =
            APFloat::getSmallestNormalized(semantics).convertToDouble();
        // Ordered comparisons: false for NaN.
        Value normal = arith::AndIOp::create(
            nb, nloc,
            arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::OGE, s,
                createFloatConstant(nb, nloc, element, smallestNormal)),
            arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::OLE, s,
                createFloatConstant(nb, nloc, element, largestFinite)));
        return arith::SelectOp::create(
            nb, nloc, normal, s, createFloatConstant(nb, nloc, element, 1.0));
      });
  // g / s clamped to [-F, F] (the clamp only removes the division's
  // rounding error), rounded, times s.
  Value scaled = createGeneric(
      b, loc, {g, scale}, {identity, scalar}, createEmptyLike(b, loc, g),
      identity, SmallVector<bool>(rank, false),
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value q = arith::DivFOp::create(nb, nloc, args[0], args[1]);
        Value top = createFloatConstant(nb, nloc, element, largest);
        return arith::MaximumFOp::create(
            nb, nloc, arith::MinimumFOp::create(nb, nloc, q, top),
            arith::NegFOp::create(nb, nloc, top));
      });
  operandGradients[0] = keepNonFinite(round(scaled), scale);
  return success();
}

//===----------------------------------------------------------------------===//
// softmax_cross_entropy
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxCrossEntropyOp::verify() {
  auto logits = cast<RankedTensorType>(getLogits().getType());
  auto labels = cast<RankedTensorType>(getLabels().getType());
  if (logits.getRank() != 2)
    return emitOpError("logits must have rank 2 ([batch, classes]), got ")
           << logits;
  if (labels.getRank() != 1)
    return emitOpError("labels must have rank 1 ([batch]), got ") << labels;
  // Labels are signed class indices read as 64-bit integers: i1 would read
  // `true` as -1, and wider integers would be truncated.
  unsigned labelWidth = labels.getElementType().getIntOrFloatBitWidth();
  if (labelWidth < 2 || labelWidth > 64)
    return emitOpError("labels must be integers of 2 to 64 bits, got ")
           << labels;
  int64_t batch = logits.getDimSize(0), labelBatch = labels.getDimSize(0);
  if (!ShapedType::isDynamic(batch) && !ShapedType::isDynamic(labelBatch) &&
      batch != labelBatch)
    return emitOpError("batch of logits (")
           << batch << ") and labels (" << labelBatch << ") differ";
  if (getLoss().getType().getElementType() != logits.getElementType())
    return emitOpError("loss element type must be the logits' element type ")
           << logits.getElementType();
  return success();
}

namespace {
/// Per-row max and sum of exp(x - max) of `logits` [N, C].
struct SoftmaxStats {
  Value rowMax, sumExp;
};
} // namespace

static SoftmaxStats buildSoftmaxStats(OpBuilder &b, Location loc,
                                      Value logits) {
  MLIRContext *context = b.getContext();
  auto type = cast<RankedTensorType>(logits.getType());
  Type element = type.getElementType();
  AffineExpr n, c;
  bindDims(context, n, c);
  AffineMap full = AffineMap::get(2, 0, {n, c}, context);
  AffineMap row = AffineMap::get(2, 0, {n}, context);
  SmallVector<OpFoldResult> rows = {tensor::getMixedSize(b, loc, logits, 0)};
  auto filled = [&](double value) {
    Value empty = tensor::EmptyOp::create(b, loc, rows, element);
    Value scalar = createFloatConstant(b, loc, element, value);
    return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
  };
  SoftmaxStats stats;
  stats.rowMax = createGeneric(
      b, loc, logits, {full}, filled(-std::numeric_limits<double>::infinity()),
      row, {false, true}, [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::MaximumFOp::create(nb, nloc, args[0], args[1]);
      });
  stats.sumExp = createGeneric(
      b, loc, {logits, stats.rowMax}, {full, row}, filled(0.0), row,
      {false, true}, [](OpBuilder &nb, Location nloc, ValueRange args) {
        Value shifted = arith::SubFOp::create(nb, nloc, args[0], args[1]);
        Value e = math::ExpOp::create(nb, nloc, shifted);
        return arith::AddFOp::create(nb, nloc, args[2], e);
      });
  return stats;
}

/// 1 / N as a scalar of `element`.
static Value buildInverseBatch(OpBuilder &b, Location loc, Value logits,
                               Type element) {
  Value batch = getValueOrCreateConstantIndexOp(
      b, loc, tensor::getMixedSize(b, loc, logits, 0));
  Value asInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), batch);
  Value asFloat = arith::SIToFPOp::create(b, loc, element, asInt);
  return arith::DivFOp::create(
      b, loc, createFloatConstant(b, loc, element, 1.0), asFloat);
}

/// Whether class index `c` (the second loop) equals the row's label.
static Value isLabel(OpBuilder &b, Location loc, Value label) {
  Value c = linalg::IndexOp::create(b, loc, 1);
  Value asIndex = arith::IndexCastOp::create(b, loc, b.getIndexType(), label);
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, c, asIndex);
}

/// Whether `label` is a class index, in [0, numClasses).
static Value isValidLabel(OpBuilder &b, Location loc, Value label,
                          Value numClasses) {
  Value asIndex = arith::IndexCastOp::create(b, loc, b.getIndexType(), label);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value nonNegative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, asIndex, zero);
  Value below = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                      asIndex, numClasses);
  return arith::AndIOp::create(b, loc, nonNegative, below);
}

namespace {
/// The labels as the loss reads them: one per row of the logits.
struct RowLabels {
  Value labels;
  /// The number of classes (index).
  Value numClasses;
  /// An i1 that is true when the labels cannot be read as classes: the
  /// label count differs from the batch, or there are no classes (null when
  /// the static shapes prove neither).
  Value countMismatch;
};
} // namespace

/// When the label count may differ from the batch (dynamic shapes), reads
/// the labels into a tensor of one label per row, -1 (no class) where there
/// is none, so that nothing is read out of bounds.
static RowLabels buildRowLabels(OpBuilder &b, Location loc, Value logits,
                                Value labels) {
  RowLabels rows;
  rows.numClasses = getValueOrCreateConstantIndexOp(
      b, loc, tensor::getMixedSize(b, loc, logits, 1));
  auto logitsType = cast<RankedTensorType>(logits.getType());
  auto labelsType = cast<RankedTensorType>(labels.getType());
  // No class at all: no row's label is a class (the per-row check runs at
  // class 0, which does not exist).
  if (logitsType.getDimSize(1) != 0 && logitsType.isDynamicDim(1))
    rows.countMismatch =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rows.numClasses,
                              arith::ConstantIndexOp::create(b, loc, 0));
  else if (logitsType.getDimSize(1) == 0)
    rows.countMismatch = arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  if (!logitsType.isDynamicDim(0) && !labelsType.isDynamicDim(0)) {
    rows.labels = labels;
    return rows;
  }
  Value batch = tensor::DimOp::create(b, loc, logits, 0);
  Value count = tensor::DimOp::create(b, loc, labels, 0);
  Value differ =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, batch, count);
  rows.countMismatch =
      rows.countMismatch
          ? Value(arith::OrIOp::create(b, loc, rows.countMismatch, differ))
          : differ;
  Value common = arith::MinUIOp::create(b, loc, batch, count);
  Type element = labelsType.getElementType();
  Value none = arith::ConstantOp::create(b, loc, b.getIntegerAttr(element, -1));
  Value empty =
      tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{batch}, element);
  Value filled = linalg::FillOp::create(b, loc, none, empty).getResult(0);
  OpFoldResult zero = b.getIndexAttr(0), one = b.getIndexAttr(1);
  Value head = tensor::ExtractSliceOp::create(
      b, loc, labels, ArrayRef<OpFoldResult>{zero},
      ArrayRef<OpFoldResult>{common}, ArrayRef<OpFoldResult>{one});
  rows.labels = tensor::InsertSliceOp::create(
      b, loc, head, filled, ArrayRef<OpFoldResult>{zero},
      ArrayRef<OpFoldResult>{common}, ArrayRef<OpFoldResult>{one});
  return rows;
}

/// `value`, or NaN when `mismatch` (when there is one) holds.
static Value nanIf(OpBuilder &b, Location loc, Value mismatch, Value value) {
  if (!mismatch)
    return value;
  Value nan = createFloatConstant(b, loc, value.getType(),
                                  std::numeric_limits<double>::quiet_NaN());
  return arith::SelectOp::create(b, loc, mismatch, nan, value);
}

Value SoftmaxCrossEntropyOp::decompose(OpBuilder &b) {
  Location loc = getLoc();
  MLIRContext *context = b.getContext();
  Value logits = getLogits();
  Type element = getLoss().getType().getElementType();
  SoftmaxStats stats = buildSoftmaxStats(b, loc, logits);
  AffineExpr n, c;
  bindDims(context, n, c);
  AffineMap full = AffineMap::get(2, 0, {n, c}, context);
  AffineMap row = AffineMap::get(2, 0, {n}, context);
  AffineMap scalar = AffineMap::get(2, 0, {}, context);
  Value zero = createFloatConstant(b, loc, element, 0.0);
  Value empty = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, element);
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  RowLabels labels = buildRowLabels(b, loc, logits, getLabels());
  // sum over n, c of [c == 0] (max + log(sumexp)) - [c == label] x; a row
  // whose label is no class adds NaN.
  Value total = createGeneric(
      b, loc, {logits, stats.rowMax, stats.sumExp, labels.labels},
      {full, row, row, row}, init, scalar, {true, true},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value first =
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq,
                                  linalg::IndexOp::create(nb, nloc, 1),
                                  arith::ConstantIndexOp::create(nb, nloc, 0));
        Value logSum = arith::AddFOp::create(
            nb, nloc, args[1], math::LogOp::create(nb, nloc, args[2]));
        Value valid = isValidLabel(nb, nloc, args[3], labels.numClasses);
        Value rowTerm = arith::SelectOp::create(
            nb, nloc, valid, logSum,
            createFloatConstant(nb, nloc, element,
                                std::numeric_limits<double>::quiet_NaN()));
        Value term = arith::SelectOp::create(
            nb, nloc, first, rowTerm,
            createFloatConstant(nb, nloc, element, 0.0));
        Value picked = arith::SelectOp::create(
            nb, nloc, isLabel(nb, nloc, args[3]), args[0],
            createFloatConstant(nb, nloc, element, 0.0));
        Value sum = arith::AddFOp::create(nb, nloc, args[4], term);
        return arith::SubFOp::create(nb, nloc, sum, picked);
      });
  Value inverse = nanIf(b, loc, labels.countMismatch,
                        buildInverseBatch(b, loc, logits, element));
  return createElementwise(
      b, loc, total, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::MulFOp::create(nb, nloc, args[0], inverse);
      });
}

LogicalResult SoftmaxCrossEntropyOp::buildGradients(
    OpBuilder &b, ValueRange resultGradients, ArrayRef<bool> requiresGradient,
    SmallVectorImpl<Value> &operandGradients) {
  operandGradients.assign(2, Value());
  if (!requiresGradient[0])
    return success();
  Location loc = getLoc();
  MLIRContext *context = b.getContext();
  Value logits = getLogits();
  Type element = getLoss().getType().getElementType();
  SoftmaxStats stats = buildSoftmaxStats(b, loc, logits);
  RowLabels labels = buildRowLabels(b, loc, logits, getLabels());
  Value scale = nanIf(
      b, loc, labels.countMismatch,
      arith::MulFOp::create(
          b, loc, buildInverseBatch(b, loc, logits, element),
          tensor::ExtractOp::create(b, loc, resultGradients[0], ValueRange())));
  AffineExpr n, c;
  bindDims(context, n, c);
  AffineMap full = AffineMap::get(2, 0, {n, c}, context);
  AffineMap row = AffineMap::get(2, 0, {n}, context);
  // (softmax - onehot) * g / N.
  operandGradients[0] = createGeneric(
      b, loc, {logits, stats.rowMax, stats.sumExp, labels.labels},
      {full, row, row, row}, createEmptyLike(b, loc, logits), full,
      {false, false}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value shifted = arith::SubFOp::create(nb, nloc, args[0], args[1]);
        Value softmax = arith::DivFOp::create(
            nb, nloc, math::ExpOp::create(nb, nloc, shifted), args[2]);
        // A row whose label is no class gets NaN gradients, as its loss.
        Value oneHot = arith::SelectOp::create(
            nb, nloc, isValidLabel(nb, nloc, args[3], labels.numClasses),
            arith::SelectOp::create(
                nb, nloc, isLabel(nb, nloc, args[3]),
                createFloatConstant(nb, nloc, element, 1.0),
                createFloatConstant(nb, nloc, element, 0.0)),
            createFloatConstant(nb, nloc, element,
                                std::numeric_limits<double>::quiet_NaN()));
        Value diff = arith::SubFOp::create(nb, nloc, softmax, oneHot);
        return arith::MulFOp::create(nb, nloc, diff, scale);
      });
  return success();
}

//===----------------------------------------------------------------------===//
// mode_select: the gradient reaches the selected operand
//===----------------------------------------------------------------------===//

LogicalResult
ModeSelectOp::buildGradients(OpBuilder &b, ValueRange resultGradients,
                             ArrayRef<bool> requiresGradient,
                             SmallVectorImpl<Value> &operandGradients) {
  operandGradients.assign(2, Value());
  unsigned selected = getTraining() ? 0 : 1;
  if (requiresGradient[selected])
    operandGradients[selected] = resultGradients[0];
  return success();
}

//===----------------------------------------------------------------------===//
// stop_gradient: no gradient
//===----------------------------------------------------------------------===//

LogicalResult
StopGradientOp::buildGradients(OpBuilder &b, ValueRange resultGradients,
                               ArrayRef<bool> requiresGradient,
                               SmallVectorImpl<Value> &operandGradients) {
  operandGradients.assign(1, Value());
  return success();
}
