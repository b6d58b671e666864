//===- Cleanup.cpp - what quantization passes leave behind ----------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/Transforms/Cleanup.h"

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;

std::optional<std::vector<double>>
mlir::quantx::getConstantFloatValues(Value value) {
  ElementsAttr attr = getCompileTimeElements(value, /*allowMutable=*/true);
  if (!attr || !isa<FloatType>(attr.getElementType()))
    return std::nullopt;
  std::vector<double> values;
  for (APFloat v : attr.getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    values.push_back(v.convertToDouble());
  }
  return values;
}

void mlir::quantx::eraseDeadOps(Operation *root) {
  bool erased = true;
  while (erased) {
    erased = false;
    SmallVector<Operation *> dead;
    root->walk<WalkOrder::PostOrder>([&](Operation *op) {
      if (op != root && isOpTriviallyDead(op))
        dead.push_back(op);
    });
    for (Operation *op : dead) {
      op->erase();
      erased = true;
    }
  }
}

void mlir::quantx::eraseUnusedGlobals(
    ModuleOp module, llvm::function_ref<bool(ml_program::GlobalOp)> erasable) {
  llvm::SmallDenseSet<StringRef> used;
  module.walk([&](Operation *op) {
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op))
      used.insert(load.getGlobal().getLeafReference());
    else if (auto store = dyn_cast<ml_program::GlobalStoreOp>(op))
      used.insert(store.getGlobal().getLeafReference());
  });
  for (auto global :
       llvm::make_early_inc_range(module.getOps<ml_program::GlobalOp>()))
    if (!used.contains(global.getSymName()) && erasable(global))
      global.erase();
}
