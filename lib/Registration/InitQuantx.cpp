//===- InitQuantx.cpp - register quantx with MLIR -------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/InitQuantx.h"

#include "quantx/Autodiff/GradientExternalModels.h"
#include "quantx/Autodiff/Passes.h"
#include "quantx/CodeGen/Passes.h"
#include "quantx/Conversion/Passes.h"
#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"
#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"

void mlir::quantx::registerQuantxDialect(DialectRegistry &registry) {
  registry.insert<QuantxDialect>();
  registerQuantInterfaceExternalModels(registry);
  registerGradientExternalModels(registry);
}

void mlir::quantx::registerQuantxPasses() {
  registerQuantxTransformsPasses();
  registerQuantxAutodiffPasses();
  registerQuantxCodeGenPasses();
  registerQuantxConversionPasses();
  registerQuantxPipelines();
}
