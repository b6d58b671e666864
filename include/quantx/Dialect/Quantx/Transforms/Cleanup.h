//===- Cleanup.h - what quantization passes leave behind --------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_TRANSFORMS_CLEANUP_H
#define QUANTX_DIALECT_QUANTX_TRANSFORMS_CLEANUP_H

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
namespace ml_program {
class GlobalOp;
} // namespace ml_program

namespace quantx {

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
