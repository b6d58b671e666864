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

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

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

} // namespace quantx::fuzz

#endif // QUANTX_FUZZ_COMMON_FUZZCONTEXT_H
