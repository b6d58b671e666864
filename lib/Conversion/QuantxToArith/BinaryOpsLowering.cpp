//===- BinaryOpsLowering.cpp - pack_signs and binary_matmul to linalg -----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx.pack_signs: loops over the rows and words; each word is a vector of
// 64 values read in bounds (the last one of K % 64), compared with zero,
// its flags (0 past K) bitcast to the i64 (movemask instructions on x86).
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
    auto floatType = dyn_cast<FloatType>(inputType.getElementType());
    if (floatType && floatType.getWidth() < 32) {
      inputType = inputType.clone(rewriter.getF32Type());
      input = arith::ExtFOp::create(rewriter, loc, inputType, input);
    }
    Type element = inputType.getElementType();
    int64_t rank = inputType.getRank();
    OpBuilder &b = rewriter;
    // The result's dynamic sizes are the input's (the word count is
    // static).
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d + 1 < rank; ++d)
      if (inputType.isDynamicDim(d))
        dynamic.push_back(tensor::DimOp::create(b, loc, input, d));
    Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                         b.getI64Type(), dynamic);
    TypedAttr minusOneAttr = isa<FloatType>(element)
                                 ? TypedAttr(b.getFloatAttr(element, -1.0))
                                 : TypedAttr(b.getIntegerAttr(element, -1));
    TypedAttr zeroAttr = isa<FloatType>(element)
                             ? TypedAttr(b.getFloatAttr(element, 0.0))
                             : TypedAttr(b.getIntegerAttr(element, 0));
    Value minusOne = arith::ConstantOp::create(b, loc, minusOneAttr);
    Value c0 = arith::ConstantIndexOp::create(b, loc, 0);
    Value c1 = arith::ConstantIndexOp::create(b, loc, 1);
    Value c64 = arith::ConstantIndexOp::create(b, loc, 64);
    Value noBits = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({64}, b.getI1Type()), false));
    // One loop per row dimension; the packed tensor is carried through
    // them.
    SmallVector<Value> row;
    SmallVector<scf::ForOp> loops;
    Value carried = init;
    OpBuilder::InsertionGuard guard(b);
    for (int64_t d = 0; d + 1 < rank; ++d) {
      Value upper = tensor::DimOp::create(b, loc, input, d);
      auto loop =
          scf::ForOp::create(b, loc, c0, upper, c1, ValueRange{carried});
      if (!loops.empty())
        scf::YieldOp::create(b, loc, loop.getResult(0));
      loops.push_back(loop);
      row.push_back(loop.getInductionVar());
      carried = loop.getRegionIterArgs()[0];
      b.setInsertionPointToStart(loop.getBody());
    }
    // Word `w` of the row from its first `width` values, read in bounds
    // (a masked read of bytes is element by element on x86) and compared
    // with zero; the flags past them are 0 and the 64 flags are
    // reinterpreted as the word.
    auto packWord = [&](Value packed, Value w, int64_t width) -> Value {
      SmallVector<Value> at(row);
      at.push_back(arith::MulIOp::create(b, loc, w, c64));
      auto vectorType = VectorType::get({width}, element);
      Value values = vector::TransferReadOp::create(
          b, loc, vectorType, input, at, minusOne, ArrayRef<bool>{true});
      Value zeros = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(vectorType, zeroAttr));
      Value flags = isa<FloatType>(element)
                        ? arith::CmpFOp::create(
                              b, loc, arith::CmpFPredicate::UGE, values, zeros)
                              .getResult()
                        : arith::CmpIOp::create(
                              b, loc, arith::CmpIPredicate::sge, values, zeros)
                              .getResult();
      if (width < 64)
        flags = vector::InsertStridedSliceOp::create(
            b, loc, flags, noBits, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{1});
      Value word = vector::ExtractOp::create(
          b, loc,
          vector::BitCastOp::create(
              b, loc, VectorType::get({1}, b.getI64Type()), flags),
          ArrayRef<int64_t>{0});
      SmallVector<Value> indices(row);
      indices.push_back(w);
      return tensor::InsertOp::create(b, loc, word, packed, indices);
    };
    int64_t k = inputType.getShape().back();
    int64_t fullWords = k / 64, tail = k % 64;
    if (fullWords > 0) {
      auto wordLoop = scf::ForOp::create(
          b, loc, c0, arith::ConstantIndexOp::create(b, loc, fullWords), c1,
          ValueRange{carried});
      {
        OpBuilder::InsertionGuard inLoop(b);
        b.setInsertionPointToStart(wordLoop.getBody());
        scf::YieldOp::create(b, loc,
                             packWord(wordLoop.getRegionIterArgs()[0],
                                      wordLoop.getInductionVar(), 64));
      }
      carried = wordLoop.getResult(0);
    }
    if (tail > 0)
      carried = packWord(
          carried, arith::ConstantIndexOp::create(b, loc, fullWords), tail);
    if (loops.empty()) {
      rewriter.replaceOp(op, carried);
      return success();
    }
    scf::YieldOp::create(b, loc, carried);
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
