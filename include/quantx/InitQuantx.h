//===- InitQuantx.h - register quantx with MLIR -----------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The entry points another MLIR tool calls to use quantx: the dialect (with
// the quant-dialect interop models) and every pass. The header stays free of
// the op headers, so tools do not recompile when an op changes.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_INITQUANTX_H
#define QUANTX_INITQUANTX_H

namespace mlir {
class DialectRegistry;

namespace quantx {

/// Registers the quantx dialect and its extensions of upstream dialects:
/// FormatTypeInterface on the `!quant.uniform` types (when the quant dialect
/// is loaded) and GradientOpInterface on arith, math, linalg and tensor ops.
void registerQuantxDialect(DialectRegistry &registry);

/// Registers every quantx pass and pipeline with the global pass registry.
void registerQuantxPasses();

} // namespace quantx
} // namespace mlir

#endif // QUANTX_INITQUANTX_H
