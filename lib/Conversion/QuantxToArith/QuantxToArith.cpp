//===- QuantxToArith.cpp - lower quantx operations ------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Quantized values become their storage integers; quantize, dequantize,
// requantize and fake_quant become elementwise linalg.generic operations (or
// plain scalar code) whose bodies the builders of FormatLowering.cpp emit.
// Per-channel scales and zero points enter the generic as constant tensors
// indexed by the quantized dimension; stochastic rounding draws its bits from
// the element's row-major index.
//
//===----------------------------------------------------------------------===//

#include "FormatLowering.h"

#include "quantx/Conversion/Passes.h"
#include "quantx/Conversion/QuantxToArith/QuantxToArith.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/ExpandAccumulation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_CONVERTQUANTXTOARITHPASS
#include "quantx/Conversion/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

//===----------------------------------------------------------------------===//
// Type conversion
//===----------------------------------------------------------------------===//

QuantxStorageTypeConverter::QuantxStorageTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](FormatTypeInterface format) -> Type {
    return format.getStorageType();
  });
  addConversion([](RankedTensorType type) -> Type {
    if (auto format = dyn_cast<FormatTypeInterface>(type.getElementType()))
      return type.clone(format.getStorageType());
    return type;
  });
  addConversion([](UnrankedTensorType type) -> Type {
    if (auto format = dyn_cast<FormatTypeInterface>(type.getElementType()))
      return UnrankedTensorType::get(format.getStorageType());
    return type;
  });
}

//===----------------------------------------------------------------------===//
// Elementwise construction
//===----------------------------------------------------------------------===//

namespace {

/// Computes one result element from one input element, the channel
/// parameters of each format involved, and the element's row-major index
/// (i64; only when requested).
using ElementBody = function_ref<Value(OpBuilder &, Location, Value,
                                       ArrayRef<ChannelParams>, Value)>;

/// Constant channel parameters of a per-tensor format.
ChannelParams buildConstantParams(OpBuilder &b, Location loc,
                                  const FormatLowering &lowering) {
  ChannelParams params;
  if (lowering.kind == FormatLowering::Kind::Float)
    return params;
  params.scale = arith::ConstantOp::create(
      b, loc, b.getF64FloatAttr(lowering.scales.front()));
  if (lowering.kind == FormatLowering::Kind::Fixed)
    params.zeroPoint = arith::ConstantOp::create(
        b, loc, b.getI64IntegerAttr(lowering.zeroPoints.front()));
  return params;
}

/// Whether every channel of a per-channel format has the same zero point
/// (then a constant of the body: a column would hide from the vectorized
/// code that it is one value, and that it fits in fewer bits).
bool hasUniformZeroPoint(const FormatLowering &format) {
  return llvm::all_equal(format.zeroPoints);
}

/// Applies `body` to a scalar or to every element of a ranked tensor.
Value buildElementwise(OpBuilder &b, Location loc, Value input, Type resultType,
                       ArrayRef<FormatLowering> formats, bool needsCounter,
                       ElementBody body) {
  auto tensorType = dyn_cast<RankedTensorType>(resultType);
  if (!tensorType) {
    SmallVector<ChannelParams> params;
    for (const FormatLowering &format : formats)
      params.push_back(buildConstantParams(b, loc, format));
    Value counter =
        needsCounter
            ? Value(arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0)))
            : Value();
    return body(b, loc, input, params, counter);
  }

  int64_t rank = tensorType.getRank();
  MLIRContext *context = b.getContext();
  SmallVector<Value> inputs = {input};
  SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
  // Per-channel parameters: constant tensors read at the channel index.
  for (const FormatLowering &format : formats) {
    if (!format.axis || format.kind == FormatLowering::Kind::Float)
      continue;
    AffineMap channelMap = AffineMap::get(
        rank, 0, getAffineDimExpr(*format.axis, context), context);
    auto scalesType = RankedTensorType::get(
        {static_cast<int64_t>(format.scales.size())}, b.getF64Type());
    inputs.push_back(arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(scalesType, ArrayRef<double>(format.scales))));
    maps.push_back(channelMap);
    if (format.kind == FormatLowering::Kind::Fixed &&
        !hasUniformZeroPoint(format)) {
      auto zerosType = RankedTensorType::get(
          {static_cast<int64_t>(format.zeroPoints.size())}, b.getI64Type());
      inputs.push_back(arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(zerosType,
                                 ArrayRef<int64_t>(format.zeroPoints))));
      maps.push_back(channelMap);
    }
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));

  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  Value init =
      tensor::EmptyOp::create(b, loc, sizes, tensorType.getElementType());
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{tensorType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        unsigned next = 1;
        SmallVector<ChannelParams> params;
        for (const FormatLowering &format : formats) {
          if (!format.axis || format.kind == FormatLowering::Kind::Float) {
            params.push_back(buildConstantParams(nb, nloc, format));
            continue;
          }
          ChannelParams channel;
          channel.scale = args[next++];
          if (format.kind == FormatLowering::Kind::Fixed)
            channel.zeroPoint =
                hasUniformZeroPoint(format)
                    ? arith::ConstantOp::create(
                          nb, nloc,
                          nb.getI64IntegerAttr(format.zeroPoints.front()))
                          .getResult()
                    : args[next++];
          params.push_back(channel);
        }
        Value counter;
        if (needsCounter) {
          // Row-major linear index of the element.
          Value linear = arith::ConstantIndexOp::create(nb, nloc, 0);
          for (int64_t d = 0; d < rank; ++d) {
            Value size = getValueOrCreateConstantIndexOp(nb, nloc, sizes[d]);
            Value index = linalg::IndexOp::create(nb, nloc, d);
            linear = arith::AddIOp::create(
                nb, nloc, arith::MulIOp::create(nb, nloc, linear, size), index);
          }
          counter =
              arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), linear);
        }
        Value result = body(nb, nloc, args[0], params, counter);
        linalg::YieldOp::create(nb, nloc, result);
      });
  return generic.getResult(0);
}

LogicalResult checkRanked(Operation *op, ConversionPatternRewriter &rewriter) {
  for (Type type : op->getOperandTypes())
    if (isa<UnrankedTensorType>(type))
      return rewriter.notifyMatchFailure(op, "unranked tensor");
  return success();
}

FormatTypeInterface getFormatOf(Type type) {
  return cast<FormatTypeInterface>(getElementTypeOrSelf(type));
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// The rounding of an operation (dequantization does not round onto a
/// format).
template <typename OpTy>
std::pair<RoundingMode, std::optional<uint64_t>> getRounding(OpTy op) {
  if constexpr (std::is_same_v<OpTy, DequantizeOp>)
    return {RoundingMode::nearest_even, std::nullopt};
  else
    return {op.getRounding(), op.getSeed()};
}

/// The i64 seed of a stochastic rounding: `seed`, or with a step counter (a
/// 0-d tensor of an integer or an integral float) stepSeed(seed, step).
Value buildStepSeed(OpBuilder &b, Location loc, uint64_t seed, Value step) {
  Value constant = arith::ConstantOp::create(
      b, loc, b.getI64IntegerAttr(static_cast<int64_t>(seed)));
  if (!step)
    return constant;
  Value count = tensor::ExtractOp::create(b, loc, step, ValueRange());
  Type i64 = b.getI64Type();
  if (auto floatType = dyn_cast<FloatType>(count.getType())) {
    // Defined for every value: NaN and negative steps read as 0, steps
    // past 2^63 as 2^63 (fptoui alone would be poison there).
    Value zero =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, 0));
    Value nonNegative =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, count, zero);
    count = arith::SelectOp::create(b, loc, nonNegative, count, zero);
    // The largest value of the type at most 2^63.
    APFloat top(0x1p63);
    bool losesInfo;
    top.convert(floatType.getFloatSemantics(), APFloat::rmTowardZero,
                &losesInfo);
    count = arith::MinimumFOp::create(
        b, loc, count,
        arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, top)));
    count = arith::FPToUIOp::create(b, loc, i64, count);
  } else if (count.getType().getIntOrFloatBitWidth() < 64)
    count = arith::ExtUIOp::create(b, loc, i64, count);
  else if (count.getType().getIntOrFloatBitWidth() > 64)
    count = arith::TruncIOp::create(b, loc, i64, count);
  return buildSplitMix64(b, loc, constant, count);
}

/// Lowers an elementwise conversion: the subclass names the formats involved
/// (their channel parameters reach the body in that order) and builds the
/// body for one element.
template <typename OpTy>
struct ElementwiseLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  virtual SmallVector<FormatTypeInterface> getFormats(OpTy op) const = 0;
  virtual Value buildBody(OpTy op, OpBuilder &b, Location loc, Value element,
                          ArrayRef<FormatTypeInterface> formats,
                          ArrayRef<ChannelParams> params, RoundingMode rounding,
                          Value randomBits) const = 0;

  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const final {
    if (failed(checkRanked(op, rewriter)))
      return failure();
    SmallVector<FormatTypeInterface> formats = getFormats(op);
    SmallVector<FormatLowering> lowerings;
    for (FormatTypeInterface format : formats) {
      FailureOr<FormatLowering> lowering = FormatLowering::get(format);
      if (failed(lowering))
        return rewriter.notifyMatchFailure(op, "format has no lowering");
      lowerings.push_back(*lowering);
    }
    // Plain variables: lambdas capture them (structured bindings only from
    // C++20).
    RoundingMode rounding;
    std::optional<uint64_t> seed;
    std::tie(rounding, seed) = getRounding(op);
    bool stochastic = rounding == RoundingMode::stochastic;
    Value seedValue;
    if (stochastic) {
      Value step;
      if constexpr (std::is_same_v<OpTy, FakeQuantOp>)
        step = adaptor.getStep();
      seedValue = buildStepSeed(rewriter, op.getLoc(), seed.value_or(0), step);
    }
    Value result = buildElementwise(
        rewriter, op.getLoc(), adaptor.getInput(),
        this->getTypeConverter()->convertType(op.getType()), lowerings,
        stochastic,
        [&](OpBuilder &b, Location loc, Value element,
            ArrayRef<ChannelParams> params, Value counter) {
          Value bits = stochastic ? buildRandomBits(b, loc, seedValue, counter)
                                  : Value();
          return buildBody(op, b, loc, element, formats, params, rounding,
                           bits);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct QuantizeLowering : ElementwiseLowering<QuantizeOp> {
  using ElementwiseLowering::ElementwiseLowering;
  SmallVector<FormatTypeInterface> getFormats(QuantizeOp op) const override {
    return {getFormatOf(op.getType())};
  }
  Value buildBody(QuantizeOp op, OpBuilder &b, Location loc, Value x,
                  ArrayRef<FormatTypeInterface> formats,
                  ArrayRef<ChannelParams> params, RoundingMode rounding,
                  Value bits) const override {
    return buildEncode(b, loc, formats[0], x, params[0], rounding, bits,
                       op.getArithmetic());
  }
};

struct DequantizeLowering : ElementwiseLowering<DequantizeOp> {
  using ElementwiseLowering::ElementwiseLowering;
  SmallVector<FormatTypeInterface> getFormats(DequantizeOp op) const override {
    return {getFormatOf(op.getInput().getType())};
  }
  Value buildBody(DequantizeOp op, OpBuilder &b, Location loc, Value code,
                  ArrayRef<FormatTypeInterface> formats,
                  ArrayRef<ChannelParams> params, RoundingMode,
                  Value) const override {
    return buildDecode(b, loc, formats[0], code, params[0],
                       cast<FloatType>(getElementTypeOrSelf(op.getType())),
                       op.getArithmetic(),
                       formats[0].getChannelAxis().has_value());
  }
};

struct RequantizeLowering : ElementwiseLowering<RequantizeOp> {
  using ElementwiseLowering::ElementwiseLowering;
  SmallVector<FormatTypeInterface> getFormats(RequantizeOp op) const override {
    return {getFormatOf(op.getInput().getType()), getFormatOf(op.getType())};
  }
  Value buildBody(RequantizeOp, OpBuilder &b, Location loc, Value code,
                  ArrayRef<FormatTypeInterface> formats,
                  ArrayRef<ChannelParams> params, RoundingMode rounding,
                  Value bits) const override {
    Value value =
        buildDecode(b, loc, formats[0], code, params[0], b.getF64Type());
    return buildEncode(b, loc, formats[1], value, params[1], rounding, bits);
  }
};

struct FakeQuantLowering : ElementwiseLowering<FakeQuantOp> {
  using ElementwiseLowering::ElementwiseLowering;
  SmallVector<FormatTypeInterface> getFormats(FakeQuantOp op) const override {
    return {op.getFormat()};
  }
  Value buildBody(FakeQuantOp op, OpBuilder &b, Location loc, Value x,
                  ArrayRef<FormatTypeInterface> formats,
                  ArrayRef<ChannelParams> params, RoundingMode rounding,
                  Value bits) const override {
    // Nearest and stochastic rounding of f32 onto a binary IEEE-like
    // float: on the f32 bits, the same result without the general f64
    // encoder (checked against Numerics for every input pattern class in
    // the JIT tests).
    if ((rounding == RoundingMode::nearest_even ||
         rounding == RoundingMode::stochastic) &&
        op.getArithmetic() == Arithmetic::exact && x.getType().isF32()) {
      FailureOr<FormatLowering> lowering = FormatLowering::get(formats[0]);
      if (succeeded(lowering) &&
          lowering->kind == FormatLowering::Kind::Float &&
          canRoundInF32Bits(lowering->floatFormat))
        return buildF32FloatRounding(
            b, loc, lowering->floatFormat, x,
            rounding == RoundingMode::stochastic ? bits : Value());
    }
    Value code = buildEncode(b, loc, formats[0], x, params[0], rounding, bits,
                             op.getArithmetic());
    return buildDecode(b, loc, formats[0], code, params[0],
                       cast<FloatType>(getElementTypeOrSelf(op.getType())),
                       op.getArithmetic());
  }
};

/// After type conversion both sides of a storage cast are the same integer.
struct StorageCastLowering : OpConversionPattern<StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

/// Ops with a linalg form of their own (the loss, batch normalization; no
/// quantized types involved) are replaced by it.
template <typename OpTy> struct DecomposeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.decompose(rewriter));
    return success();
  }
};

/// Fake quantization with run-time parameters: one generic over the input
/// reading the scale (zero point, threshold) per tensor or per channel, with
/// the encoders and decoders of the static formats.
struct ScaledFakeQuantLowering : OpConversionPattern<ScaledFakeQuantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScaledFakeQuantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    FormatTypeInterface format = op.getFormat();
    if (failed(FormatLowering::get(format)))
      return rewriter.notifyMatchFailure(op, "format has no lowering");
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    auto element = cast<FloatType>(type.getElementType());
    int64_t rank = type.getRank();
    MLIRContext *context = rewriter.getContext();
    AffineMap full = rewriter.getMultiDimIdentityMap(rank);
    std::optional<int64_t> axis = op.getAxis();
    AffineMap param =
        axis ? AffineMap::get(rank, 0, getAffineDimExpr(*axis, context))
             : AffineMap::get(rank, 0, {}, context);
    SmallVector<Value> inputs = {adaptor.getInput(), adaptor.getScale()};
    SmallVector<AffineMap> maps = {full, param};
    Value zeroPoint = adaptor.getZeroPoint(),
          threshold = adaptor.getThreshold();
    if (zeroPoint) {
      inputs.push_back(zeroPoint);
      maps.push_back(param);
    }
    if (threshold) {
      inputs.push_back(threshold);
      maps.push_back(param);
    }
    maps.push_back(full);
    int64_t qmin, qmax;
    std::tie(qmin, qmax) = op.getCodeRange();
    double low = static_cast<double>(qmin), high = static_cast<double>(qmax);
    Arithmetic arithmetic = op.getArithmetic();
    Value init = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, adaptor.getInput()),
        element);
    auto toF64 = [&](OpBuilder &b, Location nloc, Value value) -> Value {
      if (value.getType().isF64())
        return value;
      return arith::ExtFOp::create(b, nloc, b.getF64Type(), value);
    };
    auto f64 = [](OpBuilder &b, Location nloc, double value) -> Value {
      return arith::ConstantOp::create(b, nloc, b.getF64FloatAttr(value));
    };
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, inputs, ValueRange{init}, maps,
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value x = args[0], s = args[1];
          unsigned next = 2;
          Value zp = zeroPoint ? args[next++] : Value();
          Value t = threshold ? args[next++] : Value();
          Value result;
          if (t) {
            // TWN: the sign of x where |x| > t, else 0, times the scale.
            using P = arith::CmpFPredicate;
            Value zero = arith::ConstantOp::create(
                b, nloc, b.getFloatAttr(element, 0.0));
            Value above = arith::CmpFOp::create(b, nloc, P::OGT, x, t);
            Value below = arith::CmpFOp::create(
                b, nloc, P::OLT, x, arith::NegFOp::create(b, nloc, t));
            result = arith::SelectOp::create(
                b, nloc, above, s,
                arith::SelectOp::create(
                    b, nloc, below, arith::NegFOp::create(b, nloc, s), zero));
          } else {
            // The zero point rounded to nearest even, clamped to the codes.
            Value zp64 = f64(b, nloc, 0.0);
            if (zp)
              zp64 = arith::MinimumFOp::create(
                  b, nloc,
                  arith::MaximumFOp::create(
                      b, nloc,
                      math::RoundEvenOp::create(b, nloc, toF64(b, nloc, zp)),
                      f64(b, nloc, low)),
                  f64(b, nloc, high));
            ChannelParams params;
            params.scale = toF64(b, nloc, s);
            params.zeroPoint =
                arith::FPToSIOp::create(b, nloc, b.getI64Type(), zp64);
            Value code =
                buildEncode(b, nloc, format, x, params,
                            RoundingMode::nearest_even, Value(), arithmetic);
            result =
                buildDecode(b, nloc, format, code, params, element, arithmetic);
          }
          linalg::YieldOp::create(b, nloc, result);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// The training/inference choice is made: the selected operand remains.
struct ModeSelectLowering : OpConversionPattern<ModeSelectOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ModeSelectOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, op.getTraining() ? adaptor.getTrainingValue()
                                            : adaptor.getInferenceValue());
    return success();
  }
};

/// Differentiation is over: the identity remains (quantx.stop_gradient,
/// quantx.round_gradient).
template <typename OpTy>
struct GradientMarkerLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

/// Any other operation that carries quantized values (tensor reshapes,
/// slices, linalg.transpose/fill/copy/generic, tensor.pad/generate, ...)
/// moves storage integers instead: same operation, converted types,
/// including the block arguments of its regions (whose ops are converted in
/// turn). Functions and scf ops have their own patterns.
struct ConvertOperandAndResultTypes : ConversionPattern {
  ConvertOperandAndResultTypes(const TypeConverter &converter,
                               MLIRContext *context)
      : ConversionPattern(converter, MatchAnyOpTypeTag(), /*benefit=*/1,
                          context) {}
  LogicalResult
  matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                  ConversionPatternRewriter &rewriter) const override {
    if (isa<QuantxDialect, scf::SCFDialect>(op->getDialect()) ||
        isa<FunctionOpInterface>(op))
      return failure();
    SmallVector<Type> resultTypes;
    if (failed(getTypeConverter()->convertTypes(op->getResultTypes(),
                                                resultTypes)))
      return failure();
    OperationState state(op->getLoc(), op->getName(), operands, resultTypes,
                         op->getAttrs(), op->getSuccessors());
    for (unsigned i = 0; i < op->getNumRegions(); ++i)
      state.addRegion();
    Operation *converted = rewriter.create(state);
    for (auto [from, to] :
         llvm::zip(op->getRegions(), converted->getRegions())) {
      rewriter.inlineRegionBefore(from, to, to.end());
      if (failed(rewriter.convertRegionTypes(&to, *getTypeConverter())))
        return failure();
    }
    rewriter.replaceOp(op, converted->getResults());
    return success();
  }
};

} // namespace

void mlir::quantx::populateQuantxToArithConversionPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, RequantizeLowering,
               FakeQuantLowering, StorageCastLowering,
               DecomposeLowering<SoftmaxCrossEntropyOp>,
               DecomposeLowering<BatchNormOp>, ScaledFakeQuantLowering,
               ModeSelectLowering, GradientMarkerLowering<StopGradientOp>,
               GradientMarkerLowering<RoundGradientOp>,
               ConvertOperandAndResultTypes>(typeConverter,
                                             patterns.getContext());
  populateIntegerOpLoweringPatterns(typeConverter, patterns);
  populateBinaryOpLoweringPatterns(typeConverter, patterns);
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace mlir::quantx {
namespace {
struct ConvertQuantxToArithPass
    : impl::ConvertQuantxToArithPassBase<ConvertQuantxToArithPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

void ConvertQuantxToArithPass::runOnOperation() {
  Operation *root = getOperation();
  // Accumulation in a low-precision format becomes scalar fake_quants,
  // which the patterns below lower.
  if (failed(expandAccumulations(root)))
    return signalPassFailure();
  // What the lowering cannot do gets a located error of its own.
  WalkResult unsupported = root->walk([](Operation *op) {
    if (!isa<QuantxDialect>(op->getDialect()))
      return WalkResult::advance();
    for (Type type :
         llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
      if (isa<UnrankedTensorType>(type)) {
        op->emitOpError("cannot be lowered on unranked tensors");
        return WalkResult::interrupt();
      }
      auto format = dyn_cast<FormatTypeInterface>(getElementTypeOrSelf(type));
      if (format && failed(FormatLowering::get(format))) {
        op->emitOpError("has no lowering for format ") << format;
        return WalkResult::interrupt();
      }
    }
    return WalkResult::advance();
  });
  if (unsupported.wasInterrupted())
    return signalPassFailure();

  MLIRContext *context = &getContext();
  QuantxStorageTypeConverter typeConverter;
  RewritePatternSet patterns(context);
  populateQuantxToArithConversionPatterns(typeConverter, patterns);
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 typeConverter);
  populateCallOpTypeConversionPattern(patterns, typeConverter);
  populateReturnOpTypeConversionPattern(patterns, typeConverter);

  ConversionTarget target(*context);
  target.addIllegalDialect<QuantxDialect>();
  // Everything else is legal once it carries no quantized type.
  auto isLegal = [&](Operation *op) { return typeConverter.isLegal(op); };
  target
      .addDynamicallyLegalDialect<arith::ArithDialect, math::MathDialect,
                                  linalg::LinalgDialect, tensor::TensorDialect>(
          isLegal);
  target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
    return typeConverter.isSignatureLegal(op.getFunctionType()) &&
           typeConverter.isLegal(&op.getBody());
  });
  target.markUnknownOpDynamicallyLegal(isLegal);
  scf::populateSCFStructuralTypeConversionsAndLegality(typeConverter, patterns,
                                                       target);
  if (failed(applyFullConversion(root, target, std::move(patterns))))
    signalPassFailure();
}
