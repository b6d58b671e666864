//===- TilingUtils.h - shared helpers of the codegen passes -----*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Tiling with peeled (hence static) tiles, used by the matmul and
// convolution vectorization passes.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_TILINGUTILS_H
#define QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_TILINGUTILS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace mlir::quantx {

/// True when every operand of `op` has a static shape.
bool hasStaticShapes(linalg::LinalgOp op);

/// Tiles `op` with `sizes` (and loop order `interchange`); returns the tiled
/// operation and the loops, outermost first.
FailureOr<std::pair<Operation *, SmallVector<LoopLikeOpInterface>>>
tileOp(RewriterBase &rewriter, Operation *op, ArrayRef<int64_t> sizes,
       ArrayRef<int64_t> interchange);

/// Peels `loop` and, recursively, the `depth - 1` loops nested directly in
/// it and in its peeled copy, so no iteration works on a partial tile.
void peelNest(RewriterBase &rewriter, scf::ForOp loop, unsigned depth);

/// Tiles `op` with `sizes` and peels the new loops. Returns the tiled
/// operation, marked with `mark` (its clones in peeled copies carry the mark
/// too), or null when tiling failed.
Operation *tileAndPeel(RewriterBase &rewriter, Operation *op,
                       ArrayRef<int64_t> sizes, ArrayRef<int64_t> interchange,
                       StringRef mark);

/// Fails, with an error at `op` naming `pass`, unless `vectorBits` names a
/// supported target (CpuTarget::isSupportedVectorBits).
LogicalResult verifyVectorBits(Operation *op, StringRef pass,
                               int64_t vectorBits);

/// Applies the canonicalization patterns of every loaded dialect and
/// registered operation to `root` (what the canonicalizer pass does); this
/// folds peeled loop bounds into static tile shapes. Like the pass, it does
/// not require convergence: some upstream patterns keep re-creating identical
/// ops, and every rewrite leaves valid IR.
void canonicalize(Operation *root);

/// Vectorizes `op` in place with static vector sizes; returns false (and
/// leaves `op`) where upstream's vectorizer declines.
bool vectorizeInPlace(RewriterBase &rewriter, linalg::LinalgOp op,
                      bool createNamedContraction = false);

} // namespace mlir::quantx

#endif // QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_TILINGUTILS_H
