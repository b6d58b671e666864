//===- ExpandAccumulation.h - simulated low-precision sums ------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_TRANSFORMS_EXPANDACCUMULATION_H
#define QUANTX_DIALECT_QUANTX_TRANSFORMS_EXPANDACCUMULATION_H

#include "mlir/IR/Operation.h"

namespace mlir::quantx {

/// Rewrites every contraction nested in `root` that carries
/// `quantx.accumulate` into code that adds its terms in the attribute's
/// format and chunks (see `#quantx.accumulation`). Emits an error and fails
/// on an attribute that does not verify.
LogicalResult expandAccumulations(Operation *root);

} // namespace mlir::quantx

#endif // QUANTX_DIALECT_QUANTX_TRANSFORMS_EXPANDACCUMULATION_H
