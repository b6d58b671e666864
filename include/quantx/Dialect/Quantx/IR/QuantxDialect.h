//===- QuantxDialect.h - quantx dialect -------------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The quantx dialect class. Include QuantxOps.h for operations and
// QuantxTypes.h for types.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_QUANTXDIALECT_H
#define QUANTX_DIALECT_QUANTX_IR_QUANTXDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Dialect.h"

#include "mlir/IR/Attributes.h"
#include "mlir/IR/DialectImplementation.h"

#include "quantx/Dialect/Quantx/IR/QuantxEnums.h.inc"

// Before the dialect: its discardable-attribute helpers name them.
#define GET_ATTRDEF_CLASSES
#include "quantx/Dialect/Quantx/IR/QuantxAttrs.h.inc"

#include "quantx/Dialect/Quantx/IR/QuantxOpsDialect.h.inc"

#endif // QUANTX_DIALECT_QUANTX_IR_QUANTXDIALECT_H
