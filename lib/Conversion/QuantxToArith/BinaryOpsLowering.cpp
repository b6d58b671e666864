//===- BinaryOpsLowering.cpp - pack_signs and binary_matmul to linalg -----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx.pack_signs: the rows padded with -1 (bit 0) to whole words, their
// last dimension split into words of 64 values, and one linalg.generic
// reducing each word's values into its bits.
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
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// The sizes of the dynamic dimensions of `value`.
SmallVector<Value> getDynamicSizes(OpBuilder &b, Location loc, Value value) {
  SmallVector<Value> sizes;
  auto type = cast<RankedTensorType>(value.getType());
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, value, d));
  return sizes;
}

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
    SmallVector<Value> dynamic = getDynamicSizes(rewriter, loc, input);
    // Rows padded to whole words with -1, whose bit is 0.
    if (words * 64 != k) {
      SmallVector<int64_t> shape(inputType.getShape());
      shape.back() = words * 64;
      Value minusOne = arith::ConstantOp::create(
          rewriter, loc, rewriter.getFloatAttr(element, -1.0));
      input = tensor::createPadHighOp(RankedTensorType::get(shape, element),
                                      input, minusOne,
                                      /*nofold=*/false, loc, rewriter, dynamic);
    }
    // [..., words * 64] -> [..., words, 64].
    SmallVector<int64_t> split(resultType.getShape());
    split.push_back(64);
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t d = 0; d + 1 < rank; ++d)
      reassociation.push_back({d});
    reassociation.push_back({rank - 1, rank});
    SmallVector<OpFoldResult> splitSizes;
    unsigned next = 0;
    for (int64_t size : split)
      splitSizes.push_back(ShapedType::isDynamic(size)
                               ? OpFoldResult(dynamic[next++])
                               : OpFoldResult(rewriter.getIndexAttr(size)));
    Value rows = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(split, element), input,
        reassociation, splitSizes);
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getI64IntegerAttr(0));
    Value empty = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                          rewriter.getI64Type(), dynamic);
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    MLIRContext *context = rewriter.getContext();
    SmallVector<AffineMap> maps = {
        AffineMap::getMultiDimIdentityMap(rank + 1, context),
        AffineMap::getMultiDimIdentityMap(rank + 1, context).dropResult(rank)};
    SmallVector<utils::IteratorType> iterators(rank + 1,
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{rows},
        ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Type i64 = b.getI64Type();
          // BinaryFormat::encode: +1 unless x < 0 (NaN and -0 give +1).
          Value zeroF =
              arith::ConstantOp::create(b, l, b.getFloatAttr(element, 0.0));
          Value plus = arith::CmpFOp::create(b, l, arith::CmpFPredicate::UGE,
                                             args[0], zeroF);
          Value bit = arith::ExtUIOp::create(b, l, i64, plus);
          Value j = arith::IndexCastUIOp::create(
              b, l, i64, linalg::IndexOp::create(b, l, rank));
          linalg::YieldOp::create(
              b, l,
              arith::OrIOp::create(b, l, args[1],
                                   arith::ShLIOp::create(b, l, bit, j))
                  .getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
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
