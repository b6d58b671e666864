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
// signs packed one bit each, scaled once.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Numerics/Binary.h"
#include "quantx/Utils/Constants.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SetVector.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_FOLDBINARYPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// The binary weights of a layer: codes K x N (1 for +1) and their scales.
struct BinaryWeights {
  DenseIntElementsAttr codes;
  BinaryType format;
};

/// The sign activations feeding `value`, or null.
FakeQuantOp getSignActivations(Value value) {
  auto fakeQuant = value.getDefiningOp<FakeQuantOp>();
  if (!fakeQuant)
    return nullptr;
  auto format = dyn_cast<BinaryType>(fakeQuant.getFormat());
  if (!format || format.getNumChannels() != 1)
    return nullptr;
  return fakeQuant;
}

/// Constant binary weight codes behind storage_cast and dequantize.
FailureOr<BinaryWeights> getBinaryWeights(Value value) {
  auto dequantize = value.getDefiningOp<DequantizeOp>();
  if (!dequantize)
    return failure();
  auto cast = dequantize.getInput().getDefiningOp<StorageCastOp>();
  if (!cast)
    return failure();
  auto format = dyn_cast<BinaryType>(
      getElementTypeOrSelf(dequantize.getInput().getType()));
  if (!format || (format.getChannelAxis() && *format.getChannelAxis() != 1))
    return failure();
  auto codes = dyn_cast_or_null<DenseIntElementsAttr>(
      getCompileTimeElements(cast.getInput()));
  if (!codes || codes.getType().getRank() != 2)
    return failure();
  return BinaryWeights{codes, format};
}

/// Folds one matmul, or says why not.
LogicalResult foldMatmul(linalg::MatmulOp matmul, std::string &why) {
  FakeQuantOp signs = getSignActivations(matmul.getInputs()[0]);
  FailureOr<BinaryWeights> weights = getBinaryWeights(matmul.getInputs()[1]);
  if (!signs && succeeded(weights)) {
    why = "its weights are binary but its activations are not (BinaryConnect "
          "layers are not folded)";
    return failure();
  }
  if (!signs)
    return success(); // Not a binary layer: nothing to say.
  if (failed(weights)) {
    why = "its activations are binary but its weights are not constant binary "
          "codes (per tensor or per output channel)";
    return failure();
  }
  if (signs.getRounding() == RoundingMode::stochastic) {
    why = "its activations round stochastically";
    return failure();
  }
  if (matmul.getIndexingMapsArray() !=
      linalg::MatmulOp::getDefaultIndexingMaps(matmul.getContext())) {
    why = "the matmul has transposed operands";
    return failure();
  }
  Value init = matmul.getOutputs()[0];
  if (!isKnownZero(init)) {
    why = "the matmul accumulates into a tensor not known to be zero";
    return failure();
  }
  auto resultType = cast<RankedTensorType>(matmul.getResult(0).getType());
  auto inputType = cast<RankedTensorType>(signs.getInput().getType());
  if (!resultType.getElementType().isF32() || !inputType.hasRank() ||
      inputType.isDynamicDim(1)) {
    why = "it is not an f32 matmul with a static K";
    return failure();
  }
  ArrayRef<int64_t> codeShape = weights->codes.getType().getShape();
  int64_t k = codeShape[0], n = codeShape[1];
  if (k >= (int64_t(1) << 24)) {
    why = "K is 2^24 or more";
    return failure();
  }

  // Weights packed per output channel: N rows of ceil(K / 64) words.
  int64_t words = ::quantx::numerics::getSignWords(k);
  SmallVector<int64_t> codes;
  codes.reserve(k * n);
  for (const APInt &code : weights->codes.getValues<APInt>())
    codes.push_back(code.getZExtValue() & 1);
  SmallVector<uint64_t> packed;
  packed.reserve(n * words);
  SmallVector<int64_t> column(k);
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t r = 0; r < k; ++r)
      column[r] = codes[r * n + c];
    std::vector<uint64_t> row =
        ::quantx::numerics::packSignCodes(column.data(), k);
    packed.append(row.begin(), row.end());
  }
  OpBuilder b(matmul);
  Location loc = matmul.getLoc();
  Type i64 = b.getI64Type();
  auto packedType = RankedTensorType::get({n, words}, i64);
  SmallVector<APInt> packedValues;
  for (uint64_t word : packed)
    packedValues.push_back(APInt(64, word));
  Value packedWeights = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(packedType, packedValues));

  SmallVector<int64_t> activationShape = {inputType.getDimSize(0), words};
  Value activations = PackSignsOp::create(
      b, loc, RankedTensorType::get(activationShape, i64), signs.getInput());
  auto dotType = RankedTensorType::get(resultType.getShape(), b.getI32Type());
  Value dots = BinaryMatmulOp::create(b, loc, dotType, activations,
                                      packedWeights, b.getI64IntegerAttr(k));

  // Each channel's scale: the activations' times the weights', as the f32
  // values the float layer multiplies (their product is exact in f64).
  double activationScale =
      static_cast<float>(cast<BinaryType>(signs.getFormat()).getScale(0));
  SmallVector<double> scales;
  for (int64_t c = 0; c < n; ++c)
    scales.push_back(activationScale *
                     static_cast<float>(weights->format.getScale(
                         weights->format.getNumChannels() == 1 ? 0 : c)));
  Value scaleTensor = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get({n}, b.getF64Type()),
                             ArrayRef(scales)));
  MLIRContext *context = b.getContext();
  AffineExpr m, c;
  bindDims(context, m, c);
  SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {m, c}, context),
                                 AffineMap::get(2, 0, {c}, context),
                                 AffineMap::get(2, 0, {m, c}, context)};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, ValueRange{dots, scaleTensor},
      ValueRange{init}, maps,
      {utils::IteratorType::parallel, utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value d = arith::SIToFPOp::create(nb, l, nb.getF64Type(), args[0]);
        Value y = arith::MulFOp::create(nb, l, d, args[1]);
        linalg::YieldOp::create(
            nb, l,
            arith::TruncFOp::create(nb, l, nb.getF32Type(), y).getResult());
      });
  matmul.getResult(0).replaceAllUsesWith(generic.getResult(0));
  matmul.erase();
  return success();
}

struct FoldBinaryPass : mlir::quantx::impl::FoldBinaryPassBase<FoldBinaryPass> {
  void runOnOperation() override {
    SmallVector<linalg::MatmulOp> matmuls;
    getOperation()->walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
    for (linalg::MatmulOp matmul : matmuls) {
      std::string why;
      Location loc = matmul.getLoc();
      if (failed(foldMatmul(matmul, why)))
        emitRemark(loc) << "quantx-fold-binary: left this matmul alone: "
                        << why;
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
  }
};

} // namespace
