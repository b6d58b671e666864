//===- BenchJit.cpp - compiling a benchmark's quantx code -----------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "BenchJit.h"

#include "quantx/Runtime/Runner.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Target/TargetMachine.h"

#include <cstdio>

using namespace quantx::bench;

struct HostJit::Impl {
  mlir::DialectRegistry registry;
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<llvm::TargetMachine> targetMachine;
};

HostJit::HostJit() : impl(std::make_unique<Impl>()) {
  ::quantx::runtime::registerJitDialects(impl->registry);
  impl->context = std::make_unique<mlir::MLIRContext>(impl->registry);
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (builder) {
    auto machine = builder->createTargetMachine();
    if (machine)
      impl->targetMachine = std::move(*machine);
    else
      llvm::consumeError(machine.takeError());
  } else {
    llvm::consumeError(builder.takeError());
  }
}

HostJit::~HostJit() = default;

std::unique_ptr<mlir::ExecutionEngine>
HostJit::compile(const std::string &source,
                 const mlir::quantx::QuantxToLLVMPipelineOptions &options,
                 const char *what) {
  if (!impl->targetMachine) {
    std::fprintf(stderr, "%s: no target machine for this host\n", what);
    return nullptr;
  }
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, impl->context.get());
  mlir::PassManager pm(impl->context.get());
  mlir::quantx::buildQuantxToLLVMPipeline(pm, options);
  if (!module || mlir::failed(pm.run(*module))) {
    std::fprintf(stderr, "%s: lowering failed\n", what);
    return nullptr;
  }
  // ExecutionEngineOptions holds the transformer by reference.
  auto transformer =
      mlir::makeOptimizingTransformer(3, 0, impl->targetMachine.get());
  mlir::ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine = mlir::ExecutionEngine::create(*module, engineOptions);
  if (!engine) {
    std::fprintf(stderr, "%s: %s\n", what,
                 llvm::toString(engine.takeError()).c_str());
    return nullptr;
  }
  return std::move(*engine);
}

void *HostJit::lookupCInterface(mlir::ExecutionEngine &engine,
                                const std::string &name, const char *what) {
  auto symbol = engine.lookup("_mlir_ciface_" + name);
  if (!symbol) {
    llvm::consumeError(symbol.takeError());
    std::fprintf(stderr, "%s: no entry point %s\n", what, name.c_str());
    return nullptr;
  }
  return *symbol;
}
