//===- TileAndVectorizeConv.cpp - vectorized NHWC convolutions ------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Tiles with unit output-row and filter-row tiles so that upstream's
// decomposition turns each tile into a 1-D convolution, which upstream's
// vectorizer handles.
//
//===----------------------------------------------------------------------===//

#include "TilingUtils.h"

#include "quantx/CodeGen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_TILEANDVECTORIZECONVPASS
#include "quantx/CodeGen/Passes.h.inc"

namespace {
struct TileAndVectorizeConvPass
    : impl::TileAndVectorizeConvPassBase<TileAndVectorizeConvPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

void TileAndVectorizeConvPass::runOnOperation() {
  SmallVector<int64_t> sizes(tile.begin(), tile.end());
  if (failed(verifyVectorBits(getOperation(), "quantx-tile-vectorize-conv",
                              vectorBits)))
    return signalPassFailure();
  if (sizes.empty())
    sizes = CpuTarget{vectorBits}.getConvTile();
  if (sizes.size() != 7 || sizes[1] != 1 || sizes[4] != 1 ||
      llvm::any_of(sizes, [](int64_t size) { return size <= 0; })) {
    getOperation().emitError(
        "quantx-tile-vectorize-conv: tile takes seven positive sizes, with 1 "
        "for the output row and the filter row");
    return signalPassFailure();
  }

  constexpr StringLiteral kMark = "__quantx_codegen_conv_tile__";
  SmallVector<linalg::Conv2DNhwcHwcfOp> convs;
  // A dynamic loop tiled by 1 (a model's batch) still gives static tiles;
  // one tiled by more would leave a partial tile of unknown size.
  getOperation().walk([&](linalg::Conv2DNhwcHwcfOp op) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    bool staticTiles =
        llvm::all_of(llvm::seq<size_t>(ranges.size()), [&](size_t loop) {
          return sizes[loop] == 1 || !ShapedType::isDynamic(ranges[loop]);
        });
    if (op.hasPureTensorSemantics() && staticTiles)
      convs.push_back(op);
  });
  IRRewriter rewriter(&getContext());
  for (linalg::Conv2DNhwcHwcfOp conv : convs)
    tileAndPeel(rewriter, conv, sizes, /*interchange=*/{}, kMark);

  // Canonicalize (static tiles), then rewrite unit-row tiles as 1-D
  // convolutions.
  canonicalize(getOperation());
  RewritePatternSet patterns(&getContext());
  linalg::populateDecomposeConvolutionPatterns(patterns);
  if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
    getOperation().emitError("quantx-tile-vectorize-conv: decomposing the "
                             "convolution tiles did not converge");
    return signalPassFailure();
  }

  SmallVector<linalg::Conv1DNwcWcfOp> tiles;
  getOperation().walk([&](linalg::Conv1DNwcWcfOp op) {
    if (op.hasPureTensorSemantics() && hasStaticShapes(op) &&
        op->getParentOfType<scf::ForOp>())
      tiles.push_back(op);
  });
  for (linalg::Conv1DNwcWcfOp op : tiles)
    vectorizeInPlace(rewriter, op);
  getOperation().walk([&](Operation *op) { op->removeAttr(kMark); });
}
