//===- FuzzContext.h - one MLIR context for a fuzzing process ---*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The fuzzers parse thousands of inputs per second: they share one context
// with every dialect quantx-opt registers, whose diagnostics are dropped
// (rejecting bad input with a diagnostic is the expected outcome, not a
// finding).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_FUZZ_COMMON_FUZZCONTEXT_H
#define QUANTX_FUZZ_COMMON_FUZZCONTEXT_H

#include "quantx/Runtime/Runner.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

namespace quantx::fuzz {

inline mlir::MLIRContext &getFuzzContext() {
  static mlir::MLIRContext *context = [] {
    mlir::DialectRegistry registry;
    ::quantx::runtime::registerJitDialects(registry);
    auto *created = new mlir::MLIRContext(registry);
    created->loadAllAvailableDialects();
    created->disableMultithreading();
    created->printOpOnDiagnostic(false);
    created->getDiagEngine().registerHandler(
        [](mlir::Diagnostic &) { return mlir::success(); });
    return created;
  }();
  return *context;
}

/// Upstream MLIR crashes the fuzzers find and quantx cannot fix (Debian's
/// LLVM 22 has no assertions to turn them into errors); inputs that can
/// reach them are skipped, and .ci/fuzz-seeds.sh keeps them out of the seeds:
/// - linalg.transpose's parser sets a null `permutation` attribute, and
///   crashes, when the permutation list does not parse (`[1,z 0]`);
///   linalg.reduce and linalg.broadcast do the same with `dimensions`
///   (`[0, ~]`), through the same helper.
inline bool mayReachUpstreamCrash(llvm::StringRef text) {
  return text.contains("linalg.transpose") || text.contains("linalg.reduce") ||
         text.contains("linalg.broadcast");
}

/// Parses `text` into a module of the fuzz context; null when it does not
/// parse or verify (an expected outcome for fuzzer input).
inline mlir::OwningOpRef<mlir::ModuleOp>
parseVerifiedModule(llvm::StringRef text) {
  mlir::ParserConfig config(&getFuzzContext());
  auto module = mlir::parseSourceString<mlir::ModuleOp>(text, config);
  if (module && mlir::failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

} // namespace quantx::fuzz

#endif // QUANTX_FUZZ_COMMON_FUZZCONTEXT_H
