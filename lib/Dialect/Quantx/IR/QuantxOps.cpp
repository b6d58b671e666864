//===- QuantxOps.cpp - quantx operations ----------------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Verifiers and folders of the quantx operations. Constant folding encodes
// and decodes through FormatTypeInterface, i.e. the Numerics library.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Numerics/Storage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::quantx;
namespace num = ::quantx::numerics;

//===----------------------------------------------------------------------===//
// Verification helpers
//===----------------------------------------------------------------------===//

/// Returns the shape of `type` (empty for scalars), or nothing for unranked
/// tensors.
static std::optional<ArrayRef<int64_t>> getShapeOf(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    if (!shaped.hasRank())
      return std::nullopt;
    return shaped.getShape();
  }
  return ArrayRef<int64_t>{};
}

/// Checks that `a` and `b` are both scalars or both tensors of compatible
/// shapes.
static LogicalResult verifySameShape(Operation *op, Type a, Type b) {
  if (isa<ShapedType>(a) != isa<ShapedType>(b))
    return op->emitOpError("expected input and result to be both scalars or "
                           "both tensors, got ")
           << a << " and " << b;
  if (auto shapedA = dyn_cast<ShapedType>(a)) {
    auto shapedB = cast<ShapedType>(b);
    if (shapedA.hasRank() && shapedB.hasRank() &&
        failed(verifyCompatibleShape(shapedA.getShape(), shapedB.getShape())))
      return op->emitOpError("expected input and result shapes to match, got ")
             << a << " and " << b;
  }
  return success();
}

/// Checks a quantized type against its float counterpart and its own shape.
static LogicalResult verifyFormatUse(Operation *op, Type quantized,
                                     Type floating) {
  auto format = cast<FormatTypeInterface>(getElementTypeOrSelf(quantized));
  if (failed(format.verifyFormat([&] { return op->emitOpError(); })))
    return failure();
  FloatType expressed = format.getExpressedFloatType();
  if (floating && expressed && getElementTypeOrSelf(floating) != expressed)
    return op->emitOpError("float element type ")
           << getElementTypeOrSelf(floating)
           << " does not match the format's expressed type " << expressed;
  if (std::optional<ArrayRef<int64_t>> shape = getShapeOf(quantized))
    return verifyFormatForShape(format, *shape,
                                [&] { return op->emitOpError(); });
  return success();
}

/// Framework arithmetic (quantize_c5, dequantize_c4, fake_quant_c5): an
/// affine format, f32 values, rounding to nearest even.
static LogicalResult verifyArithmetic(Operation *op, Arithmetic arithmetic,
                                      FormatTypeInterface format, Type floating,
                                      RoundingMode rounding) {
  if (arithmetic == Arithmetic::exact)
    return success();
  StringRef name = stringifyArithmetic(arithmetic);
  if (!format.getAffineParams(0))
    return op->emitOpError("arithmetic<")
           << name
           << "> needs an affine format (fixed point, ternary or "
              "!quant.uniform), got "
           << format;
  if (!getElementTypeOrSelf(floating).isF32())
    return op->emitOpError("arithmetic<")
           << name << "> computes in f32, got " << floating;
  if (rounding != RoundingMode::nearest_even)
    return op->emitOpError("arithmetic<")
           << name << "> rounds to nearest even, got rounding<"
           << stringifyRoundingMode(rounding) << ">";
  return success();
}

/// A seed only means something to stochastic rounding.
static LogicalResult verifySeed(Operation *op, RoundingMode rounding,
                                std::optional<uint64_t> seed) {
  if (seed && rounding != RoundingMode::stochastic)
    return op->emitOpError("'seed' applies only to stochastic rounding");
  return success();
}

//===----------------------------------------------------------------------===//
// Constant folding helpers
//===----------------------------------------------------------------------===//

/// Calls `fn(linearIndex, channel)` for every element of a value of type
/// `type` with format `format`.
static void forEachElement(Type type, FormatTypeInterface format,
                           function_ref<void(int64_t, int64_t)> fn) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped) {
    fn(0, 0);
    return;
  }
  std::optional<int32_t> axis = format.getChannelAxis();
  ArrayRef<int64_t> shape = shaped.getShape();
  int64_t stride = 1;
  if (axis)
    for (size_t d = *axis + 1; d < shape.size(); ++d)
      stride *= shape[d];
  int64_t numElements = shaped.getNumElements();
  for (int64_t i = 0; i < numElements; ++i)
    fn(i, axis ? (i / stride) % shape[*axis] : 0);
}

static double toDouble(const APFloat &value) {
  APFloat converted = value;
  bool losesInfo;
  converted.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                    &losesInfo);
  return converted.convertToDouble();
}

static APFloat fromDouble(double value, FloatType type) {
  APFloat converted(value);
  bool losesInfo;
  converted.convert(type.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                    &losesInfo);
  return converted;
}

/// Folding builds at most this many elements: a larger constant is left to
/// the generated code (a splat of a per-tensor format folds to a splat, in
/// constant time, whatever its size).
static constexpr int64_t kMaxFoldedElements = int64_t(1) << 20;

/// Whether a static shape has at most kMaxFoldedElements elements, without
/// the overflow of multiplying its sizes (2^32 x 2^32 wraps to 0).
static bool isSmallEnoughToFold(ShapedType type) {
  uint64_t count = 1;
  for (int64_t size : type.getShape()) {
    bool overflow = false;
    count =
        llvm::SaturatingMultiply(count, static_cast<uint64_t>(size), &overflow);
    if (overflow)
      return false;
  }
  return count <= static_cast<uint64_t>(kMaxFoldedElements);
}

/// Reads a float constant (dense elements or a scalar float attribute). A
/// splat gives one value; a constant of more than kMaxFoldedElements other
/// elements gives nothing.
static std::optional<SmallVector<double>> readFloats(Attribute attr) {
  SmallVector<double> values;
  if (auto scalar = dyn_cast_or_null<FloatAttr>(attr)) {
    values.push_back(toDouble(scalar.getValue()));
    return values;
  }
  auto dense = dyn_cast_or_null<DenseFPElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  if (dense.isSplat()) {
    values.push_back(toDouble(dense.getSplatValue<APFloat>()));
    return values;
  }
  if (!isSmallEnoughToFold(dense.getType()))
    return std::nullopt;
  for (const APFloat &value : dense.getValues<APFloat>())
    values.push_back(toDouble(value));
  return values;
}

/// Reads a storage-integer constant of format `format`. A splat gives one
/// code.
static std::optional<SmallVector<int64_t>>
readCodes(Attribute attr, FormatTypeInterface format) {
  SmallVector<int64_t> codes;
  bool isSigned = format.isStorageSigned();
  auto read = [&](const APInt &value) {
    codes.push_back(isSigned ? value.getSExtValue()
                             : static_cast<int64_t>(value.getZExtValue()));
  };
  if (auto scalar = dyn_cast_or_null<IntegerAttr>(attr)) {
    read(scalar.getValue());
    return codes;
  }
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(attr);
  if (!dense)
    return std::nullopt;
  if (dense.isSplat()) {
    read(dense.getSplatValue<APInt>());
    return codes;
  }
  if (!isSmallEnoughToFold(dense.getType()))
    return std::nullopt;
  for (const APInt &value : dense.getValues<APInt>())
    read(value);
  return codes;
}

/// Builds a float constant of `type` (scalar or tensor) from `values`; one
/// value for a tensor makes a splat.
static Attribute buildFloats(Type type, ArrayRef<double> values) {
  auto elementType = cast<FloatType>(getElementTypeOrSelf(type));
  SmallVector<APFloat> converted;
  for (double value : values)
    converted.push_back(fromDouble(value, elementType));
  if (auto shaped = dyn_cast<ShapedType>(type))
    return DenseElementsAttr::get(shaped, converted);
  return FloatAttr::get(elementType, converted.front());
}

/// Builds a storage constant for a value of quantized type `type`; one code
/// for a tensor makes a splat.
static TypedAttr buildCodes(Type type, FormatTypeInterface format,
                            ArrayRef<int64_t> codes) {
  IntegerType storageType = format.getStorageType();
  SmallVector<APInt> values;
  for (int64_t code : codes)
    values.push_back(APInt(storageType.getWidth(), static_cast<uint64_t>(code),
                           /*isSigned=*/format.isStorageSigned(),
                           /*implicitTrunc=*/true));
  if (auto shaped = dyn_cast<ShapedType>(type))
    return DenseElementsAttr::get(shaped.clone(storageType), values);
  return IntegerAttr::get(storageType, values.front());
}

/// Encodes `values` (of a value of type `type`, or its splat value) into
/// `format`; a splat takes one encoding.
static SmallVector<int64_t>
encodeAll(Type type, FormatTypeInterface format, ArrayRef<double> values,
          num::RoundingMode mode,
          num::Arithmetic arithmetic = num::Arithmetic::Exact) {
  auto encode = [&](double value, int64_t channel) {
    if (arithmetic == num::Arithmetic::Exact)
      return format.encode(value, mode, 0, channel);
    // Framework arithmetic: f32 values of an affine format (verified).
    auto [scale, zeroPoint] = *format.getAffineParams(channel);
    auto [lo, hi] = format.getCodeRange();
    return num::encodeAffine(arithmetic, static_cast<float>(value), scale,
                             zeroPoint, lo, hi);
  };
  if (values.size() == 1)
    return {encode(values.front(), 0)};
  SmallVector<int64_t> codes(values.size());
  forEachElement(type, format, [&](int64_t i, int64_t channel) {
    codes[i] = encode(values[i], channel);
  });
  return codes;
}

/// `doubleScale`: PyTorch's per-channel dequantize (see decodeAffine).
static SmallVector<double>
decodeAll(Type type, FormatTypeInterface format, ArrayRef<int64_t> codes,
          num::Arithmetic arithmetic = num::Arithmetic::Exact,
          bool doubleScale = false) {
  auto decode = [&](int64_t code, int64_t channel) -> double {
    if (arithmetic == num::Arithmetic::Exact)
      return format.decode(code, channel);
    auto [scale, zeroPoint] = *format.getAffineParams(channel);
    return num::decodeAffine(arithmetic, code, scale, zeroPoint, doubleScale);
  };
  if (codes.size() == 1)
    return {decode(codes.front(), 0)};
  SmallVector<double> values(codes.size());
  forEachElement(type, format, [&](int64_t i, int64_t channel) {
    values[i] = decode(codes[i], channel);
  });
  return values;
}

/// Splat constants of per-channel formats have different values per channel:
/// expand them first. Fails when that would build more than
/// kMaxFoldedElements elements.
template <typename T>
static LogicalResult expandSplat(Type type, FormatTypeInterface format,
                                 SmallVectorImpl<T> &values) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || values.size() != 1 || !format.getChannelAxis())
    return success();
  if (!isSmallEnoughToFold(shaped))
    return failure();
  values.assign(shaped.getNumElements(), values.front());
  return success();
}

/// Matches `storage_cast(constant)` and returns the constant's codes.
static std::optional<SmallVector<int64_t>> matchStorageConstant(Value value) {
  auto cast = value.getDefiningOp<StorageCastOp>();
  if (!cast)
    return std::nullopt;
  Attribute attr;
  if (!matchPattern(cast.getInput(), m_Constant(&attr)))
    return std::nullopt;
  auto format = dyn_cast<FormatTypeInterface>(
      getElementTypeOrSelf(cast.getResult().getType()));
  if (!format)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> codes = readCodes(attr, format);
  if (codes && failed(expandSplat(cast.getResult().getType(), format, *codes)))
    return std::nullopt;
  return codes;
}

/// Replaces `op` by `storage_cast(constant(codes))` of its result type.
static void replaceWithStorageConstant(PatternRewriter &rewriter, Operation *op,
                                       FormatTypeInterface format,
                                       ArrayRef<int64_t> codes) {
  Type resultType = op->getResult(0).getType();
  auto constant = arith::ConstantOp::create(
      rewriter, op->getLoc(), buildCodes(resultType, format, codes));
  rewriter.replaceOpWithNewOp<StorageCastOp>(op, resultType, constant);
}

//===----------------------------------------------------------------------===//
// QuantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  if (failed(verifySeed(*this, getRounding(), getSeed())) ||
      failed(verifySameShape(*this, getInput().getType(), getType())) ||
      failed(verifyFormatUse(*this, getType(), getInput().getType())))
    return failure();
  return verifyArithmetic(
      *this, getArithmetic(),
      cast<FormatTypeInterface>(getElementTypeOrSelf(getType())),
      getInput().getType(), getRounding());
}

namespace {
/// quantize(constant) -> storage_cast(constant of codes).
struct FoldQuantizeOfConstant : OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getRounding() == RoundingMode::stochastic)
      return rewriter.notifyMatchFailure(op, "stochastic rounding");
    Attribute attr;
    if (!matchPattern(op.getInput(), m_Constant(&attr)))
      return rewriter.notifyMatchFailure(op, "input is not a constant");
    std::optional<SmallVector<double>> values = readFloats(attr);
    if (!values)
      return rewriter.notifyMatchFailure(op, "unsupported constant");
    auto format = cast<FormatTypeInterface>(getElementTypeOrSelf(op.getType()));
    if (failed(expandSplat(op.getType(), format, *values)))
      return rewriter.notifyMatchFailure(op, "constant too large to fold");
    replaceWithStorageConstant(rewriter, op, format,
                               encodeAll(op.getType(), format, *values,
                                         toNumerics(op.getRounding()),
                                         toNumerics(op.getArithmetic())));
    return success();
  }
};

/// requantize(storage_cast(constant)) -> storage_cast(constant of codes).
struct FoldRequantizeOfConstant : OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    if (op.getRounding() == RoundingMode::stochastic)
      return rewriter.notifyMatchFailure(op, "stochastic rounding");
    std::optional<SmallVector<int64_t>> codes =
        matchStorageConstant(op.getInput());
    if (!codes)
      return rewriter.notifyMatchFailure(op, "input is not a constant");
    auto from = cast<FormatTypeInterface>(
        getElementTypeOrSelf(op.getInput().getType()));
    auto to = cast<FormatTypeInterface>(getElementTypeOrSelf(op.getType()));
    SmallVector<double> values =
        decodeAll(op.getInput().getType(), from, *codes);
    if (failed(expandSplat(op.getType(), to, values)))
      return rewriter.notifyMatchFailure(op, "constant too large to fold");
    replaceWithStorageConstant(
        rewriter, op, to,
        encodeAll(op.getType(), to, values, toNumerics(op.getRounding())));
    return success();
  }
};
} // namespace

void QuantizeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                             MLIRContext *context) {
  patterns.add<FoldQuantizeOfConstant>(context);
}

//===----------------------------------------------------------------------===//
// DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult DequantizeOp::verify() {
  if (failed(verifySameShape(*this, getInput().getType(), getType())) ||
      failed(verifyFormatUse(*this, getInput().getType(), getType())))
    return failure();
  return verifyArithmetic(
      *this, getArithmetic(),
      cast<FormatTypeInterface>(getElementTypeOrSelf(getInput().getType())),
      getType(), RoundingMode::nearest_even);
}

OpFoldResult DequantizeOp::fold(FoldAdaptor) {
  std::optional<SmallVector<int64_t>> codes = matchStorageConstant(getInput());
  if (!codes)
    return {};
  auto format =
      cast<FormatTypeInterface>(getElementTypeOrSelf(getInput().getType()));
  return buildFloats(getType(), decodeAll(getInput().getType(), format, *codes,
                                          toNumerics(getArithmetic()),
                                          format.getChannelAxis().has_value()));
}

//===----------------------------------------------------------------------===//
// RequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult RequantizeOp::verify() {
  if (failed(verifySeed(*this, getRounding(), getSeed())) ||
      failed(verifySameShape(*this, getInput().getType(), getType())) ||
      failed(verifyFormatUse(*this, getInput().getType(), Type())))
    return failure();
  return verifyFormatUse(*this, getType(), Type());
}

void RequantizeOp::getCanonicalizationPatterns(RewritePatternSet &patterns,
                                               MLIRContext *context) {
  patterns.add<FoldRequantizeOfConstant>(context);
}

//===----------------------------------------------------------------------===//
// RescaleOp
//===----------------------------------------------------------------------===//

int64_t RescaleOp::getNumChannels() {
  if (getRounding() == RescaleRounding::float_scale)
    return getScale() ? static_cast<int64_t>(getScale()->size()) : 0;
  return getMultiplier() ? static_cast<int64_t>(getMultiplier()->size()) : 0;
}

::quantx::numerics::RescaleParams RescaleOp::getParams(int64_t channel) {
  namespace numerics = ::quantx::numerics;
  numerics::RescaleParams params;
  int64_t index = getNumChannels() == 1 ? 0 : channel;
  switch (getRounding()) {
  case RescaleRounding::float_scale:
    params.rounding = numerics::RescaleRounding::Float;
    break;
  case RescaleRounding::single_round:
    params.rounding = numerics::RescaleRounding::SingleRound;
    break;
  case RescaleRounding::double_round:
    params.rounding = numerics::RescaleRounding::DoubleRound;
    break;
  case RescaleRounding::gemmlowp:
    params.rounding = numerics::RescaleRounding::Gemmlowp;
    break;
  }
  if (getScale())
    params.scale = (*getScale())[index];
  if (getMultiplier())
    params.multiplier = (*getMultiplier())[index];
  if (getShift())
    params.shift = (*getShift())[index];
  params.inputZeroPoint = getInputZeroPoint();
  params.outputZeroPoint = getOutputZeroPoint();
  params.outputMin = getOutputMin();
  params.outputMax = getOutputMax();
  return params;
}

LogicalResult RescaleOp::verify() {
  Type inputType = getInput().getType();
  Type resultType = getType();
  if (failed(verifySameShape(*this, inputType, resultType)))
    return failure();
  unsigned inputWidth = getElementTypeOrSelf(inputType).getIntOrFloatBitWidth();
  unsigned width = getElementTypeOrSelf(resultType).getIntOrFloatBitWidth();
  if (inputWidth > 64 || width > 64)
    return emitOpError("rescale_c4: expected integers of at most 64 bits, "
                       "got ")
           << getElementTypeOrSelf(inputType) << " to "
           << getElementTypeOrSelf(resultType);
  auto inputShaped = dyn_cast<ShapedType>(inputType);
  auto resultShaped = dyn_cast<ShapedType>(resultType);
  if (inputShaped && resultShaped &&
      inputShaped.getShape() != resultShaped.getShape())
    return emitOpError("rescale_c4: expected the input's shape for the "
                       "result, got ")
           << inputType << " to " << resultType;
  bool isFloat = getRounding() == RescaleRounding::float_scale;
  if (isFloat && (!getScale() || getMultiplier() || getShift()))
    return emitOpError("rescale_c1: rounding<float> takes `scale` and no "
                       "`multiplier` or `shift`");
  if (!isFloat && (getScale() || !getMultiplier() || !getShift()))
    return emitOpError("rescale_c1: rounding<")
           << stringifyRescaleRounding(getRounding())
           << "> takes `multiplier` and `shift` and no `scale`";
  if (!isFloat && getMultiplier()->size() != getShift()->size())
    return emitOpError("rescale_c1: expected as many shifts as multipliers, "
                       "got ")
           << getShift()->size() << " and " << getMultiplier()->size();
  int64_t channels = getNumChannels();
  if (channels == 0)
    return emitOpError("rescale_c2: expected at least one ")
           << (isFloat ? "scale" : "multiplier");
  if (std::optional<int64_t> axis = getAxis()) {
    auto shaped = dyn_cast<ShapedType>(inputType);
    if (!shaped || *axis < 0 || *axis >= shaped.getRank())
      return emitOpError("rescale_c2: axis ")
             << *axis << " is not a dimension of " << inputType;
    if (shaped.isDynamicDim(*axis))
      return emitOpError("rescale_c2: dimension ")
             << *axis << " (the axis) must be static";
    if (shaped.getDimSize(*axis) != channels)
      return emitOpError("rescale_c2: expected ")
             << shaped.getDimSize(*axis) << " values (dimension " << *axis
             << "), got " << channels;
  } else if (channels != 1) {
    return emitOpError("rescale_c2: expected one value without an axis, got ")
           << channels;
  }
  int64_t lo = getOutputMin(), hi = getOutputMax();
  // Representable in `width` bits as signed or as unsigned integers.
  int64_t widest = width >= 64 ? std::numeric_limits<int64_t>::max()
                               : (int64_t(1) << width) - 1;
  int64_t lowest = width >= 64 ? std::numeric_limits<int64_t>::min()
                               : -(int64_t(1) << (width - 1));
  if (lo > hi || lo < lowest || hi > widest || (width < 64 && hi - lo > widest))
    return emitOpError("rescale_c3: the clamp [")
           << lo << ", " << hi << "] is not a range of " << width
           << "-bit codes";
  for (int64_t c = 0; c < channels; ++c)
    if (std::optional<std::string> why =
            ::quantx::numerics::verifyRescaleParams(getParams(c)))
      return emitOpError("rescale_c1: channel ") << c << ": " << *why;
  return success();
}

//===----------------------------------------------------------------------===//
// UnpackOp
//===----------------------------------------------------------------------===//

LogicalResult UnpackOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getType());
  unsigned bits = result.getElementType().getIntOrFloatBitWidth();
  if (!result.hasStaticShape() || !::quantx::numerics::isPackableWidth(bits))
    return emitOpError("unpack_c2: expected a static shape of integers of "
                       "1 to 7 bits, got ")
           << result;
  // The element count, its bits and bytes without overflow.
  std::optional<int64_t> count = 1;
  for (int64_t size : result.getShape())
    count = count ? llvm::checkedMul(*count, size) : std::nullopt;
  if (!count || !llvm::checkedMul(*count, int64_t(bits)))
    return emitOpError("unpack_c2: ")
           << result << " has more elements than 64 bits count";
  int64_t bytes = ::quantx::numerics::getPackedBytes(*count, bits);
  if (input.getRank() != 1 || input.isDynamicDim(0) ||
      input.getDimSize(0) != bytes)
    return emitOpError("unpack_c1: expected tensor<")
           << bytes << "xi8> for " << *count << " codes of " << bits
           << " bits, got " << input;
  return success();
}

//===----------------------------------------------------------------------===//
// PackSignsOp and BinaryMatmulOp
//===----------------------------------------------------------------------===//

/// The shape rules of pack_signs and pack_ternary (`name`): a static last
/// dimension K of at least 1 (c1), packed into `planes` planes (none when
/// 1) of `ceil(K / 64)` words (c2).
static LogicalResult verifyPackedRows(Operation *op, StringRef name,
                                      RankedTensorType input,
                                      RankedTensorType result, int64_t planes) {
  if (input.getRank() < 1 || input.isDynamicDim(input.getRank() - 1))
    return op->emitOpError(name)
           << "_c1: expected a static last dimension, got " << input;
  int64_t k = input.getShape().back();
  if (k < 1)
    return op->emitOpError(name)
           << "_c1: expected at least one element per row, got " << input;
  SmallVector<int64_t> expected(input.getShape().drop_back());
  if (planes > 1)
    expected.push_back(planes);
  expected.push_back(llvm::divideCeil(k, 64));
  if (result.getShape() != ArrayRef(expected))
    return op->emitOpError(name)
           << "_c2: expected "
           << RankedTensorType::get(expected, result.getElementType())
           << " for " << input << ", got " << result;
  return success();
}

/// "1 word" or "N words".
static std::string countWords(int64_t words) {
  return std::to_string(words) + (words == 1 ? " word" : " words");
}

/// The k rule of binary_matmul and ternary_matmul (`name`):
/// 1 <= k <= 2^31 - 1 (c1).
static LogicalResult verifyProductK(Operation *op, StringRef name, int64_t k) {
  if (k < 1 || k > std::numeric_limits<int32_t>::max())
    return op->emitOpError(name)
           << "_c1: expected 1 <= k <= 2^31 - 1 (the i32 result holds k), got "
           << k;
  return success();
}

/// The result rule of binary_matmul and ternary_matmul (`name`): M x N
/// (c3).
static LogicalResult verifyProductResult(Operation *op, StringRef name,
                                         RankedTensorType lhs,
                                         RankedTensorType rhs,
                                         RankedTensorType result) {
  if (result.getRank() != 2 ||
      failed(verifyCompatibleShape(result.getShape(),
                                   {lhs.getDimSize(0), rhs.getDimSize(0)})))
    return op->emitOpError(name)
           << "_c3: expected a result of " << lhs.getDimSize(0) << " x "
           << rhs.getDimSize(0) << " (? dynamic), got " << result;
  return success();
}

LogicalResult PackSignsOp::verify() {
  return verifyPackedRows(*this, "pack_signs",
                          cast<RankedTensorType>(getInput().getType()),
                          cast<RankedTensorType>(getType()), 1);
}

LogicalResult BinaryMatmulOp::verify() {
  int64_t k = getK();
  if (failed(verifyProductK(*this, "binary_matmul", k)))
    return failure();
  int64_t words = llvm::divideCeil(k, 64);
  auto lhs = cast<RankedTensorType>(getLhs().getType());
  auto rhs = cast<RankedTensorType>(getRhs().getType());
  auto result = cast<RankedTensorType>(getType());
  for (auto [name, type] : {std::pair{"lhs", lhs}, std::pair{"rhs", rhs}})
    if (type.getRank() != 2 || type.getDimSize(1) != words)
      return emitOpError("binary_matmul_c2: expected the ")
             << name << " to have " << countWords(words)
             << " per row for k = " << k << ", got " << type;
  return verifyProductResult(*this, "binary_matmul", lhs, rhs, result);
}

//===----------------------------------------------------------------------===//
// PackTernaryOp, TernaryMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult PackTernaryOp::verify() {
  return verifyPackedRows(*this, "pack_ternary",
                          cast<RankedTensorType>(getInput().getType()),
                          cast<RankedTensorType>(getType()), 2);
}

LogicalResult TernaryMatmulOp::verify() {
  int64_t k = getK();
  if (failed(verifyProductK(*this, "ternary_matmul", k)))
    return failure();
  int64_t words = llvm::divideCeil(k, 64);
  auto lhs = cast<RankedTensorType>(getLhs().getType());
  auto rhs = cast<RankedTensorType>(getRhs().getType());
  auto result = cast<RankedTensorType>(getType());
  for (auto [name, type] : {std::pair{"lhs", lhs}, std::pair{"rhs", rhs}}) {
    bool binary = type.getRank() == 2 && type.getDimSize(1) == words;
    bool ternary = type.getRank() == 3 && type.getDimSize(1) == 2 &&
                   type.getDimSize(2) == words;
    if (!binary && !ternary)
      return emitOpError("ternary_matmul_c2: expected the ")
             << name << " to be rows of " << countWords(words)
             << " (binary) or of "
             << "2 planes of " << countWords(words)
             << " (ternary) for k = " << k << ", got " << type;
  }
  if (lhs.getRank() == 2 && rhs.getRank() == 2)
    return emitOpError("ternary_matmul_c2: expected at least one ternary "
                       "operand (two binary ones are quantx.binary_matmul)");
  return verifyProductResult(*this, "ternary_matmul", lhs, rhs, result);
}

LogicalResult SignMatmulOp::verify() {
  auto lhs = cast<RankedTensorType>(getLhs().getType());
  auto rhs = cast<RankedTensorType>(getRhs().getType());
  auto result = cast<RankedTensorType>(getType());
  if (lhs.getRank() != 2 || lhs.isDynamicDim(1) || lhs.getDimSize(1) < 1)
    return emitOpError("sign_matmul_c1: expected the lhs to be M x K with a "
                       "static K of at least 1, got ")
           << lhs;
  int64_t k = lhs.getDimSize(1);
  int64_t words = llvm::divideCeil(k, 64);
  bool binary = rhs.getRank() == 2 && rhs.getDimSize(1) == words;
  bool ternary = rhs.getRank() == 3 && rhs.getDimSize(1) == 2 &&
                 rhs.getDimSize(2) == words;
  if (!binary && !ternary)
    return emitOpError("sign_matmul_c2: expected the rhs to be rows of ")
           << countWords(words) << " (binary) or of 2 planes of "
           << countWords(words) << " (ternary) for K = " << k << ", got "
           << rhs;
  return verifyProductResult(*this, "sign_matmul", lhs, rhs, result);
}

//===----------------------------------------------------------------------===//
// StorageCastOp
//===----------------------------------------------------------------------===//

LogicalResult StorageCastOp::verify() {
  Type inputType = getInput().getType();
  Type resultType = getType();
  if (failed(verifySameShape(*this, inputType, resultType)))
    return failure();
  bool inputQuantized =
      isa<FormatTypeInterface>(getElementTypeOrSelf(inputType));
  bool resultQuantized =
      isa<FormatTypeInterface>(getElementTypeOrSelf(resultType));
  if (inputQuantized == resultQuantized)
    return emitOpError("expected exactly one of input and result to be "
                       "quantized, got ")
           << inputType << " and " << resultType;
  Type quantized = inputQuantized ? inputType : resultType;
  Type storage = inputQuantized ? resultType : inputType;
  auto format = cast<FormatTypeInterface>(getElementTypeOrSelf(quantized));
  if (getElementTypeOrSelf(storage) != format.getStorageType())
    return emitOpError("expected storage element type ")
           << format.getStorageType() << " for format " << format << ", got "
           << getElementTypeOrSelf(storage);
  return verifyFormatUse(*this, quantized, Type());
}

OpFoldResult StorageCastOp::fold(FoldAdaptor) {
  // storage_cast(storage_cast(x)) -> x when the types round-trip.
  if (auto producer = getInput().getDefiningOp<StorageCastOp>())
    if (producer.getInput().getType() == getType())
      return producer.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// FakeQuantOp
//===----------------------------------------------------------------------===//

/// A step counter, like a seed, applies only to stochastic rounding.
static LogicalResult verifyStep(Operation *op, RoundingMode rounding,
                                Value step) {
  if (step && rounding != RoundingMode::stochastic)
    return op->emitOpError("'step' applies only to stochastic rounding");
  return success();
}

LogicalResult FakeQuantOp::verify() {
  if (failed(verifySeed(*this, getRounding(), getSeed())) ||
      failed(verifyStep(*this, getRounding(), getStep())))
    return failure();
  FormatTypeInterface format = getFormat();
  if (failed(format.verifyFormat([&] { return emitOpError(); })))
    return failure();
  FloatType expressed = format.getExpressedFloatType();
  Type elementType = getElementTypeOrSelf(getInput().getType());
  if (expressed && elementType != expressed)
    return emitOpError("float element type ")
           << elementType << " does not match the format's expressed type "
           << expressed;
  if (std::optional<ArrayRef<int64_t>> shape = getShapeOf(getInput().getType()))
    if (failed(verifyFormatForShape(format, *shape,
                                    [&] { return emitOpError(); })))
      return failure();
  return verifyArithmetic(*this, getArithmetic(), format, getInput().getType(),
                          getRounding());
}

OpFoldResult FakeQuantOp::fold(FoldAdaptor adaptor) {
  RoundingMode rounding = getRounding();
  // Nearest rounding is idempotent: an outer identical fake_quant is a no-op.
  if (auto producer = getInput().getDefiningOp<FakeQuantOp>())
    if (producer.getFormat() == getFormat() &&
        producer.getRounding() == rounding &&
        producer.getArithmetic() == getArithmetic() &&
        (rounding == RoundingMode::nearest_even ||
         rounding == RoundingMode::nearest_away))
      return getInput();
  if (rounding == RoundingMode::stochastic)
    return {};
  std::optional<SmallVector<double>> values = readFloats(adaptor.getInput());
  if (!values)
    return {};
  FormatTypeInterface format = getFormat();
  Type type = getType();
  if (failed(expandSplat(type, format, *values)))
    return {};
  SmallVector<int64_t> codes = encodeAll(
      type, format, *values, toNumerics(rounding), toNumerics(getArithmetic()));
  return buildFloats(
      type, decodeAll(type, format, codes, toNumerics(getArithmetic())));
}

//===----------------------------------------------------------------------===//
// RoundGradientOp
//===----------------------------------------------------------------------===//

LogicalResult RoundGradientOp::verify() {
  if (failed(verifySeed(*this, getRounding(), getSeed())) ||
      failed(verifyStep(*this, getRounding(), getStep())))
    return failure();
  if (!isa<FloatFormatType>(getFormat()))
    return emitOpError("gradients are rounded onto a !quantx.float format, "
                       "got ")
           << getFormat();
  return getFormat().verifyFormat([&] { return emitOpError(); });
}

#define GET_OP_CLASSES
#include "quantx/Dialect/Quantx/IR/QuantxOps.cpp.inc"
