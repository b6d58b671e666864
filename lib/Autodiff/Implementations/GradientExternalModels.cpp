//===- GradientExternalModels.cpp - all rules of upstream ops -------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Autodiff/GradientExternalModels.h"

void mlir::quantx::registerGradientExternalModels(DialectRegistry &registry) {
  registerArithGradientModels(registry);
  registerMathGradientModels(registry);
  registerLinalgGradientModels(registry);
  registerTensorGradientModels(registry);
}
