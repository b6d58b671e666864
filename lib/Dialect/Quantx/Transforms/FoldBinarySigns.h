//===- FoldBinarySigns.h - signs between binary layers ----------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The second half of quantx-fold-binary: what flows into a
// quantx.pack_signs is carried as i8 signs, and decided by integer
// thresholds when it is a monotone epilogue of binary dot products.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_FOLDBINARYSIGNS_H
#define QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_FOLDBINARYSIGNS_H

#include "mlir/IR/BuiltinOps.h"

namespace mlir::quantx {

/// Rewrites every quantx.pack_signs of floats in `module` to pack i8 signs
/// taken where the values are made: max pooling, padding, reshapes, slices
/// and copies between move -1/+1 bytes. With `thresholds`, a per-channel
/// float epilogue of a quantx.binary_matmul is replaced by integer
/// comparisons of its dot products, found at compile time; an epilogue
/// that cannot be gets a remark. Never changes a result.
void foldSignChains(ModuleOp module, bool thresholds);

/// Rewrites every quantx.pack_signs of i8 signs that max pooling or a
/// window gather moves (through padding, slices and reshapes that keep
/// each pixel's channels together) to pack each pixel's C channels where
/// the signs are made, when C (at least 8) divides 64 or 64 divides C: the
/// movers move
/// C-bit fields (max pooling as their OR), concatenated into the packed
/// row at the end. Never changes a result.
void packPixelSigns(ModuleOp module);

/// Erases `roots` and, producer by producer, what they alone used, when
/// nothing else uses them and they have no side effect.
void eraseUnusedChain(ArrayRef<Operation *> roots);

} // namespace mlir::quantx

#endif // QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_FOLDBINARYSIGNS_H
