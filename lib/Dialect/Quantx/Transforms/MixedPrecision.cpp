//===- MixedPrecision.cpp - training in simulated low-precision floats ----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each contraction's inputs go through quantx.fake_quant onto the forward
// format, and its weights and result through quantx.round_gradient onto the
// backward format, so that differentiating the model rounds its gradients:
// each gradient a backward contraction reads, once.
//
//===----------------------------------------------------------------------===//

#include "Layers.h"

#include "quantx/Dialect/Quantx/IR/Accumulation.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>

namespace mlir::quantx {
#define GEN_PASS_DEF_MIXEDPRECISIONPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// How the tensors of one direction are rounded (no format: not at all).
struct Direction {
  FloatFormatType format;
  RoundingMode rounding = RoundingMode::nearest_even;
  bool isStochastic() const {
    return format && rounding == RoundingMode::stochastic;
  }
};

struct MixedPrecisionPass
    : mlir::quantx::impl::MixedPrecisionPassBase<MixedPrecisionPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult parseOptions(Direction &forwardDir, Direction &backwardDir,
                             bool &scaled);
  /// Checks the loss-scale options and records them on the module.
  LogicalResult parseLossScale();
  /// Marks every parameter the module's functions read with `master`.
  void setMasterFormat();
  /// master= and accumulate=, when not f32.
  FloatFormatType masterFormat, accumulateFormat;
  /// What accumulate= and chunk= put on each contraction.
  AccumulationAttr accumulation;
  /// weight-gradients= and first-last-backward= when given (a null format
  /// for f32: not rounded).
  std::optional<FloatFormatType> weightGradientFormat, firstLastFormat;
  /// Checks that `op` can be rewritten (an error at the op if not).
  LogicalResult checkLayer(linalg::LinalgOp op, bool withForward);
};

std::optional<RoundingMode> parseRounding(StringRef name) {
  return llvm::StringSwitch<std::optional<RoundingMode>>(name)
      .Case("nearest", RoundingMode::nearest_even)
      .Case("stochastic", RoundingMode::stochastic)
      .Default(std::nullopt);
}

LogicalResult MixedPrecisionPass::parseOptions(Direction &forwardDir,
                                               Direction &backwardDir,
                                               bool &scaled) {
  ModuleOp module = getOperation();
  // Located at the module, without printing it.
  auto fail = [&](const Twine &message) {
    mlir::emitError(module.getLoc(), "quantx-mixed-precision: ") << message;
    return failure();
  };
  // Once per model, before the training step is built: a second run would
  // restart the seeds and the step counter, and drop or mix settings.
  auto *dialect = module.getContext()->getLoadedDialect<QuantxDialect>();
  bool rewritten =
      dialect->getLossScaleAttrHelper().isAttrPresent(module) ||
      dialect->getDynamicLossScaleAttrHelper().isAttrPresent(module);
  bool stepBuilt = false;
  module.walk([&](Operation *op) {
    if (auto fake = dyn_cast<FakeQuantOp>(op))
      rewritten |= static_cast<bool>(fake.getStep());
    else if (isa<RoundGradientOp>(op) ||
             dialect->getAccumulateAttrHelper().isAttrPresent(op))
      rewritten = true;
    else if (auto global = dyn_cast<ml_program::GlobalOp>(op))
      rewritten |= dialect->getMasterAttrHelper().isAttrPresent(global);
    else if (auto function = dyn_cast<func::FuncOp>(op))
      for (unsigned i = 0; i < function.getNumArguments(); ++i)
        stepBuilt |= static_cast<bool>(
            function.getArgAttr(i, dialect->getParamAttrHelper().getName()));
  });
  if (stepBuilt)
    return fail("the module already has a training step (arguments marked "
                "quantx.param): run quantx-mixed-precision on the forward "
                "model, before quantx-make-train-step");
  if (rewritten)
    return fail("the module has been through quantx-mixed-precision "
                "already; give every option in one run");
  std::optional<RoundingMode> both = parseRounding(rounding);
  if (!both)
    return fail("unknown rounding '" + rounding +
                "' (expected nearest or stochastic)");
  for (auto [name, text, roundingName, direction] :
       {std::make_tuple("forward", &forward, &forwardRounding, &forwardDir),
        std::make_tuple("backward", &backward, &backwardRounding,
                        &backwardDir)}) {
    direction->rounding = *both;
    if (!roundingName->empty()) {
      std::optional<RoundingMode> own = parseRounding(*roundingName);
      if (!own)
        return fail("unknown " + Twine(name) + "-rounding '" + *roundingName +
                    "' (expected nearest or stochastic)");
      direction->rounding = *own;
    }
    if (text->empty()) {
      if (!roundingName->empty())
        return fail(Twine(name) + "-rounding applies to " + name +
                    "=FORMAT, which is not given");
      continue;
    }
    std::string error;
    direction->format =
        parseFloatFormatOption(module.getContext(), *text, error);
    if (!direction->format)
      return fail(Twine(name) + "=" + error);
  }
  if (master != "f32") {
    std::string error;
    masterFormat = parseFloatFormatOption(module.getContext(), master, error);
    if (!masterFormat)
      return fail("master=" + error + " (or f32)");
  }
  for (auto [name, text, format] :
       {std::make_tuple("weight-gradients", &weightGradients,
                        &weightGradientFormat),
        std::make_tuple("first-last-backward", &firstLastBackward,
                        &firstLastFormat)}) {
    if (text->empty())
      continue;
    if (!backwardDir.format)
      return fail(Twine(name) + " refines backward=FORMAT, which is not given");
    if (*text == "f32") {
      *format = FloatFormatType();
      continue;
    }
    std::string error;
    *format = parseFloatFormatOption(module.getContext(), *text, error);
    if (!**format)
      return fail(Twine(name) + "=" + error + " (or f32)");
  }
  if (accumulate != "f32") {
    std::string error;
    accumulateFormat =
        parseFloatFormatOption(module.getContext(), accumulate, error);
    if (!accumulateFormat)
      return fail("accumulate=" + error + " (or f32)");
  }
  if (chunk < 1)
    return fail("chunk must be at least 1 term, got " +
                Twine(static_cast<int64_t>(chunk)));
  if (chunk.hasValue() && !accumulateFormat)
    return fail("chunk applies to accumulate=FORMAT with a format narrower "
                "than f32, which is not given");
  if (accumulateFormat) {
    auto chunkSize = static_cast<int64_t>(chunk);
    if (failed(AccumulationAttr::verify(
            [&] {
              return mlir::emitError(module.getLoc(),
                                     "quantx-mixed-precision: accumulate=")
                     << accumulate << ": ";
            },
            accumulateFormat, chunkSize)))
      return failure();
    accumulation =
        AccumulationAttr::get(module.getContext(), accumulateFormat, chunkSize);
  }
  if ((lossScaleInit.hasValue() || lossScaleGrowthInterval.hasValue()) &&
      lossScale != "dynamic")
    return fail("loss-scale-init and loss-scale-growth-interval apply to "
                "loss-scale=dynamic, got loss-scale=" +
                lossScale);
  if (!forwardDir.format && !backwardDir.format && !accumulateFormat &&
      lossScale == "none" && !masterFormat)
    return fail("nothing to do: give forward=FORMAT, backward=FORMAT, "
                "accumulate=FORMAT, master=FORMAT, loss-scale or several of "
                "them");
  if (gradientScale != "none" && gradientScale != "per-layer")
    return fail("unknown gradient-scale '" + gradientScale +
                "' (expected none or per-layer)");
  scaled = gradientScale == "per-layer";
  if (scaled && !backwardDir.format)
    return fail("gradient-scale=per-layer scales the gradients: it needs "
                "backward=FORMAT");
  if (seed < 0 || seed > (int64_t(1) << 62))
    return fail("seed must be in 0..2^62, got " +
                Twine(static_cast<int64_t>(seed)));
  return parseLossScale();
}

/// A positive finite scale, normal in f32 (the step's gradients are f32).
static bool isScale(double value) {
  auto f = static_cast<float>(value);
  return std::isfinite(f) && f >= std::numeric_limits<float>::min();
}

LogicalResult MixedPrecisionPass::parseLossScale() {
  ModuleOp module = getOperation();
  // Located at the module, without printing it.
  auto fail = [&](const Twine &message) {
    mlir::emitError(module.getLoc(), "quantx-mixed-precision: ") << message;
    return failure();
  };
  StringRef text = lossScale;
  bool dynamic = text == "dynamic";
  auto *dialect = module.getContext()->getLoadedDialect<QuantxDialect>();
  OpBuilder b(module.getContext());
  if (text == "none")
    return success();
  if (dynamic) {
    if (!isScale(lossScaleInit)) {
      char given[32];
      std::snprintf(given, sizeof(given), "%.9g",
                    static_cast<double>(lossScaleInit));
      return fail("loss-scale-init must be a positive finite number (a normal "
                  "f32), got " +
                  Twine(given));
    }
    if (lossScaleGrowthInterval < 1 || lossScaleGrowthInterval > (1 << 24))
      return fail("loss-scale-growth-interval must be in 1..2^24, got " +
                  Twine(static_cast<int64_t>(lossScaleGrowthInterval)));
    dialect->getDynamicLossScaleAttrHelper().setAttr(
        module,
        b.getDenseF64ArrayAttr(
            {lossScaleInit, static_cast<double>(lossScaleGrowthInterval)}));
    return success();
  }
  double scale;
  if (!text.consume_front("static:") || text.trim().getAsDouble(scale) ||
      !isScale(scale))
    return fail("loss-scale must be none, dynamic or static:S with S a "
                "positive finite number (a normal f32), got '" +
                lossScale + "'");
  dialect->getLossScaleAttrHelper().setAttr(module, b.getF64FloatAttr(scale));
  return success();
}

LogicalResult MixedPrecisionPass::checkLayer(linalg::LinalgOp op,
                                             bool withForward) {
  auto isFloatTensor = [](Type type) {
    auto ranked = dyn_cast<RankedTensorType>(type);
    return ranked && isa<FloatType>(ranked.getElementType());
  };
  for (OpOperand *operand : op.getDpsInputOperands()) {
    Value value = operand->get();
    if (!isFloatTensor(value.getType()))
      return op->emitError("quantx-mixed-precision: an operand of this "
                           "contraction is not a ranked float tensor");
    if (withForward && (value.getDefiningOp<FakeQuantOp>() ||
                        value.getDefiningOp<ScaledFakeQuantOp>()))
      return op->emitError("quantx-mixed-precision: an operand of this "
                           "contraction is already quantized (its format "
                           "decides the forward tensor); round only the "
                           "gradients (backward=FORMAT without forward)");
  }
  if (op->getNumResults() != 1 || !isFloatTensor(op->getResult(0).getType()))
    return op->emitError("quantx-mixed-precision: this contraction does not "
                         "have one ranked float tensor result");
  if (accumulation) {
    Value term = getAccumulatedTerm(op);
    if (!term)
      return op->emitError("quantx-mixed-precision: accumulate=FORMAT needs "
                           "a contraction whose body adds one term into its "
                           "accumulator; this one does not");
    if (failed(verifyAccumulation(
            [&] {
              return op->emitError("quantx-mixed-precision: this layer ");
            },
            accumulation, cast<FloatType>(term.getType()))))
      return failure();
  }
  return success();
}

void MixedPrecisionPass::setMasterFormat() {
  ModuleOp module = getOperation();
  auto *dialect = module.getContext()->getLoadedDialect<QuantxDialect>();
  llvm::SmallDenseSet<StringRef> read;
  module.walk([&](ml_program::GlobalLoadOp load) {
    read.insert(load.getGlobal().getLeafReference());
  });
  for (auto global : module.getOps<ml_program::GlobalOp>()) {
    auto type = dyn_cast<RankedTensorType>(global.getType());
    if (!read.contains(global.getSymName()) || !global.getIsMutable() ||
        !type || !isa<FloatType>(type.getElementType()) ||
        dialect->getBufferAttrHelper().isAttrPresent(global))
      continue;
    dialect->getMasterAttrHelper().setAttr(global, TypeAttr::get(masterFormat));
  }
}

void MixedPrecisionPass::runOnOperation() {
  ModuleOp module = getOperation();
  MLIRContext *context = module.getContext();
  Direction forwardDir, backwardDir;
  bool scaled = false;
  if (failed(parseOptions(forwardDir, backwardDir, scaled)))
    return signalPassFailure();
  if (masterFormat)
    setMasterFormat();
  if (!forwardDir.format && !backwardDir.format && !accumulateFormat)
    return; // Only loss scaling or master weights.
  SymbolTable symbols(module);
  ml_program::GlobalOp stepGlobal;
  auto stepType = RankedTensorType::get({}, Float32Type::get(context));
  int64_t nextSeed = seed;
  bool rewroteAny = false;
  for (auto function : llvm::to_vector(module.getOps<func::FuncOp>())) {
    if (function.isExternal())
      continue;
    SmallVector<linalg::LinalgOp> contractions = collectContractions(function);
    if (contractions.empty())
      continue;
    for (linalg::LinalgOp op : contractions)
      if (failed(checkLayer(op, static_cast<bool>(forwardDir.format))))
        return signalPassFailure();

    // The step counter: read at the start, incremented at every return.
    Value step;
    if (forwardDir.isStochastic() || backwardDir.isStochastic()) {
      if (!stepGlobal)
        stepGlobal = addTrainingGlobal(module, symbols, function.getLoc(),
                                       "rounding_step", stepType, 0.0,
                                       /*modelState=*/true);
      OpBuilder b = OpBuilder::atBlockBegin(&function.getBody().front());
      Location loc = function.getLoc();
      step = ml_program::GlobalLoadOp::create(
          b, loc, stepType, FlatSymbolRefAttr::get(stepGlobal));
      for (Block &block : function.getBody()) {
        auto terminator = dyn_cast<func::ReturnOp>(block.getTerminator());
        if (!terminator)
          continue;
        b.setInsertionPoint(terminator);
        // Counted modulo 2^24, where f32 stops counting: the draws repeat
        // after 2^24 steps instead of freezing.
        Value next = createElementwise(
            b, loc, {step}, [](OpBuilder &nb, Location nloc, ValueRange args) {
              Type type = args[0].getType();
              Value added = arith::AddFOp::create(
                  nb, nloc, args[0], createFloatConstant(nb, nloc, type, 1.0));
              Value wrapped = arith::CmpFOp::create(
                  nb, nloc, arith::CmpFPredicate::OGE, added,
                  createFloatConstant(nb, nloc, type, 0x1p24));
              return arith::SelectOp::create(
                  nb, nloc, wrapped, createFloatConstant(nb, nloc, type, 0.0),
                  added);
            });
        ml_program::GlobalStoreOp::create(
            b, loc, FlatSymbolRefAttr::get(stepGlobal), next);
      }
    }
    // The operands of a stochastic rounding: a seed of its own, the step.
    auto draws =
        [&](const Direction &direction) -> std::pair<IntegerAttr, Value> {
      if (!direction.isStochastic())
        return {IntegerAttr(), Value()};
      return {IntegerAttr::get(IntegerType::get(context, 64), nextSeed++),
              step};
    };
    auto roundingAttr = [&](const Direction &direction) {
      return RoundingModeAttr::get(context, direction.rounding);
    };
    // Onto `format` (not at all when null).
    auto roundGradient = [&](OpBuilder &b, Location loc, Value value,
                             FloatFormatType format) -> Value {
      if (!format)
        return value;
      auto [seedAttr, stepValue] = draws(backwardDir);
      return RoundGradientOp::create(
          b, loc, value.getType(), value, stepValue, TypeAttr::get(format),
          roundingAttr(backwardDir), seedAttr,
          scaled ? UnitAttr::get(context) : UnitAttr());
    };

    auto *dialect = context->getLoadedDialect<QuantxDialect>();
    for (linalg::LinalgOp op : contractions) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      if (accumulation)
        dialect->getAccumulateAttrHelper().setAttr(op, accumulation);
      // The gradients' formats of this layer.
      FloatFormatType outputFormat = backwardDir.format;
      FloatFormatType weightFormat =
          weightGradientFormat.value_or(backwardDir.format);
      if (firstLastFormat &&
          (op == contractions.front() || op == contractions.back()))
        outputFormat = weightFormat = *firstLastFormat;
      for (OpOperand *operand : op.getDpsInputOperands()) {
        Value value = operand->get();
        if (forwardDir.format) {
          auto [seedAttr, stepValue] = draws(forwardDir);
          value = FakeQuantOp::create(
              b, loc, value.getType(), value, stepValue,
              TypeAttr::get(forwardDir.format), roundingAttr(forwardDir),
              seedAttr, ArithmeticAttr::get(context, Arithmetic::exact));
        }
        // Weights only: an activation's gradient is rounded where it
        // reaches the output of the layer that made it (below).
        if (isParameterDerived(operand->get()))
          value = roundGradient(b, loc, value, weightFormat);
        operand->set(value);
      }
      if (outputFormat) {
        b.setInsertionPointAfter(op);
        Value result = op->getResult(0);
        Value rounded = roundGradient(b, loc, result, outputFormat);
        result.replaceAllUsesExcept(rounded, rounded.getDefiningOp());
      }
      rewroteAny = true;
    }
  }
  if (!rewroteAny) {
    mlir::emitError(module.getLoc(),
                    "quantx-mixed-precision: no function has a contraction "
                    "(linalg.matmul, batch_matmul, conv_2d_nhwc_hwcf, "
                    "depthwise_conv_2d_nhwc_hwc, a contraction "
                    "linalg.generic) to round");
    return signalPassFailure();
  }
}

} // namespace
