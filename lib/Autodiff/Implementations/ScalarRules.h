//===- ScalarRules.h - gradient rules of scalar ops as formulas -*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Private to the arith and math external models. A scalar rule is written
// as the formula of its derivative:
//
//   // d tanh(x) = 1 - tanh(x)^2
//   Gradients tanhRule(const Formula &f) { return {f.g * (1.0 - f.y * f.y)}; }
//
// `f.g` is the result's gradient, `f.x(i)` operand i, `f.y` the result;
// arithmetic on them (and on plain numbers, which become constants of the
// gradient's type) builds arith ops after the forward op. C++ leaves the
// order of an operator's two operands open, and the IR must not depend on
// the compiler: where both operands would build ops, name one first.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_LIB_AUTODIFF_IMPLEMENTATIONS_SCALARRULES_H
#define QUANTX_LIB_AUTODIFF_IMPLEMENTATIONS_SCALARRULES_H

#include "quantx/Interfaces/GradientOpInterface.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace mlir::quantx::detail {

/// A value of a formula: an SSA value and the builder that extends it.
class Term {
public:
  Term(OpBuilder &b, Location loc, Value value)
      : b(&b), loc(loc), value(value) {}

  Value getValue() const { return value; }
  OpBuilder &getBuilder() const { return *b; }
  Location getLoc() const { return loc; }

  /// A constant of this term's type.
  Term constant(double number) const {
    return with(createFloatConstant(*b, loc, value.getType(), number));
  }
  /// A term built from this one's builder.
  Term with(Value other) const { return Term(*b, loc, other); }

  template <typename OpTy, typename... Terms>
  Term apply(Terms... operands) const {
    return with(OpTy::create(*b, loc, operands.getValue()...));
  }
  /// This term converted to `type` by `OpTy` (extf, truncf).
  template <typename OpTy> Term castTo(Type type) const {
    return with(OpTy::create(*b, loc, type, value));
  }

  friend Term operator+(Term x, Term y) { return x.apply<arith::AddFOp>(x, y); }
  friend Term operator-(Term x, Term y) { return x.apply<arith::SubFOp>(x, y); }
  friend Term operator*(Term x, Term y) { return x.apply<arith::MulFOp>(x, y); }
  friend Term operator/(Term x, Term y) { return x.apply<arith::DivFOp>(x, y); }
  friend Term operator-(Term x) { return x.apply<arith::NegFOp>(x); }
  friend Term operator+(Term x, double y) { return x + x.constant(y); }
  friend Term operator-(Term x, double y) { return x - x.constant(y); }
  friend Term operator*(Term x, double y) { return x * x.constant(y); }
  friend Term operator-(double x, Term y) { return y.constant(x) - y; }
  friend Term operator*(double x, Term y) { return y.constant(x) * y; }

  /// `x predicate y` as an i1 term.
  static Term compare(arith::CmpFPredicate predicate, Term x, Term y) {
    return x.with(
        arith::CmpFOp::create(*x.b, x.loc, predicate, x.value, y.value));
  }
  /// `condition ? x : y`.
  static Term select(Term condition, Term x, Term y) {
    return condition.apply<arith::SelectOp>(condition, x, y);
  }

private:
  OpBuilder *b;
  Location loc;
  Value value;
};

/// What a rule sees of the forward op.
struct Formula {
  Operation *op;
  Term g;
  Term y;

  Term x(unsigned i) const { return g.with(op->getOperand(i)); }
  Term constant(double number) const { return g.constant(number); }
  /// `g` where `condition` holds, else 0 (or the reverse).
  Term gate(Term condition, bool inverted = false) const {
    Term zero = constant(0.0);
    return inverted ? Term::select(condition, zero, g)
                    : Term::select(condition, g, zero);
  }
};

/// One gradient per operand, in order; trailing operands without a gradient
/// may be left out, and `std::nullopt` marks one in between.
using Gradients = SmallVector<std::optional<Term>, 3>;
using ScalarRuleFn = Gradients (*)(const Formula &);

/// The external model whose rule is `Rule`, for ops with one float result
/// in linalg.generic bodies (or on plain scalars).
template <typename OpTy, ScalarRuleFn Rule>
struct ScalarGradientModel
    : GradientOpInterface::ExternalModel<ScalarGradientModel<OpTy, Rule>,
                                         OpTy> {
  LogicalResult buildGradients(Operation *op, OpBuilder &b,
                               ValueRange resultGradients,
                               ArrayRef<bool> requiresGradient,
                               SmallVectorImpl<Value> &operandGradients) const {
    if (isa<ShapedType>(op->getResult(0).getType()))
      return op->emitOpError(
          "on tensors has no gradient rule; convert it to linalg first "
          "(convert-elementwise-to-linalg)");
    Term g(b, op->getLoc(), resultGradients[0]);
    Gradients gradients = Rule(Formula{op, g, g.with(op->getResult(0))});
    operandGradients.assign(op->getNumOperands(), Value());
    for (auto [i, gradient] : llvm::enumerate(gradients))
      if (gradient && requiresGradient[i] &&
          isDifferentiableType(op->getOperand(i).getType()))
        operandGradients[i] = gradient->getValue();
    return success();
  }
};

/// Attaches `ScalarGradientModel<OpTy, Rule>` to `OpTy`.
template <typename OpTy, ScalarRuleFn Rule>
void attachScalarRule(MLIRContext &context) {
  OpTy::template attachInterface<ScalarGradientModel<OpTy, Rule>>(context);
}

} // namespace mlir::quantx::detail

#endif // QUANTX_LIB_AUTODIFF_IMPLEMENTATIONS_SCALARRULES_H
