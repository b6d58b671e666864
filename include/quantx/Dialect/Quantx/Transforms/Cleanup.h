//===- Cleanup.h - globals and dead code of quantization passes -*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_TRANSFORMS_CLEANUP_H
#define QUANTX_DIALECT_QUANTX_TRANSFORMS_CLEANUP_H

#include "quantx/Utils/Constants.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <vector>

namespace mlir {
namespace quantx {

/// The float values of a constant or of a global with a value that `value`
/// is loaded from, in row-major order; nothing for anything else.
std::optional<std::vector<double>> getConstantFloatValues(Value value);

/// Erases the ops nested in `root` that are trivially dead (no use, no
/// effect but reads), until none is left. Nothing is folded: folding would
/// turn quantized weights back into float constants.
void eraseDeadOps(Operation *root);

/// Erases the globals of `module` that no `ml_program.global_load` or
/// `global_store` names and that `erasable` accepts.
void eraseUnusedGlobals(
    ModuleOp module, llvm::function_ref<bool(ml_program::GlobalOp)> erasable);

} // namespace quantx
} // namespace mlir

#endif // QUANTX_DIALECT_QUANTX_TRANSFORMS_CLEANUP_H
