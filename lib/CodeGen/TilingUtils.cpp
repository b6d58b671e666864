//===- TilingUtils.cpp - shared helpers of the codegen passes -------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "TilingUtils.h"

#include "quantx/CodeGen/Target.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;

bool mlir::quantx::hasStaticShapes(linalg::LinalgOp op) {
  return llvm::all_of(op->getOperandTypes(), [](Type type) {
    auto shaped = dyn_cast<ShapedType>(type);
    return shaped && shaped.hasStaticShape();
  });
}

/// Tiles `op` with `sizes` (and loop order `interchange`); returns the tiled
/// operation and the loops, outermost first.
FailureOr<std::pair<Operation *, SmallVector<LoopLikeOpInterface>>>
mlir::quantx::tileOp(RewriterBase &rewriter, Operation *op,
                     ArrayRef<int64_t> sizes, ArrayRef<int64_t> interchange) {
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
void mlir::quantx::peelNest(RewriterBase &rewriter, scf::ForOp loop,
                            unsigned depth) {
  scf::ForOp partial;
  SmallVector<scf::ForOp> bodies = {loop};
  if (succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial)))
    bodies.push_back(partial);
  if (depth <= 1)
    return;
  for (scf::ForOp body : bodies) {
    SmallVector<scf::ForOp> inner(body.getBody()->getOps<scf::ForOp>());
    for (scf::ForOp nested : inner)
      mlir::quantx::peelNest(rewriter, nested, depth - 1);
  }
}

Operation *mlir::quantx::tileAndPeel(RewriterBase &rewriter, Operation *op,
                                     ArrayRef<int64_t> sizes,
                                     ArrayRef<int64_t> interchange,
                                     StringRef mark) {
  auto tiled = tileOp(rewriter, op, sizes, interchange);
  if (failed(tiled))
    return nullptr;
  tiled->first->setAttr(mark, rewriter.getUnitAttr());
  if (!tiled->second.empty())
    if (auto outer = dyn_cast<scf::ForOp>(tiled->second.front().getOperation()))
      peelNest(rewriter, outer, tiled->second.size());
  return tiled->first;
}

LogicalResult mlir::quantx::verifyVectorBits(Operation *op, StringRef pass,
                                             int64_t vectorBits) {
  if (CpuTarget::isSupportedVectorBits(vectorBits))
    return success();
  return op->emitError(pass)
         << ": vector-bits must be 256 or 512, not " << vectorBits;
}

void mlir::quantx::canonicalize(Operation *root) {
  MLIRContext *context = root->getContext();
  RewritePatternSet patterns(context);
  for (Dialect *dialect : context->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : context->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, context);
  // As the canonicalizer pass: the IR is valid after every rewrite, and
  // what is left uncanonicalized after the driver's iteration limit only
  // costs speed, so not converging is no error.
  (void)applyPatternsGreedily(root, std::move(patterns));
}

bool mlir::quantx::vectorizeInPlace(RewriterBase &rewriter, linalg::LinalgOp op,
                                    bool createNamedContraction) {
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false, createNamedContraction);
  if (failed(vectorized))
    return false;
  rewriter.replaceOp(op, vectorized->replacements);
  return true;
}
