//===- Trainer.cpp - train and evaluate models with the JIT ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Trainer.h"
#include "quantx/Runtime/ModelSize.h"

#include "quantx/Autodiff/Passes.h"
#include "quantx/Numerics/Random.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

using namespace mlir;
using namespace mlir::quantx;
using namespace ::quantx::runtime;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

struct Trainer::Impl {
  TrainOptions options;
  std::unique_ptr<MLIRContext> context;
  /// The model as read, for saving.
  OwningOpRef<ModuleOp> module;
  std::unique_ptr<CompiledModule> compiled;
  std::string trainEntry, predictEntry;
  /// The step with frozen statistics (TrainOptions::freezeStatisticsAfter).
  std::string frozenEntry;
  std::vector<std::string> paramNames, bufferNames;
  /// The parameters, the optimizer state and the model state (batch-norm
  /// statistics), where the last step left them: each step reads them in
  /// place and returns new blocks.
  std::vector<TensorBuffer> params, state, buffers;
  /// Training steps taken so far (for TrainOptions::maxSteps).
  int64_t stepsTaken = 0;
  /// What each optimizer-state argument holds (quantx.state), in order.
  std::vector<OptimizerState> stateKinds;
  /// The step's results that count gradient values (quantx.stat).
  std::vector<std::pair<unsigned, StepStatistic>> statisticResults;
  GradientStatistics epochStatistics;
  /// The static input shape, batch first.
  std::vector<int64_t> inputShape;
  int64_t sampleSize = 0, numClasses = 0;
};

Trainer::Trainer() : impl(std::make_unique<Impl>()) {}
Trainer::~Trainer() = default;

static NpyArray makeF32(const std::vector<int64_t> &shape) {
  NpyArray array;
  array.dtype = DType::F32;
  array.shape = shape;
  array.data.assign(array.getNumElements() * 4, 0);
  return array;
}

static float *f32Data(NpyArray &array) {
  return reinterpret_cast<float *>(array.data.data());
}

/// A uniform double in [0, 1) from two counter-based draws.
static double uniform(uint64_t seed, uint64_t counter) {
  uint64_t high = ::quantx::numerics::counterRandomBits(seed, 2 * counter);
  uint64_t low = ::quantx::numerics::counterRandomBits(seed, 2 * counter + 1);
  return static_cast<double>((high << 21) ^ low) * 0x1.0p-53;
}

/// Fills `array` by the initializer `kind`; fan-in is the product of all
/// dimensions but the last, fan-out the last.
static void initialize(NpyArray &array, Initializer kind, uint64_t seed) {
  int64_t count = array.getNumElements();
  const std::vector<int64_t> &shape = array.shape;
  int64_t fanOut = shape.empty() ? 1 : shape.back();
  int64_t fanIn = shape.size() < 2 ? std::max<int64_t>(fanOut, 1)
                                   : count / std::max<int64_t>(fanOut, 1);
  float *data = f32Data(array);
  switch (kind) {
  case Initializer::zeros:
    std::fill(data, data + count, 0.0f);
    return;
  case Initializer::ones:
    std::fill(data, data + count, 1.0f);
    return;
  case Initializer::he_normal: {
    double stddev = std::sqrt(2.0 / static_cast<double>(fanIn));
    for (int64_t i = 0; i < count; ++i) {
      // Box-Muller.
      double u1 = 1.0 - uniform(seed, 2 * i), u2 = uniform(seed, 2 * i + 1);
      double normal =
          std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
      data[i] = static_cast<float>(stddev * normal);
    }
    return;
  }
  case Initializer::xavier_uniform:
  case Initializer::fan_in_uniform: {
    double limit = kind == Initializer::xavier_uniform
                       ? std::sqrt(6.0 / static_cast<double>(fanIn + fanOut))
                       : 1.0 / std::sqrt(static_cast<double>(fanIn));
    for (int64_t i = 0; i < count; ++i)
      data[i] = static_cast<float>(limit * (2.0 * uniform(seed, i) - 1.0));
    return;
  }
  }
}

llvm::Expected<std::unique_ptr<Trainer>>
Trainer::create(const std::string &path, const TrainOptions &options,
                const RunnerOptions &runnerOptions, bool forTraining) {
  std::unique_ptr<Trainer> trainer(new Trainer());
  Impl &impl = *trainer->impl;
  impl.options = options;
  // The model as read, kept for saving, and a second copy in the context
  // the compiled module takes over; both parsed as a module to run is.
  impl.context = createJitContext();
  std::string text;
  auto parsed = parseModuleFile(path, *impl.context, text);
  if (!parsed)
    return parsed.takeError();
  impl.module = std::move(*parsed);

  // The compiled module: the same text in its own context, through
  // quantx-make-train-step.
  std::unique_ptr<MLIRContext> compileContext = createJitContext();
  auto reparsed = parseModule(text, path, *compileContext);
  if (!reparsed)
    return reparsed.takeError();
  OwningOpRef<ModuleOp> compileModule = std::move(*reparsed);
  auto model = compileModule->lookupSymbol<func::FuncOp>(options.model);
  if (!model || model.isExternal())
    return makeOptionError(Option::Model, "names no function defined in " +
                                              path + ": @" + options.model);
  auto inputType = dyn_cast_or_null<RankedTensorType>(
      model.getFunctionType().getNumInputs() == 1
          ? model.getFunctionType().getInput(0)
          : Type());
  if (!inputType || inputType.getRank() == 0)
    return makeError(path + ": @" + options.model +
                     " must take one tensor [N, ...]");
  if (forTraining)
    if (llvm::Error error = checkLearningRateSchedule(options))
      return std::move(error);
  int64_t modelBatch = inputType.getDimSize(0);
  int64_t batch = options.batchSize;
  if (batch < 0)
    return makeOptionError(Option::BatchSize, "must be positive");
  if (!ShapedType::isDynamic(modelBatch)) {
    if (batch && batch != modelBatch)
      return makeOptionError(Option::BatchSize,
                             "is " + llvm::Twine(batch) +
                                 " but the model's batch size is static (" +
                                 llvm::Twine(modelBatch) +
                                 "): it must equal it, or make the model's "
                                 "batch dimension dynamic");
    batch = modelBatch;
  } else if (!batch) {
    batch = 64;
  }
  trainer->batchSize = batch;

  mlir::quantx::MakeTrainStepPassOptions passOptions;
  passOptions.model = options.model;
  passOptions.optimizer = options.optimizer;
  passOptions.learningRate = options.learningRate;
  passOptions.learningRateArgument = true;
  passOptions.momentum = options.momentum;
  passOptions.beta1 = options.beta1;
  passOptions.beta2 = options.beta2;
  passOptions.epsilon = options.epsilon;
  passOptions.weightDecay = options.weightDecay;
  passOptions.batchSize = batch;
  passOptions.frozenStatisticsStep =
      forTraining && options.freezeStatisticsAfter > 0;
  passOptions.predictOnly = !forTraining;
  {
    PassManager pm(compileContext.get());
    pm.addPass(mlir::quantx::createMakeTrainStepPass(passOptions));
    FirstErrorCollector errors(*compileContext);
    if (failed(pm.run(*compileModule)))
      return makeError("cannot build the training step: " +
                       errors.getMessage(path));
  }
  impl.trainEntry = options.model + "_train_step";
  impl.predictEntry = options.model + "_predict";
  if (passOptions.frozenStatisticsStep)
    impl.frozenEntry = options.model + "_train_step_frozen_statistics";

  // Keep only what is compiled.
  for (auto function :
       llvm::make_early_inc_range(compileModule->getOps<func::FuncOp>()))
    if (function.getSymName() != impl.predictEntry &&
        (!forTraining || (function.getSymName() != impl.trainEntry &&
                          function.getSymName() != impl.frozenEntry)))
      function.erase();
  // Parameters are arguments now; globals the model still loads (constants)
  // stay.
  llvm::StringSet<> loaded;
  compileModule->walk([&](ml_program::GlobalLoadOp load) {
    loaded.insert(load.getGlobal().getLeafReference());
  });
  for (auto global : llvm::make_early_inc_range(
           compileModule->getOps<ml_program::GlobalOp>()))
    if (!loaded.contains(global.getSymName()))
      global.erase();

  auto predict = compileModule->lookupSymbol<func::FuncOp>(impl.predictEntry);
  auto predictType = predict.getFunctionType();
  // (params, model state, x).
  unsigned numGlobals = predictType.getNumInputs() - 1;
  auto staticInput = cast<RankedTensorType>(predictType.getInput(numGlobals));
  auto logits = cast<RankedTensorType>(predictType.getResult(0));
  if (!staticInput.hasStaticShape() || !logits.hasStaticShape())
    return makeError(path + ": the model's input and logits must have static "
                            "shapes apart from the batch dimension");
  impl.inputShape.assign(staticInput.getShape().begin(),
                         staticInput.getShape().end());
  impl.sampleSize = staticInput.getNumElements() / batch;
  impl.numClasses = logits.getDimSize(1);

  // Parameters, then model state, in the order of the generated functions.
  for (unsigned i = 0; i < numGlobals; ++i) {
    auto ref = predict.getArgAttrOfType<FlatSymbolRefAttr>(
        i, QuantxDialect::ParamAttrHelper::getNameStr());
    bool isParam = static_cast<bool>(ref);
    if (!ref)
      ref = predict.getArgAttrOfType<FlatSymbolRefAttr>(
          i, QuantxDialect::ModelStateAttrHelper::getNameStr());
    std::string name = ref.getValue().str();
    const char *what = isParam ? ": parameter @" : ": model state @";
    auto type = cast<RankedTensorType>(predictType.getInput(i));
    if (!type.getElementType().isF32() || !type.hasStaticShape())
      return makeError(path + what + name +
                       " must be a statically shaped f32 tensor");
    auto global = impl.module->lookupSymbol<ml_program::GlobalOp>(name);
    NpyArray array = makeF32(
        std::vector<int64_t>(type.getShape().begin(), type.getShape().end()));
    if (auto value =
            dyn_cast_or_null<DenseElementsAttr>(global.getValueAttr())) {
      auto values = value.getValues<float>();
      std::copy(values.begin(), values.end(), f32Data(array));
    } else if (global.getValueAttr()) {
      return makeError(path + what + name +
                       " has an initial value quantx cannot read (use "
                       "dense<...>)");
    } else if (!forTraining) {
      return makeError(path + what + name +
                       " has no value; train the model and save it first");
    } else {
      // The dialect has verified the initializer's name. Model state starts
      // at zero unless it says otherwise (a running variance: "ones").
      Initializer kind = type.getRank() >= 2 && isParam ? Initializer::he_normal
                                                        : Initializer::zeros;
      if (auto attr = global->getAttrOfType<StringAttr>(
              QuantxDialect::InitAttrHelper::getNameStr()))
        kind = *symbolizeInitializer(attr.getValue());
      uint64_t seed = options.seed * 0x9E3779B97F4A7C15ull + i + 1;
      initialize(array, kind, seed);
    }
    (isParam ? impl.paramNames : impl.bufferNames).push_back(name);
    (isParam ? impl.params : impl.buffers)
        .push_back(TensorBuffer::copyOf(array));
  }
  unsigned numParams = impl.params.size();

  std::vector<std::string> entries = {impl.predictEntry};
  if (forTraining) {
    auto step = compileModule->lookupSymbol<func::FuncOp>(impl.trainEntry);
    auto stepType = step.getFunctionType();
    // (params, state, model state, x, labels, learning rate): the state is
    // what the generated step marks quantx.state.
    for (unsigned i = numParams; i < stepType.getNumInputs(); ++i) {
      auto kind = step.getArgAttrOfType<StringAttr>(
          i, QuantxDialect::StateAttrHelper::getNameStr());
      if (!kind)
        continue;
      // The dialect has verified the name.
      impl.stateKinds.push_back(*symbolizeOptimizerState(kind.getValue()));
      auto type = cast<RankedTensorType>(stepType.getInput(i));
      impl.state.push_back(TensorBuffer::copyOf(makeF32(std::vector<int64_t>(
          type.getShape().begin(), type.getShape().end()))));
    }
    for (unsigned i = 0; i < stepType.getNumResults(); ++i)
      if (auto kind = step.getResultAttrOfType<StringAttr>(
              i, QuantxDialect::StatAttrHelper::getNameStr()))
        impl.statisticResults.push_back(
            {i, *symbolizeStepStatistic(kind.getValue())});
    entries.push_back(impl.trainEntry);
    if (!impl.frozenEntry.empty())
      entries.push_back(impl.frozenEntry);
  }
  auto compiled =
      CompiledModule::compile(std::move(compileContext),
                              std::move(compileModule), entries, runnerOptions);
  if (!compiled)
    return makeError(path + ": " + llvm::toString(compiled.takeError()));
  impl.compiled = std::move(*compiled);
  return trainer;
}

llvm::Error Trainer::checkDataset(const Dataset &dataset,
                                  bool forTraining) const {
  if (dataset.getSampleSize() != impl->sampleSize)
    return makeError("the model takes " + llvm::Twine(impl->sampleSize) +
                     " values per sample, dataset '" + dataset.name + "' has " +
                     llvm::Twine(dataset.getSampleSize()));
  if (dataset.numClasses > impl->numClasses)
    return makeError("the model has " + llvm::Twine(impl->numClasses) +
                     " logits, dataset '" + dataset.name + "' has " +
                     llvm::Twine(dataset.numClasses) + " classes");
  if (forTraining && dataset.train.size() < batchSize)
    return makeError("dataset '" + dataset.name +
                     "' has fewer training "
                     "samples than one batch (" +
                     llvm::Twine(batchSize) + ")");
  if (!forTraining && dataset.test.size() == 0)
    return makeError("dataset '" + dataset.name +
                     "' has no samples to "
                     "evaluate");
  return llvm::Error::success();
}

namespace quantx::runtime {
double getScheduledLearningRate(const TrainOptions &options, int64_t epoch,
                                int64_t batch, int64_t batchesPerEpoch) {
  double lr = options.learningRate;
  if (options.lrSchedule == LearningRateSchedule::Step &&
      options.lrStepEpochs > 0)
    return lr *
           std::pow(options.lrGamma,
                    static_cast<double>((epoch - 1) / options.lrStepEpochs));
  if (options.lrSchedule == LearningRateSchedule::Cosine) {
    // In double: epochs times batches can exceed int64_t.
    double total = static_cast<double>(options.epochs) *
                   static_cast<double>(batchesPerEpoch);
    double step =
        static_cast<double>(epoch - 1) * static_cast<double>(batchesPerEpoch) +
        static_cast<double>(batch);
    if (total <= 0)
      return lr;
    return 0.5 * lr * (1.0 + std::cos(M_PI * std::min(step / total, 1.0)));
  }
  return lr;
}

llvm::Error checkLearningRateSchedule(const TrainOptions &options) {
  // The step computes in f32: 1e-320 would be a rate of 0.
  auto rate = static_cast<float>(options.learningRate);
  if (!(rate > 0) || !std::isfinite(rate)) {
    char text[32];
    std::snprintf(text, sizeof(text), "%g", options.learningRate);
    return makeOptionError(
        Option::LearningRate,
        llvm::Twine("must be positive and finite as an f32, got ") + text);
  }
  if (options.lrSchedule == LearningRateSchedule::Step &&
      options.lrStepEpochs <= 0)
    return makeOptionError(Option::LearningRateStepEpochs,
                           "must be at least 1 with the step schedule");
  if (!(options.lrGamma > 0) || !std::isfinite(options.lrGamma))
    return makeOptionError(Option::LearningRateGamma,
                           "must be positive and finite");
  return llvm::Error::success();
}
} // namespace quantx::runtime

namespace {
/// Sets flush-to-zero and denormals-are-zero for the calling thread while in
/// scope, and restores the previous mode.
class FlushDenormalsScope {
public:
  explicit FlushDenormalsScope(bool enable) : enabled(enable) {
    if (!enabled)
      return;
#if defined(__x86_64__) || defined(__i386__)
    saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040); // FTZ (bit 15) and DAZ (bit 6)
#elif defined(__aarch64__)
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    saved = fpcr;
    fpcr |= uint64_t(1) << 24; // FZ
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
#endif
  }
  ~FlushDenormalsScope() {
    if (!enabled)
      return;
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(static_cast<unsigned>(saved));
#elif defined(__aarch64__)
    __asm__ volatile("msr fpcr, %0" : : "r"(saved));
#endif
  }
  FlushDenormalsScope(const FlushDenormalsScope &) = delete;
  FlushDenormalsScope &operator=(const FlushDenormalsScope &) = delete;

private:
  bool enabled;
  uint64_t saved = 0;
};
} // namespace

llvm::Expected<double> Trainer::trainEpoch(const Split &split, int64_t epoch,
                                           const ProgressCallback &progress) {
  FlushDenormalsScope flush(impl->options.flushDenormals);
  Impl &d = *impl;
  int64_t n = split.size();
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  // Fisher-Yates, reproducible from the seed and the epoch.
  uint64_t seed = d.options.seed * 0xD1B54A32D192ED03ull + epoch;
  for (int64_t i = n - 1; i > 0; --i) {
    uint64_t bits = ::quantx::numerics::counterRandomBits(seed, i);
    int64_t j =
        static_cast<int64_t>((bits * static_cast<uint64_t>(i + 1)) >> 32);
    std::swap(order[i], order[j]);
  }
  int64_t batches = n / batchSize;
  double total = 0;
  NpyArray y;
  y.dtype = DType::I32;
  y.shape = {batchSize};
  y.data.resize(batchSize * 4);
  TensorBuffer xBuffer = TensorBuffer::copyOf(makeF32(d.inputShape));
  TensorBuffer yBuffer = TensorBuffer::copyOf(y);
  TensorBuffer rate = TensorBuffer::copyOf(makeF32({}));
  int64_t run = 0;
  // The loss scaler's state, as an f32 scalar (0 when absent).
  auto stateValue = [&](OptimizerState kind) -> std::optional<float> {
    for (size_t i = 0; i < d.stateKinds.size(); ++i)
      if (d.stateKinds[i] == kind) {
        float value;
        std::memcpy(&value, d.state[i].data, 4);
        return value;
      }
    return std::nullopt;
  };
  GradientStatistics &statistics = d.epochStatistics;
  statistics = GradientStatistics();
  statistics.roundsGradients = !d.statisticResults.empty();
  std::optional<float> skippedBefore =
      stateValue(OptimizerState::skipped_steps);
  for (int64_t b = 0; b < batches; ++b) {
    if (d.options.maxSteps > 0 && d.stepsTaken >= d.options.maxSteps)
      break;
    auto *xs = static_cast<float *>(xBuffer.data);
    auto *ys = static_cast<int32_t *>(yBuffer.data);
    for (int64_t k = 0; k < batchSize; ++k) {
      int64_t sample = order[b * batchSize + k];
      std::memcpy(xs + k * d.sampleSize,
                  split.samples.data() + sample * d.sampleSize,
                  d.sampleSize * sizeof(float));
      ys[k] = split.labels[sample];
    }
    // Parameters and state are passed where the last step put them, and
    // the new ones are taken as the step returns them: nothing is copied.
    std::vector<TensorBuffer> inputs;
    inputs.reserve(d.params.size() + d.state.size() + d.buffers.size() + 3);
    inputs.insert(inputs.end(), d.params.begin(), d.params.end());
    inputs.insert(inputs.end(), d.state.begin(), d.state.end());
    inputs.insert(inputs.end(), d.buffers.begin(), d.buffers.end());
    inputs.push_back(xBuffer);
    inputs.push_back(yBuffer);
    *static_cast<float *>(rate.data) = static_cast<float>(
        getScheduledLearningRate(d.options, epoch, b, batches));
    inputs.push_back(rate);
    bool frozen = d.options.freezeStatisticsAfter > 0 &&
                  epoch > d.options.freezeStatisticsAfter;
    auto outputs =
        d.compiled->callInPlace(frozen ? d.frozenEntry : d.trainEntry, inputs);
    if (!outputs)
      return outputs.takeError();
    for (auto [index, kind] : d.statisticResults) {
      int64_t count;
      std::memcpy(&count, (*outputs)[index].data, 8);
      switch (kind) {
      case StepStatistic::gradient_nonzero:
        statistics.nonzero += count;
        break;
      case StepStatistic::gradient_underflow:
        statistics.underflowed += count;
        break;
      case StepStatistic::gradient_overflow:
        statistics.overflowed += count;
        break;
      }
    }
    float loss;
    std::memcpy(&loss, (*outputs)[0].data, 4);
    if (!std::isfinite(loss))
      return makeError("the loss became " + llvm::Twine(std::to_string(loss)) +
                       " at epoch " + llvm::Twine(epoch) + ", batch " +
                       llvm::Twine(b + 1) +
                       ": the learning rate may be too high, or the data "
                       "not finite");
    total += loss;
    ++run;
    ++d.stepsTaken;
    for (size_t i = 0; i < d.params.size(); ++i)
      d.params[i] = std::move((*outputs)[1 + i]);
    for (size_t i = 0; i < d.state.size(); ++i)
      d.state[i] = std::move((*outputs)[1 + d.params.size() + i]);
    for (size_t i = 0; i < d.buffers.size(); ++i)
      d.buffers[i] =
          std::move((*outputs)[1 + d.params.size() + d.state.size() + i]);
    if (progress)
      progress(epoch, b + 1, batches, total / static_cast<double>(b + 1));
  }
  if (std::optional<float> scale = stateValue(OptimizerState::loss_scale)) {
    statistics.lossScale = *scale;
    // Before the first step the state is 0: the initial scale is in use.
    if (*scale == 0)
      if (auto dynamic = (*d.module)->getAttrOfType<DenseF64ArrayAttr>(
              QuantxDialect::DynamicLossScaleAttrHelper::getNameStr()))
        statistics.lossScale = static_cast<float>(dynamic[0]);
  } else if (auto fixed = (*d.module)->getAttrOfType<FloatAttr>(
                 QuantxDialect::LossScaleAttrHelper::getNameStr()))
    statistics.lossScale = static_cast<float>(fixed.getValueAsDouble());
  if (std::optional<float> skipped = stateValue(OptimizerState::skipped_steps))
    statistics.skippedSteps = static_cast<int64_t>(*skipped - *skippedBefore);
  return run ? total / static_cast<double>(run) : 0.0;
}

llvm::Expected<double> Trainer::evaluate(const Split &split,
                                         std::vector<int32_t> *predictions) {
  FlushDenormalsScope flush(impl->options.flushDenormals);
  Impl &d = *impl;
  int64_t n = split.size();
  if (n == 0)
    return makeError("the evaluation split is empty");
  int64_t correct = 0;
  if (predictions)
    predictions->assign(n, 0);
  TensorBuffer xBuffer = TensorBuffer::copyOf(makeF32(d.inputShape));
  for (int64_t start = 0; start < n; start += batchSize) {
    int64_t rows = std::min(batchSize, n - start);
    auto *xs = static_cast<float *>(xBuffer.data);
    std::fill(xs, xs + xBuffer.getNumElements(), 0.0f);
    std::memcpy(xs, split.samples.data() + start * d.sampleSize,
                rows * d.sampleSize * sizeof(float));
    std::vector<TensorBuffer> inputs = d.params;
    inputs.insert(inputs.end(), d.buffers.begin(), d.buffers.end());
    inputs.push_back(xBuffer);
    auto outputs = d.compiled->callInPlace(d.predictEntry, inputs);
    if (!outputs)
      return outputs.takeError();
    const auto *logits = static_cast<const float *>((*outputs)[0].data);
    for (int64_t r = 0; r < rows; ++r) {
      const float *row = logits + r * d.numClasses;
      int64_t best = std::max_element(row, row + d.numClasses) - row;
      correct += best == split.labels[start + r];
      if (predictions)
        (*predictions)[start + r] = static_cast<int32_t>(best);
    }
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

int64_t Trainer::getModelBytes() const {
  return ::quantx::runtime::getModelBytes(*impl->module);
}

llvm::Error Trainer::save(const std::string &path) {
  Impl &d = *impl;
  auto setValues = [&](const std::vector<std::string> &names,
                       const std::vector<TensorBuffer> &buffers) {
    for (size_t i = 0; i < buffers.size(); ++i) {
      auto global = d.module->lookupSymbol<ml_program::GlobalOp>(names[i]);
      auto type = cast<RankedTensorType>(global.getType());
      const auto *values = static_cast<const float *>(buffers[i].data);
      global.setValueAttr(DenseElementsAttr::get(
          type, llvm::ArrayRef<float>(values, buffers[i].getNumElements())));
    }
  };
  setValues(d.paramNames, d.params);
  setValues(d.bufferNames, d.buffers);
  std::error_code code;
  llvm::raw_fd_ostream os(path, code, llvm::sys::fs::OF_Text);
  if (code)
    return makeError(path + ": cannot write: " + code.message());
  d.module->print(os);
  // Buffered text reaches the file at close: a failure there (a full
  // disk) is an error too, not a fatal one in the stream's destructor.
  os.close();
  if (std::error_code failed = os.error()) {
    os.clear_error();
    return makeError(path + ": cannot write: " + failed.message());
  }
  return llvm::Error::success();
}

static std::vector<std::string>
describeGlobals(const std::vector<std::string> &names,
                const std::vector<TensorBuffer> &buffers) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < buffers.size(); ++i)
    lines.push_back("@" + names[i] + " " + formatShape(buffers[i].shape));
  return lines;
}

int64_t Trainer::getStepsTaken() const { return impl->stepsTaken; }

const GradientStatistics &Trainer::getEpochGradientStatistics() const {
  return impl->epochStatistics;
}

std::vector<std::string> Trainer::describeParameters() const {
  return describeGlobals(impl->paramNames, impl->params);
}

std::vector<std::string> Trainer::describeModelState() const {
  return describeGlobals(impl->bufferNames, impl->buffers);
}
