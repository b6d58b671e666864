//===- consumer.cpp - a program built against the installed quantx --------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Registers quantx through its public entry points, parses IR with quantx and
// quant types, runs quantx-import-quant and canonicalization, and checks the
// folded codes. Exits non-zero on any mismatch.
//
//===----------------------------------------------------------------------===//

#include "quantx/InitQuantx.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

static const char *kInput = R"mlir(
func.func @f() -> tensor<3x!quant.uniform<i8:f32, 0.5>> {
  %c = arith.constant dense<[0.3, -1.26, 100.0]> : tensor<3xf32>
  %q = quant.qcast %c : tensor<3xf32> to tensor<3x!quant.uniform<i8:f32, 0.5>>
  return %q : tensor<3x!quant.uniform<i8:f32, 0.5>>
}
)mlir";

int main() {
  mlir::DialectRegistry registry;
  registry.insert<mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::quant::QuantDialect>();
  mlir::quantx::registerQuantxDialect(registry);
  mlir::quantx::registerQuantxPasses();
  mlir::registerCanonicalizerPass();
  mlir::MLIRContext context(registry);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(kInput, &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  if (mlir::failed(
          mlir::parsePassPipeline("quantx-import-quant,canonicalize", pm)) ||
      mlir::failed(pm.run(*module)))
    return 1;

  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  llvm::outs() << text;
  // round(0.6) = 1, round(-2.52) = -3, 200 clamps to 127.
  bool ok =
      text.find("dense<[1, -3, 127]> : tensor<3xi8>") != std::string::npos &&
      text.find("!quantx.fixed<i8:f32, 0.5>") != std::string::npos;
  llvm::outs() << (ok ? "consumer: ok\n" : "consumer: MISMATCH\n");
  return ok ? 0 : 1;
}
