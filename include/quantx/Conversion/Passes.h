//===- Passes.h - quantx conversion passes ----------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_CONVERSION_PASSES_H
#define QUANTX_CONVERSION_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::quantx {

#define GEN_PASS_DECL
#include "quantx/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quantx/Conversion/Passes.h.inc"

} // namespace mlir::quantx

#endif // QUANTX_CONVERSION_PASSES_H
