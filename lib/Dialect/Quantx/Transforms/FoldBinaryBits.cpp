//===- FoldBinaryBits.cpp - signs packed before pooling and gathers -------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Packing commutes with every op that moves whole pixels: max pooling,
// padding, window gathers, slices and reshapes that keep the channels
// together. Packed along the channels where the signs are made, each
// pixel's C signs become a field of C bits (one i64 word when C divides
// 64, C / 64 words when 64 divides C), and the movers move fields: the
// max of +-1 values is +1 when any is, so max pooling becomes the OR of
// the window's fields; a padded sign s becomes a field of C bits s. The
// row the next layer packs (its pixels' channels flattened) is then the
// fields concatenated, C bits each, into 64-bit words. A field takes a
// word, so this pays from C = 8 (8, 16, 32, or a multiple of 64); fewer
// channels stay bytes.
//
//===----------------------------------------------------------------------===//

#include "FoldBinarySigns.h"

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// The i8 constant `value` is, or none.
std::optional<int64_t> getI8Constant(Value value) {
  APInt constant;
  if (!value || !matchPattern(value, m_ConstantInt(&constant)))
    return std::nullopt;
  return constant.getSExtValue();
}

/// The constant a linalg.fill puts in `init`, or none.
std::optional<int64_t> getFillValue(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill ? getI8Constant(fill.getInputs()[0]) : std::nullopt;
}

/// Whether `op` (on i8 signs) moves whole pixels: its input's last
/// dimension (the channels) is its result's last dimension, untouched.
/// Returns the input it moves, or null.
Value getPixelMoverSource(Operation *op) {
  if (op->getNumResults() != 1)
    return Value();
  auto result = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!result || !result.getElementType().isInteger(8))
    return Value();
  int64_t last = result.getRank() - 1;
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
    return collapse.getReassociationIndices().back().size() == 1
               ? collapse.getSrc()
               : Value();
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op))
    return expand.getReassociationIndices().back().size() == 1 ? expand.getSrc()
                                                               : Value();
  if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    auto source = slice.getSourceType();
    int64_t sourceLast = source.getRank() - 1;
    bool whole = source.getRank() == result.getRank() &&
                 !source.isDynamicDim(sourceLast) &&
                 isConstantIntValue(slice.getMixedOffsets()[sourceLast], 0) &&
                 isConstantIntValue(slice.getMixedStrides()[sourceLast], 1) &&
                 isConstantIntValue(slice.getMixedSizes()[sourceLast],
                                    source.getDimSize(sourceLast));
    return whole ? slice.getSource() : Value();
  }
  if (auto pad = dyn_cast<tensor::PadOp>(op))
    return getI8Constant(pad.getConstantPaddingValue()) &&
                   isConstantIntValue(pad.getMixedLowPad()[last], 0) &&
                   isConstantIntValue(pad.getMixedHighPad()[last], 0)
               ? pad.getSource()
               : Value();
  if (auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(op))
    return pool.hasPureTensorSemantics() && getFillValue(pool.getDpsInits()[0])
               ? pool.getDpsInputs()[0]
               : Value();
  if (auto generic = dyn_cast<linalg::GenericOp>(op)) {
    // A copy whose input's last dimension is read at the output's last.
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        !generic.hasPureTensorSemantics() ||
        generic.getNumReductionLoops() != 0)
      return Value();
    Block &body = generic.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    if (body.getOperations().size() != 1 ||
        yield.getOperand(0) != body.getArgument(0))
      return Value();
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    int64_t loops = generic.getNumLoops();
    AffineExpr channel = getAffineDimExpr(loops - 1, op->getContext());
    bool channelsKept =
        maps[1].isIdentity() && maps[0].getNumResults() > 0 &&
        maps[0].getResults().back() == channel &&
        llvm::none_of(maps[0].getResults().drop_back(), [&](AffineExpr e) {
          return e.isFunctionOfDim(loops - 1);
        });
    return channelsKept ? generic.getDpsInputs()[0] : Value();
  }
  return Value();
}

/// `value`'s type with `words` in its last dimension and i64 elements.
RankedTensorType fieldsType(Type type, int64_t words) {
  auto ranked = cast<RankedTensorType>(type);
  SmallVector<int64_t> shape(ranked.getShape());
  shape.back() = words;
  return RankedTensorType::get(shape, IntegerType::get(type.getContext(), 64));
}

/// Packs sign chains: see the file comment.
class PixelPacker {
public:
  PixelPacker(OpBuilder &b, int64_t channels)
      : b(b), channels(channels), words(channels >= 64 ? channels / 64 : 1),
        validBits(channels >= 64 ? ~uint64_t(0)
                                 : (uint64_t(1) << channels) - 1) {}

  /// The field of a pixel whose every sign is the one i8 `sign` stands
  /// for (pack_signs: +1 when >= 0).
  Value fieldOf(Location loc, int64_t sign) {
    return arith::ConstantOp::create(
        b, loc, b.getI64IntegerAttr(sign >= 0 ? int64_t(validBits) : 0));
  }

  /// `op` again on the fields `fields` of its input.
  Value move(Operation *op, Value fields) {
    Location loc = op->getLoc();
    RankedTensorType type = fieldsType(op->getResult(0).getType(), words);
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op))
      return tensor::CollapseShapeOp::create(
          b, loc, type, fields, collapse.getReassociationIndices());
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
      SmallVector<OpFoldResult> sizes = expand.getMixedOutputShape();
      sizes.back() = b.getIndexAttr(words);
      return tensor::ExpandShapeOp::create(
          b, loc, type, fields, expand.getReassociationIndices(), sizes);
    }
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
      SmallVector<OpFoldResult> sizes = slice.getMixedSizes();
      sizes.back() = b.getIndexAttr(words);
      return tensor::ExtractSliceOp::create(b, loc, type, fields,
                                            slice.getMixedOffsets(), sizes,
                                            slice.getMixedStrides());
    }
    if (auto pad = dyn_cast<tensor::PadOp>(op))
      return tensor::PadOp::create(
          b, loc, type, fields, pad.getMixedLowPad(), pad.getMixedHighPad(),
          fieldOf(loc, *getI8Constant(pad.getConstantPaddingValue())),
          pad.getNofold());
    if (auto pool = dyn_cast<linalg::PoolingNhwcMaxOp>(op))
      return orPool(pool, fields, type);
    auto generic = cast<linalg::GenericOp>(op);
    Value init = emptyLike(loc, generic.getDpsInits()[0], type);
    return linalg::GenericOp::create(
               b, loc, TypeRange{type}, ValueRange{fields}, ValueRange{init},
               generic.getIndexingMapsArray(), generic.getIteratorTypesArray(),
               [](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l, args[0]);
               })
        .getResult(0);
  }

  /// The fields `fields` (..., F fields, or F C / 64 words when 64
  /// divides C) concatenated, C bits each, into the 64-bit words of
  /// `type` (..., ceil(F C / 64)).
  Value concatenate(Location loc, Value fields, RankedTensorType type) {
    if (channels >= 64)
      return fields; // Already whole words, in order.
    auto fieldType = cast<RankedTensorType>(fields.getType());
    int64_t rank = fieldType.getRank();
    int64_t perWord = 64 / channels;
    int64_t outWords = type.getShape().back();
    int64_t padded = outWords * perWord;
    // Zero fields to a whole number of words.
    if (padded != fieldType.getShape().back()) {
      SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0)),
          high(rank, b.getIndexAttr(0));
      high.back() = b.getIndexAttr(padded - fieldType.getShape().back());
      SmallVector<int64_t> shape(fieldType.getShape());
      shape.back() = padded;
      fields = tensor::PadOp::create(
          b, loc, RankedTensorType::get(shape, b.getI64Type()), fields, low,
          high, fieldOf(loc, -1), /*nofold=*/false);
    }
    // (..., words, perWord), then field p of each word shifted by p C.
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, fields);
    sizes.back() = b.getIndexAttr(outWords);
    sizes.push_back(b.getIndexAttr(perWord));
    SmallVector<int64_t> grouped(type.getShape());
    grouped.push_back(perWord);
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t d = 0; d + 1 < rank; ++d)
      reassociation.push_back({d});
    reassociation.push_back({rank - 1, rank});
    Value groups = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(grouped, b.getI64Type()), fields,
        reassociation, sizes);
    SmallVector<OpFoldResult> outSizes(sizes.begin(), sizes.end() - 1);
    Value empty = tensor::EmptyOp::create(b, loc, outSizes, b.getI64Type());
    Value init =
        linalg::FillOp::create(b, loc, fieldOf(loc, -1), empty).getResult(0);
    MLIRContext *context = b.getContext();
    SmallVector<AffineExpr> outExprs;
    for (int64_t d = 0; d < rank; ++d)
      outExprs.push_back(getAffineDimExpr(d, context));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    int64_t c = channels;
    return linalg::GenericOp::create(
               b, loc, TypeRange{type}, ValueRange{groups}, ValueRange{init},
               SmallVector<AffineMap>{
                   AffineMap::getMultiDimIdentityMap(rank + 1, context),
                   AffineMap::get(rank + 1, 0, outExprs, context)},
               iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value p = arith::IndexCastOp::create(
                     nb, l, nb.getI64Type(),
                     linalg::IndexOp::create(nb, l, rank));
                 Value shift = arith::MulIOp::create(
                     nb, l, p,
                     arith::ConstantOp::create(nb, l, nb.getI64IntegerAttr(c)));
                 Value placed = arith::ShLIOp::create(nb, l, args[0], shift);
                 linalg::YieldOp::create(
                     nb, l,
                     arith::OrIOp::create(nb, l, args[1], placed).getResult());
               })
        .getResult(0);
  }

private:
  /// An empty tensor of type `type` with `like`'s dynamic sizes: those the
  /// tensor.empty (or its fill) that made `like` was given, so that no
  /// tensor.dim keeps the bytes alive.
  Value emptyLike(Location loc, Value like, RankedTensorType type) {
    if (auto fill = like.getDefiningOp<linalg::FillOp>())
      like = fill.getDpsInits()[0];
    auto empty = like.getDefiningOp<tensor::EmptyOp>();
    SmallVector<OpFoldResult> sizes =
        empty ? empty.getMixedSizes() : tensor::getMixedSizes(b, loc, like);
    sizes.back() = b.getIndexAttr(words);
    return tensor::EmptyOp::create(b, loc, sizes, b.getI64Type());
  }

  /// Max pooling of signs as the OR of the window's fields.
  Value orPool(linalg::PoolingNhwcMaxOp pool, Value fields,
               RankedTensorType type) {
    Location loc = pool.getLoc();
    Value init = linalg::FillOp::create(
                     b, loc, fieldOf(loc, *getFillValue(pool.getDpsInits()[0])),
                     emptyLike(loc, pool.getDpsInits()[0], type))
                     .getResult(0);
    SmallVector<int64_t> strides(pool.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(pool.getDilations().getValues<int64_t>());
    MLIRContext *context = b.getContext();
    AffineExpr n, oh, ow, kh, kw, c;
    bindDims(context, n, oh, ow, kh, kw, c);
    SmallVector<AffineMap> maps = {
        AffineMap::get(6, 0,
                       {n, oh * strides[0] + kh * dilations[0],
                        ow * strides[1] + kw * dilations[1], c},
                       context),
        AffineMap::get(6, 0, {kh, kw}, context),
        AffineMap::get(6, 0, {n, oh, ow, c}, context)};
    using utils::IteratorType;
    return linalg::GenericOp::create(
               b, loc, TypeRange{type},
               ValueRange{fields, pool.getDpsInputs()[1]}, ValueRange{init},
               maps,
               {IteratorType::parallel, IteratorType::parallel,
                IteratorType::parallel, IteratorType::reduction,
                IteratorType::reduction, IteratorType::parallel},
               [](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(
                     nb, l,
                     arith::OrIOp::create(nb, l, args[2], args[0]).getResult());
               })
        .getResult(0);
  }

  OpBuilder &b;
  int64_t channels, words;
  uint64_t validBits;
};

} // namespace

void mlir::quantx::packPixelSigns(ModuleOp module) {
  SmallVector<PackSignsOp> packs;
  module.walk([&](PackSignsOp op) {
    if (getElementTypeOrSelf(op.getInput().getType()).isInteger(8))
      packs.push_back(op);
  });
  for (PackSignsOp pack : packs) {
    // The row may be pixels flattened with their channels, last.
    Value value = pack.getInput();
    auto concat = value.getDefiningOp<tensor::CollapseShapeOp>();
    if (concat && concat.getReassociationIndices().back().size() > 1)
      value = concat.getSrc();
    else
      concat = nullptr;
    // The pixel movers, last first, down to where the signs are made.
    SmallVector<Operation *> movers;
    while (Operation *producer = value.getDefiningOp()) {
      Value next = getPixelMoverSource(producer);
      if (!next)
        break;
      movers.push_back(producer);
      value = next;
    }
    // Only worth it when bytes would be pooled or gathered.
    bool movesBytes = llvm::any_of(movers, [](Operation *op) {
      return isa<linalg::PoolingNhwcMaxOp, linalg::GenericOp>(op);
    });
    auto signsType = cast<RankedTensorType>(value.getType());
    int64_t channels = signsType.getShape().back();
    // A field takes 8 bytes: fewer than 8 channels move less as bytes.
    if (!movesBytes || ShapedType::isDynamic(channels) || channels < 8 ||
        (channels % 64 != 0 && 64 % channels != 0))
      continue;
    int64_t fieldWords = channels >= 64 ? channels / 64 : 1;
    // The number of fields in a row: the flattened pixels, all static.
    int64_t rowFields = fieldWords;
    if (concat) {
      ArrayRef<int64_t> source = concat.getSrcType().getShape();
      ReassociationIndices group = concat.getReassociationIndices().back();
      for (int64_t d : ArrayRef(group).drop_back())
        rowFields = ShapedType::isDynamic(source[d]) || rowFields < 0
                        ? -1
                        : rowFields * source[d];
      if (rowFields < 0)
        continue;
    }
    OpBuilder b(pack);
    b.setInsertionPointAfterValue(value);
    PixelPacker packer(b, channels);
    Value fields = PackSignsOp::create(
        b, pack.getLoc(), fieldsType(signsType, fieldWords), value);
    // Sizes read from the bytes are read from the fields (all but the
    // channels'), so that the bytes can go.
    auto moveDims = [](Value bytes, Value fields) {
      int64_t last = cast<RankedTensorType>(bytes.getType()).getRank() - 1;
      for (OpOperand &use : llvm::make_early_inc_range(bytes.getUses())) {
        auto dim = dyn_cast<tensor::DimOp>(use.getOwner());
        std::optional<int64_t> index =
            dim ? dim.getConstantIndex() : std::nullopt;
        if (index && *index != last &&
            fields.getDefiningOp()->getBlock() == dim->getBlock() &&
            fields.getDefiningOp()->isBeforeInBlock(dim))
          use.set(fields);
      }
    };
    for (Operation *mover : llvm::reverse(movers)) {
      b.setInsertionPoint(mover);
      fields = packer.move(mover, fields);
      moveDims(mover->getResult(0), fields);
    }
    b.setInsertionPoint(pack);
    if (concat) {
      SmallVector<int64_t> shape(
          cast<RankedTensorType>(concat.getType()).getShape());
      shape.back() = rowFields;
      fields = tensor::CollapseShapeOp::create(
          b, concat.getLoc(), RankedTensorType::get(shape, b.getI64Type()),
          fields, concat.getReassociationIndices());
      moveDims(concat.getResult(), fields);
      fields = packer.concatenate(pack.getLoc(), fields,
                                  cast<RankedTensorType>(pack.getType()));
    }
    pack.getResult().replaceAllUsesWith(fields);
    Operation *old = concat ? concat.getOperation()
                            : (movers.empty() ? nullptr : movers.front());
    pack.erase();
    if (old)
      eraseUnusedChain({old});
  }
}
