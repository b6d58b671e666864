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
// not compose with named contractions in MLIR 22, hence the peeling.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_TILEANDVECTORIZEMATMULPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"

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

static bool hasStaticShapes(linalg::LinalgOp op) {
  return llvm::all_of(op->getOperandTypes(), [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return shaped && shaped.hasStaticShape();
  });
}

/// Tiles `op` with `sizes` (and loop order `interchange`); returns the tiled
/// operation and the loops, outermost first.
static FailureOr<std::pair<Operation *, SmallVector<LoopLikeOpInterface>>>
tileOp(RewriterBase &rewriter, Operation *op, ArrayRef<int64_t> sizes,
       ArrayRef<int64_t> interchange) {
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(op->getContext(), sizes));
  if (!interchange.empty())
    options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, cast<TilingInterface>(op), options);
  if (failed(tiled) || tiled->tiledOps.size() != 1)
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return std::make_pair(tiled->tiledOps.front(), tiled->loops);
}

/// Peels `loop` and, recursively, the `depth - 1` loops nested directly in
/// it and in its peeled copy, so no iteration works on a partial tile.
static void peelNest(RewriterBase &rewriter, scf::ForOp loop, unsigned depth) {
  scf::ForOp partial;
  SmallVector<scf::ForOp> bodies = {loop};
  if (succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial)))
    bodies.push_back(partial);
  if (depth <= 1)
    return;
  for (scf::ForOp body : bodies) {
    SmallVector<scf::ForOp> inner(body.getBody()->getOps<scf::ForOp>());
    for (scf::ForOp nested : inner)
      peelNest(rewriter, nested, depth - 1);
  }
}

void TileAndVectorizeMatmulPass::runOnOperation() {
  SmallVector<int64_t> cache(cacheTile.begin(), cacheTile.end());
  SmallVector<int64_t> registers(registerTile.begin(), registerTile.end());
  if (cache.empty())
    cache = {512, 128, 128};
  if (registers.empty())
    registers = {6, 16, 8};
  if (cache.size() != 3 || registers.size() != 3 ||
      llvm::any_of(llvm::concat<int64_t>(cache, registers),
                   [](int64_t size) { return size <= 0; })) {
    getOperation().emitError("quantx-tile-vectorize-matmul: cache-tile and "
                             "register-tile take three positive sizes "
                             "(M, N, K)");
    return signalPassFailure();
  }

  // Canonicalization folds the peeled loop bounds into static tile shapes.
  auto canonicalize = [&] {
    OpPassManager pm(ModuleOp::getOperationName());
    pm.addPass(createCanonicalizerPass());
    return runPipeline(pm, getOperation());
  };
  // Tiles are marked with the level they were made for; the mark survives
  // peeling (which clones) and canonicalization.
  constexpr StringLiteral kLevel = "quantx.matmul_tile_level";
  auto collect = [&](int64_t level) {
    SmallVector<linalg::MatmulOp> found;
    getOperation().walk([&](linalg::MatmulOp op) {
      auto mark = op->getAttrOfType<IntegerAttr>(kLevel);
      int64_t opLevel = mark ? mark.getInt() : 0;
      if (op.hasPureTensorSemantics() && hasStaticShapes(op) &&
          opLevel == level)
        found.push_back(op);
    });
    return found;
  };
  // Tiles `op`, then peels the new loops so every tile is static.
  IRRewriter rewriter(&getContext());
  auto tileAndPeel = [&](linalg::MatmulOp op, ArrayRef<int64_t> sizes,
                         ArrayRef<int64_t> interchange, int64_t level) {
    auto tiled = tileOp(rewriter, op, sizes, interchange);
    if (failed(tiled))
      return;
    tiled->first->setAttr(kLevel, rewriter.getI64IntegerAttr(level));
    if (tiled->second.empty())
      return;
    if (auto outer = dyn_cast<scf::ForOp>(tiled->second.front().getOperation()))
      peelNest(rewriter, outer, tiled->second.size());
  };

  // Cache tiles (loops N, K, M), then register tiles inside each.
  for (linalg::MatmulOp matmul : collect(/*level=*/0))
    tileAndPeel(matmul, cache, /*interchange=*/{1, 2, 0}, /*level=*/1);
  if (failed(canonicalize()))
    return signalPassFailure();
  for (linalg::MatmulOp matmul : collect(/*level=*/1))
    tileAndPeel(matmul, registers, /*interchange=*/{}, /*level=*/2);
  if (failed(canonicalize()))
    return signalPassFailure();

  for (linalg::MatmulOp op : collect(/*level=*/2)) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
        rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
        /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
        /*assumeDynamicDimsMatchVecSizes=*/false,
        /*createNamedContraction=*/true);
    if (succeeded(vectorized))
      rewriter.replaceOp(op, vectorized->replacements);
  }
  getOperation().walk([&](linalg::MatmulOp op) { op->removeAttr(kLevel); });
}
