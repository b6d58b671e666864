//===- MakeTrainStep.cpp - training step from a forward model -------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The model reads its parameters from ml_program globals; the generated
// functions take them as arguments instead and return the updated values,
// so they are pure functions of tensors (no global_store: one-shot
// bufferization of a stored value with other uses loses the update in
// LLVM 22) and the caller owns the parameter buffers.
//
//===----------------------------------------------------------------------===//

#include "quantx/Autodiff/Differentiation.h"
#include "quantx/Autodiff/Passes.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <cmath>
#include <cstdio>

namespace mlir::quantx {
#define GEN_PASS_DEF_MAKETRAINSTEPPASS
#include "quantx/Autodiff/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {
struct MakeTrainStepPass
    : mlir::quantx::impl::MakeTrainStepPassBase<MakeTrainStepPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  FailureOr<func::FuncOp>
  buildPredict(func::FuncOp model,
               MutableArrayRef<ml_program::GlobalOp> params);
  FailureOr<func::FuncOp>
  buildTrainStep(func::FuncOp predict,
                 MutableArrayRef<ml_program::GlobalOp> params);
  LogicalResult canonicalize(func::FuncOp function) {
    OpPassManager pm(func::FuncOp::getOperationName());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    return runPipeline(pm, function);
  }
};
} // namespace

static StringAttr getParamAttrName(MLIRContext *context) {
  return StringAttr::get(context, "quantx.param");
}

FailureOr<func::FuncOp>
MakeTrainStepPass::buildPredict(func::FuncOp model,
                                MutableArrayRef<ml_program::GlobalOp> params) {
  MLIRContext *context = model.getContext();
  OpBuilder b(context);
  b.setInsertionPointAfter(model);
  auto predict = cast<func::FuncOp>(b.clone(*model.getOperation()));
  predict.setSymName((model.getSymName() + "_predict").str());
  predict.setPublic();
  Block &block = predict.front();
  Location loc = model.getLoc();
  for (auto [i, param] : llvm::enumerate(params))
    block.insertArgument(i, param.getType(), param.getLoc());
  SmallVector<ml_program::GlobalLoadOp> loads;
  predict.walk([&](ml_program::GlobalLoadOp load) { loads.push_back(load); });
  for (ml_program::GlobalLoadOp load : loads) {
    auto it = llvm::find_if(params, [&](ml_program::GlobalOp param) {
      return param.getSymName() == load.getGlobal().getLeafReference();
    });
    if (it == params.end())
      continue;
    load.replaceAllUsesWith(block.getArgument(it - params.begin()));
    load.erase();
  }

  // A dynamic batch becomes static.
  BlockArgument input = block.getArgument(params.size());
  auto inputType = cast<RankedTensorType>(input.getType());
  auto terminator = cast<func::ReturnOp>(block.getTerminator());
  if (batchSize > 0 && inputType.getRank() > 0) {
    if (inputType.isDynamicDim(0)) {
      SmallVector<int64_t> shape(inputType.getShape());
      shape[0] = batchSize;
      input.setType(inputType.clone(shape));
      b.setInsertionPointToStart(&block);
      auto cast = tensor::CastOp::create(b, loc, inputType, input);
      input.replaceAllUsesExcept(cast, cast);
    } else if (inputType.getDimSize(0) != batchSize) {
      return model.emitError("the model's batch dimension is static (")
             << inputType.getDimSize(0) << "); batch-size "
             << static_cast<int64_t>(batchSize)
             << " must equal it, or make the dimension dynamic";
    }
    Value logits = terminator.getOperand(0);
    auto logitsType = cast<RankedTensorType>(logits.getType());
    if (logitsType.isDynamicDim(0)) {
      SmallVector<int64_t> shape(logitsType.getShape());
      shape[0] = batchSize;
      b.setInsertionPoint(terminator);
      terminator.setOperand(
          0, tensor::CastOp::create(b, loc, logitsType.clone(shape), logits));
    }
  }
  predict.setFunctionType(b.getFunctionType(block.getArgumentTypes(),
                                            terminator.getOperandTypes()));
  SmallVector<DictionaryAttr> argAttrs;
  for (ml_program::GlobalOp param : params)
    argAttrs.push_back(b.getDictionaryAttr(b.getNamedAttr(
        getParamAttrName(context), FlatSymbolRefAttr::get(param))));
  argAttrs.push_back(b.getDictionaryAttr({}));
  predict.setAllArgAttrs(argAttrs);
  predict.removeResAttrsAttr();
  if (failed(canonicalize(predict)))
    return failure();
  return predict;
}

FailureOr<func::FuncOp> MakeTrainStepPass::buildTrainStep(
    func::FuncOp predict, MutableArrayRef<ml_program::GlobalOp> params) {
  MLIRContext *context = predict.getContext();
  OpBuilder b(context);
  Location loc = predict.getLoc();
  unsigned numParams = params.size();
  std::string prefix = predict.getSymName().drop_back(strlen("_predict")).str();

  // The loss: the model's logits against labels.
  b.setInsertionPointAfter(predict);
  auto loss = cast<func::FuncOp>(b.clone(*predict.getOperation()));
  loss.setSymName(prefix + "_loss");
  Block &lossBlock = loss.front();
  auto logitsType =
      cast<RankedTensorType>(predict.getFunctionType().getResult(0));
  auto labelsType =
      RankedTensorType::get({logitsType.getDimSize(0)}, b.getI32Type());
  Value labels = lossBlock.addArgument(labelsType, loc);
  auto terminator = cast<func::ReturnOp>(lossBlock.getTerminator());
  b.setInsertionPoint(terminator);
  auto scalarType = RankedTensorType::get({}, logitsType.getElementType());
  Value lossValue = SoftmaxCrossEntropyOp::create(
      b, loc, scalarType, terminator.getOperand(0), labels);
  func::ReturnOp::create(b, loc, lossValue);
  terminator.erase();
  loss.setFunctionType(
      b.getFunctionType(lossBlock.getArgumentTypes(), {scalarType}));
  loss.removeArgAttrsAttr();

  SmallVector<unsigned> wrt = llvm::to_vector(llvm::seq<unsigned>(numParams));
  FailureOr<func::FuncOp> grad =
      buildGradientFunction(loss, wrt, prefix + "_loss_grad");
  if (failed(grad)) {
    loss.erase();
    return failure();
  }

  // The step: (params, state, x, labels) -> (loss, params, state).
  SmallVector<Type> argTypes, stateTypes;
  SmallVector<DictionaryAttr> argAttrs, stateAttrs;
  auto paramRef = [&](unsigned i) {
    return b.getNamedAttr(getParamAttrName(context),
                          FlatSymbolRefAttr::get(params[i]));
  };
  auto stateAttr = [&](StringRef kind) {
    return b.getNamedAttr("quantx.state", b.getStringAttr(kind));
  };
  for (unsigned i = 0; i < numParams; ++i) {
    argTypes.push_back(params[i].getType());
    argAttrs.push_back(b.getDictionaryAttr(paramRef(i)));
  }
  auto addState = [&](Type type, StringRef kind, std::optional<unsigned> of) {
    stateTypes.push_back(type);
    SmallVector<NamedAttribute> attrs = {stateAttr(kind)};
    if (of)
      attrs.push_back(paramRef(*of));
    stateAttrs.push_back(b.getDictionaryAttr(attrs));
  };
  if (optimizer == "momentum") {
    for (unsigned i = 0; i < numParams; ++i)
      addState(params[i].getType(), "velocity", i);
  } else if (optimizer == "adam") {
    for (unsigned i = 0; i < numParams; ++i)
      addState(params[i].getType(), "adam_m", i);
    for (unsigned i = 0; i < numParams; ++i)
      addState(params[i].getType(), "adam_v", i);
    addState(scalarType, "adam_step", std::nullopt);
  }
  argTypes.append(stateTypes);
  argAttrs.append(stateAttrs);
  Type inputType = predict.getFunctionType().getInput(numParams);
  argTypes.append({inputType, labelsType});
  argAttrs.append({b.getDictionaryAttr({}), b.getDictionaryAttr({})});
  if (learningRateArgument) {
    argTypes.push_back(scalarType);
    argAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr("quantx.hyper", b.getStringAttr("learning_rate"))));
  }
  SmallVector<Type> resultTypes = {scalarType};
  resultTypes.append(argTypes.begin(), argTypes.begin() + numParams);
  resultTypes.append(stateTypes);

  b.setInsertionPointAfter(predict);
  auto step = func::FuncOp::create(b, loc, prefix + "_train_step",
                                   b.getFunctionType(argTypes, resultTypes));
  step.setAllArgAttrs(argAttrs);
  Block *body = step.addEntryBlock();
  b.setInsertionPointToStart(body);
  unsigned numState = stateTypes.size();
  ValueRange paramArgs = body->getArguments().take_front(numParams);
  ValueRange stateArgs = body->getArguments().slice(numParams, numState);
  Value x = body->getArgument(numParams + numState);
  Value labelArg = body->getArgument(numParams + numState + 1);

  IRMapping mapping;
  Block &gradBlock = grad->front();
  for (unsigned i = 0; i < numParams; ++i)
    mapping.map(gradBlock.getArgument(i), paramArgs[i]);
  mapping.map(gradBlock.getArgument(numParams), x);
  mapping.map(gradBlock.getArgument(numParams + 1), labelArg);
  mapping.map(gradBlock.getArgument(numParams + 2),
              createFloatConstant(b, loc, scalarType, 1.0));
  for (Operation &op : gradBlock.without_terminator())
    b.clone(op, mapping);
  auto gradReturn = cast<func::ReturnOp>(gradBlock.getTerminator());
  Value lossResult = mapping.lookup(gradReturn.getOperand(0));
  SmallVector<Value> grads;
  for (unsigned i = 0; i < numParams; ++i)
    grads.push_back(mapping.lookup(gradReturn.getOperand(1 + i)));
  grad->erase();
  loss.erase();

  // Optimizer updates, elementwise.
  Type element = logitsType.getElementType();
  auto constant = [&](OpBuilder &nb, Location nloc, double value) -> Value {
    return createFloatConstant(nb, nloc, element, value);
  };
  auto fma = [&](OpBuilder &nb, Location nloc, double a, Value x,
                 Value y) -> Value {
    // a * x + y
    return arith::AddFOp::create(
        nb, nloc, arith::MulFOp::create(nb, nloc, constant(nb, nloc, a), x), y);
  };
  double wd = weightDecay;
  // p - lr * update, with lr the constant option or the scalar argument.
  Value lrScalar;
  if (learningRateArgument)
    lrScalar = tensor::ExtractOp::create(b, loc, body->getArguments().back(),
                                         ValueRange());
  auto descend = [&](OpBuilder &nb, Location nloc, Value update,
                     Value p) -> Value {
    Value lr = lrScalar ? lrScalar : constant(nb, nloc, learningRate);
    return arith::SubFOp::create(nb, nloc, p,
                                 arith::MulFOp::create(nb, nloc, lr, update));
  };
  auto withDecay = [&](OpBuilder &nb, Location nloc, Value g,
                       Value p) -> Value {
    return wd == 0.0 ? g : fma(nb, nloc, wd, p, g);
  };
  SmallVector<Value> results = {lossResult}, newState;
  SmallVector<Value> newParams;
  if (optimizer == "sgd") {
    for (unsigned i = 0; i < numParams; ++i)
      newParams.push_back(createElementwise(
          b, loc, {paramArgs[i], grads[i]},
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            return descend(nb, nloc, withDecay(nb, nloc, args[1], args[0]),
                           args[0]);
          }));
  } else if (optimizer == "momentum") {
    double mu = momentum;
    for (unsigned i = 0; i < numParams; ++i) {
      Value velocity =
          createElementwise(b, loc, {stateArgs[i], grads[i], paramArgs[i]},
                            [&](OpBuilder &nb, Location nloc, ValueRange args) {
                              return fma(nb, nloc, mu, args[0],
                                         withDecay(nb, nloc, args[1], args[2]));
                            });
      newState.push_back(velocity);
      newParams.push_back(
          createElementwise(b, loc, {paramArgs[i], velocity},
                            [&](OpBuilder &nb, Location nloc, ValueRange args) {
                              return descend(nb, nloc, args[1], args[0]);
                            }));
    }
  } else {
    double b1 = beta1, b2 = beta2, eps = epsilon;
    Value stepCount = stateArgs[2 * numParams];
    Value nextStep =
        createElementwise(b, loc, {stepCount},
                          [&](OpBuilder &nb, Location nloc, ValueRange args) {
                            return arith::AddFOp::create(
                                nb, nloc, args[0], constant(nb, nloc, 1.0));
                          });
    Value t = tensor::ExtractOp::create(b, loc, nextStep, ValueRange());
    // 1 / (1 - beta^t).
    auto correction = [&](double beta) -> Value {
      Value power = math::PowFOp::create(b, loc, constant(b, loc, beta), t);
      Value denominator =
          arith::SubFOp::create(b, loc, constant(b, loc, 1.0), power);
      return arith::DivFOp::create(b, loc, constant(b, loc, 1.0), denominator);
    };
    Value c1 = correction(b1), c2 = correction(b2);
    SmallVector<Value> firsts, seconds;
    for (unsigned i = 0; i < numParams; ++i) {
      Value m =
          createElementwise(b, loc, {stateArgs[i], grads[i], paramArgs[i]},
                            [&](OpBuilder &nb, Location nloc, ValueRange args) {
                              Value g = withDecay(nb, nloc, args[1], args[2]);
                              Value scaled = arith::MulFOp::create(
                                  nb, nloc, constant(nb, nloc, b1), args[0]);
                              return fma(nb, nloc, 1.0 - b1, g, scaled);
                            });
      Value v = createElementwise(
          b, loc, {stateArgs[numParams + i], grads[i], paramArgs[i]},
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value g = withDecay(nb, nloc, args[1], args[2]);
            Value square = arith::MulFOp::create(nb, nloc, g, g);
            Value scaled = arith::MulFOp::create(
                nb, nloc, constant(nb, nloc, b2), args[0]);
            return fma(nb, nloc, 1.0 - b2, square, scaled);
          });
      firsts.push_back(m);
      seconds.push_back(v);
      newParams.push_back(createElementwise(
          b, loc, {paramArgs[i], m, v},
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value mHat = arith::MulFOp::create(nb, nloc, args[1], c1);
            Value vHat = arith::MulFOp::create(nb, nloc, args[2], c2);
            Value denominator = arith::AddFOp::create(
                nb, nloc, math::SqrtOp::create(nb, nloc, vHat),
                constant(nb, nloc, eps));
            Value update = arith::DivFOp::create(nb, nloc, mHat, denominator);
            return descend(nb, nloc, update, args[0]);
          }));
    }
    newState.append(firsts);
    newState.append(seconds);
    newState.push_back(nextStep);
  }
  results.append(newParams);
  results.append(newState);
  func::ReturnOp::create(b, loc, results);
  if (failed(canonicalize(step)))
    return failure();
  return step;
}

void MakeTrainStepPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (optimizer != "sgd" && optimizer != "momentum" && optimizer != "adam") {
    module.emitError("quantx-make-train-step: unknown optimizer '")
        << optimizer << "' (expected sgd, momentum or adam)";
    return signalPassFailure();
  }
  if (batchSize < 0) {
    module.emitError("quantx-make-train-step: batch-size must be >= 0");
    return signalPassFailure();
  }
  // Hyperparameters outside these ranges make no optimizer (NaN, a growing
  // step, or moments that never decay). The step computes in f32, so the
  // values are checked as f32 (0.99999999 is 1.0f, 1e-320 is 0.0f).
  auto check = [&](StringRef name, double given, bool (*inside)(float),
                   StringRef range) {
    auto value = static_cast<float>(given);
    if (inside(value) && std::isfinite(value))
      return true;
    char text[32];
    std::snprintf(text, sizeof(text), "%.9g", given);
    module.emitError("quantx-make-train-step: ")
        << name << " must be in " << range << " as an f32, got " << text;
    return false;
  };
  auto positive = [](float v) { return v > 0; };
  auto unit = [](float v) { return v >= 0 && v < 1; };
  auto nonNegative = [](float v) { return v >= 0; };
  if ((!learningRateArgument &&
       !check("learning-rate", learningRate, +positive, "(0, inf)")) ||
      !check("momentum", momentum, +unit, "[0, 1)") ||
      !check("beta1", beta1, +unit, "[0, 1)") ||
      !check("beta2", beta2, +unit, "[0, 1)") ||
      !check("epsilon", epsilon, +positive, "(0, inf)") ||
      !check("weight-decay", weightDecay, +nonNegative, "[0, inf)"))
    return signalPassFailure();
  auto function = module.lookupSymbol<func::FuncOp>(model);
  if (!function || function.isExternal()) {
    module.emitError("quantx-make-train-step: no function @")
        << model << " is defined (choose it with model=NAME)";
    return signalPassFailure();
  }
  auto type = function.getFunctionType();
  auto inputType = type.getNumInputs() == 1
                       ? dyn_cast<RankedTensorType>(type.getInput(0))
                       : RankedTensorType();
  auto logitsType = type.getNumResults() == 1
                        ? dyn_cast<RankedTensorType>(type.getResult(0))
                        : RankedTensorType();
  if (!inputType || !logitsType || logitsType.getRank() != 2 ||
      !isa<FloatType>(logitsType.getElementType()) ||
      inputType.getRank() == 0) {
    function.emitError("the model must take one tensor [N, ...] and return "
                       "float logits [N, C], got ")
        << type;
    return signalPassFailure();
  }

  // Parameters: mutable float tensor globals the model reads, in module
  // order.
  llvm::SmallDenseSet<StringRef> read;
  WalkResult walk = function.walk([&](Operation *op) {
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
      read.insert(load.getGlobal().getLeafReference());
      return WalkResult::advance();
    }
    if (isa<ml_program::GlobalStoreOp>(op)) {
      op->emitError("the model must not store globals; the training step "
                    "updates its parameters");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return signalPassFailure();
  SmallVector<ml_program::GlobalOp> params;
  for (auto global : module.getOps<ml_program::GlobalOp>())
    if (read.contains(global.getSymName()) && global.getIsMutable() &&
        isDifferentiableType(global.getType()))
      params.push_back(global);
  if (params.empty()) {
    function.emitError("the model reads no mutable float ml_program.global: "
                       "it has no parameters to train");
    return signalPassFailure();
  }
  for (StringRef suffix : {"_predict", "_train_step", "_loss", "_loss_grad"})
    if (module.lookupSymbol((function.getSymName() + suffix).str())) {
      function.emitError("cannot add @")
          << function.getSymName() << suffix << ": the symbol exists";
      return signalPassFailure();
    }

  FailureOr<func::FuncOp> predict = buildPredict(function, params);
  if (failed(predict))
    return signalPassFailure();
  if (failed(buildTrainStep(*predict, params)))
    return signalPassFailure();
}
