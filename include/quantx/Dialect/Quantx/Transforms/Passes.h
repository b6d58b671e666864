//===- Passes.h - quantx dialect passes -------------------------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_TRANSFORMS_PASSES_H
#define QUANTX_DIALECT_QUANTX_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace arith {
class ArithDialect;
} // namespace arith
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace math {
class MathDialect;
} // namespace math
namespace ml_program {
class MLProgramDialect;
} // namespace ml_program
namespace quant {
class QuantDialect;
} // namespace quant
namespace tensor {
class TensorDialect;
} // namespace tensor

namespace quantx {
class QuantxDialect;

#define GEN_PASS_DECL
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"

} // namespace quantx
} // namespace mlir

#endif // QUANTX_DIALECT_QUANTX_TRANSFORMS_PASSES_H
