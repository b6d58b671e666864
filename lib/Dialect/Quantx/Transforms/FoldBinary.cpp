//===- FoldBinary.cpp - binarized matmuls into XNOR-popcount --------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// sum_k (sa a_k)(sw_n w_kn) = sa sw_n sum_k a_k w_kn for a_k, w_kn in
// {-1, +1}: the sum is the integer quantx.binary_matmul computes from the
// signs packed one bit each, scaled once. With float activations a_k,
// sum_k a_k (sw_n w_kn) = sw_n sum_k +-a_k: additions and subtractions
// (quantx.sign_matmul), scaled once.
//
//===----------------------------------------------------------------------===//

#include "FoldBinarySigns.h"

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Numerics/Binary.h"
#include "quantx/Utils/Constants.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/DebugStringHelper.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_FOLDBINARYPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// The weights of a binary or ternary layer: codes K x N (binary: 1 for
/// +1, 0 for -1; ternary: -1, 0, 1) and their format.
struct LayerWeights {
  DenseIntElementsAttr codes;
  FormatTypeInterface format;
  bool ternary;
};

/// The scale of channel `channel` of a binary or ternary format.
double getScale(FormatTypeInterface format, int64_t channel) {
  if (auto binary = dyn_cast<BinaryType>(format))
    return binary.getScale(channel);
  return cast<TernaryType>(format).getScale(channel);
}

/// The per-tensor binary or ternary activations feeding `value`, or null.
FakeQuantOp getLayerActivations(Value value) {
  auto fakeQuant = value.getDefiningOp<FakeQuantOp>();
  if (!fakeQuant)
    return nullptr;
  Type format = fakeQuant.getFormat();
  if (auto binary = dyn_cast<BinaryType>(format))
    return binary.getNumChannels() == 1 ? fakeQuant : nullptr;
  if (auto ternary = dyn_cast<TernaryType>(format))
    return ternary.getNumChannels() == 1 ? fakeQuant : nullptr;
  return nullptr;
}

/// Constant binary or ternary weight codes behind storage_cast and
/// dequantize, with the output channel their last dimension.
FailureOr<LayerWeights> getLayerWeights(Value value) {
  auto dequantize = value.getDefiningOp<DequantizeOp>();
  if (!dequantize)
    return failure();
  auto cast = dequantize.getInput().getDefiningOp<StorageCastOp>();
  if (!cast)
    return failure();
  Type element = getElementTypeOrSelf(dequantize.getInput().getType());
  if (!isa<BinaryType, TernaryType>(element))
    return failure();
  auto format = ::mlir::cast<FormatTypeInterface>(element);
  auto codes = dyn_cast_or_null<DenseIntElementsAttr>(
      getCompileTimeElements(cast.getInput()));
  std::optional<int32_t> axis = format.getChannelAxis();
  if (!codes || codes.getType().getRank() < 2 ||
      (axis && *axis != codes.getType().getRank() - 1))
    return failure();
  return LayerWeights{codes, format, isa<TernaryType>(element)};
}

/// The rows of the product for a convolution: each output pixel's window
/// of the (binarized) input, N*OH*OW x KH*KW*C, as a gather generic and a
/// collapse.
Value buildWindows(OpBuilder &b, Location loc, linalg::Conv2DNhwcHwcfOp conv,
                   Value input, ArrayRef<int64_t> filterShape) {
  auto inputType = cast<RankedTensorType>(input.getType());
  auto outType = cast<RankedTensorType>(conv.getResult(0).getType());
  SmallVector<int64_t> strides(conv.getStrides().getValues<int64_t>());
  SmallVector<int64_t> dilations(conv.getDilations().getValues<int64_t>());
  int64_t kh = filterShape[0], kw = filterShape[1], c = filterShape[2];
  SmallVector<int64_t> shape = {outType.getDimSize(0),
                                outType.getDimSize(1),
                                outType.getDimSize(2),
                                kh,
                                kw,
                                c};
  SmallVector<Value> dynamic;
  if (ShapedType::isDynamic(shape[0]))
    dynamic.push_back(tensor::DimOp::create(b, loc, input, 0));
  Value empty = tensor::EmptyOp::create(b, loc, shape,
                                        inputType.getElementType(), dynamic);
  MLIRContext *context = b.getContext();
  AffineExpr n, oh, ow, fh, fw, ch;
  bindDims(context, n, oh, ow, fh, fw, ch);
  SmallVector<AffineMap> maps = {
      AffineMap::get(6, 0,
                     {n, oh * strides[0] + fh * dilations[0],
                      ow * strides[1] + fw * dilations[1], ch},
                     context),
      AffineMap::getMultiDimIdentityMap(6, context)};
  auto gather = linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, ValueRange{input}, ValueRange{empty},
      maps, SmallVector<utils::IteratorType>(6, utils::IteratorType::parallel),
      [](OpBuilder &nb, Location l, ValueRange args) {
        linalg::YieldOp::create(nb, l, args[0]);
      });
  SmallVector<int64_t> rowsShape = {ShapedType::isDynamic(shape[0])
                                        ? ShapedType::kDynamic
                                        : shape[0] * shape[1] * shape[2],
                                    kh * kw * c};
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(rowsShape, inputType.getElementType()),
      gather.getResult(0),
      SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
}

/// Folds one matmul or NHWC convolution, or says why not. With
/// `floatActivations`, one with binary or ternary weights and float
/// activations (BinaryConnect, TWN with float activations) becomes a
/// quantx.sign_matmul.
LogicalResult foldContraction(linalg::LinalgOp op, bool floatActivations,
                              std::string &why) {
  Value input = op.getDpsInputs()[0];
  FakeQuantOp signs = getLayerActivations(input);
  FailureOr<LayerWeights> weights = getLayerWeights(op.getDpsInputs()[1]);
  if (!signs && succeeded(weights)) {
    auto quantizer = input.getDefiningOp<FakeQuantOp>();
    if (quantizer && isa<BinaryType, TernaryType>(quantizer.getFormat())) {
      why = "its activations are binary or ternary per channel (one scale "
            "per tensor is needed)";
      return failure();
    }
    if (!floatActivations) {
      why = "its weights are binary or ternary but its activations are not "
            "(float activations fold only with float-activations=true)";
      return failure();
    }
  } else if (!signs && succeeded(getLayerWeights(input))) {
    why = "its binary or ternary weights are its left operand (the "
          "activations must be the left one)";
    return failure();
  } else if (!signs) {
    // Binary or ternary weights it cannot read: say so.
    auto dequantize = op.getDpsInputs()[1].getDefiningOp<DequantizeOp>();
    if (dequantize && isa<BinaryType, TernaryType>(getElementTypeOrSelf(
                          dequantize.getInput().getType()))) {
      why = "its weights are binary or ternary but not constant codes with "
            "one scale per tensor or per output channel (the last "
            "dimension)";
      return failure();
    }
    return success(); // Not a binary layer: nothing to say.
  }
  if (failed(weights)) {
    why = "its activations are binary or ternary but its weights are not "
          "constant binary or ternary codes (per tensor or per output "
          "channel)";
    return failure();
  }
  if (signs && signs.getRounding() == RoundingMode::stochastic) {
    why = "its activations round stochastically";
    return failure();
  }
  bool ternaryActivations = signs && isa<TernaryType>(signs.getFormat());
  bool ternary = ternaryActivations || weights->ternary;
  auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation());
  if (isa<linalg::MatmulOp>(op) &&
      op.getIndexingMapsArray() !=
          linalg::MatmulOp::getDefaultIndexingMaps(op.getContext())) {
    why = "the matmul has transposed operands";
    return failure();
  }
  Value init = op.getDpsInits()[0];
  if (!isKnownZero(init)) {
    why = "it accumulates into a tensor not known to be zero";
    return failure();
  }
  // +0: -0 plus products that are all zeros stays -0 in the float layer,
  // where the folded one gives +0.
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!matchPattern(fill ? fill.getInputs()[0] : init, m_PosZeroFloat())) {
    why = "it accumulates into -0 (the sign of a zero result would change)";
    return failure();
  }
  // The rows of the product: the signs' input, or the float activations.
  Value source = signs ? signs.getInput() : input;
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  auto inputType = cast<RankedTensorType>(source.getType());
  int64_t rank = resultType.getRank();
  bool staticButBatch =
      llvm::all_of(resultType.getShape().drop_front(),
                   [](int64_t d) { return !ShapedType::isDynamic(d); }) &&
      llvm::all_of(inputType.getShape().drop_front(),
                   [](int64_t d) { return !ShapedType::isDynamic(d); });
  if (!resultType.getElementType().isF32()) {
    why = llvm::formatv("its result is {0}, not f32",
                        debugString(resultType.getElementType()));
    return failure();
  }
  if (!signs && !inputType.getElementType().isF32()) {
    why = llvm::formatv("its activations are {0}, not f32",
                        debugString(inputType.getElementType()));
    return failure();
  }
  if (!staticButBatch) {
    why = "its shapes are not static but for the batch";
    return failure();
  }
  // The weights as a K x N matrix: a filter's first three dimensions
  // flattened (the order of the windows' columns).
  ArrayRef<int64_t> codeShape = weights->codes.getType().getShape();
  int64_t n = codeShape.back();
  if (weights->codes.getNumElements() == 0) {
    why = "its weights are empty (no output channel or no input)";
    return failure();
  }
  int64_t k = weights->codes.getNumElements() / n;
  if (weights->ternary &&
      llvm::any_of(weights->codes.getValues<APInt>(), [](const APInt &code) {
        int64_t value = code.getSExtValue();
        return value < -1 || value > 1;
      })) {
    why = "its ternary weight codes include one outside {-1, 0, 1}";
    return failure();
  }
  if (signs && k >= (int64_t(1) << 24)) {
    why = "K is 2^24 or more";
    return failure();
  }

  // Each channel's scale: the activations' times the weights', each
  // rounded to the float type the layer holds it in (f32, f16, bf16), as
  // the float layer multiplies them; their product is exact in f64.
  auto roundTo = [](double value, Type type) {
    APFloat rounded(value);
    bool lost = false;
    rounded.convert(cast<FloatType>(type).getFloatSemantics(),
                    APFloat::rmNearestTiesToEven, &lost);
    return rounded.convertToDouble();
  };
  // The layer converts each operand to its f32 result type before it
  // multiplies (linalg's cast semantics): a wider operand's scale is
  // rounded again.
  Type resultElement = resultType.getElementType();
  double activationScale =
      signs ? roundTo(
                  roundTo(
                      getScale(cast<FormatTypeInterface>(signs.getFormat()), 0),
                      getElementTypeOrSelf(signs.getType())),
                  resultElement)
            : 1.0;
  Type weightType = getElementTypeOrSelf(op.getDpsInputs()[1].getType());
  SmallVector<double> scales;
  for (int64_t c = 0; c < n; ++c)
    scales.push_back(
        activationScale *
        roundTo(roundTo(getScale(weights->format,
                                 weights->format.getNumChannels() == 1 ? 0 : c),
                        weightType),
                resultElement));
  if (llvm::any_of(scales,
                   [](double s) { return !std::isfinite(s) || s == 0.0; })) {
    why = "a scale is infinite or zero in f32 once the layer converts it";
    return failure();
  }
  // Weights packed per output channel: N rows of ceil(K / 64) words, or
  // for ternary weights two planes of them (signs, nonzero mask).
  int64_t words = ::quantx::numerics::getSignWords(k);
  SmallVector<int64_t> codes;
  codes.reserve(k * n);
  for (const APInt &code : weights->codes.getValues<APInt>())
    codes.push_back(weights->ternary ? code.getSExtValue()
                                     : int64_t(code.getZExtValue() & 1));
  SmallVector<APInt> packedValues;
  packedValues.reserve(n * words * (weights->ternary ? 2 : 1));
  SmallVector<int64_t> column(k);
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t r = 0; r < k; ++r)
      column[r] = codes[r * n + c];
    std::vector<uint64_t> row =
        weights->ternary
            ? ::quantx::numerics::packTernaryCodes(column.data(), k)
            : ::quantx::numerics::packSignCodes(column.data(), k);
    for (uint64_t word : row)
      packedValues.push_back(APInt(64, word));
  }
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type i64 = b.getI64Type();
  SmallVector<int64_t> packedShape = {n, words};
  if (weights->ternary)
    packedShape = {n, 2, words};
  Value packedWeights = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get(packedShape, i64),
                             packedValues));

  // The rows of the product: the matmul's input, or the windows.
  Value rows = conv ? buildWindows(b, loc, conv, source, codeShape) : source;
  int64_t m = cast<RankedTensorType>(rows.getType()).getDimSize(0);
  Value activations;
  if (!signs) {
    // Float activations: no packing at run time.
  } else if (ternaryActivations) {
    // The ternary codes the fake quantizer rounds to, in two planes.
    auto rowsType = cast<RankedTensorType>(rows.getType());
    Value quantized = QuantizeOp::create(
        b, loc, rowsType.clone(signs.getFormat()), rows,
        signs.getRoundingAttr(), /*seed=*/nullptr, signs.getArithmeticAttr());
    Value stored = StorageCastOp::create(
        b, loc, rowsType.clone(b.getIntegerType(2)), quantized);
    activations = PackTernaryOp::create(
        b, loc, RankedTensorType::get({m, 2, words}, i64), stored);
  } else {
    activations = PackSignsOp::create(
        b, loc, RankedTensorType::get({m, words}, i64), rows);
  }
  // The integer dot products, or the float signed sums.
  Type dotType = signs ? Type(b.getI32Type()) : Type(b.getF32Type());
  auto dotsType = RankedTensorType::get({m, n}, dotType);
  Value dots;
  if (!signs)
    dots = SignMatmulOp::create(b, loc, dotsType, rows, packedWeights);
  else if (ternary)
    dots = TernaryMatmulOp::create(b, loc, dotsType, activations, packedWeights,
                                   b.getI64IntegerAttr(k));
  else
    dots = BinaryMatmulOp::create(b, loc, dotsType, activations, packedWeights,
                                  b.getI64IntegerAttr(k));
  if (conv) {
    SmallVector<OpFoldResult> outSizes;
    for (int64_t d = 0; d < rank; ++d)
      outSizes.push_back(
          resultType.isDynamicDim(d)
              ? OpFoldResult(
                    tensor::DimOp::create(b, loc, source, d).getResult())
              : OpFoldResult(b.getIndexAttr(resultType.getDimSize(d))));
    dots = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(resultType.getShape(), dotType), dots,
        SmallVector<ReassociationIndices>{{0, 1, 2}, {3}}, outSizes);
  }

  Value scaleTensor = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({n}, b.getF64Type()),
                             ArrayRef(scales)));
  MLIRContext *context = b.getContext();
  SmallVector<AffineMap> maps = {
      AffineMap::getMultiDimIdentityMap(rank, context),
      AffineMap::get(rank, 0, getAffineDimExpr(rank - 1, context), context),
      AffineMap::getMultiDimIdentityMap(rank, context)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{dots, scaleTensor},
      ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value d = signs
                      ? arith::SIToFPOp::create(nb, l, nb.getF64Type(), args[0])
                            .getResult()
                      : arith::ExtFOp::create(nb, l, nb.getF64Type(), args[0])
                            .getResult();
        Value y = arith::MulFOp::create(nb, l, d, args[1]);
        linalg::YieldOp::create(
            nb, l,
            arith::TruncFOp::create(nb, l, nb.getF32Type(), y).getResult());
      });
  op->getResult(0).replaceAllUsesWith(generic.getResult(0));
  op->erase();
  return success();
}

struct FoldBinaryPass : mlir::quantx::impl::FoldBinaryPassBase<FoldBinaryPass> {
  using FoldBinaryPassBase::FoldBinaryPassBase;
  void runOnOperation() override {
    // A QAT model's run-time quantizers are frozen first.
    bool hasRunTimeScales = false;
    getOperation()->walk([&](ScaledFakeQuantOp) { hasRunTimeScales = true; });
    if (hasRunTimeScales) {
      OpPassManager freeze("builtin.module");
      freeze.addPass(createFreezeQuantizationPass());
      if (failed(runPipeline(freeze, getOperation())))
        return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> contractions;
    getOperation()->walk([&](Operation *op) {
      if (isa<linalg::MatmulOp, linalg::Conv2DNhwcHwcfOp>(op))
        contractions.push_back(cast<linalg::LinalgOp>(op));
    });
    // Other contractions with binary or ternary operands stay as they are.
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (isa<linalg::MatmulOp, linalg::Conv2DNhwcHwcfOp>(op) ||
          (!linalg::isaContractionOpInterface(op) &&
           !isa<linalg::ConvolutionOpInterface>(op.getOperation())))
        return;
      bool quantized = llvm::any_of(op.getDpsInputs(), [](Value input) {
        return getLayerActivations(input) || succeeded(getLayerWeights(input));
      });
      if (quantized)
        emitRemark(op.getLoc())
            << "quantx-fold-binary: left this " << op->getName()
            << " alone: only linalg.matmul and linalg.conv_2d_nhwc_hwcf "
               "with binary or ternary operands fold";
    });
    for (linalg::LinalgOp op : contractions) {
      std::string why;
      Location loc = op.getLoc();
      bool isMatmul = isa<linalg::MatmulOp>(op);
      if (failed(foldContraction(op, floatActivations, why)))
        emitRemark(loc) << "quantx-fold-binary: left this "
                        << (isMatmul ? "matmul" : "convolution")
                        << " alone: " << why;
    }
    // Fake quantizers, weight casts and code constants the folds left
    // without users (a dequantize before the cast it reads, the cast
    // before its constant).
    for (bool erased = true; erased;) {
      SmallVector<Operation *> dead;
      getOperation()->walk([&](Operation *op) {
        if (isa<FakeQuantOp, DequantizeOp, StorageCastOp>(op) &&
            op->use_empty())
          dead.push_back(op);
      });
      llvm::SetVector<Operation *> constants;
      for (Operation *op : dead) {
        for (Value operand : op->getOperands())
          if (auto constant = operand.getDefiningOp<arith::ConstantOp>())
            constants.insert(constant);
        op->erase();
      }
      for (Operation *constant : constants)
        if (constant->use_empty())
          constant->erase();
      erased = !dead.empty();
    }
    foldSignChains(getOperation(), thresholds);
    if (packPixels)
      packPixelSigns(getOperation());
  }
};

} // namespace
