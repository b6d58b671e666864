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
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
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

/// Whether `value` views the memory of `buffer`: is it, or a view of it.
static bool viewsBuffer(Value value, Value buffer) {
  while (value != buffer) {
    auto view = value.getDefiningOp<ViewLikeOpInterface>();
    if (!view)
      return false;
    value = view.getViewSource();
  }
  return true;
}

/// Hoists one read/write pair of a loop-invariant tile of a buffer the
/// function allocates (memref.alloc or alloca) out of the loop around it, as
/// upstream's hoisting does, with the alias argument upstream cannot make
/// when the buffer has a dynamic shape and views elsewhere (the partial tile
/// of a dynamic batch): fresh memory is reached only through the buffer and
/// its views, so the pair may move when no other operation in the loop has
/// an operand viewing the buffer or a memory effect it does not attach to a
/// value, and the loop provably runs at least once. Returns whether it
/// hoisted a pair.
static bool hoistTileOfAllocatedBuffer(Operation *root) {
  bool changed = false;
  root->walk([&](vector::TransferReadOp read) {
    auto loop = dyn_cast<scf::ForOp>(read->getParentOp());
    Value base = read.getBase();
    bool allocated = base.getDefiningOp<memref::AllocOp>() ||
                     base.getDefiningOp<memref::AllocaOp>();
    if (!loop || !isa<MemRefType>(base.getType()) || read.getMask() ||
        !allocated)
      return WalkResult::advance();
    // The hoisted pair runs even when the loop runs zero times, and its
    // indices may then be out of bounds: hoist only out of loops that
    // provably run (constant bounds, lower below upper).
    std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound());
    std::optional<int64_t> upper = getConstantIntValue(loop.getUpperBound());
    if (!lower || !upper || *lower >= *upper)
      return WalkResult::advance();
    if (llvm::any_of(read->getOperands(), [&](Value operand) {
          return !loop.isDefinedOutsideOfLoop(operand);
        }))
      return WalkResult::advance();
    // The next write to the buffer in the loop body: the same tile.
    vector::TransferWriteOp write;
    for (Operation &op : llvm::make_range(std::next(read->getIterator()),
                                          loop.getBody()->end()))
      if (auto candidate = dyn_cast<vector::TransferWriteOp>(&op);
          candidate && candidate.getBase() == base) {
        write = candidate;
        break;
      }
    if (!write || write.getMask() || write.getIndices() != read.getIndices() ||
        write.getVectorType() != read.getVectorType() ||
        write.getPermutationMap() != read.getPermutationMap() ||
        write.getInBounds() != read.getInBounds())
      return WalkResult::advance();
    // Any other operation in the loop that may access the buffer: one with
    // an operand viewing it, or with a memory effect on no particular value
    // (or no declared effects at all), which could reach it.
    WalkResult aliased = loop.walk([&](Operation *op) {
      if (op == read.getOperation() || op == write.getOperation() ||
          op == loop.getOperation())
        return WalkResult::advance();
      for (Value operand : op->getOperands())
        if (isa<MemRefType>(operand.getType()) && viewsBuffer(operand, base))
          return WalkResult::interrupt();
      if (isMemoryEffectFree(op) ||
          op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        return WalkResult::advance();
      auto effects = dyn_cast<MemoryEffectOpInterface>(op);
      if (!effects)
        return WalkResult::interrupt();
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffects(instances);
      for (const MemoryEffects::EffectInstance &instance : instances)
        if (!instance.getValue() &&
            !isa<MemoryEffects::Allocate>(instance.getEffect()))
          return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (aliased.wasInterrupted())
      return WalkResult::advance();

    loop.moveOutOfLoop(read);
    write->moveAfter(loop);
    IRRewriter rewriter(read.getContext());
    NewYieldValuesFn yieldFn = [&](OpBuilder &, Location,
                                   ArrayRef<BlockArgument>) {
      return SmallVector<Value>{write.getVector()};
    };
    FailureOr<LoopLikeOpInterface> newLoop =
        cast<LoopLikeOpInterface>(loop.getOperation())
            .replaceWithAdditionalYields(rewriter, read.getVector(),
                                         /*replaceInitOperandUsesInLoop=*/true,
                                         yieldFn);
    if (failed(newLoop))
      return WalkResult::interrupt();
    write.getValueToStoreMutable().assign(
        newLoop->getOperation()->getResults().back());
    changed = true;
    // The walk cannot go on past the replaced loop.
    return WalkResult::interrupt();
  });
  return changed;
}

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
  while (hoistTileOfAllocatedBuffer(getOperation())) {
  }
}
