//===- GradientExternalModels.h - rules of upstream ops ---------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// GradientOpInterface for upstream ops, attached as external models: one
// file per dialect under lib/Autodiff/Implementations. quantx's own ops
// implement the interface in their definitions and need nothing here.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_AUTODIFF_GRADIENTEXTERNALMODELS_H
#define QUANTX_AUTODIFF_GRADIENTEXTERNALMODELS_H

namespace mlir {
class DialectRegistry;

namespace quantx {

/// arith float ops (add, sub, mul, div, neg, min, max, select, ext, trunc).
void registerArithGradientModels(DialectRegistry &registry);
/// math float ops (exp, log, log1p, tanh, sqrt, rsqrt, abs, pow).
void registerMathGradientModels(DialectRegistry &registry);
/// Every linalg structured op (generic, named, convolution, pooling).
void registerLinalgGradientModels(DialectRegistry &registry);
/// tensor slicing, reshaping, padding, concatenation and casts.
void registerTensorGradientModels(DialectRegistry &registry);

/// All of the above.
void registerGradientExternalModels(DialectRegistry &registry);

} // namespace quantx
} // namespace mlir

#endif // QUANTX_AUTODIFF_GRADIENTEXTERNALMODELS_H
