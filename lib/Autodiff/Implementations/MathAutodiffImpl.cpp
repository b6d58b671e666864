//===- MathAutodiffImpl.cpp - gradient rules of math ops ------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The math float ops of activation functions and normalizations, each rule
// the formula of its derivative (see ScalarRules.h).
//
//===----------------------------------------------------------------------===//

#include "ScalarRules.h"

#include "quantx/Autodiff/GradientExternalModels.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::quantx;
using namespace mlir::quantx::detail;

namespace {

Gradients expRule(const Formula &f) { return {f.g * f.y}; }
Gradients logRule(const Formula &f) { return {f.g / f.x(0)}; }
// d log1p(x) = 1 / (1 + x).
Gradients log1pRule(const Formula &f) { return {f.g / (f.x(0) + 1.0)}; }
// d tanh(x) = 1 - tanh(x)^2.
Gradients tanhRule(const Formula &f) { return {f.g * (1.0 - f.y * f.y)}; }
// d sqrt(x) = 0.5 / sqrt(x).
Gradients sqrtRule(const Formula &f) { return {f.g * 0.5 / f.y}; }
// d rsqrt(x) = -0.5 * rsqrt(x) / x.
Gradients rsqrtRule(const Formula &f) { return {f.g * (-0.5 * f.y) / f.x(0)}; }
Gradients absRule(const Formula &f) {
  Term negative =
      Term::compare(arith::CmpFPredicate::OLT, f.x(0), f.constant(0.0));
  return {Term::select(negative, -f.g, f.g)};
}
// d x^y = y x^(y-1), x^y log x.
Gradients powRule(const Formula &f) {
  Term x = f.x(0), y = f.x(1);
  Term lower = x.apply<math::PowFOp>(x, y - 1.0);
  Term log = x.apply<math::LogOp>(x);
  return {f.g * (y * lower), f.g * (f.y * log)};
}

} // namespace

void mlir::quantx::registerMathGradientModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, math::MathDialect *) {
    using namespace math;
    attachScalarRule<ExpOp, expRule>(*context);
    attachScalarRule<LogOp, logRule>(*context);
    attachScalarRule<Log1pOp, log1pRule>(*context);
    attachScalarRule<TanhOp, tanhRule>(*context);
    attachScalarRule<SqrtOp, sqrtRule>(*context);
    attachScalarRule<RsqrtOp, rsqrtRule>(*context);
    attachScalarRule<AbsFOp, absRule>(*context);
    attachScalarRule<PowFOp, powRule>(*context);
  });
}
