//===- ArithGradients.cpp - gradient rules of arith and math ops ----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Scalar rules: the arith and math float ops that appear in linalg.generic
// bodies (and, converted to linalg first, on tensors). Each rule is one
// function of the forward operands, the forward result and the result's
// gradient `g`.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/GradientOpInterface.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// What a scalar rule sees: the forward op, the builder placed after it, and
/// the gradient of its (single) result.
struct ScalarRule {
  Operation *op;
  OpBuilder &b;
  Location loc;
  Value g;

  Value operand(unsigned i) const { return op->getOperand(i); }
  Value result() const { return op->getResult(0); }
  Value constant(double value) const {
    return createFloatConstant(b, loc, g.getType(), value);
  }
  Value mul(Value x, Value y) const {
    return arith::MulFOp::create(b, loc, x, y);
  }
  Value div(Value x, Value y) const {
    return arith::DivFOp::create(b, loc, x, y);
  }
  Value neg(Value x) const { return arith::NegFOp::create(b, loc, x); }
  Value sub(Value x, Value y) const {
    return arith::SubFOp::create(b, loc, x, y);
  }
  /// `g` where `predicate` holds, else 0.
  Value gate(arith::CmpFPredicate predicate, Value x, Value y,
             bool inverted = false) const {
    Value condition = arith::CmpFOp::create(b, loc, predicate, x, y);
    Value zero = constant(0.0);
    return arith::SelectOp::create(b, loc, condition, inverted ? zero : g,
                                   inverted ? g : zero);
  }
};

using RuleFn = void (*)(const ScalarRule &, SmallVectorImpl<Value> &);

/// An external model whose rule is `Rule`, for ops with one float result.
template <typename OpTy, RuleFn Rule>
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
    operandGradients.assign(op->getNumOperands(), Value());
    ScalarRule rule{op, b, op->getLoc(), resultGradients[0]};
    Rule(rule, operandGradients);
    for (auto [i, required] : llvm::enumerate(requiresGradient))
      if (!required || !isDifferentiableType(op->getOperand(i).getType()))
        operandGradients[i] = Value();
    return success();
  }
};

void addRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = grads[1] = r.g;
}
void subRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.g;
  grads[1] = r.neg(r.g);
}
void mulRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.mul(r.g, r.operand(1));
  grads[1] = r.mul(r.g, r.operand(0));
}
// d(x/y) = g/y, -g*(x/y)/y.
void divRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.div(r.g, r.operand(1));
  grads[1] = r.neg(r.div(r.mul(r.g, r.result()), r.operand(1)));
}
void negRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.neg(r.g);
}
// Ties go to the left operand.
void maxRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.gate(arith::CmpFPredicate::OGE, r.operand(0), r.operand(1));
  grads[1] = r.gate(arith::CmpFPredicate::OGE, r.operand(0), r.operand(1),
                    /*inverted=*/true);
}
void minRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.gate(arith::CmpFPredicate::OLE, r.operand(0), r.operand(1));
  grads[1] = r.gate(arith::CmpFPredicate::OLE, r.operand(0), r.operand(1),
                    /*inverted=*/true);
}
void selectRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  Value zero = r.constant(0.0);
  grads[1] = arith::SelectOp::create(r.b, r.loc, r.operand(0), r.g, zero);
  grads[2] = arith::SelectOp::create(r.b, r.loc, r.operand(0), zero, r.g);
}
void extRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = arith::TruncFOp::create(r.b, r.loc, r.operand(0).getType(), r.g);
}
void truncRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = arith::ExtFOp::create(r.b, r.loc, r.operand(0).getType(), r.g);
}
void expRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.mul(r.g, r.result());
}
void logRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.div(r.g, r.operand(0));
}
// d tanh(x) = 1 - tanh(x)^2.
void tanhRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  Value square = r.mul(r.result(), r.result());
  grads[0] = r.mul(r.g, r.sub(r.constant(1.0), square));
}
// d sqrt(x) = 0.5 / sqrt(x).
void sqrtRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.div(r.mul(r.g, r.constant(0.5)), r.result());
}
// d rsqrt(x) = -0.5 * rsqrt(x) / x.
void rsqrtRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] =
      r.div(r.mul(r.g, r.mul(r.constant(-0.5), r.result())), r.operand(0));
}
void absRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  Value zero = r.constant(0.0);
  Value negative = arith::CmpFOp::create(r.b, r.loc, arith::CmpFPredicate::OLT,
                                         r.operand(0), zero);
  grads[0] = arith::SelectOp::create(r.b, r.loc, negative, r.neg(r.g), r.g);
}
// d x^y = y x^(y-1), x^y log x.
void powRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  Value x = r.operand(0), y = r.operand(1);
  Value lower = math::PowFOp::create(r.b, r.loc, x, r.sub(y, r.constant(1.0)));
  grads[0] = r.mul(r.g, r.mul(y, lower));
  grads[1] = r.mul(r.g, r.mul(r.result(), math::LogOp::create(r.b, r.loc, x)));
}
// d log1p(x) = 1 / (1 + x).
void log1pRule(const ScalarRule &r, SmallVectorImpl<Value> &grads) {
  grads[0] = r.div(
      r.g, arith::AddFOp::create(r.b, r.loc, r.operand(0), r.constant(1.0)));
}

} // namespace

namespace mlir::quantx {
void registerArithGradientModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, arith::ArithDialect *) {
    arith::AddFOp::attachInterface<ScalarGradientModel<arith::AddFOp, addRule>>(
        *context);
    arith::SubFOp::attachInterface<ScalarGradientModel<arith::SubFOp, subRule>>(
        *context);
    arith::MulFOp::attachInterface<ScalarGradientModel<arith::MulFOp, mulRule>>(
        *context);
    arith::DivFOp::attachInterface<ScalarGradientModel<arith::DivFOp, divRule>>(
        *context);
    arith::NegFOp::attachInterface<ScalarGradientModel<arith::NegFOp, negRule>>(
        *context);
    arith::MaximumFOp::attachInterface<
        ScalarGradientModel<arith::MaximumFOp, maxRule>>(*context);
    arith::MaxNumFOp::attachInterface<
        ScalarGradientModel<arith::MaxNumFOp, maxRule>>(*context);
    arith::MinimumFOp::attachInterface<
        ScalarGradientModel<arith::MinimumFOp, minRule>>(*context);
    arith::MinNumFOp::attachInterface<
        ScalarGradientModel<arith::MinNumFOp, minRule>>(*context);
    arith::SelectOp::attachInterface<
        ScalarGradientModel<arith::SelectOp, selectRule>>(*context);
    arith::ExtFOp::attachInterface<ScalarGradientModel<arith::ExtFOp, extRule>>(
        *context);
    arith::TruncFOp::attachInterface<
        ScalarGradientModel<arith::TruncFOp, truncRule>>(*context);
  });
  registry.addExtension(+[](MLIRContext *context, math::MathDialect *) {
    math::ExpOp::attachInterface<ScalarGradientModel<math::ExpOp, expRule>>(
        *context);
    math::LogOp::attachInterface<ScalarGradientModel<math::LogOp, logRule>>(
        *context);
    math::Log1pOp::attachInterface<
        ScalarGradientModel<math::Log1pOp, log1pRule>>(*context);
    math::TanhOp::attachInterface<ScalarGradientModel<math::TanhOp, tanhRule>>(
        *context);
    math::SqrtOp::attachInterface<ScalarGradientModel<math::SqrtOp, sqrtRule>>(
        *context);
    math::RsqrtOp::attachInterface<
        ScalarGradientModel<math::RsqrtOp, rsqrtRule>>(*context);
    math::AbsFOp::attachInterface<ScalarGradientModel<math::AbsFOp, absRule>>(
        *context);
    math::PowFOp::attachInterface<ScalarGradientModel<math::PowFOp, powRule>>(
        *context);
  });
}
} // namespace mlir::quantx
