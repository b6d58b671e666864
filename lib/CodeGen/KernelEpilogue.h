//===- KernelEpilogue.h - elementwise stages fused into a kernel -*- C++
//-*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The elementwise generics that follow a contraction (a bias, an
// activation, a requantization, a sign threshold), fused into a
// micro-kernel's store: the int8 and the binary kernels apply them to each
// accumulator vector before it leaves the registers.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_LIB_CODEGEN_KERNELEPILOGUE_H
#define QUANTX_LIB_CODEGEN_KERNELEPILOGUE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace mlir::quantx {

/// How an epilogue generic reads one of its inputs: the contraction's
/// value, a vector of one value per column (the last dimension), or a
/// scalar.
enum class EpilogueRead { Chain, Column, Scalar };

/// One fused elementwise generic: how each of its inputs is read.
struct EpilogueStage {
  mutable linalg::GenericOp op;
  SmallVector<EpilogueRead> reads;
};

/// The elementwise generics after `value` (of `columns` columns) that can
/// be fused into a kernel's store, first first.
SmallVector<EpilogueStage> matchEpilogue(Value value, int64_t columns);

/// The inputs of `stages` other than the chain, in the order
/// applyEpilogue reads them.
SmallVector<Value> getEpilogueOperands(ArrayRef<EpilogueStage> stages);

/// `stages` applied to `acc`, a vector of row `m` at columns
/// [n, n + lanes); `buffers` are the memrefs of getEpilogueOperands, read
/// in bounds when `inBounds` (else padded past the last column).
Value applyEpilogue(OpBuilder &b, Location loc, ArrayRef<EpilogueStage> stages,
                    ArrayRef<Value> buffers, Value acc, Value m, Value n,
                    bool inBounds);

} // namespace mlir::quantx

#endif // QUANTX_LIB_CODEGEN_KERNELEPILOGUE_H
