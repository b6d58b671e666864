//===- GradientOpInterface.h - reverse-mode rules of ops --------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The interface by which an op states its vector-Jacobian product. It
// depends on no dialect; the IR builders rules share are in
// quantx/Utils/TensorBuilders.h.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_INTERFACES_GRADIENTOPINTERFACE_H
#define QUANTX_INTERFACES_GRADIENTOPINTERFACE_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"

#include "quantx/Interfaces/GradientOpInterface.h.inc"

namespace mlir::quantx {

/// Whether `type` is a float scalar or a ranked tensor of floats: the values
/// gradients flow through.
bool isDifferentiableType(Type type);

} // namespace mlir::quantx

#endif // QUANTX_INTERFACES_GRADIENTOPINTERFACE_H
