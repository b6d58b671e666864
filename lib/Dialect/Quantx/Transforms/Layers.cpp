//===- Layers.cpp - what the training rewrites share ----------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "Layers.h"

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Utils/Constants.h"

#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::quantx;

SmallVector<linalg::LinalgOp>
mlir::quantx::collectContractions(func::FuncOp function) {
  SmallVector<linalg::LinalgOp> contractions;
  function.walk([&](linalg::LinalgOp op) {
    if (isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::Conv2DNhwcHwcfOp,
            linalg::DepthwiseConv2DNhwcHwcOp>(op) ||
        (isa<linalg::GenericOp>(op) && linalg::isaContractionOpInterface(op)))
      contractions.push_back(op);
  });
  return contractions;
}

bool mlir::quantx::isParameterLoad(Value value) {
  ml_program::GlobalOp global = getLoadedGlobal(value);
  auto type = dyn_cast<RankedTensorType>(value.getType());
  auto *dialect = value.getContext()->getLoadedDialect<QuantxDialect>();
  return global && global.getIsMutable() && type &&
         isa<FloatType>(type.getElementType()) &&
         !dialect->getBufferAttrHelper().isAttrPresent(global);
}

bool mlir::quantx::isParameterDerived(Value value) {
  Region *body = value.getParentRegion();
  SmallVector<Value> worklist{value};
  llvm::SmallPtrSet<Value, 16> seen{value};
  bool reachesParameter = false;
  auto push = [&](Value v) {
    if (seen.insert(v).second)
      worklist.push_back(v);
  };
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (isa<BlockArgument>(v)) {
      // An argument of the function (or of a region around `value`): data.
      if (v.getParentRegion()->isAncestor(body))
        return false;
      continue; // An argument of a nested region (a linalg body).
    }
    if (isParameterLoad(v)) {
      reachesParameter = true;
      continue;
    }
    Operation *producer = v.getDefiningOp();
    for (Value operand : producer->getOperands())
      push(operand);
    visitUsedValuesDefinedAbove(producer->getRegions(),
                                [&](OpOperand *use) { push(use->get()); });
  }
  return reachesParameter;
}

ml_program::GlobalOp mlir::quantx::addTrainingGlobal(
    ModuleOp module, SymbolTable &symbols, Location loc, StringRef name,
    RankedTensorType type, double value, bool modelState) {
  OpBuilder builder(module.getBodyRegion());
  builder.setInsertionPointToEnd(module.getBody());
  auto global = ml_program::GlobalOp::create(
      builder, loc, name, type, /*is_mutable=*/true,
      DenseElementsAttr::get(type,
                             FloatAttr::get(type.getElementType(), value)),
      builder.getStringAttr("private"));
  if (modelState)
    module.getContext()
        ->getLoadedDialect<QuantxDialect>()
        ->getBufferAttrHelper()
        .setAttr(global, builder.getUnitAttr());
  symbols.insert(global); // makes the name unique
  return global;
}
