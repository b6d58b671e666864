//===- Layers.h - what the training rewrites share --------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The layers quantx-insert-fake-quant and quantx-mixed-precision rewrite
// (the contractions of a function) and the globals they add to a model.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_LAYERS_H
#define QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_LAYERS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::quantx {

/// The contractions of `function` in program order: linalg.matmul,
/// batch_matmul, conv_2d_nhwc_hwcf, depthwise_conv_2d_nhwc_hwc, and the
/// contraction linalg.generic ops (a multiply-accumulate over reduction
/// loops, as upstream's contraction interface recognizes it).
SmallVector<linalg::LinalgOp> collectContractions(func::FuncOp function);

/// A new private mutable global of `module` named after `name` (made unique
/// in `symbols`), of `type` filled with `value`; model state
/// (`quantx.buffer`) when `modelState`, else a parameter.
/// Whether `value` is loaded from a parameter: a mutable float
/// ml_program.global that is not model state (`quantx.buffer`).
bool isParameterLoad(Value value);

/// Whether `value` is computed from the model's parameters alone (the
/// weights of a layer, possibly reshaped or quantized): its definition
/// reaches a parameter load and no argument of its function.
bool isParameterDerived(Value value);

ml_program::GlobalOp addTrainingGlobal(ModuleOp module, SymbolTable &symbols,
                                       Location loc, StringRef name,
                                       RankedTensorType type, double value,
                                       bool modelState);

} // namespace mlir::quantx

#endif // QUANTX_LIB_DIALECT_QUANTX_TRANSFORMS_LAYERS_H
