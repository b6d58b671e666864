//===- QuantxOps.h - quantx operations --------------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_QUANTXOPS_H
#define QUANTX_DIALECT_QUANTX_IR_QUANTXOPS_H

#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"
#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/Interfaces/GradientOpInterface.h"
#include "quantx/Numerics/Rescale.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "quantx/Dialect/Quantx/IR/QuantxOps.h.inc"

#endif // QUANTX_DIALECT_QUANTX_IR_QUANTXOPS_H
