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
// quantx.pack_ternary: the same loops, two compares (positive, nonzero) per
// word. quantx.ternary_matmul: a generic over (m, n, word) adding
// popcount(mask) - 2 popcount(mask & (signs xor signs)) per word.
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

/// Which bits a packed plane sets for an element.
enum class PlaneBit { NotNegative, Positive, NonZero };

/// Packs the last dimension of `input` into planes of 64-bit words, one per
/// entry of `planes` (without a plane dimension when there is one plane):
/// loops over the rows; each word is a vector of 64 values read in bounds
/// (the last one of K % 64), compared, its flags (0 past K) bitcast to the
/// i64 (movemask instructions on x86).
Value buildPackedPlanes(OpBuilder &b, Location loc, Value input,
                        RankedTensorType resultType,
                        ArrayRef<PlaneBit> planes) {
  auto inputType = cast<RankedTensorType>(input.getType());
  // f16 and bf16 values are widened to f32 first (exactly; signs kept):
  // vector reads of 16-bit floats are not legal everywhere (a bf16 one
  // needs a run-time library call on x86 without AVX512-BF16); integers
  // narrower than a byte are widened to bytes.
  auto floatType = dyn_cast<FloatType>(inputType.getElementType());
  if (floatType && floatType.getWidth() < 32) {
    inputType = inputType.clone(b.getF32Type());
    input = arith::ExtFOp::create(b, loc, inputType, input);
  }
  auto intType = dyn_cast<IntegerType>(inputType.getElementType());
  if (intType && intType.getWidth() < 8) {
    inputType = inputType.clone(b.getI8Type());
    input = arith::ExtSIOp::create(b, loc, inputType, input);
  }
  Type element = inputType.getElementType();
  int64_t rank = inputType.getRank();
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
    auto loop = scf::ForOp::create(b, loc, c0, upper, c1, ValueRange{carried});
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
    for (auto [plane, bit] : llvm::enumerate(planes)) {
      Value flags;
      if (isa<FloatType>(element)) {
        flags = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGE, values,
                                      zeros);
      } else {
        arith::CmpIPredicate predicate =
            bit == PlaneBit::NotNegative ? arith::CmpIPredicate::sge
            : bit == PlaneBit::Positive  ? arith::CmpIPredicate::sgt
                                         : arith::CmpIPredicate::ne;
        flags = arith::CmpIOp::create(b, loc, predicate, values, zeros);
      }
      if (width < 64)
        flags = vector::InsertStridedSliceOp::create(
            b, loc, flags, noBits, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{1});
      Value word = vector::ExtractOp::create(
          b, loc,
          vector::BitCastOp::create(
              b, loc, VectorType::get({1}, b.getI64Type()), flags),
          ArrayRef<int64_t>{0});
      SmallVector<Value> indices(row);
      if (planes.size() > 1)
        indices.push_back(arith::ConstantIndexOp::create(b, loc, plane));
      indices.push_back(w);
      packed = tensor::InsertOp::create(b, loc, word, packed, indices);
    }
    return packed;
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
    carried = packWord(carried,
                       arith::ConstantIndexOp::create(b, loc, fullWords), tail);
  if (loops.empty())
    return carried;
  scf::YieldOp::create(b, loc, carried);
  return loops.front().getResult(0);
}

/// pack_signs (one plane, +1 unless negative) and pack_ternary (signs
/// and nonzero mask).
template <typename PackOp> struct PackLowering : OpConversionPattern<PackOp> {
  using OpConversionPattern<PackOp>::OpConversionPattern;
  using OpAdaptor = typename PackOp::Adaptor;
  LogicalResult
  matchAndRewrite(PackOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<PlaneBit> planes = {PlaneBit::NotNegative};
    if (std::is_same_v<PackOp, PackTernaryOp>)
      planes = {PlaneBit::Positive, PlaneBit::NonZero};
    rewriter.replaceOp(
        op, buildPackedPlanes(rewriter, op.getLoc(), adaptor.getInput(),
                              cast<RankedTensorType>(op.getType()), planes));
    return success();
  }
};

/// The M x N result of a product of `lhs` rows by `rhs` rows, filled
/// with `value` (what the reduction starts from).
Value buildFilledProduct(OpBuilder &b, Location loc, RankedTensorType type,
                         Value lhs, Value rhs, TypedAttr value) {
  SmallVector<Value> dynamic;
  if (type.isDynamicDim(0))
    dynamic.push_back(tensor::DimOp::create(b, loc, lhs, 0));
  if (type.isDynamicDim(1))
    dynamic.push_back(tensor::DimOp::create(b, loc, rhs, 0));
  Value fill = arith::ConstantOp::create(b, loc, value);
  Value empty = tensor::EmptyOp::create(b, loc, type.getShape(),
                                        type.getElementType(), dynamic);
  return linalg::FillOp::create(b, loc, fill, empty).getResult(0);
}

struct BinaryMatmulLowering : OpConversionPattern<BinaryMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(BinaryMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value init = buildFilledProduct(
        rewriter, loc, resultType, adaptor.getLhs(), adaptor.getRhs(),
        rewriter.getI32IntegerAttr(static_cast<int32_t>(op.getK())));
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

struct TernaryMatmulLowering : OpConversionPattern<TernaryMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(TernaryMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    Value init = buildFilledProduct(rewriter, loc, resultType, lhs, rhs,
                                    rewriter.getI32IntegerAttr(0));
    MLIRContext *context = rewriter.getContext();
    AffineExpr m, n, w;
    bindDims(context, m, n, w);
    // Each ternary operand is read twice, its signs and its mask; a
    // binary one once (its mask is every value).
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    auto addOperand = [&](Value operand, AffineExpr row) {
      if (cast<RankedTensorType>(operand.getType()).getRank() == 2) {
        inputs.push_back(operand);
        maps.push_back(AffineMap::get(3, 0, {row, w}, context));
        return;
      }
      for (int64_t plane : {0, 1}) {
        inputs.push_back(operand);
        maps.push_back(AffineMap::get(
            3, 0, {row, getAffineConstantExpr(plane, context), w}, context));
      }
    };
    addOperand(lhs, m);
    addOperand(rhs, n);
    maps.push_back(AffineMap::get(3, 0, {m, n}, context));
    bool lhsTernary = cast<RankedTensorType>(lhs.getType()).getRank() == 3;
    bool rhsTernary = cast<RankedTensorType>(rhs.getType()).getRank() == 3;
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          // args: lhs signs [, lhs mask], rhs signs [, rhs mask], acc.
          unsigned next = 0;
          Value lhsSigns = args[next++];
          Value lhsMask = lhsTernary ? args[next++] : Value();
          Value rhsSigns = args[next++];
          Value rhsMask = rhsTernary ? args[next++] : Value();
          Value acc = args[next];
          Value mask =
              lhsMask && rhsMask
                  ? arith::AndIOp::create(b, l, lhsMask, rhsMask).getResult()
                  : (lhsMask ? lhsMask : rhsMask);
          Value differ = arith::AndIOp::create(
              b, l, mask, arith::XOrIOp::create(b, l, lhsSigns, rhsSigns));
          auto count = [&](Value word) -> Value {
            return arith::TruncIOp::create(b, l, b.getI32Type(),
                                           math::CtPopOp::create(b, l, word));
          };
          Value both = count(mask), twice = count(differ);
          twice = arith::AddIOp::create(b, l, twice, twice);
          Value sum = arith::AddIOp::create(
              b, l, acc, arith::SubIOp::create(b, l, both, twice));
          linalg::YieldOp::create(b, l, sum);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// sign_matmul: over (m, n, k), the activation and the word holding bit k
/// of weight row n (and of its mask); acc + (x, -x or +0), in k order.
struct SignMatmulLowering : OpConversionPattern<SignMatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(SignMatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resultType = cast<RankedTensorType>(op.getType());
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();
    Value init = buildFilledProduct(rewriter, loc, resultType, lhs, rhs,
                                    rewriter.getF32FloatAttr(0.0f));
    MLIRContext *context = rewriter.getContext();
    AffineExpr m, n, k;
    bindDims(context, m, n, k);
    bool ternary = cast<RankedTensorType>(rhs.getType()).getRank() == 3;
    SmallVector<Value> inputs = {lhs, rhs};
    SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {m, k}, context)};
    if (ternary) {
      inputs.push_back(rhs);
      for (int64_t plane : {0, 1})
        maps.push_back(AffineMap::get(
            3, 0, {n, getAffineConstantExpr(plane, context), k.floorDiv(64)},
            context));
    } else {
      maps.push_back(AffineMap::get(3, 0, {n, k.floorDiv(64)}, context));
    }
    maps.push_back(AffineMap::get(3, 0, {m, n}, context));
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps,
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::reduction},
        [&](OpBuilder &b, Location l, ValueRange args) {
          // args: x, signs word [, mask word], acc.
          Type i64 = b.getI64Type();
          Value shift = arith::AndIOp::create(
              b, l,
              arith::IndexCastOp::create(b, l, i64,
                                         linalg::IndexOp::create(b, l, 2)),
              arith::ConstantOp::create(b, l, b.getI64IntegerAttr(63)));
          Value zeroBits =
              arith::ConstantOp::create(b, l, b.getI64IntegerAttr(0));
          auto bitSet = [&](Value word) -> Value {
            Value bit = arith::AndIOp::create(
                b, l, arith::ShRUIOp::create(b, l, word, shift),
                arith::ConstantOp::create(b, l, b.getI64IntegerAttr(1)));
            return arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, bit,
                                         zeroBits);
          };
          Value x = args[0];
          Value term = arith::SelectOp::create(b, l, bitSet(args[1]), x,
                                               arith::NegFOp::create(b, l, x));
          if (ternary)
            term = arith::SelectOp::create(
                b, l, bitSet(args[2]), term,
                arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0f)));
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, args.back(), term).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void mlir::quantx::populateBinaryOpLoweringPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns) {
  patterns.add<PackLowering<PackSignsOp>, PackLowering<PackTernaryOp>,
               BinaryMatmulLowering, TernaryMatmulLowering, SignMatmulLowering>(
      typeConverter, patterns.getContext());
}
