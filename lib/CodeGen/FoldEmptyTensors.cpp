//===- FoldEmptyTensors.cpp - statically empty results as tensor.empty ----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A ranked tensor with a static dimension of size 0 has no element, so the
// op that computes it has nothing to compute. Some lowerings still build
// views into it that upstream verifiers reject (a memref.subview at offset
// 0 of a dimension of size 0 is out of bounds), so a model with a static
// batch of 0 failed to compile. Every side-effect-free op whose results
// are all such tensors becomes tensor.empty of their types.
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_FOLDEMPTYTENSORSPASS
#include "quantx/CodeGen/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;

namespace {

/// Whether `type` is a ranked tensor with a static dimension of 0.
bool isStaticallyEmpty(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  return ranked && llvm::is_contained(ranked.getShape(), 0);
}

struct FoldEmptyTensorsPass
    : mlir::quantx::impl::FoldEmptyTensorsPassBase<FoldEmptyTensorsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> empty;
    getOperation()->walk([&](Operation *op) {
      if (isa<tensor::EmptyOp>(op) || op->getNumResults() == 0 ||
          !isMemoryEffectFree(op) ||
          !llvm::all_of(op->getResultTypes(), isStaticallyEmpty))
        return;
      // Dynamic sizes of a result are read from the op's own operands
      // (a tensor.dim of them): static ones only.
      if (!llvm::all_of(op->getResultTypes(), [](Type type) {
            return cast<RankedTensorType>(type).hasStaticShape();
          }))
        return;
      empty.push_back(op);
    });
    for (Operation *op : empty) {
      OpBuilder b(op);
      SmallVector<Value> replacements;
      for (Type type : op->getResultTypes()) {
        auto ranked = cast<RankedTensorType>(type);
        replacements.push_back(tensor::EmptyOp::create(
            b, op->getLoc(), ranked.getShape(), ranked.getElementType(),
            ranked.getEncoding()));
      }
      op->replaceAllUsesWith(replacements);
      op->erase();
    }
  }
};

} // namespace
