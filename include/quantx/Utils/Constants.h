//===- Constants.h - values known at compile time ---------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Tensors whose elements a pass can read now: constants, and the loads of
// globals with a value (a quantized model's codes, a trained model's
// parameters).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_UTILS_CONSTANTS_H
#define QUANTX_UTILS_CONSTANTS_H

#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Value.h"

namespace mlir::quantx {

/// The global that `value` is loaded from (`ml_program.global_load`), or
/// null.
ml_program::GlobalOp getLoadedGlobal(Value value);

/// The elements of `value` when they are known at compile time: a constant,
/// or the load of a global with a value. A mutable global's value is only
/// its initial one, so it counts only with `allowMutable` (a trained
/// model's parameters, read as they were saved).
ElementsAttr getCompileTimeElements(Value value, bool allowMutable = false);

} // namespace mlir::quantx

#endif // QUANTX_UTILS_CONSTANTS_H
