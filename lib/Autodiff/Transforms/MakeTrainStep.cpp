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
// LLVM 22) and the caller owns the parameter buffers. Model state
// (`quantx.buffer` globals: batch-norm statistics) is passed the same way;
// what the model stores into it becomes a result of the training step, and
// the prediction function drops the stores.
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
  FailureOr<func::FuncOp> buildForward(func::FuncOp model,
                                       ArrayRef<ml_program::GlobalOp> params,
                                       ArrayRef<ml_program::GlobalOp> buffers,
                                       ArrayRef<unsigned> assigned,
                                       bool training, bool withState,
                                       StringRef suffix);
  FailureOr<func::FuncOp>
  buildTrainStep(func::FuncOp forward, StringRef prefix, StringRef stepName,
                 MutableArrayRef<ml_program::GlobalOp> params,
                 ArrayRef<ml_program::GlobalOp> buffers,
                 ArrayRef<unsigned> assigned);
  LogicalResult canonicalize(func::FuncOp function) {
    OpPassManager pm(func::FuncOp::getOperationName());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    return runPipeline(pm, function);
  }
};

/// One optimizer-state argument of the step: what it holds and, for
/// per-parameter state, the parameter's index.
struct StateSlot {
  OptimizerState kind;
  std::optional<unsigned> param;
};

/// The state arguments of `optimizer` for `numParams` parameters, in order.
SmallVector<StateSlot> getStateSlots(Optimizer optimizer, unsigned numParams) {
  SmallVector<StateSlot> slots;
  auto perParam = [&](OptimizerState kind) {
    for (unsigned i = 0; i < numParams; ++i)
      slots.push_back({kind, i});
  };
  switch (optimizer) {
  case Optimizer::sgd:
    break;
  case Optimizer::momentum:
    perParam(OptimizerState::velocity);
    break;
  case Optimizer::adam:
    perParam(OptimizerState::adam_m);
    perParam(OptimizerState::adam_v);
    slots.push_back({OptimizerState::adam_step, std::nullopt});
    break;
  }
  return slots;
}

/// What an optimizer update reads, and the elementwise pieces every update
/// shares. Updates are elementwise generics over the parameters.
struct UpdateBuilder {
  OpBuilder &b;
  Location loc;
  /// The parameters' element type.
  Type element;
  ValueRange params;
  ArrayRef<Value> grads;
  ValueRange state;
  /// The learning rate: the scalar argument, or the constant when null.
  Value learningRateScalar;
  double learningRate;
  /// Each parameter's L2 coefficient.
  ArrayRef<double> weightDecays;

  Value constant(OpBuilder &nb, Location nloc, double value) const {
    return createFloatConstant(nb, nloc, element, value);
  }
  /// a * x + y.
  Value fma(OpBuilder &nb, Location nloc, double a, Value x, Value y) const {
    return arith::AddFOp::create(
        nb, nloc, arith::MulFOp::create(nb, nloc, constant(nb, nloc, a), x), y);
  }
  /// p - lr * update.
  Value descend(OpBuilder &nb, Location nloc, Value update, Value p) const {
    Value lr = learningRateScalar ? learningRateScalar
                                  : constant(nb, nloc, learningRate);
    return arith::SubFOp::create(nb, nloc, p,
                                 arith::MulFOp::create(nb, nloc, lr, update));
  }
  /// g + weight-decay * p, for parameter `i`.
  Value withDecay(OpBuilder &nb, Location nloc, unsigned i, Value g,
                  Value p) const {
    double decay = weightDecays[i];
    return decay == 0.0 ? g : fma(nb, nloc, decay, p, g);
  }
};

/// The new parameters and state of one step, in the order of the arguments.
struct Update {
  SmallVector<Value> params, state;
};

// p -= lr g.
Update buildSgdUpdate(const UpdateBuilder &u) {
  Update update;
  for (unsigned i = 0, e = u.params.size(); i < e; ++i)
    update.params.push_back(createElementwise(
        u.b, u.loc, {u.params[i], u.grads[i]},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return u.descend(nb, nloc, u.withDecay(nb, nloc, i, args[1], args[0]),
                           args[0]);
        }));
  return update;
}

// v = momentum v + g; p -= lr v.
Update buildMomentumUpdate(const UpdateBuilder &u, double momentum) {
  Update update;
  for (unsigned i = 0, e = u.params.size(); i < e; ++i) {
    Value p = u.params[i];
    Value velocity = createElementwise(
        u.b, u.loc, {u.state[i], u.grads[i], p},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return u.fma(nb, nloc, momentum, args[0],
                       u.withDecay(nb, nloc, i, args[1], args[2]));
        });
    update.state.push_back(velocity);
    update.params.push_back(
        createElementwise(u.b, u.loc, {p, velocity},
                          [&](OpBuilder &nb, Location nloc, ValueRange args) {
                            return u.descend(nb, nloc, args[1], args[0]);
                          }));
  }
  return update;
}

// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; t += 1;
// p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + epsilon).
Update buildAdamUpdate(const UpdateBuilder &u, double b1, double b2,
                       double eps) {
  OpBuilder &b = u.b;
  Location loc = u.loc;
  unsigned numParams = u.params.size();
  Value nextStep =
      createElementwise(b, loc, {u.state[2 * numParams]},
                        [&](OpBuilder &nb, Location nloc, ValueRange args) {
                          return arith::AddFOp::create(
                              nb, nloc, args[0], u.constant(nb, nloc, 1.0));
                        });
  Value t = tensor::ExtractOp::create(b, loc, nextStep, ValueRange());
  // 1 / (1 - beta^t).
  auto correction = [&](double beta) -> Value {
    Value power = math::PowFOp::create(b, loc, u.constant(b, loc, beta), t);
    Value denominator =
        arith::SubFOp::create(b, loc, u.constant(b, loc, 1.0), power);
    return arith::DivFOp::create(b, loc, u.constant(b, loc, 1.0), denominator);
  };
  Value c1 = correction(b1), c2 = correction(b2);
  Update update;
  SmallVector<Value> seconds;
  for (unsigned i = 0; i < numParams; ++i) {
    Value p = u.params[i];
    Value m =
        createElementwise(b, loc, {u.state[i], u.grads[i], p},
                          [&](OpBuilder &nb, Location nloc, ValueRange args) {
                            Value g =
                                u.withDecay(nb, nloc, i, args[1], args[2]);
                            Value scaled = arith::MulFOp::create(
                                nb, nloc, u.constant(nb, nloc, b1), args[0]);
                            return u.fma(nb, nloc, 1.0 - b1, g, scaled);
                          });
    Value v = createElementwise(
        b, loc, {u.state[numParams + i], u.grads[i], p},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value g = u.withDecay(nb, nloc, i, args[1], args[2]);
          Value square = arith::MulFOp::create(nb, nloc, g, g);
          Value scaled = arith::MulFOp::create(
              nb, nloc, u.constant(nb, nloc, b2), args[0]);
          return u.fma(nb, nloc, 1.0 - b2, square, scaled);
        });
    update.state.push_back(m);
    seconds.push_back(v);
    update.params.push_back(createElementwise(
        b, loc, {p, m, v}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value mHat = arith::MulFOp::create(nb, nloc, args[1], c1);
          Value vHat = arith::MulFOp::create(nb, nloc, args[2], c2);
          Value denominator = arith::AddFOp::create(
              nb, nloc, math::SqrtOp::create(nb, nloc, vHat),
              u.constant(nb, nloc, eps));
          Value step = arith::DivFOp::create(nb, nloc, mHat, denominator);
          return u.descend(nb, nloc, step, args[0]);
        }));
  }
  update.state.append(seconds);
  update.state.push_back(nextStep);
  return update;
}

/// `value / scale` elementwise, with `scale` a 0-d tensor.
Value divideByScalar(OpBuilder &b, Location loc, Value value, Value scale) {
  unsigned rank = cast<RankedTensorType>(value.getType()).getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap scalar = AffineMap::get(rank, 0, {}, b.getContext());
  return createGeneric(
      b, loc, {value, scale}, {identity, scalar},
      createEmptyLike(b, loc, value), identity, SmallVector<bool>(rank, false),
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::DivFOp::create(nb, nloc, args[0], args[1]);
      });
}

/// Whether `magnitude` (a scalar) is finite: at most the largest finite
/// value (false for NaN).
Value isFinite(OpBuilder &b, Location loc, Value magnitude) {
  auto type = cast<FloatType>(magnitude.getType());
  return arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::OLE, magnitude,
      createFloatConstant(
          b, loc, type,
          APFloat::getLargest(type.getFloatSemantics()).convertToDouble()));
}

/// `updated` where the step's largest gradient magnitude (a 0-d tensor) is
/// finite, else `old`.
Value selectIfFinite(OpBuilder &b, Location loc, Value largestMagnitude,
                     Value updated, Value old) {
  unsigned rank = cast<RankedTensorType>(updated.getType()).getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  AffineMap scalar = AffineMap::get(rank, 0, {}, b.getContext());
  return createGeneric(
      b, loc, {updated, old, largestMagnitude}, {identity, identity, scalar},
      createEmptyLike(b, loc, updated), identity,
      SmallVector<bool>(rank, false),
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::SelectOp::create(nb, nloc, isFinite(nb, nloc, args[2]),
                                       args[0], args[1]);
      });
}

/// The loss scaler's state after a step.
struct LossScaleUpdate {
  Value scale, goodSteps, skippedSteps;
};

/// The dynamic loss scaler's state machine (0-d tensors): on a non-finite
/// gradient the scale halves (not below the smallest normal value), the
/// clean-step count restarts and the skipped steps count one more; on a
/// finite one the clean steps count one more, and at `growthInterval` the
/// scale doubles (while finite) and the count restarts. A static scale
/// (no `growthInterval`) only counts skipped steps.
LossScaleUpdate buildLossScaleUpdate(OpBuilder &b, Location loc,
                                     Value largestMagnitude, Value scale,
                                     Value goodSteps, Value skippedSteps,
                                     std::optional<double> growthInterval) {
  LossScaleUpdate next;
  auto scalarOp =
      [&](ValueRange inputs,
          function_ref<Value(OpBuilder &, Location, Value, ValueRange)> body) {
        SmallVector<Value> operands = {largestMagnitude};
        operands.append(inputs.begin(), inputs.end());
        return createElementwise(
            b, loc, operands,
            [&](OpBuilder &nb, Location nloc, ValueRange args) {
              return body(nb, nloc, isFinite(nb, nloc, args[0]),
                          args.drop_front());
            });
      };
  auto constant = [](OpBuilder &nb, Location nloc, Value like, double value) {
    return createFloatConstant(nb, nloc, like.getType(), value);
  };
  next.skippedSteps =
      scalarOp({skippedSteps}, [&](OpBuilder &nb, Location nloc, Value finite,
                                   ValueRange args) {
        Value more = arith::AddFOp::create(nb, nloc, args[0],
                                           constant(nb, nloc, args[0], 1.0));
        return arith::SelectOp::create(nb, nloc, finite, args[0], more);
      });
  if (!growthInterval)
    return next;
  // good + 1 on a clean step, 0 after a skip or when the scale grows.
  auto grows = [&](OpBuilder &nb, Location nloc, Value finite, Value good) {
    Value counted =
        arith::AddFOp::create(nb, nloc, good, constant(nb, nloc, good, 1.0));
    Value full =
        arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGE, counted,
                              constant(nb, nloc, good, *growthInterval));
    return std::make_pair(arith::AndIOp::create(nb, nloc, finite, full),
                          counted);
  };
  next.goodSteps = scalarOp({goodSteps}, [&](OpBuilder &nb, Location nloc,
                                             Value finite, ValueRange args) {
    auto [grow, counted] = grows(nb, nloc, finite, args[0]);
    Value zero = constant(nb, nloc, args[0], 0.0);
    Value kept = arith::SelectOp::create(nb, nloc, finite, counted, zero);
    return arith::SelectOp::create(nb, nloc, grow, zero, kept);
  });
  next.scale = scalarOp({scale, goodSteps}, [&](OpBuilder &nb, Location nloc,
                                                Value finite, ValueRange args) {
    Value s = args[0];
    auto type = cast<FloatType>(s.getType());
    auto [grow, counted] = grows(nb, nloc, finite, args[1]);
    (void)counted;
    Value doubled =
        arith::MulFOp::create(nb, nloc, s, constant(nb, nloc, s, 2.0));
    Value grown = arith::SelectOp::create(nb, nloc, isFinite(nb, nloc, doubled),
                                          doubled, s);
    Value halved = arith::MaximumFOp::create(
        nb, nloc,
        arith::MulFOp::create(nb, nloc, s, constant(nb, nloc, s, 0.5)),
        constant(nb, nloc, s,
                 APFloat::getSmallestNormalized(type.getFloatSemantics())
                     .convertToDouble()));
    Value onFinite = arith::SelectOp::create(nb, nloc, grow, grown, s);
    return arith::SelectOp::create(nb, nloc, finite, onFinite, halved);
  });
  return next;
}

/// Over the gradient roundings of a step (quantx.fake_quant marked
/// quantx.gradient_rounding): the i64 counts (0-d tensors) of the values
/// nonzero before rounding, of those rounded to zero, and of the finite
/// values rounded to an infinity or NaN.
SmallVector<Value> countRoundings(OpBuilder &b, Location loc,
                                  ArrayRef<FakeQuantOp> roundings) {
  auto countType = RankedTensorType::get({}, b.getI64Type());
  SmallVector<Value> totals;
  for (int k = 0; k < 3; ++k) {
    Value empty = tensor::EmptyOp::create(b, loc, countType.getShape(),
                                          countType.getElementType());
    Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
    totals.push_back(linalg::FillOp::create(b, loc, zero, empty).getResult(0));
  }
  for (FakeQuantOp rounding : roundings) {
    auto type = cast<RankedTensorType>(rounding.getType());
    unsigned rank = type.getRank();
    AffineMap identity = b.getMultiDimIdentityMap(rank);
    AffineMap scalar = AffineMap::get(rank, 0, {}, b.getContext());
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{countType, countType, countType},
        ValueRange{rounding.getInput(), rounding.getResult()}, totals,
        SmallVector<AffineMap>{identity, identity, scalar, scalar, scalar},
        iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value in = args[0], out = args[1];
          Value zero = createFloatConstant(nb, nloc, in.getType(), 0.0);
          Value nonzero = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::ONE, in, zero);
          Value flushed = arith::AndIOp::create(
              nb, nloc, nonzero,
              arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ, out,
                                    zero));
          Value overflowed = arith::AndIOp::create(
              nb, nloc, isFinite(nb, nloc, math::AbsFOp::create(nb, nloc, in)),
              arith::XOrIOp::create(
                  nb, nloc,
                  isFinite(nb, nloc, math::AbsFOp::create(nb, nloc, out)),
                  arith::ConstantOp::create(nb, nloc, nb.getBoolAttr(true))));
          SmallVector<Value> sums;
          for (auto [flag, total] :
               llvm::zip(SmallVector<Value>{nonzero, flushed, overflowed},
                         args.drop_front(2)))
            sums.push_back(arith::AddIOp::create(
                nb, nloc, total,
                arith::ExtUIOp::create(nb, nloc, nb.getI64Type(), flag)));
          linalg::YieldOp::create(nb, nloc, sums);
        });
    totals.assign(generic.getResults().begin(), generic.getResults().end());
  }
  return totals;
}

/// `prefix_loss(params..., buffers..., x, labels) -> (loss, rest...)`: the
/// mean softmax cross-entropy of `forward`'s logits (its first result)
/// against integer labels, and `forward`'s other results.
func::FuncOp buildLossFunction(func::FuncOp predict, StringRef prefix) {
  OpBuilder b(predict.getContext());
  Location loc = predict.getLoc();
  b.setInsertionPointAfter(predict);
  auto loss = cast<func::FuncOp>(b.clone(*predict.getOperation()));
  loss.setSymName((prefix + "_loss").str());
  Block &block = loss.front();
  auto logitsType =
      cast<RankedTensorType>(predict.getFunctionType().getResult(0));
  auto labelsType =
      RankedTensorType::get({logitsType.getDimSize(0)}, b.getI32Type());
  Value labels = block.addArgument(labelsType, loc);
  auto terminator = cast<func::ReturnOp>(block.getTerminator());
  b.setInsertionPoint(terminator);
  auto scalarType = RankedTensorType::get({}, logitsType.getElementType());
  Value lossValue = SoftmaxCrossEntropyOp::create(
      b, loc, scalarType, terminator.getOperand(0), labels);
  SmallVector<Value> results = {lossValue};
  llvm::append_range(results, terminator.getOperands().drop_front());
  func::ReturnOp::create(b, loc, results);
  terminator.erase();
  loss.setFunctionType(b.getFunctionType(block.getArgumentTypes(),
                                         ValueRange(results).getTypes()));
  loss.removeArgAttrsAttr();
  return loss;
}
} // namespace

FailureOr<func::FuncOp> MakeTrainStepPass::buildForward(
    func::FuncOp model, ArrayRef<ml_program::GlobalOp> params,
    ArrayRef<ml_program::GlobalOp> buffers, ArrayRef<unsigned> assigned,
    bool training, bool withState, StringRef suffix) {
  MLIRContext *context = model.getContext();
  auto *dialect = context->getLoadedDialect<QuantxDialect>();
  OpBuilder b(context);
  b.setInsertionPointAfter(model);
  auto predict = cast<func::FuncOp>(b.clone(*model.getOperation()));
  predict.setSymName((model.getSymName() + suffix).str());
  predict.setPublic();
  Block &block = predict.front();
  Location loc = model.getLoc();
  unsigned numParams = params.size(), numBuffers = buffers.size();
  // (Op handles are values: copies are not const.)
  for (auto [i, global] : llvm::enumerate(
           llvm::concat<const ml_program::GlobalOp>(params, buffers))) {
    ml_program::GlobalOp copy = global;
    block.insertArgument(i, copy.getType(), copy.getLoc());
  }
  auto indexOf = [](ArrayRef<ml_program::GlobalOp> globals,
                    SymbolRefAttr ref) -> std::optional<unsigned> {
    auto it = llvm::find_if(globals, [&](ml_program::GlobalOp global) {
      return global.getSymName() == ref.getLeafReference();
    });
    if (it == globals.end())
      return std::nullopt;
    return it - globals.begin();
  };
  // Parameters and model state are arguments until the model stores a new
  // value, which later loads read.
  SmallVector<Value> currentParams(block.getArguments().take_front(numParams));
  SmallVector<Value> current(block.getArguments().slice(numParams, numBuffers));
  for (Operation &top : llvm::make_early_inc_range(block)) {
    SmallVector<ml_program::GlobalLoadOp> loads;
    top.walk([&](ml_program::GlobalLoadOp load) { loads.push_back(load); });
    for (ml_program::GlobalLoadOp load : loads) {
      Value value;
      if (std::optional<unsigned> i = indexOf(params, load.getGlobal()))
        value = currentParams[*i];
      else if (std::optional<unsigned> j = indexOf(buffers, load.getGlobal()))
        value = current[*j];
      if (!value)
        continue;
      load.replaceAllUsesWith(value);
      load.erase();
    }
    if (auto store = dyn_cast<ml_program::GlobalStoreOp>(top)) {
      // The pass has checked that only parameters and model state are
      // stored.
      if (std::optional<unsigned> i = indexOf(params, store.getGlobal()))
        currentParams[*i] = store.getValue();
      else
        current[*indexOf(buffers, store.getGlobal())] = store.getValue();
      store.erase();
    }
  }
  if (training)
    predict.walk([&](Operation *op) {
      if (auto norm = dyn_cast<BatchNormOp>(op))
        norm.setTraining(true);
      else if (auto select = dyn_cast<ModeSelectOp>(op))
        select.setTraining(true);
    });

  // A dynamic batch becomes static.
  BlockArgument input = block.getArgument(numParams + numBuffers);
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
  // For a training step, the model state's last values follow the logits,
  // then the values the model assigned to parameters.
  if (withState && numBuffers + assigned.size()) {
    SmallVector<Value> results(terminator.getOperands());
    results.append(current);
    for (unsigned i : assigned)
      results.push_back(currentParams[i]);
    b.setInsertionPoint(terminator);
    auto extended = func::ReturnOp::create(b, terminator.getLoc(), results);
    terminator.erase();
    terminator = extended;
  }
  predict.setFunctionType(b.getFunctionType(block.getArgumentTypes(),
                                            terminator.getOperandTypes()));
  SmallVector<DictionaryAttr> argAttrs;
  for (ml_program::GlobalOp param : params)
    argAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr(dialect->getParamAttrHelper().getName(),
                       FlatSymbolRefAttr::get(param))));
  for (ml_program::GlobalOp buffer : buffers)
    argAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr(dialect->getModelStateAttrHelper().getName(),
                       FlatSymbolRefAttr::get(buffer))));
  argAttrs.push_back(b.getDictionaryAttr({}));
  predict.setAllArgAttrs(argAttrs);
  predict.removeResAttrsAttr();
  if (failed(canonicalize(predict)))
    return failure();
  return predict;
}

FailureOr<func::FuncOp> MakeTrainStepPass::buildTrainStep(
    func::FuncOp forward, StringRef prefix, StringRef stepName,
    MutableArrayRef<ml_program::GlobalOp> params,
    ArrayRef<ml_program::GlobalOp> buffers, ArrayRef<unsigned> assigned) {
  MLIRContext *context = forward.getContext();
  auto *dialect = context->getLoadedDialect<QuantxDialect>();
  OpBuilder b(context);
  Location loc = forward.getLoc();
  unsigned numParams = params.size(), numBuffers = buffers.size();
  unsigned numAssigned = assigned.size();

  // The loss (the new model state and assigned parameters) and the loss's
  // gradient with respect to the parameters.
  func::FuncOp loss = buildLossFunction(forward, prefix);
  SmallVector<unsigned> wrt = llvm::to_vector(llvm::seq<unsigned>(numParams));
  SmallVector<unsigned> unreached;
  SmallVector<bool> seeded(1 + numBuffers + numAssigned, false);
  seeded[0] = true;
  FailureOr<func::FuncOp> grad = buildGradientFunction(
      loss, wrt, (prefix + "_loss_grad").str(), &unreached, seeded);
  if (failed(grad)) {
    loss.erase();
    return failure();
  }
  // A parameter the loss does not reach through float arithmetic keeps its
  // initial value however long it trains: say so.
  for (unsigned position : unreached)
    params[position].emitWarning("parameter @")
        << params[position].getSymName()
        << " reaches the loss through no differentiable operation (not at "
           "all, or only through integers or comparisons): its gradient is "
           "zero and training does not change it";

  // The step: (params, state, buffers, x, labels[, lr])
  //   -> (loss, params, state, buffers).
  FunctionType lossType = loss.getFunctionType();
  auto scalarType = cast<RankedTensorType>(lossType.getResult(0));
  SmallVector<Type> argTypes;
  SmallVector<DictionaryAttr> argAttrs;
  auto paramRef = [&](unsigned i) {
    return b.getNamedAttr(dialect->getParamAttrHelper().getName(),
                          FlatSymbolRefAttr::get(params[i]));
  };
  for (unsigned i = 0; i < numParams; ++i) {
    argTypes.push_back(params[i].getType());
    argAttrs.push_back(b.getDictionaryAttr(paramRef(i)));
  }
  // Loss scaling (quantx-mixed-precision's loss-scale): its state follows
  // the optimizer's.
  ModuleOp module = forward->getParentOfType<ModuleOp>();
  FloatAttr staticScale = dialect->getLossScaleAttrHelper().getAttr(module);
  DenseF64ArrayAttr dynamicScale =
      dialect->getDynamicLossScaleAttrHelper().getAttr(module);
  bool lossScaling = staticScale || dynamicScale;
  // The scales are checked as f32 numbers (training_c9).
  if (lossScaling &&
      !cast<RankedTensorType>(loss.getFunctionType().getResult(0))
           .getElementType()
           .isF32()) {
    forward.emitError("loss scaling needs an f32 loss, got ")
        << loss.getFunctionType().getResult(0);
    loss.erase();
    grad->erase();
    return failure();
  }
  SmallVector<StateSlot> slots = getStateSlots(optimizer, numParams);
  unsigned numOptimizerSlots = slots.size();
  if (dynamicScale) {
    slots.push_back({OptimizerState::loss_scale, std::nullopt});
    slots.push_back({OptimizerState::good_steps, std::nullopt});
  }
  if (lossScaling)
    slots.push_back({OptimizerState::skipped_steps, std::nullopt});
  SmallVector<Type> stateTypes;
  for (const StateSlot &slot : slots) {
    stateTypes.push_back(slot.param ? params[*slot.param].getType()
                                    : Type(scalarType));
    SmallVector<NamedAttribute> attrs = {
        b.getNamedAttr(dialect->getStateAttrHelper().getName(),
                       b.getStringAttr(stringifyOptimizerState(slot.kind)))};
    if (slot.param)
      attrs.push_back(paramRef(*slot.param));
    argAttrs.push_back(b.getDictionaryAttr(attrs));
  }
  argTypes.append(stateTypes);
  for (ml_program::GlobalOp buffer : buffers) {
    argTypes.push_back(buffer.getType());
    argAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr(dialect->getModelStateAttrHelper().getName(),
                       FlatSymbolRefAttr::get(buffer))));
  }
  argTypes.append({lossType.getInput(numParams + numBuffers),
                   lossType.getInput(numParams + numBuffers + 1)});
  argAttrs.append({b.getDictionaryAttr({}), b.getDictionaryAttr({})});
  if (learningRateArgument) {
    argTypes.push_back(scalarType);
    argAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr(dialect->getHyperAttrHelper().getName(),
                       b.getStringAttr(stringifyHyperparameter(
                           Hyperparameter::learning_rate)))));
  }
  SmallVector<Type> resultTypes = {scalarType};
  resultTypes.append(argTypes.begin(), argTypes.begin() + numParams);
  resultTypes.append(stateTypes);
  for (ml_program::GlobalOp buffer : buffers)
    resultTypes.push_back(buffer.getType());

  b.setInsertionPointAfter(forward);
  auto step = func::FuncOp::create(b, loc, stepName,
                                   b.getFunctionType(argTypes, resultTypes));
  step.setAllArgAttrs(argAttrs);
  Block *body = step.addEntryBlock();
  b.setInsertionPointToStart(body);
  unsigned numState = stateTypes.size();
  ValueRange paramArgs = body->getArguments().take_front(numParams);
  ValueRange stateArgs = body->getArguments().slice(numParams, numState);
  ValueRange bufferArgs =
      body->getArguments().slice(numParams + numState, numBuffers);
  unsigned dataArg = numParams + numState + numBuffers;

  // The gradient function's body, inlined with a cotangent of 1:
  // (params, buffers, x, labels, dloss) -> (loss, buffers, assigned,
  // grads).
  IRMapping mapping;
  Block &gradBlock = grad->front();
  for (unsigned i = 0; i < numParams; ++i)
    mapping.map(gradBlock.getArgument(i), paramArgs[i]);
  for (unsigned i = 0; i < numBuffers; ++i)
    mapping.map(gradBlock.getArgument(numParams + i), bufferArgs[i]);
  unsigned gradData = numParams + numBuffers;
  mapping.map(gradBlock.getArgument(gradData), body->getArgument(dataArg));
  mapping.map(gradBlock.getArgument(gradData + 1),
              body->getArgument(dataArg + 1));
  // The loss's cotangent: 1, or the loss scale S.
  Type element = scalarType.getElementType();
  auto slotArg = [&](OptimizerState kind) -> Value {
    for (auto [k, slot] : llvm::enumerate(slots))
      if (slot.kind == kind)
        return stateArgs[k];
    return Value();
  };
  Value scale;
  if (staticScale)
    scale =
        createFloatConstant(b, loc, scalarType, staticScale.getValueAsDouble());
  else if (dynamicScale)
    // The state starts at 0: the first step uses the initial scale.
    scale = createElementwise(
        b, loc, {slotArg(OptimizerState::loss_scale)},
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Value unset = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::OEQ, args[0],
              createFloatConstant(nb, nloc, element, 0.0));
          return arith::SelectOp::create(
              nb, nloc, unset,
              createFloatConstant(nb, nloc, element, dynamicScale[0]), args[0]);
        });
  mapping.map(gradBlock.getArgument(gradData + 2),
              scale ? scale : createFloatConstant(b, loc, scalarType, 1.0));
  SmallVector<FakeQuantOp> gradientRoundings;
  for (Operation &op : gradBlock.without_terminator()) {
    Operation *clone = b.clone(op, mapping);
    clone->walk([&](FakeQuantOp rounding) {
      if (dialect->getGradientRoundingAttrHelper().isAttrPresent(rounding))
        gradientRoundings.push_back(rounding);
    });
  }
  auto gradReturn = cast<func::ReturnOp>(gradBlock.getTerminator());
  Value lossResult = mapping.lookup(gradReturn.getOperand(0));
  SmallVector<Value> newBuffers, grads;
  for (unsigned i = 0; i < numBuffers; ++i)
    newBuffers.push_back(mapping.lookup(gradReturn.getOperand(1 + i)));
  // The optimizer updates what the model assigned to a parameter.
  SmallVector<Value> bases(paramArgs);
  for (auto [k, i] : llvm::enumerate(assigned))
    bases[i] = mapping.lookup(gradReturn.getOperand(1 + numBuffers + k));
  for (unsigned i = 0; i < numParams; ++i)
    grads.push_back(mapping.lookup(
        gradReturn.getOperand(1 + numBuffers + numAssigned + i)));
  grad->erase();
  loss.erase();

  // What the step's gradient roundings flushed to zero or overflowed.
  SmallVector<Value> statistics;
  if (!gradientRoundings.empty())
    statistics = countRoundings(b, loc, gradientRoundings);
  // The gradients unscaled, and whether they are all finite (the largest
  // magnitude, NaN propagated, is at most the largest finite value).
  Value largestMagnitude;
  if (lossScaling) {
    for (Value &g : grads)
      g = divideByScalar(b, loc, g, scale);
    largestMagnitude = createFloatConstant(b, loc, scalarType, 0.0);
    for (Value g : grads)
      largestMagnitude = createMaxAbs(b, loc, g, largestMagnitude);
  }

  // One update of the optimizer.
  Value lrScalar;
  if (learningRateArgument)
    lrScalar = tensor::ExtractOp::create(b, loc, body->getArguments().back(),
                                         ValueRange());
  // A parameter's own weight decay replaces the step's.
  SmallVector<double> decays;
  for (ml_program::GlobalOp param : params) {
    FloatAttr own = dialect->getWeightDecayAttrHelper().getAttr(param);
    decays.push_back(own ? own.getValueAsDouble() : double(weightDecay));
  }
  UpdateBuilder updater{b,        loc,          scalarType.getElementType(),
                        bases,    grads,        stateArgs,
                        lrScalar, learningRate, decays};
  Update update;
  switch (optimizer) {
  case Optimizer::sgd:
    update = buildSgdUpdate(updater);
    break;
  case Optimizer::momentum:
    update = buildMomentumUpdate(updater, momentum);
    break;
  case Optimizer::adam:
    update = buildAdamUpdate(updater, beta1, beta2, epsilon);
    break;
  }
  // Constrained parameters are clamped after the update.
  for (auto [i, param] : llvm::enumerate(params)) {
    DenseF64ArrayAttr clip = dialect->getClipAttrHelper().getAttr(param);
    if (!clip)
      continue;
    update.params[i] = createElementwise(
        b, loc, {update.params[i]},
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          Type element = args[0].getType();
          Value low = arith::MaximumFOp::create(
              nb, nloc, args[0],
              createFloatConstant(nb, nloc, element, clip[0]));
          return arith::MinimumFOp::create(
              nb, nloc, low, createFloatConstant(nb, nloc, element, clip[1]));
        });
  }
  // A parameter kept in a low-precision format (quantx.master) is rounded
  // onto it after its update.
  for (auto [i, param] : llvm::enumerate(params)) {
    TypeAttr master = dialect->getMasterAttrHelper().getAttr(param);
    if (!master)
      continue;
    update.params[i] = FakeQuantOp::create(
        b, loc, update.params[i].getType(), update.params[i], Value(), master,
        RoundingModeAttr::get(context, RoundingMode::nearest_even),
        IntegerAttr(), ArithmeticAttr::get(context, Arithmetic::exact));
  }
  if (lossScaling) {
    // A step with a non-finite gradient changes no parameter and no
    // optimizer state.
    for (auto [i, param] : llvm::enumerate(update.params))
      param = selectIfFinite(b, loc, largestMagnitude, param, bases[i]);
    for (unsigned k = 0; k < numOptimizerSlots; ++k)
      update.state[k] = selectIfFinite(b, loc, largestMagnitude,
                                       update.state[k], stateArgs[k]);
    LossScaleUpdate next = buildLossScaleUpdate(
        b, loc, largestMagnitude, scale, slotArg(OptimizerState::good_steps),
        slotArg(OptimizerState::skipped_steps),
        dynamicScale ? std::optional<double>(dynamicScale[1]) : std::nullopt);
    if (dynamicScale)
      update.state.append({next.scale, next.goodSteps});
    update.state.push_back(next.skippedSteps);
  }
  SmallVector<Value> results = {lossResult};
  results.append(update.params);
  results.append(update.state);
  results.append(newBuffers);
  results.append(statistics);
  func::ReturnOp::create(b, loc, results);
  if (!statistics.empty()) {
    step.setType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
    const StepStatistic kinds[] = {StepStatistic::gradient_nonzero,
                                   StepStatistic::gradient_underflow,
                                   StepStatistic::gradient_overflow};
    for (auto [k, kind] : llvm::enumerate(kinds))
      step.setResultAttr(results.size() - statistics.size() + k,
                         dialect->getStatAttrHelper().getName(),
                         b.getStringAttr(stringifyStepStatistic(kind)));
  }
  if (failed(canonicalize(step)))
    return failure();
  return step;
}

void MakeTrainStepPass::runOnOperation() {
  ModuleOp module = getOperation();
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
  // order. Globals marked quantx.buffer are model state the step does not
  // train. The model may store new values into either (at its top level):
  // model state is returned, and a parameter's stored value is what the
  // optimizer updates (an initialization from data, such as LSQ's step).
  auto buffer =
      getContext().getLoadedDialect<QuantxDialect>()->getBufferAttrHelper();
  llvm::SmallDenseSet<StringRef> read, stored;
  WalkResult walk = function.walk([&](Operation *op) {
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
      read.insert(load.getGlobal().getLeafReference());
      return WalkResult::advance();
    }
    auto store = dyn_cast<ml_program::GlobalStoreOp>(op);
    if (!store)
      return WalkResult::advance();
    auto global = module.lookupSymbol<ml_program::GlobalOp>(
        store.getGlobal().getLeafReference());
    if (!global || !global.getIsMutable() ||
        !isDifferentiableType(global.getType())) {
      op->emitError("the model may store only into parameters and model "
                    "state (mutable float tensor globals)");
      return WalkResult::interrupt();
    }
    if (op->getParentOp() != function) {
      op->emitError("parameters and model state must be stored at the top "
                    "level of the model, not inside a region");
      return WalkResult::interrupt();
    }
    if (!stored.insert(global.getSymName()).second) {
      op->emitError("@") << global.getSymName()
                         << " is stored more than once by the model";
      return WalkResult::interrupt();
    }
    read.insert(store.getGlobal().getLeafReference());
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return signalPassFailure();
  SmallVector<ml_program::GlobalOp> params, buffers;
  SmallVector<unsigned> assigned;
  for (auto global : module.getOps<ml_program::GlobalOp>()) {
    if (!read.contains(global.getSymName()) || !global.getIsMutable() ||
        !isDifferentiableType(global.getType()))
      continue;
    if (buffer.isAttrPresent(global)) {
      buffers.push_back(global);
      continue;
    }
    if (stored.contains(global.getSymName()))
      assigned.push_back(params.size());
    params.push_back(global);
  }
  if (params.empty() && !predictOnly) {
    function.emitError("the model reads no mutable float ml_program.global: "
                       "it has no parameters to train");
    return signalPassFailure();
  }
  for (StringRef suffix : {"_predict", "_train_step", "_train_forward", "_loss",
                           "_loss_grad", "_train_step_frozen_statistics"})
    if (module.lookupSymbol((function.getSymName() + suffix).str())) {
      function.emitError("cannot add @")
          << function.getSymName() << suffix << ": the symbol exists";
      return signalPassFailure();
    }

  FailureOr<func::FuncOp> predict =
      buildForward(function, params, buffers, assigned, /*training=*/false,
                   /*withState=*/false, "_predict");
  if (failed(predict))
    return signalPassFailure();
  if (predictOnly)
    return;
  // The training step, and with frozen statistics one whose batch norms
  // and observers run as in inference (their state passes through).
  SmallVector<std::pair<bool, std::string>> steps = {
      {true, (function.getSymName() + "_train_step").str()}};
  if (frozenStatisticsStep)
    steps.push_back(
        {false,
         (function.getSymName() + "_train_step_frozen_statistics").str()});
  Operation *after = *predict;
  for (auto &[training, stepName] : steps) {
    FailureOr<func::FuncOp> forward =
        buildForward(function, params, buffers, assigned, training,
                     /*withState=*/true, "_train_forward");
    if (failed(forward))
      return signalPassFailure();
    (*forward)->moveAfter(after);
    FailureOr<func::FuncOp> built = buildTrainStep(
        *forward, function.getSymName(), stepName, params, buffers, assigned);
    forward->erase();
    if (failed(built))
      return signalPassFailure();
    after = *built;
  }
}
