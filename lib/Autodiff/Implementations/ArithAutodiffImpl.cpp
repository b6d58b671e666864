//===- ArithAutodiffImpl.cpp - gradient rules of arith ops ----------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The arith float ops that appear in linalg.generic bodies (and, converted
// to linalg first, on tensors), each rule the formula of its derivative
// (see ScalarRules.h).
//
//===----------------------------------------------------------------------===//

#include "ScalarRules.h"

#include "quantx/Autodiff/GradientExternalModels.h"

#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::quantx;
using namespace mlir::quantx::detail;

namespace {

Gradients addRule(const Formula &f) { return {f.g, f.g}; }
Gradients subRule(const Formula &f) { return {f.g, -f.g}; }
Gradients mulRule(const Formula &f) { return {f.g * f.x(1), f.g * f.x(0)}; }
// d(x/y) = g/y, -g*(x/y)/y.
Gradients divRule(const Formula &f) {
  return {f.g / f.x(1), -(f.g * f.y / f.x(1))};
}
Gradients negRule(const Formula &f) { return {-f.g}; }
// Ties go to the left operand.
Gradients maxRule(const Formula &f) {
  Term left = Term::compare(arith::CmpFPredicate::OGE, f.x(0), f.x(1));
  return {f.gate(left), f.gate(left, /*inverted=*/true)};
}
Gradients minRule(const Formula &f) {
  Term left = Term::compare(arith::CmpFPredicate::OLE, f.x(0), f.x(1));
  return {f.gate(left), f.gate(left, /*inverted=*/true)};
}
Gradients selectRule(const Formula &f) {
  Term zero = f.constant(0.0);
  return {std::nullopt, Term::select(f.x(0), f.g, zero),
          Term::select(f.x(0), zero, f.g)};
}
Gradients extRule(const Formula &f) {
  return {f.g.castTo<arith::TruncFOp>(f.x(0).getValue().getType())};
}
Gradients truncRule(const Formula &f) {
  return {f.g.castTo<arith::ExtFOp>(f.x(0).getValue().getType())};
}

} // namespace

void mlir::quantx::registerArithGradientModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, arith::ArithDialect *) {
    using namespace arith;
    attachScalarRule<AddFOp, addRule>(*context);
    attachScalarRule<SubFOp, subRule>(*context);
    attachScalarRule<MulFOp, mulRule>(*context);
    attachScalarRule<DivFOp, divRule>(*context);
    attachScalarRule<NegFOp, negRule>(*context);
    attachScalarRule<MaximumFOp, maxRule>(*context);
    attachScalarRule<MaxNumFOp, maxRule>(*context);
    attachScalarRule<MinimumFOp, minRule>(*context);
    attachScalarRule<MinNumFOp, minRule>(*context);
    attachScalarRule<SelectOp, selectRule>(*context);
    attachScalarRule<ExtFOp, extRule>(*context);
    attachScalarRule<TruncFOp, truncRule>(*context);
  });
}
