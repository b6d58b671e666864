//===- quantx-opt.cpp - quantx optimizer driver ---------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with the quantx dialect and passes: every upstream dialect, pass
// and extension is registered too, so models in any upstream dialect parse
// and one-shot bufferization finds its external models.
//
//===----------------------------------------------------------------------===//

#include "quantx/InitQuantx.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::quantx::registerQuantxPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::quantx::registerQuantxDialect(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "quantx optimizer driver\n", registry));
}
