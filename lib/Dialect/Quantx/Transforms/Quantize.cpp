//===- Quantize.cpp - a model with static formats into an integer graph ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The input: a model whose contractions read `quantx.fake_quant` of their
// activations (a calibrated model, or a frozen QAT model) and weights as
// `quantx.fake_quant` of parameter globals with values or as codes behind
// `quantx.storage_cast` + `quantx.dequantize`.
//
// 1. Every weight becomes its codes: a constant in the format's storage
//    type behind storage_cast and dequantize.
// 2. Each matmul and NHWC convolution whose activation format is fixed
//    point per tensor and whose weights are fixed point with zero point 0
//    (per tensor or per output channel) becomes linalg.quantized_matmul /
//    conv_2d_nhwc_hwcf_q on the codes, accumulating in i32 (i64 when
//    K * max|a - zp| * max|w| could overflow i32). Unsigned activation
//    formats run as the signed format with the zero point moved by
//    2^(N-1): the same values, and the codes upstream's ops sign-extend.
// 3. Each activation the next layer quantizes is followed back to an
//    accumulator through layout ops (reshapes, zero padding, max pooling)
//    and elementwise generics adding a per-channel constant bias, applying
//    ReLU and clipping to constant bounds: then it is the accumulator plus
//    the bias rounded onto the accumulator's grid refined by up to
//    `bias-fraction-bits` bits, `quantx.rescale`d to the activation's
//    format (ReLU and the clip in its clamp), and the layout ops replayed
//    on the codes (padding with the zero point's code). Max pooling,
//    reshapes, zero padding and clips commute with the monotone
//    quantization exactly; the bias is rounded (to 2^-k of the
//    accumulator's step) where the simulated model adds it in float. An
//    activation that cannot be followed is quantized from its float value.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Cleanup.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Numerics/Rescale.h"
#include "quantx/Numerics/Storage.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <limits>

namespace mlir::quantx {
#define GEN_PASS_DEF_QUANTIZEPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;
namespace numerics = ::quantx::numerics;

namespace {

/// A tensor of codes (signless integers) and the format they are codes of.
struct Codes {
  Value codes;
  FixedType format;
};

/// A quantized contraction's accumulator: value = acc * scales[c], c the
/// index along the last dimension (one scale: per tensor).
struct Accumulator {
  Value acc;
  SmallVector<double> scales;
  /// A bound on |acc| before any bias.
  double bound = 0;
};

/// `format` with signed storage: uN with zero point z as iN with z - 2^(N-1)
/// (the same values).
FixedType getSignedFormat(FixedType format) {
  if (format.getIsSigned())
    return format;
  int64_t offset = int64_t(1) << (format.getWidth() - 1);
  SmallVector<int64_t> zeroPoints;
  for (int64_t z : format.getZeroPoints())
    zeroPoints.push_back(z - offset);
  if (zeroPoints.empty())
    zeroPoints.push_back(-offset);
  return FixedType::get(
      format.getContext(), format.getWidth(), true,
      format.getStorageMin() - offset, format.getStorageMax() - offset,
      format.getExpressedType(), format.getQuantizedDimension(),
      format.getScales(), zeroPoints);
}

int64_t getZeroPoint(FixedType format) {
  return format.getZeroPoints().empty() ? 0 : format.getZeroPoints().front();
}

/// The per-tensor fixed-point format of a fake_quant on f32, if it is one.
FixedType getActivationFormat(FakeQuantOp op) {
  auto format = dyn_cast<FixedType>(op.getFormat());
  if (!format || format.getScales().size() != 1 ||
      op.getRounding() != RoundingMode::nearest_even ||
      op.getArithmetic() != Arithmetic::exact ||
      !getElementTypeOrSelf(op.getType()).isF32())
    return nullptr;
  return format;
}

struct QuantizePass : mlir::quantx::impl::QuantizePassBase<QuantizePass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult quantizeFunction(func::FuncOp function);
  LogicalResult foldWeights(func::FuncOp function);
  /// Quantizes one contraction; false (with a remark) when it stays float.
  FailureOr<bool> quantizeLayer(linalg::LinalgOp op);
  /// The codes of the activation `fakeQuant` quantizes.
  FailureOr<Codes> getActivationCodes(FakeQuantOp fakeQuant);
  /// Follows `value` back to an accumulator; the codes in `format`, or
  /// nothing when it cannot.
  FailureOr<std::optional<Value>> requantizeChain(Value value, FixedType format,
                                                  Location loc);

  /// Sub-byte code constants become bytes and quantx.unpack.
  void packSubByteConstants(func::FuncOp function);
  /// Code constants become immutable globals.
  void moveCodesToGlobals(func::FuncOp function);

  numerics::RescaleRounding rounding = numerics::RescaleRounding::SingleRound;
  /// The global names of weight codes (after the weights').
  llvm::DenseMap<Operation *, std::string> codeNames;
  /// Float results of quantized contractions (dequantized accumulators).
  llvm::DenseMap<Value, Accumulator> accumulators;
  llvm::MapVector<Operation *, Codes> activationCodes;
};

/// Step 1: weights as codes.
LogicalResult QuantizePass::foldWeights(func::FuncOp function) {
  SmallVector<FakeQuantOp> weights;
  function.walk([&](FakeQuantOp op) {
    if (op.getInput().getDefiningOp<ml_program::GlobalLoadOp>() &&
        getConstantFloatValues(op.getInput()))
      weights.push_back(op);
  });
  for (FakeQuantOp op : weights) {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!type || !type.hasStaticShape())
      continue;
    auto format = cast<FormatTypeInterface>(op.getFormat());
    std::vector<double> values = *getConstantFloatValues(op.getInput());
    std::optional<int32_t> axis = format.getChannelAxis();
    int64_t inner = 1;
    if (axis)
      for (int64_t d = *axis + 1; d < type.getRank(); ++d)
        inner *= type.getDimSize(d);
    int64_t channels = axis ? type.getDimSize(*axis) : 1;
    IntegerType storage = format.getStorageType();
    SmallVector<APInt> codes;
    codes.reserve(values.size());
    for (int64_t i = 0; i < static_cast<int64_t>(values.size()); ++i) {
      int64_t channel = axis ? (i / inner) % channels : 0;
      int64_t code =
          format.encode(static_cast<double>(static_cast<float>(values[i])),
                        toNumerics(op.getRounding()), 0, channel);
      codes.push_back(APInt(storage.getWidth(), static_cast<uint64_t>(code),
                            /*isSigned=*/true, /*implicitTrunc=*/true));
    }
    OpBuilder b(op);
    Location loc = op.getLoc();
    auto codesType = RankedTensorType::get(type.getShape(), storage);
    Value constant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(codesType, codes));
    auto load = op.getInput().getDefiningOp<ml_program::GlobalLoadOp>();
    codeNames[constant.getDefiningOp()] =
        load.getGlobal().getLeafReference().str() + "_codes";
    auto quantizedType = RankedTensorType::get(type.getShape(), format);
    Value cast = StorageCastOp::create(b, loc, quantizedType, constant);
    Value decoded = DequantizeOp::create(
        b, loc, type, cast,
        ArithmeticAttr::get(b.getContext(), Arithmetic::exact));
    op.getResult().replaceAllUsesWith(decoded);
    op.erase();
  }
  return success();
}

/// The weight codes of `value` (dequantize(storage_cast(constant))): the
/// constant and the format.
std::optional<Codes> getWeightCodes(Value value) {
  auto dequantize = value.getDefiningOp<DequantizeOp>();
  if (!dequantize)
    return std::nullopt;
  auto cast = dequantize.getInput().getDefiningOp<StorageCastOp>();
  if (!cast || !matchPattern(cast.getInput(), m_Constant()))
    return std::nullopt;
  auto format = dyn_cast<FixedType>(getElementTypeOrSelf(cast.getType()));
  if (!format)
    return std::nullopt;
  return Codes{cast.getInput(), format};
}

FailureOr<bool> QuantizePass::quantizeLayer(linalg::LinalgOp op) {
  auto stayFloat = [&](const Twine &why) -> FailureOr<bool> {
    op->emitRemark("quantx-quantize: this layer stays float: ") << why;
    return false;
  };
  bool isMatmul = isa<linalg::MatmulOp>(op);
  if (isMatmul &&
      op.getIndexingMapsArray() !=
          linalg::MatmulOp::getDefaultIndexingMaps(op->getContext()))
    return stayFloat("the matmul has transposed operands");
  Value a = op.getDpsInputOperand(0)->get();
  Value w = op.getDpsInputOperand(1)->get();
  auto fakeQuant = a.getDefiningOp<FakeQuantOp>();
  std::optional<Codes> weights = getWeightCodes(w);
  if (!fakeQuant && !weights) {
    op->emitError("quantx-quantize: neither operand of this layer has a "
                  "format (the input is not a quantx.fake_quant, the "
                  "weights are no quantized codes): calibrate the model "
                  "(quantx-runner calibrate) or freeze a QAT model first");
    return failure();
  }
  if (!fakeQuant)
    return stayFloat("its input has no format");
  FixedType activationFormat = getActivationFormat(fakeQuant);
  if (!activationFormat)
    return stayFloat("its input's format is not fixed point per tensor "
                     "with nearest-even rounding on f32");
  if (!weights)
    return stayFloat("its weights are no fixed-point codes");
  FixedType weightFormat = weights->format;
  int64_t outputDim = cast<ShapedType>(w.getType()).getRank() - 1;
  if (weightFormat.getScales().size() > 1 &&
      weightFormat.getQuantizedDimension() != outputDim)
    return stayFloat("its weights are quantized along a dimension other "
                     "than the output channel");
  for (int64_t z : weightFormat.getZeroPoints())
    if (z != weightFormat.getZeroPoints().front() ||
        (weightFormat.getScales().size() > 1 && z != 0))
      return stayFloat("its weights have per-channel zero points");
  // The init must be zeros.
  Value init = op.getDpsInitOperand(0)->get();
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill || !matchPattern(fill.getInputs()[0], m_AnyZeroFloat()))
    return stayFloat("it does not accumulate into zeros");

  int64_t outputChannels =
      cast<ShapedType>(op->getResult(0).getType()).getShape().back();
  if (weightFormat.getScales().size() > 1 &&
      static_cast<int64_t>(weightFormat.getScales().size()) != outputChannels)
    return stayFloat("its weight scales do not match its output channels");
  FailureOr<Codes> activation = getActivationCodes(fakeQuant);
  if (failed(activation))
    return failure();

  OpBuilder b(op);
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  // The accumulator's bound: K * max|a - zp| * max|w - zp|.
  FixedType af = activation->format;
  int64_t zpA = getZeroPoint(af), zpW = getZeroPoint(weightFormat);
  double aMax = std::max(zpA - af.getStorageMin(), af.getStorageMax() - zpA);
  double wMax = 0;
  DenseElementsAttr codes;
  matchPattern(weights->codes, m_Constant(&codes));
  for (APInt v : codes.getValues<APInt>())
    wMax = std::max(wMax, std::fabs(double(v.getSExtValue() - zpW)));
  auto weightType = cast<ShapedType>(weights->codes.getType());
  double k = 1;
  for (int64_t d = 0; d + 1 < weightType.getRank(); ++d)
    k *= weightType.getDimSize(d);
  double bound = k * aMax * wMax;
  if (bound >= 0x1p62)
    return stayFloat("its accumulator could overflow 64 bits");
  IntegerType accType = bound < 0x1p31 ? b.getI32Type() : b.getI64Type();
  auto accTensorType = RankedTensorType::get(resultType.getShape(), accType);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, init);
  Value empty = tensor::EmptyOp::create(b, loc, sizes, accType);
  Value zero = arith::ConstantOp::create(b, loc, IntegerAttr::get(accType, 0));
  Value zeros = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
  Value zpAValue = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(zpA));
  Value zpWValue = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(zpW));
  Value acc;
  if (isMatmul) {
    acc = linalg::QuantizedMatmulOp::create(
              b, loc, TypeRange{accTensorType},
              ValueRange{activation->codes, weights->codes, zpAValue, zpWValue},
              ValueRange{zeros})
              .getResult(0);
  } else {
    auto conv = cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation());
    acc = linalg::Conv2DNhwcHwcfQOp::create(
              b, loc, TypeRange{accTensorType},
              ValueRange{activation->codes, weights->codes, zpAValue, zpWValue},
              ValueRange{zeros}, conv.getStrides(), conv.getDilations())
              .getResult(0);
  }
  // The float result: the accumulator decoded.
  Accumulator record;
  record.acc = acc;
  record.bound = bound;
  double sa = af.getScales().front();
  for (double sw : weightFormat.getScales())
    record.scales.push_back(sa * sw);
  bool perChannel = record.scales.size() > 1;
  Value decoded;
  if (accType.getWidth() <= 32) {
    // Decoded through its format, visible in the IR.
    auto accFormat = FixedType::get(
        b.getContext(), accType.getWidth(), true,
        numerics::FixedPointFormat::getIntegerMin(accType.getWidth(), true),
        numerics::FixedPointFormat::getIntegerMax(accType.getWidth(), true),
        b.getF32Type(), perChannel ? int32_t(resultType.getRank() - 1) : -1,
        record.scales, SmallVector<int64_t>(record.scales.size(), 0));
    Value quantized = StorageCastOp::create(
        b, loc, RankedTensorType::get(resultType.getShape(), accFormat), acc);
    decoded = DequantizeOp::create(
        b, loc, resultType, quantized,
        ArithmeticAttr::get(b.getContext(), Arithmetic::exact));
  } else {
    // No format has 64-bit storage: the same decoding, acc * scale in f64
    // rounded to f32, as a generic.
    int64_t rank = resultType.getRank();
    MLIRContext *context = b.getContext();
    auto scalesType = RankedTensorType::get(
        {static_cast<int64_t>(record.scales.size())}, b.getF64Type());
    Value scales = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(scalesType, ArrayRef(record.scales)));
    AffineMap scaleMap =
        perChannel ? AffineMap::get(
                         rank, 0, getAffineDimExpr(rank - 1, context), context)
                   : AffineMap::get(rank, 0, getAffineConstantExpr(0, context),
                                    context);
    Value empty = tensor::EmptyOp::create(
        b, loc, tensor::getMixedSizes(b, loc, acc), b.getF32Type());
    decoded =
        linalg::GenericOp::create(
            b, loc, TypeRange{resultType}, ValueRange{acc, scales},
            ValueRange{empty},
            SmallVector<AffineMap>{b.getMultiDimIdentityMap(rank), scaleMap,
                                   b.getMultiDimIdentityMap(rank)},
            SmallVector<utils::IteratorType>(rank,
                                             utils::IteratorType::parallel),
            [&](OpBuilder &nb, Location nl, ValueRange args) {
              Value wide =
                  arith::SIToFPOp::create(nb, nl, nb.getF64Type(), args[0]);
              Value scaled = arith::MulFOp::create(nb, nl, wide, args[1]);
              linalg::YieldOp::create(
                  nb, nl,
                  arith::TruncFOp::create(nb, nl, nb.getF32Type(), scaled)
                      .getResult());
            })
            .getResult(0);
  }
  op->getResult(0).replaceAllUsesWith(decoded);
  op->erase();
  accumulators[decoded] = record;
  return true;
}

FailureOr<Codes> QuantizePass::getActivationCodes(FakeQuantOp fakeQuant) {
  auto it = activationCodes.find(fakeQuant);
  if (it != activationCodes.end())
    return it->second;
  FixedType format = getSignedFormat(getActivationFormat(fakeQuant));
  Location loc = fakeQuant.getLoc();
  FailureOr<std::optional<Value>> chained =
      requantizeChain(fakeQuant.getInput(), format, loc);
  if (failed(chained))
    return failure();
  Value codes;
  if (*chained) {
    codes = **chained;
  } else {
    OpBuilder b(fakeQuant);
    auto type = cast<RankedTensorType>(fakeQuant.getType());
    Value q = QuantizeOp::create(
        b, loc, RankedTensorType::get(type.getShape(), format),
        fakeQuant.getInput(),
        RoundingModeAttr::get(b.getContext(), RoundingMode::nearest_even),
        IntegerAttr(), ArithmeticAttr::get(b.getContext(), Arithmetic::exact));
    codes = StorageCastOp::create(
        b, loc, RankedTensorType::get(type.getShape(), format.getStorageType()),
        q);
  }
  Codes result{codes, format};
  activationCodes[fakeQuant] = result;
  return result;
}

/// What an elementwise generic does to its main input: add a per-channel
/// constant (the bias), then ReLU and a clip to a constant upper bound (a
/// ReLU6, PACT's learned clip once trained), each optional.
struct Epilogue {
  Value bias;
  bool relu = false;
  std::optional<double> upper;
};

/// Recognizes `op` as `y = min(relu?(x + bias?), upper)?` over identity maps,
/// the bias indexed by the last dimension, the upper bound a constant
/// scalar (an operand with a constant value, or a constant in the body) at
/// least 0; the main input's index, or nothing.
std::optional<unsigned> matchEpilogue(linalg::GenericOp op, Epilogue &step) {
  if (op.getNumDpsInits() != 1 || op.getNumDpsInputs() < 1 ||
      op.getNumDpsInputs() > 3 ||
      llvm::any_of(op.getIteratorTypesArray(), [](utils::IteratorType t) {
        return t != utils::IteratorType::parallel;
      }))
    return std::nullopt;
  unsigned rank = op.getNumLoops();
  AffineMap identity =
      AffineMap::getMultiDimIdentityMap(rank, op->getContext());
  AffineMap channel = AffineMap::get(
      rank, 0, getAffineDimExpr(rank - 1, op->getContext()), op->getContext());
  if (op.getMatchingIndexingMap(op.getDpsInitOperand(0)) != identity)
    return std::nullopt;
  std::optional<unsigned> main, biasIndex, scalarIndex;
  for (unsigned i = 0; i < op.getNumDpsInputs(); ++i) {
    AffineMap map = op.getMatchingIndexingMap(op.getDpsInputOperand(i));
    if (map == identity && !main)
      main = i;
    else if (map == channel && !biasIndex)
      biasIndex = i;
    else if (map.getNumResults() == 0 && !scalarIndex)
      scalarIndex = i;
    else
      return std::nullopt;
  }
  if (!main)
    return std::nullopt;
  Block &body = op.getRegion().front();
  Value current = body.getArgument(*main);
  Value biasArg = biasIndex ? body.getArgument(*biasIndex) : Value();
  Value scalarArg = scalarIndex ? body.getArgument(*scalarIndex) : Value();
  // The value of a clip's bound: the scalar operand's constant value, or a
  // float constant.
  auto boundOf = [&](Value v) -> std::optional<double> {
    if (v == scalarArg) {
      std::optional<std::vector<double>> values =
          getConstantFloatValues(op.getDpsInputOperand(*scalarIndex)->get());
      if (!values || values->size() != 1)
        return std::nullopt;
      return values->front();
    }
    FloatAttr attr;
    if (matchPattern(v, m_Constant(&attr)))
      return attr.getValueAsDouble();
    return std::nullopt;
  };
  bool added = false;
  for (Operation &inner : body.without_terminator()) {
    if (auto add = dyn_cast<arith::AddFOp>(inner)) {
      if (added || step.relu || step.upper || !biasArg)
        return std::nullopt;
      if (!((add.getLhs() == current && add.getRhs() == biasArg) ||
            (add.getRhs() == current && add.getLhs() == biasArg)))
        return std::nullopt;
      current = add.getResult();
      added = true;
      continue;
    }
    if (isa<arith::ConstantOp>(inner))
      continue;
    bool isMax = isa<arith::MaximumFOp, arith::MaxNumFOp>(inner);
    bool isMin = isa<arith::MinimumFOp, arith::MinNumFOp>(inner);
    if (!isMax && !isMin)
      return std::nullopt;
    Value lhs = inner.getOperand(0), rhs = inner.getOperand(1);
    Value other = lhs == current ? rhs : rhs == current ? lhs : Value();
    if (!other)
      return std::nullopt;
    if (isMax) {
      if (step.relu || !matchPattern(other, m_AnyZeroFloat()))
        return std::nullopt;
      step.relu = true;
    } else {
      // min(max(x, 0), c) = max(min(x, c), 0) for c >= 0: in either order.
      std::optional<double> bound = boundOf(other);
      if (!bound || step.upper || !(*bound >= 0) || !std::isfinite(*bound))
        return std::nullopt;
      step.upper = *bound;
    }
    current = inner.getResult(0);
  }
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  if (yield.getOperand(0) != current || (biasArg && !added) ||
      (scalarArg && !step.upper))
    return std::nullopt;
  if (biasIndex)
    step.bias = op.getDpsInputOperand(*biasIndex)->get();
  return main;
}

FailureOr<std::optional<Value>>
QuantizePass::requantizeChain(Value value, FixedType format, Location loc) {
  // Layout ops, from the activation back.
  SmallVector<Operation *> layout;
  Value current = value;
  while (Operation *def = current.getDefiningOp()) {
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def)) {
      layout.push_back(def);
      current = def->getOperand(0);
      continue;
    }
    if (auto pad = dyn_cast<tensor::PadOp>(def)) {
      Value padding = pad.getConstantPaddingValue();
      if (!padding || !matchPattern(padding, m_AnyZeroFloat()))
        break;
      layout.push_back(def);
      current = pad.getSource();
      continue;
    }
    if (auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(def)) {
      layout.push_back(def);
      current = pool.getInputs()[0];
      continue;
    }
    break;
  }
  // Bias and ReLU, from the accumulator forward.
  Epilogue epilogue;
  SmallVector<linalg::GenericOp> steps;
  while (!accumulators.count(current)) {
    auto generic = current.getDefiningOp<linalg::GenericOp>();
    if (!generic)
      return std::optional<Value>();
    Epilogue step;
    std::optional<unsigned> main = matchEpilogue(generic, step);
    if (!main)
      return std::optional<Value>();
    // Steps are met last first: nothing precedes the bias (a ReLU or clip
    // before it has no integer form here); ReLUs and clips to bounds of at
    // least 0 commute, and the tightest bound holds.
    if (epilogue.bias)
      return std::optional<Value>();
    if (step.bias)
      epilogue.bias = step.bias;
    epilogue.relu |= step.relu;
    if (step.upper)
      epilogue.upper =
          epilogue.upper ? std::min(*epilogue.upper, *step.upper) : *step.upper;
    current = generic.getDpsInputOperand(*main)->get();
  }
  const Accumulator &record = accumulators.find(current)->second;
  Operation *anchor = value.getDefiningOp();
  OpBuilder b(anchor ? anchor : current.getDefiningOp());
  if (!anchor)
    b.setInsertionPointAfterValue(current);
  auto accType = cast<RankedTensorType>(record.acc.getType());
  int64_t rank = accType.getRank();
  int64_t channels = accType.getShape().back();
  auto scaleOf = [&](int64_t c) {
    return record.scales.size() == 1 ? record.scales.front() : record.scales[c];
  };
  Value acc = record.acc;
  double outScale = format.getScales().front();
  bool fixedPoint = rounding != numerics::RescaleRounding::Float;
  std::vector<double> accScales(record.scales.begin(), record.scales.end());
  std::vector<double> ratios;
  for (double scale : accScales)
    ratios.push_back(scale / outScale);
  // The bias, with extra fraction bits below the accumulator's grid where
  // the accumulator has room (acc 2^k + round(b 2^k / s)); the multipliers
  // are divided by 2^k to match.
  int fractionBits = 0;
  if (epilogue.bias) {
    std::optional<std::vector<double>> bias =
        getConstantFloatValues(epilogue.bias);
    if (!bias || static_cast<int64_t>(bias->size()) != channels)
      return std::optional<Value>();
    Type element = accType.getElementType();
    double limit32 = std::numeric_limits<int32_t>::max();
    double limit64 = 0x1p62;
    int maxBits = static_cast<int>(biasFractionBits);
    auto biasMaxAt = [&](int k) {
      double biasMax = 0;
      for (int64_t c = 0; c < channels; ++c)
        biasMax = std::max(
            biasMax,
            std::fabs(std::nearbyint(std::ldexp((*bias)[c], k) / scaleOf(c))));
      return biasMax;
    };
    if (record.bound + biasMaxAt(0) > limit64)
      return std::optional<Value>();
    bool wide = !element.isInteger(32) || record.bound + biasMaxAt(0) > limit32;
    fractionBits = numerics::chooseBiasFractionBits(
        record.bound, *bias, accScales, ratios, fixedPoint,
        wide ? limit64 : limit32, maxBits);
    if (wide && element.isInteger(32)) {
      element = b.getI64Type();
      auto wideType = RankedTensorType::get(accType.getShape(), element);
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, acc);
      Value empty = tensor::EmptyOp::create(b, loc, sizes, element);
      acc = linalg::GenericOp::create(
                b, loc, TypeRange{wideType}, ValueRange{acc}, ValueRange{empty},
                SmallVector<AffineMap>(2, b.getMultiDimIdentityMap(rank)),
                SmallVector<utils::IteratorType>(rank,
                                                 utils::IteratorType::parallel),
                [&](OpBuilder &nb, Location nl, ValueRange args) {
                  linalg::YieldOp::create(
                      nb, nl,
                      arith::ExtSIOp::create(nb, nl, element, args[0])
                          .getResult());
                })
                .getResult(0);
      accType = wideType;
    }
    auto biasType = RankedTensorType::get({channels}, element);
    SmallVector<APInt> biasValues;
    for (int64_t c = 0; c < channels; ++c)
      biasValues.push_back(
          APInt(element.getIntOrFloatBitWidth(),
                static_cast<int64_t>(std::nearbyint(
                    std::ldexp((*bias)[c], fractionBits) / scaleOf(c))),
                /*isSigned=*/true));
    Value biasConstant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(biasType, biasValues));
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, acc);
    Value empty = tensor::EmptyOp::create(b, loc, sizes, element);
    MLIRContext *context = b.getContext();
    acc = linalg::GenericOp::create(
              b, loc, TypeRange{accType}, ValueRange{acc, biasConstant},
              ValueRange{empty},
              SmallVector<AffineMap>{
                  b.getMultiDimIdentityMap(rank),
                  AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, context),
                                 context),
                  b.getMultiDimIdentityMap(rank)},
              SmallVector<utils::IteratorType>(rank,
                                               utils::IteratorType::parallel),
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                Value scaled = args[0];
                if (fractionBits > 0)
                  scaled = arith::ShLIOp::create(
                      nb, nl, scaled,
                      arith::ConstantOp::create(
                          nb, nl, IntegerAttr::get(element, fractionBits)));
                linalg::YieldOp::create(
                    nb, nl,
                    arith::AddIOp::create(nb, nl, scaled, args[1]).getResult());
              })
              .getResult(0);
  }
  // The rescale to `format`.
  int64_t zeroPoint = getZeroPoint(format);
  SmallVector<float> scales;
  SmallVector<int32_t> multipliers, shifts;
  for (size_t c = 0; c < record.scales.size(); ++c) {
    double m = std::ldexp(ratios[c], -fractionBits);
    if (rounding == numerics::RescaleRounding::Float) {
      scales.push_back(static_cast<float>(m));
      continue;
    }
    auto fixed = numerics::getFixedPointMultiplier(m);
    if (!fixed) {
      emitError(loc, "quantx-quantize: the requantization multiplier ")
          << m << " (accumulator scale " << record.scales[c]
          << " over the activation's scale " << outScale
          << ") has no fixed-point form (multiplier * 2^-shift with shift "
             "in [1, 62]); use rescale=float";
      return failure();
    }
    multipliers.push_back(fixed->first);
    shifts.push_back(fixed->second);
  }
  bool perChannel = record.scales.size() > 1;
  auto codesType =
      RankedTensorType::get(accType.getShape(), format.getStorageType());
  MLIRContext *context = b.getContext();
  RescaleRounding attrRounding =
      rounding == numerics::RescaleRounding::Float
          ? RescaleRounding::float_scale
      : rounding == numerics::RescaleRounding::SingleRound
          ? RescaleRounding::single_round
      : rounding == numerics::RescaleRounding::DoubleRound
          ? RescaleRounding::double_round
          : RescaleRounding::gemmlowp;
  int64_t lo = format.getStorageMin(), hi = format.getStorageMax();
  if (epilogue.relu)
    lo = std::max(lo, zeroPoint);
  // The quantization is monotone: clipping at c before it is clamping at
  // the code of c after.
  if (epilogue.upper)
    hi = std::min(hi, cast<FormatTypeInterface>(Type(format))
                          .encode(*epilogue.upper,
                                  numerics::RoundingMode::NearestEven, 0, 0));
  Value codes = RescaleOp::create(
      b, loc, codesType, acc, RescaleRoundingAttr::get(context, attrRounding),
      scales.empty() ? DenseF32ArrayAttr() : b.getDenseF32ArrayAttr(scales),
      multipliers.empty() ? DenseI32ArrayAttr()
                          : b.getDenseI32ArrayAttr(multipliers),
      shifts.empty() ? DenseI32ArrayAttr() : b.getDenseI32ArrayAttr(shifts),
      perChannel ? b.getI64IntegerAttr(rank - 1) : IntegerAttr(),
      b.getI64IntegerAttr(0), b.getI64IntegerAttr(zeroPoint),
      b.getI64IntegerAttr(lo), b.getI64IntegerAttr(hi));
  // The layout ops again, on the codes.
  Type storage = format.getStorageType();
  for (Operation *op : llvm::reverse(layout)) {
    auto retype = [&](Type t) {
      auto shaped = cast<RankedTensorType>(t);
      return RankedTensorType::get(shaped.getShape(), storage);
    };
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
      codes = tensor::CollapseShapeOp::create(
          b, loc, retype(collapse.getType()), codes,
          collapse.getReassociationIndices());
    } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
      codes = tensor::ExpandShapeOp::create(
          b, loc, retype(expand.getType()), codes,
          expand.getReassociationIndices(), expand.getMixedOutputShape());
    } else if (auto pad = dyn_cast<tensor::PadOp>(op)) {
      Value padding = arith::ConstantOp::create(
          b, loc, IntegerAttr::get(storage, zeroPoint));
      codes = tensor::PadOp::create(b, loc, retype(pad.getType()), codes,
                                    pad.getMixedLowPad(), pad.getMixedHighPad(),
                                    padding, pad.getNofold());
    } else if (auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(op)) {
      Value poolInit = pool.getOutputs()[0];
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, poolInit);
      Value empty = tensor::EmptyOp::create(b, loc, sizes, storage);
      Value lowest = arith::ConstantOp::create(
          b, loc, IntegerAttr::get(storage, format.getStorageMin()));
      Value filled = linalg::FillOp::create(b, loc, lowest, empty).getResult(0);
      codes = linalg::PoolingNhwcMaxOp::create(
                  b, loc, TypeRange{filled.getType()},
                  ValueRange{codes, pool.getInputs()[1]}, ValueRange{filled},
                  pool.getStrides(), pool.getDilations())
                  .getResult(0);
    }
  }
  return std::optional<Value>(codes);
}

/// Weight codes live in immutable globals: a constant would be folded back
/// into floats by the canonicalizer (dequantize of a storage constant), and
/// a global is what a model stores.
void QuantizePass::moveCodesToGlobals(func::FuncOp function) {
  auto module = function->getParentOfType<ModuleOp>();
  SymbolTable symbols(module);
  SmallVector<arith::ConstantOp> constants;
  function.walk([&](arith::ConstantOp op) {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    auto dense = dyn_cast<DenseIntElementsAttr>(op.getValue());
    if (!type || !type.hasStaticShape() || !dense || dense.isSplat())
      return;
    if (llvm::any_of(op->getUsers(), [](Operation *user) {
          return isa<StorageCastOp, UnpackOp, linalg::QuantizedMatmulOp,
                     linalg::Conv2DNhwcHwcfQOp>(user);
        }))
      constants.push_back(op);
  });
  for (arith::ConstantOp op : constants) {
    auto name = codeNames.find(op);
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPoint(function);
    auto global = ml_program::GlobalOp::create(
        b, op.getLoc(),
        b.getStringAttr(name != codeNames.end() ? name->second : "codes"),
        TypeAttr::get(op.getType()), /*is_mutable=*/UnitAttr(), op.getValue(),
        b.getStringAttr("private"));
    symbols.insert(global);
    b.setInsertionPoint(op);
    Value load = ml_program::GlobalLoadOp::create(
        b, op.getLoc(), op.getType(), FlatSymbolRefAttr::get(global));
    op.getResult().replaceAllUsesWith(load);
    op.erase();
  }
}

/// Sub-byte codes (1 to 7 bits) stored packed: each such constant becomes
/// bytes and quantx.unpack.
void QuantizePass::packSubByteConstants(func::FuncOp function) {
  SmallVector<arith::ConstantOp> constants;
  function.walk([&](arith::ConstantOp op) {
    auto type = dyn_cast<RankedTensorType>(op.getType());
    auto element =
        type ? dyn_cast<IntegerType>(type.getElementType()) : IntegerType();
    auto dense = dyn_cast<DenseIntElementsAttr>(op.getValue());
    if (element && type.hasStaticShape() && dense && !dense.isSplat() &&
        numerics::isPackableWidth(element.getWidth()))
      constants.push_back(op);
  });
  for (arith::ConstantOp op : constants) {
    auto type = cast<RankedTensorType>(op.getType());
    unsigned bits = type.getElementType().getIntOrFloatBitWidth();
    std::vector<int64_t> codes;
    for (APInt v : cast<DenseIntElementsAttr>(op.getValue()))
      codes.push_back(static_cast<int64_t>(v.getZExtValue()));
    std::vector<uint8_t> bytes = numerics::packCodes(codes, bits);
    OpBuilder b(op);
    auto packedType = RankedTensorType::get(
        {static_cast<int64_t>(bytes.size())}, b.getI8Type());
    SmallVector<int8_t> values(bytes.begin(), bytes.end());
    Value packed = arith::ConstantOp::create(
        b, op.getLoc(), DenseElementsAttr::get(packedType, ArrayRef(values)));
    auto name = codeNames.find(op);
    if (name != codeNames.end())
      codeNames[packed.getDefiningOp()] = name->second;
    Value unpacked = UnpackOp::create(b, op.getLoc(), type, packed);
    op.getResult().replaceAllUsesWith(unpacked);
    op.erase();
  }
}

LogicalResult QuantizePass::quantizeFunction(func::FuncOp function) {
  accumulators.clear();
  activationCodes.clear();
  codeNames.clear();
  if (failed(foldWeights(function)))
    return failure();
  SmallVector<linalg::LinalgOp> layers;
  function.walk([&](linalg::LinalgOp op) {
    if (isa<linalg::MatmulOp, linalg::Conv2DNhwcHwcfOp>(op))
      layers.push_back(op);
    else if (isa<linalg::BatchMatmulOp, linalg::DepthwiseConv2DNhwcHwcOp>(op) ||
             (isa<linalg::GenericOp>(op) &&
              linalg::isaContractionOpInterface(op) &&
              llvm::any_of(op->getOperands(), [](Value v) {
                return v.getDefiningOp<FakeQuantOp>() ||
                       v.getDefiningOp<DequantizeOp>();
              })))
      op->emitRemark("quantx-quantize: this layer stays float: only "
                     "linalg.matmul and linalg.conv_2d_nhwc_hwcf have an "
                     "integer form");
  });
  for (linalg::LinalgOp layer : layers)
    if (failed(quantizeLayer(layer)))
      return failure();
  // Other users of a quantized activation read its codes, decoded.
  for (auto &[op, codes] : activationCodes) {
    auto fakeQuant = cast<FakeQuantOp>(op);
    if (fakeQuant.use_empty()) {
      fakeQuant.erase();
      continue;
    }
    OpBuilder b(fakeQuant);
    auto type = cast<RankedTensorType>(fakeQuant.getType());
    Value cast = StorageCastOp::create(
        b, fakeQuant.getLoc(),
        RankedTensorType::get(type.getShape(), codes.format), codes.codes);
    fakeQuant.getResult().replaceAllUsesWith(DequantizeOp::create(
        b, fakeQuant.getLoc(), type, cast,
        ArithmeticAttr::get(b.getContext(), Arithmetic::exact)));
    fakeQuant.erase();
  }
  if (packSubByte)
    packSubByteConstants(function);
  moveCodesToGlobals(function);
  // What only the float layers used goes.
  eraseDeadOps(function);
  return success();
}

void QuantizePass::runOnOperation() {
  ModuleOp module = getOperation();
  std::optional<numerics::RescaleRounding> parsed =
      numerics::parseRescaleRounding(rescale);
  if (!parsed) {
    module.emitError("quantx-quantize: unknown rescale '")
        << rescale
        << "' (expected single_round, double_round, gemmlowp or float)";
    return signalPassFailure();
  }
  rounding = *parsed;
  if (biasFractionBits < 0 || biasFractionBits > 32) {
    module.emitError("quantx-quantize: bias-fraction-bits must be in 0..32, "
                     "got ")
        << static_cast<int64_t>(biasFractionBits);
    return signalPassFailure();
  }
  // A QAT model's run-time quantizers are frozen first.
  bool hasRunTimeScales = false;
  module.walk([&](ScaledFakeQuantOp) { hasRunTimeScales = true; });
  if (hasRunTimeScales) {
    OpPassManager freeze("builtin.module");
    freeze.addPass(createFreezeQuantizationPass());
    if (failed(runPipeline(freeze, module)))
      return signalPassFailure();
  }
  for (auto function : llvm::to_vector(module.getOps<func::FuncOp>()))
    if (!function.isExternal() && failed(quantizeFunction(function)))
      return signalPassFailure();
  // Float weights nothing reads any more go.
  eraseUnusedGlobals(
      module, [](ml_program::GlobalOp global) { return global.isPrivate(); });
}

} // namespace
