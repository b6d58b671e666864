//===- BinaryOpsLowering.cpp - pack_signs and binary_matmul to linalg -----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx.pack_signs: loops over the rows and words; each word is a vector of
// 64 values (masked past K, read as -1), compared with zero, its 64 flags
// bitcast to the i64 (movemask instructions on x86).
//
// quantx.binary_matmul: one linalg.generic over (m, n, word) that starts
// from k and subtracts twice the popcount of each word pair's XOR. It is
// the reference form of the product; the packed micro-kernels replace it
// where the target has them.
//
//===----------------------------------------------------------------------===//

#include "quantx/Conversion/QuantxToArith/QuantxToArith.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <numeric>

using namespace mlir;
using namespace mlir::quantx;

namespace {

struct PackSignsLowering : OpConversionPattern<PackSignsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(PackSignsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto inputType = cast<RankedTensorType>(input.getType());
    auto resultType = cast<RankedTensorType>(op.getType());
    Type element = inputType.getElementType();
    int64_t rank = inputType.getRank();
    int64_t k = inputType.getShape().back();
    int64_t words = resultType.getShape().back();
    OpBuilder &b = rewriter;
    // The rows as one dimension: [rows, K].
    Value rows = input;
    if (rank == 1) {
      rows = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({1, k}, element), input,
          SmallVector<ReassociationIndices>{{0, 1}});
    } else if (rank > 2) {
      ReassociationIndices leading(rank - 1);
      std::iota(leading.begin(), leading.end(), 0);
      int64_t count = 1;
      for (int64_t d = 0; d + 1 < rank; ++d)
        count = ShapedType::isDynamic(count) || inputType.isDynamicDim(d)
                    ? ShapedType::kDynamic
                    : count * inputType.getDimSize(d);
      rows = tensor::CollapseShapeOp::create(
          b, loc, RankedTensorType::get({count, k}, element), input,
          SmallVector<ReassociationIndices>{leading, {rank - 1}});
    }
    Value numRows = tensor::DimOp::create(b, loc, rows, 0);
    auto packedType =
        RankedTensorType::get({ShapedType::kDynamic, words}, b.getI64Type());
    Value init = tensor::EmptyOp::create(b, loc, packedType.getShape(),
                                         b.getI64Type(), ValueRange{numRows});
    // Each word: 64 values read as one vector (past K: -1, bit 0), compared
    // with zero (+1 unless x < 0: NaN and -0 give +1) and the 64 flags
    // reinterpreted as the word.
    auto vectorType = VectorType::get({64}, element);
    Value minusOne =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(element, -1.0));
    Value zeros = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(vectorType, b.getFloatAttr(element, 0.0)));
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value c64 = arith::ConstantIndexOp::create(b, loc, 64);
    Value numWords = arith::ConstantIndexOp::create(b, loc, words);
    auto rowLoop =
        scf::ForOp::create(b, loc, c0, numRows, c1, ValueRange{init});
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(rowLoop.getBody());
      Value r = rowLoop.getInductionVar();
      auto wordLoop = scf::ForOp::create(b, loc, c0, numWords, c1,
                                         rowLoop.getRegionIterArgs());
      {
        OpBuilder::InsertionGuard inner(b);
        b.setInsertionPointToStart(wordLoop.getBody());
        Value w = wordLoop.getInductionVar();
        Value start = arith::MulIOp::create(b, loc, w, c64);
        Value values = vector::TransferReadOp::create(
            b, loc, vectorType, rows, ValueRange{r, start}, minusOne,
            ArrayRef<bool>{false});
        Value flags = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGE,
                                            values, zeros);
        Value word = vector::ExtractOp::create(
            b, loc,
            vector::BitCastOp::create(
                b, loc, VectorType::get({1}, b.getI64Type()), flags),
            ArrayRef<int64_t>{0});
        Value updated = tensor::InsertOp::create(
            b, loc, word, wordLoop.getRegionIterArgs()[0], ValueRange{r, w});
        scf::YieldOp::create(b, loc, updated);
      }
      scf::YieldOp::create(b, loc, wordLoop.getResult(0));
    }
    Value packed = rowLoop.getResult(0);
    // Back to the input's leading dimensions.
    if (rank == 1) {
      packed = tensor::CollapseShapeOp::create(
          b, loc, resultType,
          tensor::CastOp::create(
              b, loc, RankedTensorType::get({1, words}, b.getI64Type()),
              packed),
          SmallVector<ReassociationIndices>{{0, 1}});
    } else if (rank > 2) {
      ReassociationIndices leading(rank - 1);
      std::iota(leading.begin(), leading.end(), 0);
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(
            d + 1 == rank ? OpFoldResult(b.getIndexAttr(words))
            : inputType.isDynamicDim(d)
                ? OpFoldResult(
                      tensor::DimOp::create(b, loc, input, d).getResult())
                : OpFoldResult(b.getIndexAttr(inputType.getDimSize(d))));
      packed = tensor::ExpandShapeOp::create(
          b, loc, resultType, packed,
          SmallVector<ReassociationIndices>{leading, {rank - 1}}, sizes);
    } else if (packed.getType() != resultType) {
      packed = tensor::CastOp::create(b, loc, resultType, packed);
    }
    rewriter.replaceOp(op, packed);
    return success();
  }
};

struct BinaryMatmulLowering : OpConversionPattern<BinaryMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BinaryMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    SmallVector<Value> dynamic;
    if (resultType.isDynamicDim(0))
      dynamic.push_back(
          tensor::DimOp::create(rewriter, loc, adaptor.getLhs(), 0));
    if (resultType.isDynamicDim(1))
      dynamic.push_back(
          tensor::DimOp::create(rewriter, loc, adaptor.getRhs(), 0));
    Value k = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getI32IntegerAttr(static_cast<int32_t>(op.getK())));
    Value empty = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                          rewriter.getI32Type(), dynamic);
    Value init = linalg::FillOp::create(rewriter, loc, k, empty).getResult(0);
    MLIRContext *context = rewriter.getContext();
    AffineExpr m, n, w;
    bindDims(context, m, n, w);
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, w}, context),
                                   AffineMap::get(3, 0, {n, w}, context),
                                   AffineMap::get(3, 0, {m, n}, context)};
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType},
        ValueRange{adaptor.getLhs(), adaptor.getRhs()}, ValueRange{init}, maps,
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value differ = math::CtPopOp::create(
              b, l, arith::XOrIOp::create(b, l, args[0], args[1]));
          Value count = arith::TruncIOp::create(b, l, b.getI32Type(), differ);
          Value twice = arith::AddIOp::create(b, l, count, count);
          linalg::YieldOp::create(
              b, l, arith::SubIOp::create(b, l, args[2], twice).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void mlir::quantx::populateBinaryOpLoweringPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns) {
  patterns.add<PackSignsLowering, BinaryMatmulLowering>(typeConverter,
                                                        patterns.getContext());
}
