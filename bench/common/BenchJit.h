//===- BenchJit.h - compiling a benchmark's quantx code ---------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// How the GEMM benchmarks compile the quantx side: MLIR source through
// quantx-to-llvm, then LLVM -O3 for the host's target machine, as
// quantx-runner compiles a model.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_BENCH_JIT_H
#define QUANTX_BENCH_JIT_H

#include "quantx/Pipelines/Pipelines.h"

#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/MLIRContext.h"

#include <memory>
#include <string>

namespace quantx::bench {

/// The descriptor of a row-major `rows` x `cols` matrix at `data`, as the C
/// interface of compiled code takes it.
template <typename T>
StridedMemRefType<T, 2> matrixDescriptor(T *data, int64_t rows, int64_t cols) {
  StridedMemRefType<T, 2> d;
  d.basePtr = d.data = data;
  d.offset = 0;
  d.sizes[0] = rows;
  d.sizes[1] = cols;
  d.strides[0] = cols;
  d.strides[1] = 1;
  return d;
}

/// A JIT for this host's CPU and `context` with quantx's dialects.
class HostJit {
public:
  HostJit();
  ~HostJit();

  /// Compiles `source` through quantx-to-llvm with `options`, then LLVM at
  /// -O3; null, after a message naming `what` on stderr, on failure.
  std::unique_ptr<mlir::ExecutionEngine>
  compile(const std::string &source,
          const mlir::quantx::QuantxToLLVMPipelineOptions &options,
          const char *what);

  /// The address of `_mlir_ciface_NAME` in `engine`; null, after a
  /// message, if there is none.
  static void *lookupCInterface(mlir::ExecutionEngine &engine,
                                const std::string &name, const char *what);

private:
  struct Impl;
  std::unique_ptr<Impl> impl;
};

} // namespace quantx::bench

#endif // QUANTX_BENCH_JIT_H
