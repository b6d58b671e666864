//===- BatchNorm.cpp - batch_norm: verifier, linalg form, gradient --------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// With x of shape [..., C], M elements per feature, and the statistics
// (mu, var) of the batch in training or the running ones in inference:
//
//   rstd = 1 / sqrt(var + eps), xhat = (x - mu) rstd, y = xhat gamma + beta
//   training:  new_mean = (1 - m) rm + m mu
//              new_var  = (1 - m) rv + m var M / (M - 1)
//   inference: new_mean = rm, new_var = rv
//
// Gradients, for result gradients gy, gnm, gnv (sums over all but the
// feature dimension; dbeta = sum(gy), dgamma = sum(gy xhat)):
//
//   training:  dx  = gamma rstd (gy - dbeta / M - xhat dgamma / M)
//                    + m gnm / M + 2 m gnv (x - mu) / (M - 1)
//              drm = (1 - m) gnm, drv = (1 - m) gnv
//   inference: dx  = gy gamma rstd
//              drm = gnm - gamma rstd dbeta
//              drv = gnv - gamma rstd^2 dgamma / 2
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quantx;

LogicalResult BatchNormOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  if (input.getRank() < 2)
    return emitOpError("input must have rank 2 or more (a batch dimension "
                       "and the features last), got ")
           << input;
  auto features = cast<RankedTensorType>(getScale().getType());
  if (features.getRank() != 1)
    return emitOpError("scale, offset and running statistics must have rank "
                       "1, got ")
           << features;
  if (features.getElementType() != input.getElementType())
    return emitOpError("scale, offset and running statistics must have the "
                       "input's element type ")
           << input.getElementType() << ", got " << features.getElementType();
  int64_t count = input.getDimSize(input.getRank() - 1);
  int64_t size = features.getDimSize(0);
  if (!ShapedType::isDynamic(count) && !ShapedType::isDynamic(size) &&
      count != size)
    return emitOpError("the input has ")
           << count << " features (its last dimension) but scale, offset and "
           << "running statistics have " << size;
  double epsilon = getEpsilon().convertToDouble();
  if (!(epsilon > 0) || !std::isfinite(epsilon))
    return emitOpError("epsilon must be positive and finite, got ") << epsilon;
  double momentum = getMomentum().convertToDouble();
  if (!(momentum >= 0 && momentum <= 1))
    return emitOpError("momentum must lie in [0, 1], got ") << momentum;
  if (getTraining() && input.hasStaticShape() &&
      input.getNumElements() / std::max<int64_t>(count, 1) == 1)
    return emitOpError("in training, the batch must hold more than one "
                       "value per feature (its variance is undefined), got ")
           << input;
  return success();
}

namespace {
/// batch_norm(cast(x)) -> cast(batch_norm(x)) where the cast only erases
/// static sizes of x.
struct FoldInputCast : OpRewritePattern<BatchNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(BatchNormOp op,
                                PatternRewriter &rewriter) const override {
    auto producer = op.getInput().getDefiningOp<tensor::CastOp>();
    if (!producer || !tensor::canFoldIntoConsumerOp(producer))
      return failure();
    auto source = cast<RankedTensorType>(producer.getSource().getType());
    // A static batch of one value per feature is no training batch.
    int64_t features = source.getDimSize(source.getRank() - 1);
    if (op.getTraining() && source.hasStaticShape() &&
        source.getNumElements() == features)
      return failure();
    SmallVector<Value> operands(op->getOperands());
    operands[0] = producer.getSource();
    auto folded = BatchNormOp::create(
        rewriter, op.getLoc(),
        TypeRange{source, op.getNewMean().getType(), op.getNewVar().getType()},
        operands, op->getAttrs());
    Value output = tensor::CastOp::create(
        rewriter, op.getLoc(), op.getOutput().getType(), folded.getOutput());
    rewriter.replaceOp(op, {output, folded.getNewMean(), folded.getNewVar()});
    return success();
  }
};

/// The pieces both the forward form and the gradient build on.
class BatchNormBuilder {
public:
  BatchNormBuilder(OpBuilder &b, BatchNormOp op)
      : b(b), loc(op.getLoc()), op(op), x(op.getInput()),
        element(getElementTypeOrSelf(x.getType())),
        rank(cast<RankedTensorType>(x.getType()).getRank()) {
    MLIRContext *context = b.getContext();
    full = AffineMap::getMultiDimIdentityMap(rank, context);
    feature = AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, context));
  }

  /// M, the number of elements per feature, as a float scalar.
  Value countPerFeature() {
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t d = 0; d < rank - 1; ++d)
      count = arith::MulIOp::create(b, loc, count,
                                    tensor::DimOp::create(b, loc, x, d));
    Value wide =
        arith::IndexCastOp::create(b, loc, b.getIntegerType(64), count);
    return arith::UIToFPOp::create(b, loc, element, wide);
  }

  /// sum over all but the feature dimension of body(inputs), a [C] tensor;
  /// `maps[i]` is true where input i is indexed like x (else per feature).
  Value sumPerFeature(ValueRange inputs, ArrayRef<bool> xShaped,
                      ScalarBodyBuilder body) {
    Value init = createZerosLike(b, loc, op.getScale());
    SmallVector<bool> reductions(rank, true);
    reductions.back() = false;
    return createGeneric(
        b, loc, inputs, getMaps(xShaped), init, feature, reductions,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value term = body(nb, nloc, args.drop_back());
          return arith::AddFOp::create(nb, nloc, args.back(), term).getResult();
        });
  }

  /// body(inputs) elementwise over x's shape.
  Value mapOverInput(ValueRange inputs, ArrayRef<bool> xShaped,
                     ScalarBodyBuilder body) {
    SmallVector<bool> reductions(rank, false);
    return createGeneric(b, loc, inputs, getMaps(xShaped),
                         createEmptyLike(b, loc, x), full, reductions,
                         [&](OpBuilder &nb, Location nloc, ValueRange args) {
                           return body(nb, nloc, args.drop_back());
                         });
  }

  /// body(inputs) elementwise over [C] vectors.
  Value mapOverFeatures(ValueRange inputs, ScalarBodyBuilder body) {
    return createElementwise(b, loc, inputs, body);
  }

  Value constant(OpBuilder &nb, Location nloc, double value) {
    return createFloatConstant(nb, nloc, element, value);
  }

  /// 1 / sqrt(var + epsilon) per feature.
  Value reciprocalStd(Value var) {
    double epsilon = op.getEpsilon().convertToDouble();
    return mapOverFeatures(var, [&](OpBuilder &nb, Location nloc,
                                    ValueRange args) {
      Value shifted =
          arith::AddFOp::create(nb, nloc, args[0], constant(nb, nloc, epsilon));
      return math::RsqrtOp::create(nb, nloc, shifted).getResult();
    });
  }

  /// The batch's mean and (biased) variance per feature.
  std::pair<Value, Value> batchStatistics(Value count) {
    Value sum =
        sumPerFeature(x, {true}, [](OpBuilder &, Location, ValueRange args) {
          return args[0];
        });
    Value mean = mapOverFeatures(
        sum, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::DivFOp::create(nb, nloc, args[0], count).getResult();
        });
    Value squares = sumPerFeature(
        {x, mean}, {true, false},
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          Value centered = arith::SubFOp::create(nb, nloc, args[0], args[1]);
          return arith::MulFOp::create(nb, nloc, centered, centered)
              .getResult();
        });
    Value var = mapOverFeatures(
        squares, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::DivFOp::create(nb, nloc, args[0], count).getResult();
        });
    return {mean, var};
  }

  /// (x - mean) rstd, elementwise.
  Value normalized(Value mean, Value rstd) {
    return mapOverInput(
        {x, mean, rstd}, {true, false, false},
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          Value centered = arith::SubFOp::create(nb, nloc, args[0], args[1]);
          return arith::MulFOp::create(nb, nloc, centered, args[2]).getResult();
        });
  }

  OpBuilder &b;
  Location loc;
  BatchNormOp op;
  Value x;
  Type element;
  int64_t rank;
  AffineMap full, feature;

private:
  SmallVector<AffineMap> getMaps(ArrayRef<bool> xShaped) {
    SmallVector<AffineMap> maps;
    for (bool shaped : xShaped)
      maps.push_back(shaped ? full : feature);
    return maps;
  }
};
} // namespace

void BatchNormOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                              MLIRContext *context) {
  patterns.add<FoldInputCast>(context);
}

SmallVector<Value, 3> BatchNormOp::decompose(OpBuilder &b) {
  BatchNormBuilder bn(b, *this);
  Value mean = getRunningMean(), var = getRunningVar();
  Value newMean = mean, newVar = var;
  if (getTraining()) {
    Value count = bn.countPerFeature();
    std::tie(mean, var) = bn.batchStatistics(count);
    double momentum = getMomentum().convertToDouble();
    newMean = bn.mapOverFeatures(
        {getRunningMean(), mean},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value kept = arith::MulFOp::create(
              nb, nloc, args[0], bn.constant(nb, nloc, 1 - momentum));
          Value moved = arith::MulFOp::create(nb, nloc, args[1],
                                              bn.constant(nb, nloc, momentum));
          return arith::AddFOp::create(nb, nloc, kept, moved).getResult();
        });
    newVar = bn.mapOverFeatures({getRunningVar(), var}, [&](OpBuilder &nb,
                                                            Location nloc,
                                                            ValueRange args) {
      // var M / (M - 1), the unbiased variance.
      Value less =
          arith::SubFOp::create(nb, nloc, count, bn.constant(nb, nloc, 1.0));
      Value unbiased = arith::DivFOp::create(
          nb, nloc, arith::MulFOp::create(nb, nloc, args[1], count), less);
      Value kept = arith::MulFOp::create(nb, nloc, args[0],
                                         bn.constant(nb, nloc, 1 - momentum));
      Value moved = arith::MulFOp::create(nb, nloc, unbiased,
                                          bn.constant(nb, nloc, momentum));
      return arith::AddFOp::create(nb, nloc, kept, moved).getResult();
    });
  }
  Value rstd = bn.reciprocalStd(var);
  // y = (x - mean) (rstd gamma) + beta.
  Value factor = bn.mapOverFeatures(
      {rstd, getScale()}, [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::MulFOp::create(nb, nloc, args[0], args[1]).getResult();
      });
  Value output = bn.mapOverInput(
      {getInput(), mean, factor, getOffset()}, {true, false, false, false},
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        Value centered = arith::SubFOp::create(nb, nloc, args[0], args[1]);
        Value scaled = arith::MulFOp::create(nb, nloc, centered, args[2]);
        return arith::AddFOp::create(nb, nloc, scaled, args[3]).getResult();
      });
  return {output, newMean, newVar};
}

LogicalResult
BatchNormOp::buildGradients(OpBuilder &b, ValueRange resultGradients,
                            ArrayRef<bool> requiresGradient,
                            SmallVectorImpl<Value> &operandGradients) {
  operandGradients.assign(5, Value());
  BatchNormBuilder bn(b, *this);
  Value gy = resultGradients[0], gnm = resultGradients[1],
        gnv = resultGradients[2];
  Value gamma = getScale();
  bool training = getTraining();
  double momentum = getMomentum().convertToDouble();
  Value count = bn.countPerFeature();
  Value mean = getRunningMean(), var = getRunningVar();
  if (training)
    std::tie(mean, var) = bn.batchStatistics(count);
  Value rstd = bn.reciprocalStd(var);
  Value xhat = bn.normalized(mean, rstd);
  Value dbeta =
      bn.sumPerFeature(gy, {true}, [](OpBuilder &, Location, ValueRange args) {
        return args[0];
      });
  Value dgamma = bn.sumPerFeature(
      {gy, xhat}, {true, true},
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::MulFOp::create(nb, nloc, args[0], args[1]).getResult();
      });
  if (requiresGradient[1])
    operandGradients[1] = dgamma;
  if (requiresGradient[2])
    operandGradients[2] = dbeta;

  if (requiresGradient[0]) {
    // gamma rstd per feature.
    Value factor = bn.mapOverFeatures(
        {rstd, gamma}, [](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::MulFOp::create(nb, nloc, args[0], args[1]).getResult();
        });
    if (!training) {
      operandGradients[0] = bn.mapOverInput(
          {gy, factor}, {true, false},
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            return arith::MulFOp::create(nb, nloc, args[0], args[1])
                .getResult();
          });
    } else if (isKnownZero(gnm) && isKnownZero(gnv)) {
      // The running statistics do not reach the loss (a training step).
      operandGradients[0] = bn.mapOverInput(
          {gy, xhat, factor, dbeta, dgamma}, {true, true, false, false, false},
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value fromSum = arith::DivFOp::create(nb, nloc, args[3], count);
            Value fromSquares = arith::DivFOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, args[1], args[4]),
                count);
            Value inner = arith::SubFOp::create(
                nb, nloc, arith::SubFOp::create(nb, nloc, args[0], fromSum),
                fromSquares);
            return arith::MulFOp::create(nb, nloc, args[2], inner).getResult();
          });
    } else {
      operandGradients[0] = bn.mapOverInput(
          {gy, xhat, bn.x, factor, dbeta, dgamma, mean, gnm, gnv},
          {true, true, true, false, false, false, false, false, false},
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value g = args[0], xh = args[1], xv = args[2], f = args[3],
                  db = args[4], dg = args[5], mu = args[6], gm = args[7],
                  gv = args[8];
            auto mul = [&](Value l, Value r) {
              return arith::MulFOp::create(nb, nloc, l, r).getResult();
            };
            auto sub = [&](Value l, Value r) {
              return arith::SubFOp::create(nb, nloc, l, r).getResult();
            };
            auto add = [&](Value l, Value r) {
              return arith::AddFOp::create(nb, nloc, l, r).getResult();
            };
            auto div = [&](Value l, Value r) {
              return arith::DivFOp::create(nb, nloc, l, r).getResult();
            };
            // gamma rstd (gy - dbeta / M - xhat dgamma / M)
            Value inner = sub(sub(g, div(db, count)), div(mul(xh, dg), count));
            Value fromOutput = mul(f, inner);
            // m gnm / M + 2 m gnv (x - mu) / (M - 1)
            Value m = bn.constant(nb, nloc, momentum);
            Value fromMean = div(mul(m, gm), count);
            Value less = sub(count, bn.constant(nb, nloc, 1.0));
            Value fromVar = div(
                mul(mul(bn.constant(nb, nloc, 2 * momentum), gv), sub(xv, mu)),
                less);
            return add(fromOutput, add(fromMean, fromVar));
          });
    }
  }

  // In training a running statistic reaches its new value times 1 - m.
  auto decayed = [&](Value g) {
    return bn.mapOverFeatures(
        g, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::MulFOp::create(nb, nloc, args[0],
                                       bn.constant(nb, nloc, 1 - momentum))
              .getResult();
        });
  };
  if (requiresGradient[3]) {
    operandGradients[3] =
        training
            ? decayed(gnm)
            // gnm - gamma rstd dbeta
            : bn.mapOverFeatures(
                  {gnm, gamma, rstd, dbeta},
                  [](OpBuilder &nb, Location nloc, ValueRange args) {
                    Value product = arith::MulFOp::create(
                        nb, nloc,
                        arith::MulFOp::create(nb, nloc, args[1], args[2]),
                        args[3]);
                    return arith::SubFOp::create(nb, nloc, args[0], product)
                        .getResult();
                  });
  }
  if (requiresGradient[4]) {
    operandGradients[4] =
        training
            ? decayed(gnv)
            // gnv - gamma rstd^2 dgamma / 2
            : bn.mapOverFeatures(
                  {gnv, gamma, rstd, dgamma},
                  [&](OpBuilder &nb, Location nloc, ValueRange args) {
                    Value rstd2 =
                        arith::MulFOp::create(nb, nloc, args[2], args[2]);
                    Value product = arith::MulFOp::create(
                        nb, nloc,
                        arith::MulFOp::create(nb, nloc, args[1], rstd2),
                        arith::MulFOp::create(nb, nloc, args[3],
                                              bn.constant(nb, nloc, 0.5)));
                    return arith::SubFOp::create(nb, nloc, args[0], product)
                        .getResult();
                  });
  }
  return success();
}
