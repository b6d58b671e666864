//===- IntegerOpsLowering.cpp - rescale and unpack to integer arithmetic --===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx.rescale: one linalg.generic over the input; per-channel
// multipliers and shifts (or scales) are constant tensors read at the axis'
// index. Each convention is the integer formula of
// quantx::numerics::rescale, in i64 (i128 for the products of inputs wider
// than 32 bits), which the JIT tests compare bit for bit.
//
// quantx.unpack: one linalg.generic over the codes, each reading its byte
// and the next (tensor.extract at the element's linear index times the
// width over 8) and shifting its bits down.
//
//===----------------------------------------------------------------------===//

#include "quantx/Conversion/QuantxToArith/QuantxToArith.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Numerics/Storage.h"
#include "quantx/Utils/Constants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace mlir::quantx;

namespace {

Value constantInt(OpBuilder &b, Location loc, Type type, int64_t value) {
  // Sign-extended to the type's width (i128 included).
  return arith::ConstantOp::create(
      b, loc,
      IntegerAttr::get(type, APInt(type.getIntOrFloatBitWidth(), value,
                                   /*isSigned=*/true)));
}

/// Whether i64 arithmetic computes `op` exactly with intermediate values
/// clamped to +-2^62: inputs and results of at most 32 bits and zero points
/// of at most 2^16 in magnitude (then |x'| < 2^31 + 2^16, x' * multiplier
/// plus the rounding term stays under 2^63, and the result's clamp lies
/// within +-2^32). Otherwise the arithmetic is i128 and nothing is clamped
/// before the result's range.
bool fitsInI64(RescaleOp op) {
  unsigned inputWidth =
      getElementTypeOrSelf(op.getInput().getType()).getIntOrFloatBitWidth();
  unsigned resultWidth =
      getElementTypeOrSelf(op.getType()).getIntOrFloatBitWidth();
  auto small = [](int64_t v) { return v >= -(1 << 16) && v <= (1 << 16); };
  return inputWidth <= 32 && resultWidth <= 32 &&
         small(op.getInputZeroPoint()) && small(op.getOutputZeroPoint());
}

/// The output code of `x` (an input element) with the channel's parameters:
/// `scale` (f32) or `multiplier` and `shift` (i64). Mirrors
/// quantx::numerics::rescale.
Value buildRescale(OpBuilder &b, Location loc, RescaleOp op, Value x,
                   Value scale, Value multiplier, Value shift,
                   IntegerType resultType) {
  Type i64 = b.getI64Type();
  bool narrow = fitsInI64(op);
  Type work = narrow ? i64 : Type(b.getIntegerType(128));
  auto cst = [&](Type type, int64_t v) { return constantInt(b, loc, type, v); };
  auto wcst = [&](int64_t v) { return cst(work, v); };
  auto clampTo = [&](Value v, int64_t lo, int64_t hi) -> Value {
    Type type = v.getType();
    v = arith::MaxSIOp::create(b, loc, v, cst(type, lo));
    return arith::MinSIOp::create(b, loc, v, cst(type, hi));
  };
  auto toWork = [&](Value v) -> Value {
    unsigned width = v.getType().getIntOrFloatBitWidth();
    unsigned target = work.getIntOrFloatBitWidth();
    return width < target ? arith::ExtSIOp::create(b, loc, work, v).getResult()
                          : v;
  };
  auto toI64 = [&](Value v) -> Value {
    return narrow ? v : arith::TruncIOp::create(b, loc, i64, v).getResult();
  };
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  Value v =
      arith::SubIOp::create(b, loc, toWork(x), wcst(op.getInputZeroPoint()));
  int64_t lo = op.getOutputMin(), hi = op.getOutputMax();
  Value y;
  switch (op.getRounding()) {
  case RescaleRounding::float_scale: {
    Type f32 = b.getF32Type();
    Value saturated = narrow ? v : toI64(clampTo(v, kMin, kMax));
    Value f = arith::SIToFPOp::create(b, loc, f32, saturated);
    Value product = arith::MulFOp::create(b, loc, f, scale);
    Value rounded = math::RoundEvenOp::create(b, loc, product);
    // Saturated to int64 (fptosi of an out-of-range value is poison).
    auto fcst = [&](float c) {
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(c));
    };
    Value tooHigh = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE,
                                          rounded, fcst(0x1p63f));
    Value tooLow = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                         rounded, fcst(-0x1p63f));
    Value safe = arith::SelectOp::create(
        b, loc, arith::OrIOp::create(b, loc, tooHigh, tooLow), fcst(0.0f),
        rounded);
    Value r = arith::FPToSIOp::create(b, loc, i64, safe);
    r = arith::SelectOp::create(b, loc, tooHigh, cst(i64, kMax), r);
    r = arith::SelectOp::create(b, loc, tooLow, cst(i64, kMin), r);
    if (narrow)
      r = clampTo(r, kMin / 2, kMax / 2);
    y = arith::AddIOp::create(b, loc, toWork(r), wcst(op.getOutputZeroPoint()));
    break;
  }
  case RescaleRounding::single_round:
  case RescaleRounding::double_round: {
    Value m = toWork(multiplier), s = toWork(shift);
    // x * m - zp * m rather than (x - zp) * m: both products have i32
    // factors (exact in i64, see fitsInI64).
    Value product =
        narrow ? arith::SubIOp::create(
                     b, loc, arith::MulIOp::create(b, loc, toWork(x), m),
                     arith::MulIOp::create(b, loc, wcst(op.getInputZeroPoint()),
                                           m))
                     .getResult()
               : arith::MulIOp::create(b, loc, v, m).getResult();
    Value round = arith::ShLIOp::create(
        b, loc, wcst(1), arith::SubIOp::create(b, loc, s, wcst(1)));
    if (op.getRounding() == RescaleRounding::double_round) {
      Value positive =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, v, wcst(0));
      Value extra = arith::SelectOp::create(b, loc, positive, wcst(1 << 30),
                                            wcst(-(int64_t(1) << 30)));
      Value above31 =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, s, wcst(31));
      extra = arith::SelectOp::create(b, loc, above31, extra, wcst(0));
      round = arith::AddIOp::create(b, loc, round, extra);
    }
    // The verifier keeps the shift in [1, 62]: with i64 arithmetic the sum
    // stays under 2^63 (fitsInI64) and the shifted value under 2^62, so the
    // output zero point is added without a clamp.
    Value shifted = arith::ShRSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, product, round), s);
    y = arith::AddIOp::create(b, loc, shifted, wcst(op.getOutputZeroPoint()));
    break;
  }
  case RescaleRounding::gemmlowp: {
    auto i64cst = [&](int64_t c) { return cst(i64, c); };
    // s = shift - 31: a left shift of the input below 31, a rounding right
    // shift of the product above.
    Value s = arith::SubIOp::create(b, loc, shift, i64cst(31));
    Value left = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, i64cst(0), s), i64cst(0));
    Value right = arith::MaxSIOp::create(b, loc, s, i64cst(0));
    int64_t int32Min = std::numeric_limits<int32_t>::min();
    int64_t int32Max = std::numeric_limits<int32_t>::max();
    Value in = toI64(clampTo(v, int32Min, int32Max));
    Value shiftedIn = clampTo(arith::ShLIOp::create(b, loc, in, left), int32Min,
                              int32Max); // |in| < 2^31, left < 31
    // SaturatingRoundingDoublingHighMul (the multiplier is positive, so the
    // INT32_MIN * INT32_MIN case cannot occur).
    Value ab = arith::MulIOp::create(b, loc, shiftedIn, multiplier);
    Value nonNegative =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, ab, i64cst(0));
    Value nudge = arith::SelectOp::create(b, loc, nonNegative, i64cst(1 << 30),
                                          i64cst(1 - (int64_t(1) << 30)));
    Value high =
        arith::DivSIOp::create(b, loc, arith::AddIOp::create(b, loc, ab, nudge),
                               i64cst(int64_t(1) << 31));
    // RoundingDivideByPOT.
    Value mask = arith::SubIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, i64cst(1), right), i64cst(1));
    Value remainder = arith::AndIOp::create(b, loc, high, mask);
    Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           high, i64cst(0));
    Value threshold = arith::AddIOp::create(
        b, loc, arith::ShRSIOp::create(b, loc, mask, i64cst(1)),
        arith::ExtUIOp::create(b, loc, i64, negative));
    Value up = arith::ExtUIOp::create(
        b, loc, i64,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, remainder,
                              threshold));
    Value r = arith::AddIOp::create(
        b, loc, arith::ShRSIOp::create(b, loc, high, right), up);
    y = arith::AddIOp::create(b, loc, toWork(r), wcst(op.getOutputZeroPoint()));
    break;
  }
  }
  y = clampTo(y, lo, hi);
  unsigned width = work.getIntOrFloatBitWidth();
  if (resultType.getWidth() < width)
    y = arith::TruncIOp::create(b, loc, resultType, y);
  return y;
}

struct RescaleLowering : OpConversionPattern<RescaleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RescaleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    bool isFloat = op.getRounding() == RescaleRounding::float_scale;
    int64_t channels = op.getNumChannels();
    auto resultElement = cast<IntegerType>(getElementTypeOrSelf(op.getType()));
    // Per-tensor parameters are constants of the body; per-channel ones
    // constant tensors read at the axis' index.
    auto scalars = [&](OpBuilder &b, Location l, ValueRange channelArgs) {
      SmallVector<Value, 3> params;
      if (!channelArgs.empty())
        return SmallVector<Value, 3>(channelArgs.begin(), channelArgs.end());
      ::quantx::numerics::RescaleParams p = op.getParams(0);
      if (isFloat)
        return SmallVector<Value, 3>{
            arith::ConstantOp::create(b, l, b.getF32FloatAttr(p.scale))};
      return SmallVector<Value, 3>{
          constantInt(b, l, b.getI64Type(), p.multiplier),
          constantInt(b, l, b.getI64Type(), p.shift)};
    };
    auto build = [&](OpBuilder &b, Location l, Value x, ValueRange params) {
      return isFloat ? buildRescale(b, l, op, x, params[0], Value(), Value(),
                                    resultElement)
                     : buildRescale(b, l, op, x, Value(), params[0], params[1],
                                    resultElement);
    };
    auto tensorType = dyn_cast<RankedTensorType>(op.getType());
    if (!tensorType) {
      rewriter.replaceOp(op, build(rewriter, loc, adaptor.getInput(),
                                   scalars(rewriter, loc, {})));
      return success();
    }
    int64_t rank = tensorType.getRank();
    MLIRContext *context = rewriter.getContext();
    SmallVector<Value> inputs = {adaptor.getInput()};
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    bool perChannel = op.getAxis().has_value() && channels > 1;
    if (perChannel) {
      AffineMap channelMap = AffineMap::get(
          rank, 0, getAffineDimExpr(*op.getAxis(), context), context);
      SmallVector<int32_t> multipliers, shifts;
      SmallVector<float> scales;
      for (int64_t c = 0; c < channels; ++c) {
        ::quantx::numerics::RescaleParams p = op.getParams(c);
        scales.push_back(p.scale);
        multipliers.push_back(p.multiplier);
        shifts.push_back(p.shift);
      }
      if (isFloat) {
        auto type = RankedTensorType::get({channels}, rewriter.getF32Type());
        inputs.push_back(arith::ConstantOp::create(
            rewriter, loc, DenseElementsAttr::get(type, ArrayRef(scales))));
        maps.push_back(channelMap);
      } else {
        // In i32, as the verifier bounds them (a multiplier below 2^31, a
        // shift in [1, 62]), extended in the body: the product of two
        // sign-extended i32 values is one vector instruction where i64
        // products are not (AVX2's vpmuldq).
        auto type = RankedTensorType::get({channels}, rewriter.getI32Type());
        inputs.push_back(arith::ConstantOp::create(
            rewriter, loc,
            DenseElementsAttr::get(type, ArrayRef(multipliers))));
        inputs.push_back(arith::ConstantOp::create(
            rewriter, loc, DenseElementsAttr::get(type, ArrayRef(shifts))));
        maps.push_back(channelMap);
        maps.push_back(channelMap);
      }
    }
    maps.push_back(rewriter.getMultiDimIdentityMap(rank));
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, adaptor.getInput());
    Value init = tensor::EmptyOp::create(rewriter, loc, sizes, resultElement);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{tensorType}, inputs, ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value, 3> channelArgs;
          if (perChannel)
            for (Value arg : args.slice(1, args.size() - 2))
              channelArgs.push_back(
                  isFloat ? arg
                          : arith::ExtSIOp::create(b, l, b.getI64Type(), arg)
                                .getResult());
          linalg::YieldOp::create(
              b, l, build(b, l, args[0], scalars(b, l, channelArgs)));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct UnpackLowering : OpConversionPattern<UnpackOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(UnpackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto element = cast<IntegerType>(type.getElementType());
    int64_t rank = type.getRank();
    Value packed = adaptor.getInput();
    // Codes known at compile time (a quantized model's weights) are
    // unpacked now, once: the kernels that read them (the int8 micro-
    // kernels repack them in their own layout) see a constant.
    if (auto bytes = dyn_cast_or_null<DenseIntElementsAttr>(
            getCompileTimeElements(packed))) {
      std::vector<uint8_t> raw;
      for (const APInt &byte : bytes.getValues<APInt>())
        raw.push_back(static_cast<uint8_t>(byte.getZExtValue()));
      unsigned bits = element.getWidth();
      SmallVector<APInt> codes;
      codes.reserve(type.getNumElements());
      for (int64_t i = 0; i < type.getNumElements(); ++i)
        codes.push_back(APInt(
            bits, ::quantx::numerics::unpackCode(
                      raw.data(), static_cast<int64_t>(raw.size()), i, bits)));
      rewriter.replaceOpWithNewOp<arith::ConstantOp>(
          op, DenseElementsAttr::get(type, codes));
      return success();
    }
    int64_t bytes = cast<RankedTensorType>(packed.getType()).getDimSize(0);
    Value init =
        tensor::EmptyOp::create(rewriter, loc, type.getShape(), element);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value linear = arith::ConstantIndexOp::create(b, l, 0);
          for (int64_t d = 0; d < rank; ++d) {
            Value size =
                arith::ConstantIndexOp::create(b, l, type.getDimSize(d));
            linear = arith::AddIOp::create(
                b, l, arith::MulIOp::create(b, l, linear, size),
                linalg::IndexOp::create(b, l, d));
          }
          Value bit = arith::MulIOp::create(
              b, l, linear,
              arith::ConstantIndexOp::create(b, l, element.getWidth()));
          Value eight = arith::ConstantIndexOp::create(b, l, 8);
          Value byteIndex = arith::DivUIOp::create(b, l, bit, eight);
          Value offset = arith::RemUIOp::create(b, l, bit, eight);
          // The byte and the next (the last byte again at the end: a code
          // that reaches the next byte has one), as 16 little-endian bits.
          Value last = arith::ConstantIndexOp::create(b, l, bytes - 1);
          Value nextIndex = arith::MinUIOp::create(
              b, l,
              arith::AddIOp::create(b, l, byteIndex,
                                    arith::ConstantIndexOp::create(b, l, 1)),
              last);
          Type i16 = b.getI16Type();
          Value low = arith::ExtUIOp::create(
              b, l, i16, tensor::ExtractOp::create(b, l, packed, byteIndex));
          Value high = arith::ExtUIOp::create(
              b, l, i16, tensor::ExtractOp::create(b, l, packed, nextIndex));
          Value pair = arith::OrIOp::create(
              b, l, low,
              arith::ShLIOp::create(
                  b, l, high,
                  arith::ConstantOp::create(b, l, b.getI16IntegerAttr(8))));
          Value amount = arith::IndexCastUIOp::create(b, l, i16, offset);
          Value shifted = arith::ShRUIOp::create(b, l, pair, amount);
          linalg::YieldOp::create(
              b, l,
              arith::TruncIOp::create(b, l, element, shifted).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void mlir::quantx::populateIntegerOpLoweringPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns) {
  patterns.add<RescaleLowering, UnpackLowering>(typeConverter,
                                                patterns.getContext());
}
