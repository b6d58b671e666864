//===- TileAndVectorizeConv.cpp - vectorized NHWC convolutions ------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Tiles convolutions, depthwise convolutions and pooling with unit
// output-row and window-row tiles so that upstream's decomposition turns
// each tile into a 1-D op, which upstream's vectorizer handles.
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

namespace {
/// The 2-D windowed ops tiled here: NHWC convolutions, depthwise
/// convolutions and pooling, whose unit-row tiles upstream decomposes.
bool isWindowed2D(linalg::LinalgOp op) {
  return isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp,
             linalg::PoolingNhwcMaxOp, linalg::PoolingNhwcMinOp,
             linalg::PoolingNhwcSumOp, linalg::PoolingNhwcMaxUnsignedOp,
             linalg::PoolingNhwcMinUnsignedOp>(op);
}

/// What `isWindowed2D` ops decompose into, which upstream vectorizes.
bool isWindowed1D(linalg::LinalgOp op) {
  return isa<linalg::Conv1DNwcWcfOp, linalg::DepthwiseConv1DNwcWcOp,
             linalg::PoolingNwcMaxOp, linalg::PoolingNwcMinOp,
             linalg::PoolingNwcSumOp, linalg::PoolingNwcMaxUnsignedOp,
             linalg::PoolingNwcMinUnsignedOp>(op);
}
} // namespace

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
  // Pooling and depthwise convolutions have the loops of a convolution
  // without its input channels: (batch, output row, output column,
  // channel, window row, window column).
  SmallVector<int64_t> windowSizes = {sizes[0], sizes[1], sizes[2],
                                      sizes[3], sizes[4], sizes[5]};

  // A dynamic loop is tiled like a static one: peeling leaves static full
  // tiles, which are vectorized, and one partial tile of unknown size,
  // which stays a linalg op and lowers to loops.
  constexpr StringLiteral kMark = "__quantx_codegen_conv_tile__";
  SmallVector<linalg::LinalgOp> ops;
  getOperation().walk([&](linalg::LinalgOp op) {
    if (op.hasPureTensorSemantics() && isWindowed2D(op))
      ops.push_back(op);
  });
  IRRewriter rewriter(&getContext());
  for (linalg::LinalgOp op : ops)
    tileAndPeel(rewriter, op,
                isa<linalg::Conv2DNhwcHwcfOp>(op) ? sizes : windowSizes,
                /*interchange=*/{}, kMark);

  // Canonicalize (static tiles), then rewrite unit-row tiles as 1-D
  // convolutions and poolings.
  canonicalize(getOperation());
  RewritePatternSet patterns(&getContext());
  linalg::populateDecomposeConvolutionPatterns(patterns);
  if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
    getOperation().emitError("quantx-tile-vectorize-conv: decomposing the "
                             "convolution tiles did not converge");
    return signalPassFailure();
  }

  SmallVector<linalg::LinalgOp> tiles;
  getOperation().walk([&](linalg::LinalgOp op) {
    if (op.hasPureTensorSemantics() && isWindowed1D(op) &&
        hasStaticShapes(op) && op->getParentOfType<scf::ForOp>())
      tiles.push_back(op);
  });
  for (linalg::LinalgOp op : tiles)
    vectorizeInPlace(rewriter, op);
  getOperation().walk([&](Operation *op) { op->removeAttr(kMark); });
}
