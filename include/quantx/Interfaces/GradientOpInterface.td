//===- GradientOpInterface.td - reverse-mode rules ---------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// GradientOpInterface: the reverse-mode derivative of an op, which
// quantx-differentiate asks of every op on the path from the parameters to
// the loss. It depends on no dialect: quantx ops implement it in their
// definitions, upstream ops through the external models of the autodiff
// layer (lib/Autodiff/Implementations).
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_INTERFACES_GRADIENTOPINTERFACE_TD
#define QUANTX_INTERFACES_GRADIENTOPINTERFACE_TD

include "mlir/IR/OpBase.td"

def Quantx_GradientOpInterface : OpInterface<"GradientOpInterface"> {
  let cppNamespace = "::mlir::quantx";
  let description = [{
    The vector-Jacobian product of an op: given the gradients of the loss
    with respect to the op's results, build the IR that computes the
    gradients with respect to its operands. quantx-differentiate calls it
    on a clone of the forward op, with the builder placed after the forward
    code, so the rule may use the op's operands and results.

    The rule lives with the op: quantx ops implement it in their
    definitions; upstream ops (arith, math, linalg, tensor) get it through
    external models registered by `registerGradientExternalModels`
    (quantx/Autodiff/GradientExternalModels.h). An op
    without the interface is a located error of quantx-differentiate.

    The same interface serves tensor-level ops and the scalar ops inside a
    `linalg.generic` body: the rule of `linalg.generic` asks each body op
    for its scalar rule.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds the gradients of the operands. `resultGradients` has one
        value per result: for float results a value of the result's type
        (zeros are materialized for results the loss does not depend on),
        null for other results. `requiresGradient[i]` says
        whether operand `i` needs a gradient; the rule fills
        `operandGradients` with one entry per operand, each of the
        operand's type, or null where no gradient flows (integer operands,
        operands that are not required, outputs that are overwritten).
        Returns failure, after emitting an error on the op, when the op's
        form has no rule (for example a reduction body that is not a sum,
        max or min).
      }], "::llvm::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder,
           "::mlir::ValueRange":$resultGradients,
           "::llvm::ArrayRef<bool>":$requiresGradient,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGradients)>,
  ];
}

#endif // QUANTX_INTERFACES_GRADIENTOPINTERFACE_TD
