//===- FoldBinarySigns.cpp - signs between binary layers ------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A binary layer reads only the signs of its input. Max pooling, padding,
// reshapes, slices and window gathers commute with taking signs
// (sign(max(a, b)) = max(sign a, sign b); a padded c becomes sign(c)), so
// the signs are taken where the values are made and those ops move i8
// values -1 and +1 instead of floats.
//
// When the values are a per-channel float epilogue f_n of a
// quantx.binary_matmul's integer dot products d (its scale, a batch norm's
// shift, a hard-tanh), the sign is decided at compile time: each stage is
// monotone in d, so f_n(d) >= 0 holds on one side of a threshold, found
// by evaluating the same float operations, rounded as the run time rounds
// them, on the integers -K..K. The float epilogue is then never computed.
//
//===----------------------------------------------------------------------===//

#include "FoldBinarySigns.h"

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Utils/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

#include <optional>

using namespace mlir;
using namespace mlir::quantx;

namespace {

//===----------------------------------------------------------------------===//
// Ops that commute with taking signs
//===----------------------------------------------------------------------===//

/// The value of a float scalar constant, or none.
std::optional<APFloat> getFloatConstant(Value value) {
  FloatAttr attr;
  if (value && matchPattern(value, m_Constant(&attr)))
    return attr.getValue();
  return std::nullopt;
}

/// Whether `x < 0`: -1 in the binary format (-0 and NaN are +1, as
/// pack_signs reads them).
bool isBelowZero(const APFloat &x) {
  return x.isNegative() && !x.isZero() && !x.isNaN();
}

/// +1 or -1, the binary value of `x`.
int8_t signOf(const APFloat &x) { return isBelowZero(x) ? -1 : 1; }

/// A generic that only moves its one input's elements (a window gather).
bool isCopyGeneric(linalg::GenericOp generic) {
  if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
      generic.getNumResults() != 1 || !generic.hasPureTensorSemantics() ||
      generic.getNumReductionLoops() != 0)
    return false;
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return body.getOperations().size() == 1 &&
         yield.getOperand(0) == body.getArgument(0);
}

/// The constant that fills `init` (a linalg.fill of a scalar constant).
std::optional<APFloat> getFillConstant(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return std::nullopt;
  return getFloatConstant(fill.getInputs()[0]);
}

/// The float operand whose signs `op`'s result signs follow, or null when
/// `op` does not commute with taking signs.
Value getSignSource(Operation *op) {
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
    return collapse.getSrc();
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
    return expand.getSrc();
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
    return slice.getSource();
  if (auto pad = dyn_cast<tensor::PadOp>(op))
    return getFloatConstant(pad.getConstantPaddingValue()) ? pad.getSource()
                                                           : Value();
  if (auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(op))
    return pool.hasPureTensorSemantics() &&
                   getFillConstant(pool.getDpsInits()[0])
               ? pool.getDpsInputs()[0]
               : Value();
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return isCopyGeneric(generic) ? generic.getDpsInputs()[0] : Value();
  return Value();
}

/// An empty tensor of `like`'s sizes with `element` elements. The sizes
/// are the ones `like`'s producer was given where it says (a reshape's
/// output shape), so that no tensor.dim keeps `like` alive or stands
/// between it and its one consumer.
Value createEmptyLike(OpBuilder &b, Location loc, Value like, Type element) {
  ReifiedRankedShapedTypeDims reified;
  auto result = dyn_cast<OpResult>(like);
  if (result && succeeded(reifyResultShapes(b, result.getOwner(), reified)))
    return tensor::EmptyOp::create(b, loc, reified[result.getResultNumber()],
                                   element);
  return tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, like),
                                 element);
}

/// `op` again on the signs `codes` (i8) of its float operand.
Value cloneOnSigns(OpBuilder &b, Operation *op, Value codes) {
  Location loc = op->getLoc();
  Type i8 = b.getI8Type();
  auto resultType =
      cast<RankedTensorType>(op->getResult(0).getType()).clone(i8);
  auto signConstant = [&](const APFloat &value) -> Value {
    return arith::ConstantOp::create(b, loc,
                                     b.getIntegerAttr(i8, signOf(value)));
  };
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
    return tensor::CollapseShapeOp::create(b, loc, resultType, codes,
                                           collapse.getReassociationIndices());
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
    return tensor::ExpandShapeOp::create(b, loc, resultType, codes,
                                         expand.getReassociationIndices(),
                                         expand.getMixedOutputShape());
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op))
    return tensor::ExtractSliceOp::create(
        b, loc, resultType, codes, slice.getMixedOffsets(),
        slice.getMixedSizes(), slice.getMixedStrides());
  if (auto pad = dyn_cast<tensor::PadOp>(op))
    return tensor::PadOp::create(
        b, loc, resultType, codes, pad.getMixedLowPad(), pad.getMixedHighPad(),
        signConstant(*getFloatConstant(pad.getConstantPaddingValue())),
        pad.getNofold());
  if (auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(op)) {
    // Signed max of -1 and +1 is the sign of the max; the initial value
    // takes its sign too.
    Value init = pool.getDpsInits()[0];
    Value fill =
        linalg::FillOp::create(b, loc, signConstant(*getFillConstant(init)),
                               createEmptyLike(b, loc, init, i8))
            .getResult(0);
    return linalg::PoolingNhwcMaxOp::create(
               b, loc, TypeRange{resultType},
               ValueRange{codes, pool.getDpsInputs()[1]}, ValueRange{fill},
               pool.getStridesAttr(), pool.getDilationsAttr())
        .getResult(0);
  }
  auto generic = cast<linalg::GenericOp>(op);
  Value init = createEmptyLike(b, loc, generic.getDpsInits()[0], i8);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{codes}, ValueRange{init},
             generic.getIndexingMapsArray(), generic.getIteratorTypesArray(),
             [](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, args[0]);
             })
      .getResult(0);
}

//===----------------------------------------------------------------------===//
// Thresholds: a monotone per-channel epilogue of integer dot products
//===----------------------------------------------------------------------===//

/// A scalar of the epilogue for one integer d: its value and how it moves
/// with d (+1 non-decreasing, -1 non-increasing, 0 constant).
struct Scalar {
  std::optional<APInt> integer;
  APFloat real{0.0};
  int direction = 0;
};

/// The per-channel float stages between a binary_matmul and a value.
struct Epilogue {
  /// Elementwise generics, the first reading the dot products.
  SmallVector<linalg::GenericOp> stages;
  /// The dot products, reshaped to the value's shape.
  Value dots;
  /// K of the product: d is in [-K, K].
  int64_t k = 0;
};

/// Whether `map` sends every loop of a rank-`rank` nest to the last
/// dimension only (a per-channel operand) or to nothing (a scalar one).
bool isChannelOrScalarMap(AffineMap map, int64_t rank) {
  if (map.getNumResults() == 0)
    return true;
  return map.getNumResults() == 1 &&
         map.getResult(0) == getAffineDimExpr(rank - 1, map.getContext());
}

/// The integer product `value` is, when it is one of a binary or ternary
/// matmul (whose dot products are in [-K, K]), and its K.
std::optional<int64_t> getProductK(Value value) {
  if (auto product = value.getDefiningOp<BinaryMatmulOp>())
    return product.getK();
  if (auto product = value.getDefiningOp<TernaryMatmulOp>())
    return product.getK();
  return std::nullopt;
}

/// Whether `value` is computed from a binary or ternary product (through
/// at most a few ops), so that failing to find its thresholds is worth a
/// remark.
bool dependsOnProduct(Value value, int depth = 8) {
  if (getProductK(value))
    return true;
  Operation *producer = value.getDefiningOp();
  if (!producer || depth == 0)
    return false;
  return llvm::any_of(producer->getOperands(), [&](Value operand) {
    return isa<RankedTensorType>(operand.getType()) &&
           dependsOnProduct(operand, depth - 1);
  });
}

/// The stages from a binary or ternary product to `value`, or the reason
/// there are none.
FailureOr<Epilogue> findEpilogue(Value value, std::string &why) {
  Epilogue epilogue;
  auto fail = [&](const char *reason) -> FailureOr<Epilogue> {
    why = reason;
    return failure();
  };
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  if (rank < 1 || type.isDynamicDim(rank - 1))
    return fail("its channel dimension is dynamic");
  while (true) {
    // The dot products, possibly reshaped with the channel kept last.
    Value dots = value;
    if (auto expand = value.getDefiningOp<tensor::ExpandShapeOp>())
      if (expand.getReassociationIndices().back().size() == 1)
        dots = expand.getSrc();
    if (std::optional<int64_t> k = getProductK(dots)) {
      if (epilogue.stages.empty())
        return fail("the dot products are read without a float epilogue");
      epilogue.dots = value;
      epilogue.k = *k;
      std::reverse(epilogue.stages.begin(), epilogue.stages.end());
      return epilogue;
    }
    auto generic = value.getDefiningOp<linalg::GenericOp>();
    if (!generic)
      return fail("an op between the dot products and the signs is not an "
                  "elementwise generic (or a reshape keeping the channel "
                  "last right after the product)");
    if (generic.getNumResults() != 1 || !generic.hasPureTensorSemantics() ||
        generic.getNumParallelLoops() != generic.getNumLoops() ||
        generic.getNumLoops() != rank)
      return fail("an epilogue generic is not elementwise with one result");
    // One input (the chain) with the identity map; the others per channel
    // or scalar, known now.
    Value chain;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      AffineMap map = generic.getMatchingIndexingMap(input);
      if (getCompileTimeElements(input->get()) &&
          isChannelOrScalarMap(map, rank))
        continue;
      if (chain || !map.isIdentity())
        return fail("an epilogue generic reads a tensor that is not a "
                    "per-channel or scalar constant");
      chain = input->get();
    }
    if (!chain)
      return fail("an epilogue generic reads only constants");
    if (!generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
             .isIdentity() ||
        generic.payloadUsesValueFromOperand(generic.getDpsInitOperand(0)))
      return fail("an epilogue generic reads its output");
    epilogue.stages.push_back(generic);
    value = chain;
  }
}

/// Evaluates the epilogue of channel `channel` at the dot product `d`, or
/// fails with the op it cannot evaluate exactly and monotonically.
class EpilogueEvaluator {
public:
  EpilogueEvaluator(const Epilogue &epilogue, int64_t channel)
      : epilogue(epilogue), channel(channel) {}

  FailureOr<Scalar> evaluate(int64_t d, std::string &why) {
    Scalar value;
    value.integer = APInt(32, d, /*isSigned=*/true);
    value.direction = 1;
    for (linalg::GenericOp stage : epilogue.stages) {
      FailureOr<Scalar> next = evaluateStage(stage, value, why);
      if (failed(next))
        return failure();
      value = *next;
    }
    if (value.integer) {
      why = "the epilogue ends in an integer";
      return failure();
    }
    return value;
  }

private:
  FailureOr<Scalar> evaluateStage(linalg::GenericOp stage, const Scalar &in,
                                  std::string &why) {
    Block &body = stage.getRegion().front();
    DenseMap<Value, Scalar> values;
    for (OpOperand *input : stage.getDpsInputOperands()) {
      BlockArgument arg = stage.getMatchingBlockArgument(input);
      ElementsAttr elements = getCompileTimeElements(input->get());
      if (!elements) {
        values[arg] = in;
        continue;
      }
      auto index = static_cast<uint64_t>(
          cast<ShapedType>(elements.getType()).getRank() == 0 ? 0 : channel);
      auto begin = elements.try_value_begin<Attribute>();
      if (!begin) {
        why = "an epilogue constant's elements cannot be read (a resource)";
        return failure();
      }
      FailureOr<Scalar> constant = getConstantScalar((*begin)[index], why);
      if (failed(constant))
        return failure();
      values[arg] = *constant;
    }
    for (Operation &op : body.without_terminator()) {
      FailureOr<Scalar> result = evaluateOp(op, values, why);
      if (failed(result))
        return failure();
      values[op.getResult(0)] = *result;
    }
    Value yielded = body.getTerminator()->getOperand(0);
    return lookup(values, yielded, why);
  }

  static FailureOr<Scalar> getConstantScalar(Attribute attr, std::string &why) {
    Scalar scalar;
    if (auto real = dyn_cast<FloatAttr>(attr)) {
      scalar.real = real.getValue();
    } else if (auto integer = dyn_cast<IntegerAttr>(attr)) {
      scalar.integer = integer.getValue();
    } else {
      why = "an epilogue constant is not a number";
      return failure();
    }
    return scalar;
  }

  /// A body value: computed, a block argument, or a constant from above.
  FailureOr<Scalar> lookup(DenseMap<Value, Scalar> &values, Value value,
                           std::string &why) {
    auto it = values.find(value);
    if (it != values.end())
      return it->second;
    Attribute attr;
    if (matchPattern(value, m_Constant(&attr)))
      return getConstantScalar(attr, why);
    why = "the epilogue reads a value not known at compile time";
    return failure();
  }

  FailureOr<Scalar> evaluateOp(Operation &op, DenseMap<Value, Scalar> &values,
                               std::string &why) {
    auto unsupported = [&]() -> FailureOr<Scalar> {
      why = ("the epilogue's " + op.getName().getStringRef() +
             " is not one whose monotonicity is known")
                .str();
      return failure();
    };
    if (op.getNumResults() != 1)
      return unsupported();
    if (auto constant = dyn_cast<arith::ConstantOp>(op))
      return getConstantScalar(constant.getValue(), why);
    // Fast-math flags would let the run time round differently.
    if (auto fastMath = dyn_cast<arith::ArithFastMathInterface>(op))
      if (fastMath.getFastMathFlagsAttr() &&
          fastMath.getFastMathFlagsAttr().getValue() !=
              arith::FastMathFlags::none)
        return unsupported();
    SmallVector<Scalar> operands;
    for (Value operand : op.getOperands()) {
      FailureOr<Scalar> scalar = lookup(values, operand, why);
      if (failed(scalar))
        return failure();
      operands.push_back(*scalar);
    }
    Type resultType = op.getResult(0).getType();
    auto semantics = [&]() -> const llvm::fltSemantics & {
      return cast<FloatType>(resultType).getFloatSemantics();
    };
    // A float type without infinities rounds an overflow to NaN (or
    // saturates): the epilogue is then not known to be monotone.
    if (auto floatType = dyn_cast<FloatType>(resultType))
      if (!APFloat::semanticsHasInf(floatType.getFloatSemantics())) {
        why = ("the epilogue computes in " +
               llvm::Twine(llvm::formatv("{0}", resultType).str()) +
               ", which has no infinity")
                  .str();
        return failure();
      }
    constexpr auto rounding = APFloat::rmNearestTiesToEven;
    Scalar result;
    if (isa<arith::SIToFPOp>(op)) {
      if (!operands[0].integer || !isa<FloatType>(resultType))
        return unsupported();
      result.real = APFloat(semantics());
      result.real.convertFromAPInt(*operands[0].integer, /*isSigned=*/true,
                                   rounding);
      result.direction = operands[0].direction;
      return result;
    }
    if (isa<arith::ExtFOp, arith::TruncFOp>(op)) {
      if (auto trunc = dyn_cast<arith::TruncFOp>(op))
        if (trunc.getRoundingmodeAttr() &&
            *trunc.getRoundingmode() != arith::RoundingMode::to_nearest_even)
          return unsupported();
      if (operands[0].integer)
        return unsupported();
      result = operands[0];
      bool lost = false;
      result.real.convert(semantics(), rounding, &lost);
      return result;
    }
    if (isa<arith::NegFOp>(op)) {
      if (operands[0].integer)
        return unsupported();
      result.real = -operands[0].real;
      result.direction = -operands[0].direction;
      return result;
    }
    if (!isa<arith::AddFOp, arith::SubFOp, arith::MulFOp, arith::DivFOp,
             arith::MaximumFOp, arith::MinimumFOp, arith::MaxNumFOp,
             arith::MinNumFOp>(op))
      return unsupported();
    const Scalar &lhs = operands[0], &rhs = operands[1];
    if (lhs.integer || rhs.integer)
      return unsupported();
    if (lhs.direction != 0 && rhs.direction != 0) {
      why = ("the epilogue's " + op.getName().getStringRef() +
             " combines two values that both depend on the dot product")
                .str();
      return failure();
    }
    // The constant side must be finite (and nonzero for a product or a
    // quotient): then no NaN can arise, and each operation, correctly
    // rounded, is monotone in the other side.
    const Scalar &constant = lhs.direction != 0 ? rhs : lhs;
    int direction = lhs.direction != 0 ? lhs.direction : rhs.direction;
    bool scaling = isa<arith::MulFOp, arith::DivFOp>(op);
    if (direction != 0 &&
        (!constant.real.isFinite() || (scaling && constant.real.isZero()))) {
      why = "an epilogue constant is zero, infinite or NaN";
      return failure();
    }
    APFloat x = lhs.real;
    if (isa<arith::AddFOp>(op)) {
      x.add(rhs.real, rounding);
    } else if (isa<arith::SubFOp>(op)) {
      x.subtract(rhs.real, rounding);
      if (rhs.direction != 0)
        direction = -direction;
    } else if (isa<arith::MulFOp>(op)) {
      x.multiply(rhs.real, rounding);
      if (direction != 0 && constant.real.isNegative())
        direction = -direction;
    } else if (isa<arith::DivFOp>(op)) {
      if (rhs.direction != 0) {
        why = "the epilogue divides by a value that depends on the dot "
              "product";
        return failure();
      }
      x.divide(rhs.real, rounding);
      if (direction != 0 && rhs.real.isNegative())
        direction = -direction;
    } else if (isa<arith::MaximumFOp>(op)) {
      x = llvm::maximum(lhs.real, rhs.real);
    } else if (isa<arith::MinimumFOp>(op)) {
      x = llvm::minimum(lhs.real, rhs.real);
    } else if (isa<arith::MaxNumFOp>(op)) {
      x = llvm::maxnum(lhs.real, rhs.real);
    } else {
      x = llvm::minnum(lhs.real, rhs.real);
    }
    result.real = x;
    result.direction = direction;
    return result;
  }

  const Epilogue &epilogue;
  int64_t channel;
};

/// A channel's sign as `sign * d >= threshold`.
struct Threshold {
  int32_t sign = 1;
  int32_t threshold = 0;
};

/// The thresholds of every channel of `epilogue`.
FailureOr<SmallVector<Threshold>> computeThresholds(const Epilogue &epilogue,
                                                    std::string &why) {
  auto type = cast<RankedTensorType>(epilogue.dots.getType());
  int64_t channels = type.getShape().back();
  int64_t k = epilogue.k;
  SmallVector<Threshold> thresholds;
  for (int64_t channel = 0; channel < channels; ++channel) {
    EpilogueEvaluator evaluator(epilogue, channel);
    // The binary value the next layer reads: +1 unless negative.
    auto positive = [&](int64_t d) -> FailureOr<bool> {
      FailureOr<Scalar> value = evaluator.evaluate(d, why);
      if (failed(value))
        return failure();
      return !isBelowZero(value->real);
    };
    FailureOr<Scalar> probe = evaluator.evaluate(0, why);
    if (failed(probe))
      return failure();
    Threshold never{0, 1}; // 0 * d >= 1 never holds.
    Threshold always{0, 0};
    if (probe->direction == 0) {
      FailureOr<bool> sign = positive(0);
      thresholds.push_back(*sign ? always : never);
      continue;
    }
    // The predicate moves one way in d: find where it changes, the first
    // d (in the direction it grows) for which the value is not negative.
    int direction = probe->direction;
    auto at = [&](int64_t step) {
      return direction > 0 ? -k + step : k - step;
    };
    int64_t low = 0, high = 2 * k + 1; // First true step is in [low, high].
    while (low < high) {
      int64_t mid = low + (high - low) / 2;
      FailureOr<bool> sign = positive(at(mid));
      if (failed(sign))
        return failure();
      if (*sign)
        high = mid;
      else
        low = mid + 1;
    }
    if (low == 2 * k + 1)
      thresholds.push_back(never);
    else if (low == 0)
      thresholds.push_back(always);
    else
      thresholds.push_back(
          {direction, static_cast<int32_t>(direction * at(low))});
  }
  return thresholds;
}

/// The i8 +1 where `positive` holds, else -1.
Value selectSign(OpBuilder &b, Location loc, Value positive) {
  Type i8 = b.getI8Type();
  Value plus = arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, 1));
  Value minus = arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, -1));
  return arith::SelectOp::create(b, loc, positive, plus, minus);
}

/// The -1/+1 signs of `epilogue`'s result: `sign * d >= threshold`.
Value buildThresholdSigns(OpBuilder &b, Location loc, const Epilogue &epilogue,
                          ArrayRef<Threshold> thresholds) {
  auto dotsType = cast<RankedTensorType>(epilogue.dots.getType());
  int64_t rank = dotsType.getRank();
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  SmallVector<int32_t> signs, bounds;
  for (const Threshold &t : thresholds) {
    signs.push_back(t.sign);
    bounds.push_back(t.threshold);
  }
  auto channelType = RankedTensorType::get({dotsType.getShape().back()}, i32);
  Value signTensor = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(channelType, ArrayRef(signs)));
  Value boundTensor = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(channelType, ArrayRef(bounds)));
  MLIRContext *context = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, context);
  AffineMap channel =
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, context), context);
  Value init = createEmptyLike(b, loc, epilogue.dots, i8);
  return linalg::GenericOp::create(
             b, loc, TypeRange{dotsType.clone(i8)},
             ValueRange{epilogue.dots, signTensor, boundTensor},
             ValueRange{init},
             SmallVector<AffineMap>{identity, channel, channel, identity},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value signed_ = arith::MulIOp::create(nb, l, args[0], args[1]);
               Value positive = arith::CmpIOp::create(
                   nb, l, arith::CmpIPredicate::sge, signed_, args[2]);
               linalg::YieldOp::create(nb, l, selectSign(nb, l, positive));
             })
      .getResult(0);
}

/// The -1/+1 signs of the float tensor `value`, computed at run time.
Value buildSigns(OpBuilder &b, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  Type i8 = b.getI8Type();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  Value init = createEmptyLike(b, loc, value, i8);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type.clone(i8)}, ValueRange{value},
             ValueRange{init}, SmallVector<AffineMap>{identity, identity},
             SmallVector<utils::IteratorType>(rank,
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value zero = arith::ConstantOp::create(
                   nb, l, nb.getFloatAttr(args[0].getType(), 0.0));
               Value positive = arith::CmpFOp::create(
                   nb, l, arith::CmpFPredicate::UGE, args[0], zero);
               linalg::YieldOp::create(nb, l, selectSign(nb, l, positive));
             })
      .getResult(0);
}

} // namespace

void mlir::quantx::eraseUnusedChain(ArrayRef<Operation *> roots) {
  SmallVector<Operation *> worklist(roots.begin(), roots.end());
  llvm::SmallPtrSet<Operation *, 16> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (erased.contains(op) || !isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.push_back(producer);
    erased.insert(op);
    op->erase();
  }
}

void mlir::quantx::foldSignChains(ModuleOp module, bool thresholds) {
  SmallVector<PackSignsOp> packs;
  module.walk([&](PackSignsOp op) {
    if (isa<FloatType>(getElementTypeOrSelf(op.getInput().getType())))
      packs.push_back(op);
  });
  for (PackSignsOp pack : packs) {
    // The ops that move the values to pack_signs, last first.
    SmallVector<Operation *> movers;
    Value source = pack.getInput();
    while (Operation *producer = source.getDefiningOp()) {
      Value next = getSignSource(producer);
      if (!next)
        break;
      movers.push_back(producer);
      source = next;
    }
    OpBuilder b(pack);
    Location loc = pack.getLoc();
    Value codes;
    std::string why;
    if (thresholds) {
      FailureOr<Epilogue> epilogue = findEpilogue(source, why);
      FailureOr<SmallVector<Threshold>> bounds =
          succeeded(epilogue) ? computeThresholds(*epilogue, why)
                              : FailureOr<SmallVector<Threshold>>(failure());
      if (succeeded(bounds)) {
        b.setInsertionPointAfterValue(epilogue->dots);
        codes = buildThresholdSigns(b, source.getLoc(), *epilogue, *bounds);
        // The signs have the values' type (a static and a dynamic size
        // may meet between the product and the epilogue).
        auto signsType =
            cast<RankedTensorType>(source.getType()).clone(b.getI8Type());
        if (codes.getType() != signsType)
          codes = tensor::CastOp::create(b, source.getLoc(), signsType, codes);
      } else if (dependsOnProduct(source)) {
        emitRemark(source.getLoc())
            << "quantx-fold-binary: the next binary layer's signs are "
               "computed from floats: "
            << why;
      }
    }
    if (!codes) {
      if (movers.empty())
        continue; // Nothing to carry as signs.
      b.setInsertionPointAfterValue(source);
      codes = buildSigns(b, source.getLoc(), source);
    }
    // The sizes of a float value are its signs' sizes: tensor.dim reads
    // them from the signs, so the floats can go.
    auto moveDims = [](Value floats, Value signs) {
      for (OpOperand &use : llvm::make_early_inc_range(floats.getUses()))
        if (auto dim = dyn_cast<tensor::DimOp>(use.getOwner()))
          if (signs.getParentBlock() == dim->getBlock() &&
              signs.getDefiningOp()->isBeforeInBlock(dim))
            use.set(signs);
    };
    moveDims(source, codes);
    for (Operation *mover : llvm::reverse(movers)) {
      b.setInsertionPoint(mover);
      codes = cloneOnSigns(b, mover, codes);
      moveDims(mover->getResult(0), codes);
    }
    b.setInsertionPoint(pack);
    auto packed = PackSignsOp::create(b, loc, pack.getType(), codes);
    pack.getResult().replaceAllUsesWith(packed.getResult());
    SmallVector<Operation *> dead = {pack};
    pack.erase();
    dead.clear();
    if (!movers.empty())
      dead.push_back(movers.front());
    else if (Operation *producer = source.getDefiningOp())
      dead.push_back(producer);
    eraseUnusedChain(dead);
  }
}
