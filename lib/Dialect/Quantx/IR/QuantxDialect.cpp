//===- QuantxDialect.cpp - quantx dialect ---------------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::quantx;

#include "quantx/Dialect/Quantx/IR/QuantxOpsDialect.cpp.inc"

#include "quantx/Dialect/Quantx/IR/QuantxEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "quantx/Dialect/Quantx/IR/QuantxAttrs.cpp.inc"

void QuantxDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "quantx/Dialect/Quantx/IR/QuantxAttrs.cpp.inc"
      >();
}

void QuantxDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "quantx/Dialect/Quantx/IR/QuantxOps.cpp.inc"
      >();
}

Operation *QuantxDialect::materializeConstant(OpBuilder &builder,
                                              Attribute value, Type type,
                                              Location loc) {
  // Folders produce float or storage-integer constants only.
  return arith::ConstantOp::materialize(builder, value, type, loc);
}
