//===- TileAndVectorizeMatmul.cpp - register-blocked matmul codegen -------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Two levels of tiling (cache, registers) with upstream's TilingInterface,
// peeling so that every register tile is static, and vectorization of each
// tile to a vector.contract. The masked vectorization of partial tiles does
// not compose with named contractions in MLIR 22, hence the peeling, the
// split of a dynamic M into static row blocks, and the zero padding of the
// partial tile of a dynamic N or K.
//
//===----------------------------------------------------------------------===//

#include "TilingUtils.h"

#include "quantx/CodeGen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_TILEANDVECTORIZEMATMULPASS
#include "quantx/CodeGen/Passes.h.inc"

namespace {
struct TileAndVectorizeMatmulPass
    : impl::TileAndVectorizeMatmulPassBase<TileAndVectorizeMatmulPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

/// Marks the transposes this pass creates, to vectorize them later.
static constexpr StringLiteral kTransposeMark =
    "__quantx_codegen_operand_transpose__";

/// Materializes transposed operands: a matmul reading B as (n, k) gets a
/// linalg.transpose of B (and of A, if A is read as (k, m) too) and the
/// standard maps.
/// The copy costs O(n^2) against the O(n^3) product, and the register-blocked
/// code is fastest on the standard layout (outer products over rows of B).
static linalg::MatmulOp untransposeOperands(RewriterBase &rewriter,
                                            linalg::MatmulOp op) {
  if (!op.hasUserDefinedMaps())
    return op;
  MLIRContext *context = op.getContext();
  AffineExpr m, n, k;
  bindDims(context, m, n, k);
  auto map = [&](AffineExpr a, AffineExpr b) {
    return AffineMap::get(3, 0, {a, b}, context);
  };
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  bool transposedA = maps[0] == map(k, m);
  bool transposedB = maps[1] == map(n, k);
  if ((!transposedA && maps[0] != map(m, k)) ||
      (!transposedB && maps[1] != map(k, n)) || maps[2] != map(m, n))
    return op;
  // A read as (k, m) alone is already what outer products consume (a column
  // of A per step of k): leave it.
  if (!transposedB)
    return op;
  rewriter.setInsertionPoint(op);
  Location loc = op.getLoc();
  auto transpose = [&](Value value) -> Value {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, value);
    Value init = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{sizes[1], sizes[0]},
        type.getElementType());
    auto transposeOp = linalg::TransposeOp::create(rewriter, loc, value, init,
                                                   ArrayRef<int64_t>{1, 0});
    transposeOp->setAttr(kTransposeMark, rewriter.getUnitAttr());
    return transposeOp.getResult()[0];
  };
  Value a = op.getInputs()[0], b = op.getInputs()[1];
  if (transposedA)
    a = transpose(a);
  if (transposedB)
    b = transpose(b);
  auto plain = linalg::MatmulOp::create(rewriter, loc, op.getResultTypes(),
                                        ValueRange{a, b}, op.getOutputs());
  rewriter.replaceOp(op, plain.getResults());
  return plain;
}

/// A register tile with dynamic sizes (the partial tile of a dynamic
/// dimension, at most `tile` = (M, N, K) long) becomes a static one: its
/// operands are padded with zeros to the tile, the product of the padded
/// operands is computed by a static matmul (vectorized like the full tiles),
/// and the original sizes are sliced out of it. Zero rows and columns add
/// nothing to a sum of products.
static linalg::MatmulOp padToTile(RewriterBase &rewriter, linalg::MatmulOp op,
                                  ArrayRef<int64_t> tile) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  SmallVector<Value> padded;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = cast<RankedTensorType>(operand.get().getType());
    AffineMap map = op.getMatchingIndexingMap(&operand);
    SmallVector<int64_t> shape(type.getShape());
    for (auto [dim, expr] : llvm::enumerate(map.getResults()))
      if (ShapedType::isDynamic(shape[dim]))
        shape[dim] = tile[cast<AffineDimExpr>(expr).getPosition()];
    if (type.hasStaticShape()) {
      padded.push_back(operand.get());
      continue;
    }
    Value zero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
    padded.push_back(tensor::createPadHighOp(
        RankedTensorType::get(shape, type.getElementType()), operand.get(),
        zero, /*nofold=*/false, loc, rewriter));
  }
  auto product = linalg::MatmulOp::create(rewriter, loc, padded[2].getType(),
                                          ValueRange{padded[0], padded[1]},
                                          ValueRange{padded[2]});
  if (op.hasUserDefinedMaps())
    product.setIndexingMapsAttr(op.getIndexingMaps());
  Value init = op.getOutputs()[0];
  auto initType = cast<RankedTensorType>(init.getType());
  SmallVector<OpFoldResult> zeros(initType.getRank(), rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(initType.getRank(), rewriter.getIndexAttr(1));
  Value result = tensor::ExtractSliceOp::create(
      rewriter, loc, initType, product.getResult(0), zeros,
      tensor::getMixedSizes(rewriter, loc, init), ones);
  rewriter.replaceOp(op, result);
  return product;
}

/// Computes the rows of a matmul with a dynamic M below `rows` (the
/// partial register tile of a dynamic batch, r < `rows` rows) in blocks of
/// static size: the block of size s, a power of two, runs when bit s of r
/// is set, at row r & ~(2s - 1). Each block is a static matmul, register-
/// tiled like the full tiles, whose accumulators stay in registers across
/// K; the alternative, padding the partial tile to `rows`, pads its
/// accumulator at every step of K.
static void splitRowsIntoBlocks(RewriterBase &rewriter, linalg::MatmulOp op,
                                int64_t rows) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto tileable = cast<TilingInterface>(op.getOperation());
  SmallVector<Range> domain = tileable.getIterationDomain(rewriter);
  Value count = getValueOrCreateConstantIndexOp(rewriter, loc, domain[0].size);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value acc = op.getOutputs()[0];
  for (int64_t block = llvm::PowerOf2Ceil(rows) / 2; block >= 1; block /= 2) {
    Value bit = arith::AndIOp::create(
        rewriter, loc, count,
        arith::ConstantIndexOp::create(rewriter, loc, block));
    Value taken = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                        bit, zero);
    Value offset = arith::AndIOp::create(
        rewriter, loc, count,
        arith::ConstantIndexOp::create(rewriter, loc, ~(2 * block - 1)));
    auto branch = scf::IfOp::create(rewriter, loc, acc.getType(), taken,
                                    /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(&branch.getElseRegion().front());
    scf::YieldOp::create(rewriter, loc, acc);
    rewriter.setInsertionPointToStart(&branch.getThenRegion().front());
    // The op accumulating into `acc`, cut to the block's rows.
    IRMapping mapping;
    mapping.map(op.getOutputs()[0], acc);
    auto accumulating = cast<TilingInterface>(rewriter.clone(*op, mapping));
    SmallVector<OpFoldResult> offsets = {offset, rewriter.getIndexAttr(0),
                                         rewriter.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(block),
                                       domain[1].size, domain[2].size};
    FailureOr<TilingResult> tiled =
        accumulating.getTiledImplementation(rewriter, offsets, sizes);
    SmallVector<OpFoldResult> resultOffsets, resultSizes;
    if (failed(tiled) ||
        failed(accumulating.getResultTilePosition(rewriter, 0, offsets, sizes,
                                                  resultOffsets, resultSizes)))
      llvm::report_fatal_error("a matmul's row block cannot be tiled");
    SmallVector<OpFoldResult> strides(2, rewriter.getIndexAttr(1));
    Value updated =
        tensor::InsertSliceOp::create(rewriter, loc, tiled->tiledValues[0], acc,
                                      resultOffsets, resultSizes, strides);
    scf::YieldOp::create(rewriter, loc, updated);
    rewriter.eraseOp(accumulating);
    acc = branch.getResult(0);
  }
  rewriter.replaceOp(op, acc);
}

/// Splits the rows (M) of every `mark`ed matmul whose M is dynamic: full
/// blocks of `rows` (the register tile) in a peeled loop, and the partial
/// one by `splitRowsIntoBlocks`.
static void splitDynamicRows(RewriterBase &rewriter, Operation *root,
                             StringRef mark, int64_t rows) {
  auto collectDynamicRows = [&] {
    SmallVector<linalg::MatmulOp> found;
    root->walk([&](linalg::MatmulOp op) {
      if (op->hasAttr(mark) && op.hasPureTensorSemantics() &&
          ShapedType::isDynamic(op.getStaticLoopRanges()[0]))
        found.push_back(op);
    });
    return found;
  };
  for (linalg::MatmulOp op : collectDynamicRows())
    tileAndPeel(rewriter, op, {rows, 0, 0}, /*interchange=*/{}, mark);
  // The full blocks get their static sizes; the peeled one stays dynamic.
  canonicalize(root);
  for (linalg::MatmulOp op : collectDynamicRows())
    splitRowsIntoBlocks(rewriter, op, rows);
  canonicalize(root);
}

void TileAndVectorizeMatmulPass::runOnOperation() {
  SmallVector<int64_t> cache(cacheTile.begin(), cacheTile.end());
  SmallVector<int64_t> registers(registerTile.begin(), registerTile.end());
  if (cache.empty())
    cache = {512, 128, 128};
  if (failed(verifyVectorBits(getOperation(), "quantx-tile-vectorize-matmul",
                              vectorBits)))
    return signalPassFailure();
  if (registers.empty())
    registers = CpuTarget{vectorBits}.getMatmulRegisterTile();
  if (cache.size() != 3 || registers.size() != 3 ||
      llvm::any_of(llvm::concat<int64_t>(cache, registers),
                   [](int64_t size) { return size <= 0; })) {
    getOperation().emitError("quantx-tile-vectorize-matmul: cache-tile and "
                             "register-tile take three positive sizes "
                             "(M, N, K)");
    return signalPassFailure();
  }

  // vector.contract takes one element type: a float operand of another
  // type than the result (f16 weights in an f32 matmul) is converted to
  // it first, as linalg.matmul's semantics convert it; other mixes stay
  // as loops.
  SmallVector<linalg::MatmulOp> mixed;
  getOperation().walk([&](linalg::MatmulOp op) {
    Type result = getElementTypeOrSelf(op.getDpsInits()[0].getType());
    if (op.hasPureTensorSemantics() &&
        llvm::any_of(op.getDpsInputs(), [&](Value input) {
          return getElementTypeOrSelf(input.getType()) != result;
        }))
      mixed.push_back(op);
  });
  for (linalg::MatmulOp op : mixed) {
    auto result = dyn_cast<FloatType>(
        getElementTypeOrSelf(op.getDpsInits()[0].getType()));
    bool floats =
        result && llvm::all_of(op.getDpsInputs(), [](Value input) {
          return isa<FloatType>(getElementTypeOrSelf(input.getType()));
        });
    if (!floats)
      continue;
    IRRewriter rewriter(op);
    for (OpOperand *operand : op.getDpsInputOperands()) {
      auto type = cast<RankedTensorType>(operand->get().getType());
      auto from = cast<FloatType>(type.getElementType());
      if (from == result)
        continue;
      Location loc = op.getLoc();
      Value init = tensor::EmptyOp::create(
          rewriter, loc, tensor::getMixedSizes(rewriter, loc, operand->get()),
          result);
      int64_t rank = type.getRank();
      AffineMap identity =
          AffineMap::getMultiDimIdentityMap(rank, &getContext());
      Value converted =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{type.clone(result)},
              ValueRange{operand->get()}, ValueRange{init},
              SmallVector<AffineMap>{identity, identity},
              SmallVector<utils::IteratorType>(rank,
                                               utils::IteratorType::parallel),
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value v = from.getWidth() < result.getWidth()
                              ? arith::ExtFOp::create(b, l, result, args[0])
                                    .getResult()
                              : arith::TruncFOp::create(b, l, result, args[0])
                                    .getResult();
                linalg::YieldOp::create(b, l, v);
              })
              .getResult(0);
      operand->set(converted);
    }
  }

  // Tiles carry the mark of the level they were made for; the mark survives
  // peeling (which clones) and canonicalization.
  constexpr StringLiteral kCacheTile = "__quantx_codegen_matmul_cache_tile__";
  constexpr StringLiteral kRegisterTile =
      "__quantx_codegen_matmul_register_tile__";
  auto collect = [&](StringRef mark) {
    SmallVector<linalg::MatmulOp> found;
    getOperation().walk([&](linalg::MatmulOp op) {
      bool marked =
          mark.empty() ? !op->hasAttr(kCacheTile) && !op->hasAttr(kRegisterTile)
                       : op->hasAttr(mark);
      Type result = getElementTypeOrSelf(op.getDpsInits()[0].getType());
      bool sameTypes = llvm::all_of(op.getDpsInputs(), [&](Value input) {
        return getElementTypeOrSelf(input.getType()) == result;
      });
      if (op.hasPureTensorSemantics() && marked && sameTypes)
        found.push_back(op);
    });
    return found;
  };

  // Cache tiles (loops N, K, M), then register tiles inside each.
  IRRewriter rewriter(&getContext());
  for (linalg::MatmulOp matmul : collect("")) {
    // A dynamic dimension is not cache-tiled (size 0): the partial tile of
    // a peeled dynamic loop has a size the register-level peeling cannot
    // bound, which would leave every register tile in it dynamic.
    SmallVector<int64_t> sizes(cache);
    for (auto [dim, size] : llvm::enumerate(matmul.getStaticLoopRanges()))
      if (ShapedType::isDynamic(size))
        sizes[dim] = 0;
    tileAndPeel(rewriter, untransposeOperands(rewriter, matmul), sizes,
                /*interchange=*/{1, 2, 0}, kCacheTile);
  }
  canonicalize(getOperation());
  splitDynamicRows(rewriter, getOperation(), kCacheTile, registers[0]);
  for (linalg::MatmulOp matmul : collect(kCacheTile)) {
    matmul->removeAttr(kCacheTile);
    tileAndPeel(rewriter, matmul, registers, /*interchange=*/{}, kRegisterTile);
  }
  canonicalize(getOperation());

  // Full tiles are static; the partial tiles of a dynamic N or K are
  // padded to the register tile first.
  for (linalg::MatmulOp op : collect(kRegisterTile)) {
    if (!hasStaticShapes(op))
      op = padToTile(rewriter, op, registers);
    vectorizeInPlace(rewriter, op, /*createNamedContraction=*/true);
  }
  getOperation().walk([&](linalg::MatmulOp op) {
    op->removeAttr(kCacheTile);
    op->removeAttr(kRegisterTile);
  });

  // The transposes made by untransposeOperands: 16x16 blocks, vectorized.
  SmallVector<linalg::TransposeOp> transposes;
  getOperation().walk([&](linalg::TransposeOp op) {
    if (op->hasAttr(kTransposeMark))
      transposes.push_back(op);
  });
  for (linalg::TransposeOp op : transposes) {
    op->removeAttr(kTransposeMark);
    tileAndPeel(rewriter, op, {16, 16}, /*interchange=*/{}, kTransposeMark);
  }
  canonicalize(getOperation());
  SmallVector<linalg::TransposeOp> blocks;
  getOperation().walk([&](linalg::TransposeOp op) {
    if (op->hasAttr(kTransposeMark)) {
      op->removeAttr(kTransposeMark);
      if (op.hasPureTensorSemantics() && hasStaticShapes(op))
        blocks.push_back(op);
    }
  });
  for (linalg::TransposeOp op : blocks)
    vectorizeInPlace(rewriter, op);
}
