//===- Layers.cpp - what the training rewrites share ----------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "Layers.h"

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"

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
