//===- ScaledFakeQuant.cpp - the quantizer of quantization-aware training -===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx.scaled_fake_quant: its verifier and its gradient rules (ste,
// identity, lsq). The forward code is built by convert-quantx-to-arith
// with the encoders of the static formats; the gradient recomputes the
// code before clamping the same way (the quotient in f64, or PyTorch's f32
// product with the reciprocal), so that the straight-through mask agrees
// with the forward clamp at every tie. One exception reproduces PyTorch:
// its learnable quantizers' backward kernels round zp + x * (1/s) as one
// f32 number, evaluated with one rounding (a fused multiply-add, as its CPU
// build computes it; the forward rounds x * (1/s) and adds zp), so with
// arithmetic<pytorch> and gradient<lsq> the mask and the step-size terms
// are computed that way, and differ from the forward clamp at near-ties
// when the zero point is not 0.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

#include <cmath>

using namespace mlir;
using namespace mlir::quantx;

bool ScaledFakeQuantOp::isFixedPoint() { return isa<FixedType>(getFormat()); }

bool ScaledFakeQuantOp::isBinary() { return isa<BinaryType>(getFormat()); }

std::pair<int64_t, int64_t> ScaledFakeQuantOp::getCodeRange() {
  if (auto fixed = dyn_cast<FixedType>(getFormat()))
    return {fixed.getStorageMin(), fixed.getStorageMax()};
  return {-1, 1};
}

LogicalResult ScaledFakeQuantOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  Type element = input.getElementType();
  Type format = getFormat();
  // The element type unquoted, for the spellings the messages suggest.
  std::string name;
  llvm::raw_string_ostream(name) << element;
  // scaled_fake_quant_c1: a format without a scale of its own.
  auto expressedMatches = [&](FloatType expressed) {
    return !expressed || expressed == element;
  };
  if (auto fixed = dyn_cast<FixedType>(format)) {
    if (!fixed.hasRuntimeScale())
      return emitOpError("the format's scale is an operand: write it as ")
             << "!quantx.fixed<...:" << name << ", ?>, got " << format;
    if (!expressedMatches(fixed.getExpressedType()))
      return emitOpError("the format's expressed type ")
             << fixed.getExpressedType() << " is not the input's " << element;
  } else if (isa<BinaryType, TernaryType>(format)) {
    // Binary and ternary: no scales of the type's own.
    auto check = [&](auto set, StringRef mnemonic) -> LogicalResult {
      if (!set.getScales().empty() || set.isPerChannel())
        return emitOpError("the format's scale is an operand: write it as "
                           "!quantx.")
               << mnemonic << "<" << name << ">, got " << format;
      if (!expressedMatches(set.getExpressedType()))
        return emitOpError("the format's expressed type ")
               << set.getExpressedType() << " is not the input's " << element;
      return success();
    };
    if (failed(isa<BinaryType>(format)
                   ? check(cast<BinaryType>(format), "binary")
                   : check(cast<TernaryType>(format), "ternary")))
      return failure();
  } else {
    return emitOpError("expected a fixed-point format with a run-time scale "
                       "(!quantx.fixed<...:")
           << name << ", ?>), !quantx.binary or !quantx.ternary, got "
           << format;
  }

  // scaled_fake_quant_c2: the scale's shape.
  auto scale = cast<RankedTensorType>(getScale().getType());
  if (scale.getElementType() != element)
    return emitOpError("the scale's element type must be the input's ")
           << element << ", got " << scale.getElementType();
  std::optional<int64_t> axis = getAxis();
  if (!axis) {
    if (scale.getRank() != 0)
      return emitOpError("a per-tensor scale is a 0-d tensor, got ")
             << scale << " (per channel: give the axis)";
  } else {
    if (*axis < 0 || *axis >= input.getRank())
      return emitOpError("axis ")
             << *axis << " is not a dimension of the input " << input;
    if (scale.getRank() != 1)
      return emitOpError("a per-channel scale is a 1-d tensor, got ") << scale;
    int64_t channels = input.getDimSize(*axis);
    if (!ShapedType::isDynamic(channels) && !scale.isDynamicDim(0) &&
        channels != scale.getDimSize(0))
      return emitOpError("input dimension ")
             << *axis << " has " << channels << " channels but the scale has "
             << scale.getDimSize(0);
  }

  for (Value parameter : {getZeroPoint(), getThreshold()})
    if (parameter && parameter.getType() != scale)
      return emitOpError("the zero point and threshold have the scale's type ")
             << scale << ", got " << parameter.getType();

  // scaled_fake_quant_c3 and c4: what goes with which format.
  bool fixed = isFixedPoint();
  if (getZeroPoint() && !fixed)
    return emitOpError("a zero point belongs to a fixed-point format");
  if (getThreshold() && !isa<TernaryType>(format))
    return emitOpError("a threshold belongs to a ternary format");
  if (getGradient() == QuantGradient::lsq && !fixed)
    return emitOpError("gradient<lsq> learns a fixed-point step size; ")
           << format << " has none";
  if (getGradient() == QuantGradient::lsq && !getGradScale() &&
      getCodeRange().second < 1)
    return emitOpError("the default LSQ gradient scale 1 / sqrt(n qmax) needs "
                       "a positive largest code; ")
           << format << " has " << getCodeRange().second << ": give grad_scale";
  if (std::optional<APFloat> gradScale = getGradScale()) {
    if (getGradient() != QuantGradient::lsq)
      return emitOpError("grad_scale applies only to gradient<lsq>");
    double value = gradScale->convertToDouble();
    if (!(value > 0) || !std::isfinite(value))
      return emitOpError("grad_scale must be positive and finite, got ")
             << value;
  }
  // scaled_fake_quant_c5.
  if (getArithmetic() == Arithmetic::onnx)
    return emitOpError("arithmetic<onnx> is not offered (ONNX has no "
                       "run-time-scale fake quantization)");
  if (getArithmetic() == Arithmetic::pytorch && (!fixed || !element.isF32()))
    return emitOpError("arithmetic<pytorch> computes fixed point in f32, got ")
           << format << " on " << element;
  return success();
}

//===----------------------------------------------------------------------===//
// Gradient
//===----------------------------------------------------------------------===//

namespace {
/// Elementwise pieces over the input's iteration space, with the scale (and
/// zero point, threshold) read per channel or per tensor.
struct QuantizerGradientBuilder {
  OpBuilder &b;
  Location loc;
  ScaledFakeQuantOp op;
  Type element;
  int64_t rank;
  AffineMap full, param;

  QuantizerGradientBuilder(OpBuilder &b, ScaledFakeQuantOp op)
      : b(b), loc(op.getLoc()), op(op),
        element(getElementTypeOrSelf(op.getInput().getType())),
        rank(cast<RankedTensorType>(op.getInput().getType()).getRank()) {
    MLIRContext *context = b.getContext();
    full = AffineMap::getMultiDimIdentityMap(rank, context);
    std::optional<int64_t> axis = op.getAxis();
    param = axis ? AffineMap::get(rank, 0, getAffineDimExpr(*axis, context))
                 : AffineMap::get(rank, 0, {}, context);
  }

  Value f64(OpBuilder &nb, Location nloc, double value) {
    return arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(value));
  }

  Value toF64(OpBuilder &nb, Location nloc, Value value) {
    if (value.getType().isF64())
      return value;
    return arith::ExtFOp::create(nb, nloc, nb.getF64Type(), value);
  }

  /// The quotient x / s the forward code rounds, in f64.
  Value quotient(OpBuilder &nb, Location nloc, Value x, Value s) {
    if (op.getArithmetic() == Arithmetic::pytorch) {
      Value one = arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(1.0f));
      Value inverse = arith::DivFOp::create(nb, nloc, one, s);
      return toF64(nb, nloc, arith::MulFOp::create(nb, nloc, x, inverse));
    }
    return arith::DivFOp::create(nb, nloc, toF64(nb, nloc, x),
                                 toF64(nb, nloc, s));
  }

  /// The zero point as the forward code uses it: rounded to nearest even
  /// and clamped to the code range, in f64 (0 without one).
  Value zeroPoint(OpBuilder &nb, Location nloc, Value zp) {
    if (!zp)
      return f64(nb, nloc, 0.0);
    auto [qmin, qmax] = op.getCodeRange();
    Value rounded = math::RoundEvenOp::create(nb, nloc, toF64(nb, nloc, zp));
    Value low = arith::MaximumFOp::create(nb, nloc, rounded,
                                          f64(nb, nloc, double(qmin)));
    return arith::MinimumFOp::create(nb, nloc, low,
                                     f64(nb, nloc, double(qmax)));
  }

  /// PyTorch's learnable quantizer backward (see the file comment).
  bool isPytorchLearnable() {
    return op.getArithmetic() == Arithmetic::pytorch &&
           op.getGradient() == QuantGradient::lsq;
  }

  /// The code before clamping, in f64.
  Value unclampedCode(OpBuilder &nb, Location nloc, Value x, Value s,
                      Value zp) {
    Value z = zeroPoint(nb, nloc, zp);
    if (isPytorchLearnable()) {
      // round(fma(x, 1/s, zp)) in f32.
      Value one = arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(1.0f));
      Value inverse = arith::DivFOp::create(nb, nloc, one, s);
      Value z32 = arith::TruncFOp::create(nb, nloc, nb.getF32Type(), z);
      Value joint = math::FmaOp::create(nb, nloc, x, inverse, z32);
      return toF64(nb, nloc, math::RoundEvenOp::create(nb, nloc, joint));
    }
    return arith::AddFOp::create(
        nb, nloc, math::RoundEvenOp::create(nb, nloc, quotient(nb, nloc, x, s)),
        z);
  }

  /// Whether the input element is not clipped.
  Value inRange(OpBuilder &nb, Location nloc, Value x, Value s, Value zp) {
    using P = arith::CmpFPredicate;
    if (!op.isFixedPoint()) {
      Value magnitude = math::AbsFOp::create(nb, nloc, x);
      return arith::CmpFOp::create(nb, nloc, P::OLE, magnitude, s);
    }
    auto [qmin, qmax] = op.getCodeRange();
    Value code = unclampedCode(nb, nloc, x, s, zp);
    Value above = arith::CmpFOp::create(nb, nloc, P::OGE, code,
                                        f64(nb, nloc, double(qmin)));
    Value below = arith::CmpFOp::create(nb, nloc, P::OLE, code,
                                        f64(nb, nloc, double(qmax)));
    return arith::AndIOp::create(nb, nloc, above, below);
  }

  /// body(x, dy, s, zp) over the input's shape.
  Value mapOverInput(ValueRange inputs, ArrayRef<bool> xShaped,
                     ScalarBodyBuilder body) {
    SmallVector<AffineMap> maps;
    for (bool shaped : xShaped)
      maps.push_back(shaped ? full : param);
    return createGeneric(b, loc, inputs, maps,
                         createEmptyLike(b, loc, op.getInput()), full,
                         SmallVector<bool>(rank, false),
                         [&](OpBuilder &nb, Location nloc, ValueRange args) {
                           return body(nb, nloc, args.drop_back());
                         });
  }

  /// sum of body(...) per scale: over every dimension but the axis.
  Value sumPerScale(ValueRange inputs, ArrayRef<bool> xShaped,
                    ScalarBodyBuilder body) {
    SmallVector<AffineMap> maps;
    for (bool shaped : xShaped)
      maps.push_back(shaped ? full : param);
    SmallVector<bool> reductions(rank, true);
    if (std::optional<int64_t> axis = op.getAxis())
      reductions[*axis] = false;
    Value init = createZerosLike(b, loc, op.getScale());
    return createGeneric(
        b, loc, inputs, maps, init, param, reductions,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value term = body(nb, nloc, args.drop_back());
          return arith::AddFOp::create(nb, nloc, args.back(), term).getResult();
        });
  }

  /// The LSQ gradient scale: the attribute, or 1 / sqrt(n qmax) with n the
  /// input elements per scale.
  Value gradScale() {
    if (std::optional<APFloat> given = op.getGradScale())
      return createFloatConstant(b, loc, element, given->convertToDouble());
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    std::optional<int64_t> axis = op.getAxis();
    for (int64_t d = 0; d < rank; ++d)
      if (!axis || d != *axis)
        count = arith::MulIOp::create(
            b, loc, count, tensor::DimOp::create(b, loc, op.getInput(), d));
    Value n = arith::UIToFPOp::create(
        b, loc, b.getF64Type(),
        arith::IndexCastOp::create(b, loc, b.getI64Type(), count));
    double qmax = static_cast<double>(op.getCodeRange().second);
    Value product = arith::MulFOp::create(b, loc, n, f64(b, loc, qmax));
    Value factor = arith::DivFOp::create(b, loc, f64(b, loc, 1.0),
                                         math::SqrtOp::create(b, loc, product));
    return arith::TruncFOp::create(b, loc, element, factor);
  }

  /// `value` (f64) in the element type.
  Value toElement(OpBuilder &nb, Location nloc, Value value) {
    if (element.isF64())
      return value;
    return arith::TruncFOp::create(nb, nloc, element, value);
  }
};
} // namespace

LogicalResult
ScaledFakeQuantOp::buildGradients(OpBuilder &b, ValueRange resultGradients,
                                  ArrayRef<bool> requiresGradient,
                                  SmallVectorImpl<Value> &operandGradients) {
  operandGradients.assign(getNumOperands(), Value());
  QuantizerGradientBuilder q(b, *this);
  Value dy = resultGradients[0];
  Value x = getInput(), s = getScale(), zp = getZeroPoint();
  QuantGradient rule = getGradient();

  // The input's gradient is built last: it may then reuse dy's buffer,
  // which the step size's gradient reads first.
  auto buildInputGradient = [&]() -> LogicalResult {
    if (requiresGradient[0]) {
      if (rule == QuantGradient::identity) {
        operandGradients[0] = dy;
      } else {
        SmallVector<Value> inputs = {x, dy, s};
        SmallVector<bool> shaped = {true, true, false};
        if (zp) {
          inputs.push_back(zp);
          shaped.push_back(false);
        }
        operandGradients[0] = q.mapOverInput(
            inputs, shaped, [&](OpBuilder &nb, Location nloc, ValueRange args) {
              // dy times the 0/1 mask (a clipped element with a negative dy
              // gets -0, as in PyTorch).
              Value keep = q.inRange(nb, nloc, args[0], args[2],
                                     args.size() > 3 ? args[3] : Value());
              Value mask = arith::SelectOp::create(
                  nb, nloc, keep, createFloatConstant(nb, nloc, q.element, 1.0),
                  createFloatConstant(nb, nloc, q.element, 0.0));
              return arith::MulFOp::create(nb, nloc, args[1], mask).getResult();
            });
      }
    }
    return success();
  };
  if (rule != QuantGradient::lsq)
    return buildInputGradient();

  // LSQ: the step size and the zero point. (Plain variables: lambdas
  // capture them.)
  int64_t qmin, qmax;
  std::tie(qmin, qmax) = getCodeRange();
  unsigned scaleIndex = 1, zeroIndex = 2;
  bool needScale = requiresGradient[scaleIndex];
  bool needZero = zp && requiresGradient[zeroIndex];
  if (!needScale && !needZero)
    return buildInputGradient();
  Value factor = q.gradScale();
  // sum(body) per scale, times the gradient scale.
  auto scalarMapInputs = [&](ScalarBodyBuilder body) {
    SmallVector<Value> values = {x, dy, s};
    SmallVector<bool> xShaped = {true, true, false};
    if (zp) {
      values.push_back(zp);
      xShaped.push_back(false);
    }
    Value sum = q.sumPerScale(values, xShaped, body);
    return createElementwise(
        b, getLoc(), {sum}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::MulFOp::create(nb, nloc, args[0], factor).getResult();
        });
  };
  if (needScale)
    operandGradients[scaleIndex] =
        scalarMapInputs([&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value xv = args[0], g = args[1], sv = args[2];
          Value zpv = args.size() > 3 ? args[3] : Value();
          Value z = q.zeroPoint(nb, nloc, zpv);
          Value code = q.unclampedCode(nb, nloc, xv, sv, zpv);
          // Inside the range: (fake-quantized x - x) / s, which is
          // round(x/s) - x/s.
          Value inside;
          if (q.isPytorchLearnable()) {
            // PyTorch: ((code - zp) * s - x) * (1/s) in f32.
            Value one =
                arith::ConstantOp::create(nb, nloc, nb.getF32FloatAttr(1.0f));
            Value inverse = arith::DivFOp::create(nb, nloc, one, sv);
            Value steps = arith::TruncFOp::create(
                nb, nloc, nb.getF32Type(),
                arith::SubFOp::create(nb, nloc, code, z));
            Value quantized = arith::MulFOp::create(nb, nloc, steps, sv);
            inside = q.toF64(nb, nloc,
                             arith::MulFOp::create(
                                 nb, nloc,
                                 arith::SubFOp::create(nb, nloc, quantized, xv),
                                 inverse));
          } else {
            Value t = q.quotient(nb, nloc, xv, sv);
            inside = arith::SubFOp::create(
                nb, nloc, math::RoundEvenOp::create(nb, nloc, t), t);
          }
          using P = arith::CmpFPredicate;
          Value low = arith::CmpFOp::create(nb, nloc, P::OLT, code,
                                            q.f64(nb, nloc, double(qmin)));
          Value high = arith::CmpFOp::create(nb, nloc, P::OGT, code,
                                             q.f64(nb, nloc, double(qmax)));
          Value belowTerm =
              arith::SubFOp::create(nb, nloc, q.f64(nb, nloc, double(qmin)), z);
          Value aboveTerm =
              arith::SubFOp::create(nb, nloc, q.f64(nb, nloc, double(qmax)), z);
          Value term = arith::SelectOp::create(
              nb, nloc, low, belowTerm,
              arith::SelectOp::create(nb, nloc, high, aboveTerm, inside));
          return arith::MulFOp::create(nb, nloc, g, q.toElement(nb, nloc, term))
              .getResult();
        });
  if (needZero)
    operandGradients[zeroIndex] =
        scalarMapInputs([&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value keep = q.inRange(nb, nloc, args[0], args[2], args[3]);
          Value negated = arith::NegFOp::create(nb, nloc, args[2]);
          Value zero = createFloatConstant(nb, nloc, q.element, 0.0);
          Value term = arith::SelectOp::create(nb, nloc, keep, zero, negated);
          return arith::MulFOp::create(nb, nloc, args[1], term).getResult();
        });
  return buildInputGradient();
}
