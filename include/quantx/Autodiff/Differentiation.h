//===- Differentiation.h - reverse-mode differentiation ---------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reverse-mode differentiation of a function over tensors: the engine behind
// quantx-differentiate and quantx-make-train-step.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_AUTODIFF_DIFFERENTIATION_H
#define QUANTX_AUTODIFF_DIFFERENTIATION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/LLVM.h"

namespace mlir::quantx {

/// Builds, next to `function`, a function `name` that computes the
/// vector-Jacobian product of `function`:
///
///   name(args..., cotangents...) -> (results..., gradients...)
///
/// with one cotangent argument per float result of `function` (the gradient
/// of a scalar loss with respect to that result) and one gradient result per
/// argument index in `wrt`, in that order. `function` must have one block
/// and no calls; each op on a path from a `wrt` argument to a result must
/// implement GradientOpInterface. Returns failure after emitting located
/// errors. `unreached`, when given, receives the positions in `wrt` of the
/// arguments no result depends on through differentiable operations (not
/// at all, or only through integers or comparisons): their gradients are
/// zero, which the caller may want to report. `seeded`, when not empty,
/// has one entry per result of `function`: only the float results it marks
/// get a cotangent argument; the others are still returned, and their
/// gradients are taken to be zero (a training step's new model state).
FailureOr<func::FuncOp> buildGradientFunction(
    func::FuncOp function, ArrayRef<unsigned> wrt, StringRef name,
    SmallVectorImpl<unsigned> *unreached = nullptr, ArrayRef<bool> seeded = {});

/// The indices of the float tensor and float scalar arguments of `function`.
SmallVector<unsigned> getDifferentiableArguments(func::FuncOp function);

} // namespace mlir::quantx

#endif // QUANTX_AUTODIFF_DIFFERENTIATION_H
