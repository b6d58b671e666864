//===- Passes.h - code generation passes ------------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_CODEGEN_PASSES_H
#define QUANTX_CODEGEN_PASSES_H

#include "quantx/CodeGen/Target.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace affine {
class AffineDialect;
} // namespace affine
namespace arith {
class ArithDialect;
} // namespace arith
namespace bufferization {
class BufferizationDialect;
} // namespace bufferization
namespace func {
class FuncOp;
} // namespace func
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
namespace math {
class MathDialect;
} // namespace math
namespace memref {
class MemRefDialect;
} // namespace memref
namespace scf {
class SCFDialect;
} // namespace scf
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace vector {
class VectorDialect;
} // namespace vector

namespace quantx {

#define GEN_PASS_DECL
#include "quantx/CodeGen/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quantx/CodeGen/Passes.h.inc"

} // namespace quantx
} // namespace mlir

#endif // QUANTX_CODEGEN_PASSES_H
