//===- TileAndVectorizeElementwise.cpp - vectorized elementwise code ------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "TilingUtils.h"

#include "quantx/CodeGen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_TILEANDVECTORIZEELEMENTWISEPASS
#include "quantx/CodeGen/Passes.h.inc"

namespace {
struct TileAndVectorizeElementwisePass
    : impl::TileAndVectorizeElementwisePassBase<
          TileAndVectorizeElementwisePass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

/// Elementwise generics, and reductions that keep a parallel loop (a bias
/// gradient summing over the batch): tiled by 1 along every loop but one
/// parallel loop, each tile adds whole vectors into the accumulator.
static bool isTileable(linalg::GenericOp op) {
  return op.getNumLoops() > 0 && op.getNumParallelLoops() > 0 &&
         op.hasPureTensorSemantics();
}

static bool readsThroughPermutations(linalg::GenericOp op) {
  return llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
    return map.isProjectedPermutation();
  });
}

/// The loop to vectorize, always a parallel one: the innermost static
/// parallel loop that fills a vector, else the innermost static one longer
/// than 1, else the innermost parallel loop when all are static (a tensor
/// of ones); -1 when no loop qualifies. Every other loop is tiled by 1, so
/// tiles are static even where the op's shape is dynamic (a model's batch).
static int64_t pickVectorLoop(linalg::GenericOp op, int64_t width) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  auto pick = [&](int64_t minimum) {
    for (int64_t d = static_cast<int64_t>(ranges.size()) - 1; d >= 0; --d)
      if (iterators[d] == utils::IteratorType::parallel &&
          !ShapedType::isDynamic(ranges[d]) && ranges[d] >= minimum)
        return d;
    return int64_t(-1);
  };
  if (int64_t full = pick(width); full >= 0)
    return full;
  if (int64_t longer = pick(2); longer >= 0)
    return longer;
  if (hasStaticShapes(op))
    return pick(0);
  return -1;
}

/// A reduction to a scalar (no parallel loop: a per-tensor observer's
/// min/max, a learned step size's gradient) with an add/max/min combiner:
/// the loop to keep as partial results, the innermost static one of at
/// least `width` iterations, or -1.
static int64_t pickSplitLoop(linalg::GenericOp op, int64_t width) {
  if (op.getNumParallelLoops() != 0 || op.getNumLoops() == 0 ||
      op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics() ||
      op.getRank(op.getDpsInitOperand(0)) != 0 || !readsThroughPermutations(op))
    return -1;
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  Operation *combiner = yield.getOperand(0).getDefiningOp();
  BlockArgument acc = op.getBody()->getArguments().back();
  if (!isa_and_nonnull<arith::AddFOp, arith::MaximumFOp, arith::MinimumFOp,
                       arith::MaxNumFOp, arith::MinNumFOp>(combiner) ||
      combiner->getBlock() != op.getBody() || !acc.hasOneUse() ||
      !llvm::is_contained(combiner->getOperands(), acc) ||
      !arith::getNeutralElement(combiner))
    return -1;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (int64_t d = static_cast<int64_t>(ranges.size()) - 1; d >= 0; --d)
    if (!ShapedType::isDynamic(ranges[d]) && ranges[d] >= width)
      return d;
  return -1;
}

/// Splits `op` (see pickSplitLoop) into partial results along `loop`, a
/// parallel loop the tiling below vectorizes, each starting from the
/// combiner's neutral element, and a small reduction of the partials into
/// the original accumulator. Sums are reassociated; max and min are exact.
/// Returns the first stage.
static linalg::GenericOp splitReduction(RewriterBase &rewriter,
                                        linalg::GenericOp op, int64_t loop) {
  MLIRContext *context = op.getContext();
  Location loc = op.getLoc();
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  Operation *combiner = yield.getOperand(0).getDefiningOp();
  Type element = op.getDpsInitOperand(0)->get().getType();
  element = cast<RankedTensorType>(element).getElementType();
  // -0.0 leaves every sum's bits alone (upstream's neutral element for addf
  // is +0.0, which turns a sum of -0.0 into +0.0).
  TypedAttr neutral = *arith::getNeutralElement(combiner);
  if (isa<arith::AddFOp>(combiner))
    neutral = FloatAttr::get(element, -0.0);
  int64_t size = op.getStaticLoopRanges()[loop];
  rewriter.setInsertionPoint(op);
  auto partialType = RankedTensorType::get({size}, element);
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, partialType.getShape(), element);
  Value init =
      linalg::FillOp::create(
          rewriter, loc,
          ValueRange{arith::ConstantOp::create(rewriter, loc, neutral)}, empty)
          .getResult(0);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps.back() =
      AffineMap::get(op.getNumLoops(), 0, getAffineDimExpr(loop, context));
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators[loop] = utils::IteratorType::parallel;
  auto partial = linalg::GenericOp::create(
      rewriter, loc, TypeRange{partialType}, op.getDpsInputs(),
      ValueRange{init}, maps, iterators);
  rewriter.cloneRegionBefore(op.getRegion(), partial.getRegion(),
                             partial.getRegion().begin());
  AffineMap all = AffineMap::getMultiDimIdentityMap(1, context);
  AffineMap none = AffineMap::get(1, 0, {}, context);
  auto total = linalg::GenericOp::create(
      rewriter, loc, op->getResultTypes(), ValueRange{partial.getResult(0)},
      op.getDpsInits(), ArrayRef<AffineMap>{all, none},
      ArrayRef<utils::IteratorType>{utils::IteratorType::reduction},
      [&](OpBuilder &b, Location nloc, ValueRange args) {
        Operation *combined =
            b.create(nloc, combiner->getName().getIdentifier(),
                     {args[1], args[0]}, {element}, combiner->getAttrs());
        linalg::YieldOp::create(b, nloc, combined->getResult(0));
      });
  rewriter.replaceOp(op, total.getResults());
  return partial;
}

void TileAndVectorizeElementwisePass::runOnOperation() {
  if (failed(verifyVectorBits(getOperation(),
                              "quantx-tile-vectorize-elementwise", vectorBits)))
    return signalPassFailure();
  int64_t width = vectorWidth;
  if (width == 0)
    width = CpuTarget{vectorBits}.getLanes(32);
  if (width < 1) {
    getOperation().emitError(
        "quantx-tile-vectorize-elementwise: vector-width must be positive");
    return signalPassFailure();
  }

  constexpr StringLiteral kMark = "__quantx_codegen_elementwise_tile__";
  IRRewriter rewriter(&getContext());
  SmallVector<std::pair<linalg::GenericOp, int64_t>> reductions;
  getOperation().walk([&](linalg::GenericOp op) {
    if (op->getParentOfType<scf::ForOp>())
      return;
    if (int64_t loop = pickSplitLoop(op, width); loop >= 0)
      reductions.push_back({op, loop});
  });
  for (auto [op, loop] : reductions)
    splitReduction(rewriter, op, loop);
  SmallVector<linalg::GenericOp> generics;
  getOperation().walk([&](linalg::GenericOp op) {
    if (isTileable(op) && !op->getParentOfType<scf::ForOp>())
      generics.push_back(op);
  });
  for (linalg::GenericOp op : generics) {
    int64_t dim = pickVectorLoop(op, width);
    if (dim < 0)
      continue;
    SmallVector<int64_t> sizes(op.getNumLoops(), 1);
    sizes[dim] = width;
    tileAndPeel(rewriter, op, sizes, /*interchange=*/{}, kMark);
  }

  canonicalize(getOperation());

  SmallVector<linalg::GenericOp> tiles;
  getOperation().walk([&](linalg::GenericOp op) {
    if (op->hasAttr(kMark)) {
      op->removeAttr(kMark);
      if (isTileable(op) && hasStaticShapes(op))
        tiles.push_back(op);
    }
  });
  for (linalg::GenericOp op : tiles) {
    // A tile that reads through sums of loops (an im2col gather, `oh + kh`)
    // is no projected permutation, which the vectorizer needs; with its
    // unit loops dropped (all but the vector loop), the sums are constants.
    if (!readsThroughPermutations(op)) {
      linalg::ControlDropUnitDims control;
      control.rankReductionStrategy = linalg::ControlDropUnitDims::
          RankReductionStrategy::ExtractInsertSlice;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::DropUnitDimsResult> dropped =
          linalg::dropUnitDims(rewriter, op, control);
      if (failed(dropped))
        continue;
      rewriter.replaceOp(op, dropped->replacements);
      op = cast<linalg::GenericOp>(dropped->resultOp.getOperation());
      if (!readsThroughPermutations(op))
        continue;
    }
    vectorizeInPlace(rewriter, op);
  }
}
