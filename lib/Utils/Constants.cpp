//===- Constants.cpp - values known at compile time -----------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Utils/Constants.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

ml_program::GlobalOp mlir::quantx::getLoadedGlobal(Value value) {
  auto load = value.getDefiningOp<ml_program::GlobalLoadOp>();
  if (!load)
    return nullptr;
  return SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(
      load, load.getGlobal());
}

ElementsAttr mlir::quantx::getCompileTimeElements(Value value,
                                                  bool allowMutable) {
  if (value.getDefiningOp<ml_program::GlobalLoadOp>()) {
    ml_program::GlobalOp global = getLoadedGlobal(value);
    if (!global || !global.getValue() ||
        (global.getIsMutable() && !allowMutable))
      return {};
    return dyn_cast<ElementsAttr>(*global.getValue());
  }
  ElementsAttr attr;
  if (matchPattern(value, m_Constant(&attr)))
    return attr;
  return {};
}
