//===- ModelSize.h - the bytes a model stores -------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_MODELSIZE_H
#define QUANTX_RUNTIME_MODELSIZE_H

#include <cstdint>

namespace mlir {
class ModuleOp;
} // namespace mlir

namespace quantx::runtime {

/// The bytes a model stores for inference: every global's value and every
/// non-scalar constant (a splat counts one element) at the size the
/// compiled code keeps them (element bytes; sub-byte integers one byte
/// each, so packed codes count as the bytes that pack them), plus the
/// parameters of every distinct quantized format (4 bytes per scale, the
/// storage width's bytes per zero point, 1 byte per float format's bias)
/// and of every `quantx.rescale` (per channel 4 bytes of multiplier or
/// scale and 1 of shift, 8 for the zero points). Training state (optimizer
/// moments) is not in a model and not counted.
int64_t getModelBytes(mlir::ModuleOp module);

} // namespace quantx::runtime

#endif // QUANTX_RUNTIME_MODELSIZE_H
