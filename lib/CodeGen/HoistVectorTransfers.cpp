//===- HoistVectorTransfers.cpp - accumulators in registers ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_HOISTVECTORTRANSFERSPASS
#include "quantx/CodeGen/Passes.h.inc"

namespace {
struct HoistVectorTransfersPass
    : impl::HoistVectorTransfersPassBase<HoistVectorTransfersPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

void HoistVectorTransfersPass::runOnOperation() {
  RewritePatternSet patterns(&getContext());
  memref::populateFoldMemRefAliasOpPatterns(patterns);
  // Transposing reads become a contiguous read and a vector.transpose
  // (register shuffles) instead of element-by-element gathers.
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  // Not converging is no error here: upstream's folding of transfers through
  // memref.expand_shape re-creates an identical affine.linearize_index on
  // every iteration, and each rewrite leaves valid IR.
  (void)applyPatternsGreedily(getOperation(), std::move(patterns));
  // Folding materializes the same index computations more than once;
  // hoisting pairs a read with a write only at identical index values.
  IRRewriter rewriter(&getContext());
  DominanceInfo dominance(getOperation());
  eliminateCommonSubExpressions(rewriter, dominance, getOperation());
  linalg::hoistRedundantVectorTransfers(getOperation());
}
