//===- Passes.td - quantx conversion passes ----------------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Lowerings from quantx to upstream dialects.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_CONVERSION_PASSES_TD
#define QUANTX_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertQuantxToArithPass
    : Pass<"convert-quantx-to-arith", "::mlir::ModuleOp"> {
  let summary = "Lower quantx conversions to arith, math and linalg";
  let description = [{
    Replaces every quantized type by its storage integer (in tensors,
    function signatures, calls, returns, structured control flow, and any
    region-free operation that only moves values) and lowers `quantize`,
    `dequantize`, `requantize`, `fake_quant` and `storage_cast` for every
    format: fixed point per tensor and per channel, custom floats with every
    option, binary, ternary, and `!quant.uniform`.

    Tensor operations become elementwise `linalg.generic` operations, scalar
    operations plain code. The arithmetic is integer bit manipulation and
    f64 float arithmetic that mirrors the Numerics library step by step, so
    results are bit-identical to constant folding; no runtime library is
    called. Stochastic rounding draws `counterRandomBits(seed, i)` for the
    element of row-major index `i`.

    Unranked tensors are rejected with an error.

    Before:

    ```mlir
    %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
    ```

    After (abridged):

    ```mlir
    %q = linalg.generic ... ins(%x : tensor<4xf32>) outs(%e : tensor<4xi8>) {
    ^bb0(%in: f32, %out: i8):
      %d = arith.extf %in : f32 to f64
      %t = arith.divf %d, %scale : f64
      %r = math.roundeven %t : f64
      ...
      linalg.yield %code : i8
    } -> tensor<4xi8>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

#endif // QUANTX_CONVERSION_PASSES_TD
