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
    // f16 and bf16 values are widened to f32 first (exactly; signs kept):
    // masked vector reads of 16-bit floats are not legal everywhere (a
    // bf16 one needs a run-time library call on x86 without AVX512-BF16).
    if (cast<FloatType>(inputType.getElementType()).getWidth() < 32) {
      inputType = inputType.clone(rewriter.getF32Type());
      input = arith::ExtFOp::create(rewriter, loc, inputType, input);
    }
    auto element = cast<FloatType>(inputType.getElementType());
    int64_t rank = inputType.getRank();
    int64_t words = resultType.getShape().back();
    OpBuilder &b = rewriter;
    // The result's dynamic sizes are the input's (the word count is
    // static).
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d + 1 < rank; ++d)
      if (inputType.isDynamicDim(d))
        dynamic.push_back(tensor::DimOp::create(b, loc, input, d));
    Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                         b.getI64Type(), dynamic);
    // Each word: 64 values read as one vector (past K: -1, bit 0), compared
    // with zero (+1 unless x < 0: NaN and -0 give +1) and the 64 flags
    // reinterpreted as the word.
    auto vectorType = VectorType::get({64}, element);
    Type compared = element;
    auto comparedType = VectorType::get({64}, compared);
    Value minusOne =
        arith::ConstantOp::create(b, loc, b.getFloatAttr(element, -1.0));
    Value zeros = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(comparedType, b.getFloatAttr(compared, 0.0)));
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value c64 = arith::ConstantIndexOp::create(b, loc, 64);
    // One loop per dimension, the words innermost; the packed tensor is
    // carried through all of them.
    SmallVector<Value> indices;
    SmallVector<scf::ForOp> loops;
    Value carried = init;
    OpBuilder::InsertionGuard guard(b);
    for (int64_t d = 0; d < rank; ++d) {
      Value upper =
          d + 1 == rank
              ? arith::ConstantIndexOp::create(b, loc, words).getResult()
              : tensor::DimOp::create(b, loc, input, d).getResult();
      auto loop =
          scf::ForOp::create(b, loc, c0, upper, c1, ValueRange{carried});
      if (!loops.empty())
        scf::YieldOp::create(b, loc, loop.getResult(0));
      loops.push_back(loop);
      indices.push_back(loop.getInductionVar());
      carried = loop.getRegionIterArgs()[0];
      b.setInsertionPointToStart(loop.getBody());
    }
    Value w = indices.back();
    SmallVector<Value> readAt(indices.begin(), indices.end() - 1);
    readAt.push_back(arith::MulIOp::create(b, loc, w, c64));
    Value values = vector::TransferReadOp::create(
        b, loc, vectorType, input, readAt, minusOne, ArrayRef<bool>{false});
    Value flags =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGE, values, zeros);
    Value word = vector::ExtractOp::create(
        b, loc,
        vector::BitCastOp::create(b, loc, VectorType::get({1}, b.getI64Type()),
                                  flags),
        ArrayRef<int64_t>{0});
    Value updated = tensor::InsertOp::create(b, loc, word, carried, indices);
    scf::YieldOp::create(b, loc, updated);
    rewriter.replaceOp(op, loops.front().getResult(0));
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
