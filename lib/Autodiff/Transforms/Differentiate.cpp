//===- Differentiate.cpp - reverse-mode differentiation -------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The gradient function is a copy of the forward function followed by the
// backward code: ops are visited in reverse order and each active op (one
// that depends on a differentiated argument and that a result depends on)
// contributes the gradients of its operands through GradientOpInterface.
// Gradients reaching one value from several uses are summed.
//
// Upstream MLIR has no automatic differentiation; the rules live with the
// ops (quantx ops in their definitions, upstream ops as external models).
//
//===----------------------------------------------------------------------===//

#include "quantx/Autodiff/Differentiation.h"

#include "quantx/Autodiff/Passes.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Interfaces/GradientOpInterface.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_DIFFERENTIATEPASS
#include "quantx/Autodiff/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

SmallVector<unsigned>
mlir::quantx::getDifferentiableArguments(func::FuncOp function) {
  SmallVector<unsigned> indices;
  for (auto [i, type] : llvm::enumerate(function.getArgumentTypes()))
    if (isDifferentiableType(type))
      indices.push_back(i);
  return indices;
}

/// Values defined outside `op` and used inside its regions.
static SetVector<Value> getCapturedValues(Operation *op) {
  SetVector<Value> captured;
  for (Region &region : op->getRegions())
    getUsedValuesDefinedAbove(region, captured);
  return captured;
}

/// dequantize(quantize(x)) into x's own float type is fake_quant(x): the
/// same values, and a gradient (the straight-through estimator) where the
/// codes in between carry none.
static void foldQuantizeDequantizePairs(func::FuncOp function) {
  SmallVector<DequantizeOp> pairs;
  function.walk([&](DequantizeOp dequantize) {
    auto quantize = dequantize.getInput().getDefiningOp<QuantizeOp>();
    if (quantize && quantize.getInput().getType() == dequantize.getType())
      pairs.push_back(dequantize);
  });
  for (DequantizeOp dequantize : pairs) {
    auto quantize = dequantize.getInput().getDefiningOp<QuantizeOp>();
    OpBuilder b(dequantize);
    auto format =
        cast<FormatTypeInterface>(getElementTypeOrSelf(quantize.getType()));
    Value fake =
        FakeQuantOp::create(b, dequantize.getLoc(), quantize.getInput(),
                            /*step=*/Value(), format, quantize.getRounding(),
                            quantize.getSeedAttr());
    dequantize.replaceAllUsesWith(fake);
    dequantize.erase();
    if (quantize->use_empty())
      quantize.erase();
  }
}

FailureOr<func::FuncOp> mlir::quantx::buildGradientFunction(
    func::FuncOp function, ArrayRef<unsigned> wrt, StringRef name,
    SmallVectorImpl<unsigned> *unreached, ArrayRef<bool> seeded) {
  if (function.isExternal())
    return function.emitError("cannot differentiate a declaration");
  if (!llvm::hasSingleElement(function.getBody()))
    return function.emitError(
        "cannot differentiate a function with control flow (more than one "
        "block)");
  if (!seeded.empty() && seeded.size() != function.getNumResults())
    return function.emitError("expected one seeded flag per result");
  for (unsigned index : wrt)
    if (index >= function.getNumArguments() ||
        !isDifferentiableType(function.getArgumentTypes()[index]))
      return function.emitError("argument #")
             << index << " is not a float tensor or float scalar argument";

  OpBuilder b(function.getContext());
  b.setInsertionPointAfter(function);
  auto gradient = cast<func::FuncOp>(b.clone(*function.getOperation()));
  gradient.setSymName(name);
  MLIRContext *context = function.getContext();

  // Tensor-level arith and math become linalg.generic, whose rule reaches
  // the scalar rules.
  {
    RewritePatternSet patterns(context);
    linalg::populateElementwiseToLinalgConversionPatterns(patterns);
    if (failed(applyPatternsGreedily(gradient, std::move(patterns)))) {
      gradient.erase();
      return function.emitError("cannot convert elementwise ops to linalg");
    }
  }

  foldQuantizeDequantizePairs(gradient);

  Block &block = gradient.front();
  auto terminator = cast<func::ReturnOp>(block.getTerminator());
  SmallVector<Operation *> forwardOps;
  for (Operation &op : block.without_terminator())
    forwardOps.push_back(&op);

  // Activity: values that depend on a differentiated argument (varied) and
  // values a result depends on (useful).
  llvm::DenseSet<Value> varied, useful;
  for (unsigned index : wrt)
    varied.insert(block.getArgument(index));
  auto isVaried = [&](Value value) { return varied.contains(value); };
  for (Operation *op : forwardOps) {
    bool depends = llvm::any_of(op->getOperands(), isVaried) ||
                   llvm::any_of(getCapturedValues(op), isVaried);
    if (depends)
      for (Value result : op->getResults())
        if (isDifferentiableType(result.getType()))
          varied.insert(result);
  }
  for (Value result : terminator.getOperands())
    useful.insert(result);
  for (Operation *op : llvm::reverse(forwardOps)) {
    if (llvm::none_of(op->getResults(),
                      [&](Value r) { return useful.contains(r); }))
      continue;
    for (Value operand : op->getOperands())
      useful.insert(operand);
    for (Value captured : getCapturedValues(op))
      useful.insert(captured);
  }

  // Backward code, appended after the forward code.
  b.setInsertionPoint(terminator);
  Location loc = function.getLoc();
  llvm::DenseMap<Value, Value> adjoints;
  auto accumulate = [&](Value value, Value grad) {
    Value &slot = adjoints[value];
    slot = slot ? createAdd(b, loc, slot, grad) : grad;
  };
  SmallVector<Type> cotangentTypes;
  for (auto [k, result] : llvm::enumerate(terminator.getOperands())) {
    if (!isDifferentiableType(result.getType()) ||
        (!seeded.empty() && !seeded[k]))
      continue;
    Value cotangent = block.addArgument(result.getType(), result.getLoc());
    cotangentTypes.push_back(result.getType());
    if (isVaried(result))
      accumulate(result, cotangent);
  }

  bool failedRule = false;
  // Codes carry no gradient: a quantization whose codes reach a float value
  // the results use would silently stop the gradient there.
  auto reachesUsefulFloat = [&](Value codes) {
    llvm::DenseSet<Value> derived = {codes};
    for (Operation *op : forwardOps) {
      if (llvm::none_of(op->getOperands(),
                        [&](Value v) { return derived.contains(v); }))
        continue;
      for (Value result : op->getResults()) {
        if (isDifferentiableType(result.getType()) && useful.contains(result))
          return true;
        derived.insert(result);
      }
    }
    return false;
  };
  for (Operation *op : forwardOps) {
    auto quantize = dyn_cast<QuantizeOp>(op);
    if (quantize && isVaried(quantize.getInput()) &&
        reachesUsefulFloat(quantize.getResult())) {
      quantize.emitError("the gradient cannot pass through the codes of "
                         "'quantx.quantize'; dequantize them straight into ")
          << quantize.getInput().getType()
          << " (a straight-through estimator, as quantx.fake_quant) or use "
             "quantx.fake_quant";
      failedRule = true;
    }
  }
  for (Operation *op : llvm::reverse(forwardOps)) {
    bool active = llvm::any_of(op->getResults(), [&](Value r) {
      return isVaried(r) && useful.contains(r);
    });
    if (!active)
      continue;
    SmallVector<Value> resultGrads;
    bool any = false;
    for (Value result : op->getResults()) {
      Value grad = adjoints.lookup(result);
      any |= static_cast<bool>(grad);
      resultGrads.push_back(grad);
    }
    if (!any)
      continue;
    for (Value captured : getCapturedValues(op))
      if (isVaried(captured)) {
        op->emitError("cannot differentiate '")
            << op->getName()
            << "': its region uses a value that depends on the "
               "differentiated arguments; pass it as an operand";
        failedRule = true;
      }
    auto rule = dyn_cast<GradientOpInterface>(op);
    if (!rule) {
      op->emitError("no gradient rule for '")
          << op->getName()
          << "' (quantx-differentiate: implement GradientOpInterface for it)";
      failedRule = true;
      continue;
    }
    if (failedRule)
      continue;
    b.setInsertionPoint(terminator);
    for (auto [k, result] : llvm::enumerate(op->getResults()))
      if (!resultGrads[k] && isDifferentiableType(result.getType()))
        resultGrads[k] = createZerosLike(b, op->getLoc(), result);
    SmallVector<bool> required;
    for (Value operand : op->getOperands())
      required.push_back(isVaried(operand));
    SmallVector<Value> operandGrads;
    if (failed(rule.buildGradients(b, resultGrads, required, operandGrads))) {
      failedRule = true;
      continue;
    }
    for (auto [operand, grad] : llvm::zip(op->getOperands(), operandGrads))
      if (grad && isVaried(operand))
        accumulate(operand, grad);
  }
  if (failedRule) {
    gradient.erase();
    return failure();
  }

  SmallVector<Value> results(terminator.getOperands());
  SmallVector<Type> resultTypes(function.getResultTypes());
  for (auto [position, index] : llvm::enumerate(wrt)) {
    BlockArgument arg = block.getArgument(index);
    Value grad = adjoints.lookup(arg);
    if (!grad) {
      grad = createZerosLike(b, loc, arg);
      if (unreached)
        unreached->push_back(position);
    }
    results.push_back(grad);
    resultTypes.push_back(arg.getType());
  }
  func::ReturnOp::create(b, terminator.getLoc(), results);
  terminator.erase();
  SmallVector<Type> argTypes(function.getArgumentTypes());
  argTypes.append(cotangentTypes);
  gradient.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  gradient.removeArgAttrsAttr();
  gradient.removeResAttrsAttr();

  // Rules pass every forward operand to the generics they build; drop the
  // ones the bodies do not read.
  RewritePatternSet cleanup(context);
  linalg::populateEraseUnusedOperandsAndResultsPatterns(cleanup);
  if (failed(applyPatternsGreedily(gradient, std::move(cleanup)))) {
    gradient.emitError("erasing the unused operands of the gradient "
                       "generics did not converge");
    gradient.erase();
    return failure();
  }
  return gradient;
}

namespace {
struct DifferentiatePass
    : mlir::quantx::impl::DifferentiatePassBase<DifferentiatePass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<func::FuncOp> targets;
    for (auto function : module.getOps<func::FuncOp>()) {
      if (function.isExternal())
        continue;
      if (functions.empty()
              ? function.isPublic()
              : llvm::is_contained(functions, function.getSymName()))
        targets.push_back(function);
    }
    for (const std::string &wanted : functions)
      if (!module.lookupSymbol<func::FuncOp>(wanted)) {
        module.emitError("quantx-differentiate: no function @") << wanted;
        return signalPassFailure();
      }
    for (func::FuncOp function : targets) {
      std::string name = (function.getSymName() + suffix).str();
      if (module.lookupSymbol(name)) {
        function.emitError("cannot name the gradient function @")
            << name << ": the symbol exists";
        return signalPassFailure();
      }
      SmallVector<unsigned> wrt = getDifferentiableArguments(function);
      SmallVector<unsigned> unreached;
      if (failed(buildGradientFunction(function, wrt, name, &unreached)))
        return signalPassFailure();
      for (unsigned position : unreached)
        function.emitWarning("argument #")
            << wrt[position]
            << " reaches no result through differentiable operations (not "
               "at all, or only through integers or comparisons): its "
               "gradient is zero";
    }
  }
};
} // namespace
