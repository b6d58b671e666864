//===- Calibrator.cpp - post-training calibration from data ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The steps, on the parsed model:
//   1. quantx-fold-batch-norm, then every tensor the model computes from
//      globals alone (the folded weights and shifts) is evaluated once by
//      the JIT and becomes a global with the values: the weights are
//      calibrated as they are used;
//   2. quantx-insert-fake-quant with `ste` quantizers marks the
//      quantization points (the weight and the activation operand of every
//      contraction, the first and last layer's widths, the weights' channel
//      axis);
//   3. a clone of the model with every quantizer bypassed returns each
//      activation quantizer's input; it runs on the calibration samples and
//      the values are kept (evenly subsampled beyond kMaxValuesPerTensor);
//   4. each quantizer becomes a `quantx.fake_quant` to the format chosen
//      from its values (Numerics/Calibration.h), and what computed the
//      run-time scales (observers and their state) goes.
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Calibrator.h"

#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/Dialect/Quantx/Transforms/Cleanup.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Numerics/Calibration.h"
#include "quantx/Numerics/Random.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::quantx;
namespace numerics = ::quantx::numerics;

namespace quantx::runtime {

namespace {

/// Values of one activation kept for calibration; beyond this many the
/// values are evenly subsampled (min and max still see every value).
constexpr int64_t kMaxValuesPerTensor = int64_t(1) << 24;

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string printType(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  type.print(os);
  return text;
}

/// Removes `ml_program.global_store @g = (global_load @g)`: a store of the
/// value the global already holds (what a folded batch norm leaves of its
/// running statistics), when nothing else stores to @g in the function.
void eraseNoOpStores(func::FuncOp function) {
  llvm::StringMap<int> stores;
  function.walk([&](ml_program::GlobalStoreOp store) {
    ++stores[store.getGlobal().getLeafReference()];
  });
  SmallVector<ml_program::GlobalStoreOp> noOps;
  function.walk([&](ml_program::GlobalStoreOp store) {
    auto load = store.getValue().getDefiningOp<ml_program::GlobalLoadOp>();
    if (load && load.getGlobal() == store.getGlobal() &&
        stores[store.getGlobal().getLeafReference()] == 1)
      noOps.push_back(store);
  });
  for (ml_program::GlobalStoreOp store : noOps)
    store.erase();
}

/// Step 1: every tensor `function` computes from globals with values and
/// constants alone, and uses in the rest of the model, is evaluated by the
/// JIT and becomes a global holding the values (named after the largest
/// global it reads, `_folded`). Globals the function stores to are not
/// constants.
llvm::Error foldParameterComputations(ModuleOp module, func::FuncOp function,
                                      const RunnerOptions &runnerOptions) {
  if (!function.getBody().hasOneBlock())
    return llvm::Error::success();
  Block &body = function.getBody().front();
  llvm::StringSet<> stored;
  function.walk([&](ml_program::GlobalStoreOp store) {
    auto load = store.getValue().getDefiningOp<ml_program::GlobalLoadOp>();
    if (!load || load.getGlobal() != store.getGlobal())
      stored.insert(store.getGlobal().getLeafReference());
  });
  llvm::DenseSet<Operation *> constant;
  // Whether the op's value depends on a global (else it is a constant or an
  // empty tensor, not worth a global).
  llvm::DenseSet<Operation *> readsGlobal;
  auto isConstantValue = [&](Value v) {
    Operation *def = v.getDefiningOp();
    return def && constant.contains(def);
  };
  for (Operation &op : body) {
    if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
      ml_program::GlobalOp global = getLoadedGlobal(load.getResult());
      if (global && global.getValue() &&
          !stored.contains(global.getSymName())) {
        constant.insert(&op);
        readsGlobal.insert(&op);
      }
      continue;
    }
    if (op.getNumResults() == 0 || !isMemoryEffectFree(&op))
      continue;
    bool allConstant = llvm::all_of(op.getOperands(), isConstantValue);
    llvm::SetVector<Value> above;
    getUsedValuesDefinedAbove(op.getRegions(), above);
    allConstant &= llvm::all_of(above, isConstantValue);
    if (!allConstant)
      continue;
    constant.insert(&op);
    auto readsAGlobal = [&](Value v) {
      return readsGlobal.contains(v.getDefiningOp());
    };
    if (llvm::any_of(op.getOperands(), readsAGlobal) ||
        llvm::any_of(above, readsAGlobal))
      readsGlobal.insert(&op);
  }
  // The frontier: computed (not loaded) values used outside the constants.
  SmallVector<Value> frontier;
  for (Operation &op : body) {
    if (!readsGlobal.contains(&op) || isa<ml_program::GlobalLoadOp>(op))
      continue;
    for (Value result : op.getResults()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type || !type.hasStaticShape() || !type.getElementType().isF32())
        continue;
      if (llvm::any_of(result.getUsers(), [&](Operation *user) {
            Operation *top = body.findAncestorOpInBlock(*user);
            return !top || !constant.contains(top);
          }))
        frontier.push_back(result);
    }
  }
  if (frontier.empty())
    return llvm::Error::success();

  // A module of the globals and one function computing the frontier.
  OwningOpRef<ModuleOp> evaluation = cast<ModuleOp>(module->clone());
  for (auto other :
       llvm::make_early_inc_range(evaluation->getOps<func::FuncOp>()))
    other.erase();
  OpBuilder b(module.getContext());
  b.setInsertionPointToEnd(evaluation->getBody());
  Location loc = function.getLoc();
  SmallVector<Type> types;
  for (Value v : frontier)
    types.push_back(v.getType());
  auto fold = func::FuncOp::create(b, loc, "__quantx_fold",
                                   b.getFunctionType({}, types));
  Block *entry = fold.addEntryBlock();
  b.setInsertionPointToEnd(entry);
  IRMapping mapping;
  for (Operation &op : body)
    if (constant.contains(&op))
      b.clone(op, mapping);
  SmallVector<Value> returned;
  for (Value v : frontier)
    returned.push_back(mapping.lookup(v));
  func::ReturnOp::create(b, loc, returned);
  std::string text;
  llvm::raw_string_ostream os(text);
  evaluation->print(os);
  auto compiled =
      CompiledModule::compileSource(text, {"__quantx_fold"}, runnerOptions);
  if (!compiled)
    return makeError("cannot evaluate the folded parameters: " +
                     llvm::toString(compiled.takeError()));
  auto values = (*compiled)->call("__quantx_fold", {});
  if (!values)
    return values.takeError();

  SymbolTable symbols(module);
  for (auto [k, v] : llvm::enumerate(frontier)) {
    // Named after the largest global it is computed from.
    std::string name = "folded";
    int64_t largest = -1;
    SetVector<Operation *> slice;
    BackwardSliceOptions sliceOptions;
    sliceOptions.omitUsesFromAbove = false;
    (void)getBackwardSlice(v, &slice, sliceOptions);
    for (Operation *op : slice)
      if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
        auto type = cast<ShapedType>(load.getType());
        if (type.getNumElements() > largest) {
          largest = type.getNumElements();
          name = (load.getGlobal().getLeafReference().str() + "_folded");
        }
      }
    const NpyArray &array = (*values)[k];
    auto type = cast<RankedTensorType>(v.getType());
    ArrayRef<float> data(reinterpret_cast<const float *>(array.data.data()),
                         array.getNumElements());
    b.setInsertionPoint(function);
    auto global = ml_program::GlobalOp::create(
        b, loc, b.getStringAttr(name), TypeAttr::get(type), b.getUnitAttr(),
        DenseElementsAttr::get(type, data), b.getStringAttr("private"));
    symbols.insert(global);
    b.setInsertionPointAfterValue(v);
    Value load = ml_program::GlobalLoadOp::create(
        b, loc, type, FlatSymbolRefAttr::get(global));
    v.replaceUsesWithIf(load, [&](OpOperand &use) {
      Operation *top = body.findAncestorOpInBlock(*use.getOwner());
      return !top || !constant.contains(top);
    });
  }
  eraseNoOpStores(function);
  eraseDeadOps(function);
  return llvm::Error::success();
}

/// A quantization point found after quantx-insert-fake-quant.
struct Quantizer {
  ScaledFakeQuantOp op;
  bool isWeight = false;
  /// 1-based index of its layer among the quantized contractions.
  int64_t layer = 0;
  std::string layerName;
  bool isEdge = false;
};

std::vector<Quantizer> findQuantizers(func::FuncOp function) {
  std::vector<Quantizer> quantizers;
  int64_t layer = 0;
  function.walk([&](linalg::LinalgOp op) {
    bool quantized = false;
    for (OpOperand *input : op.getDpsInputOperands()) {
      auto q = input->get().getDefiningOp<ScaledFakeQuantOp>();
      if (!q)
        continue;
      if (!quantized)
        ++layer;
      quantized = true;
      Quantizer quantizer;
      quantizer.op = q;
      ml_program::GlobalOp global = getLoadedGlobal(q.getInput());
      quantizer.isWeight = global && global.getIsMutable();
      quantizer.layer = layer;
      quantizer.layerName = op->getName().getStringRef().str();
      quantizers.push_back(quantizer);
    }
  });
  for (Quantizer &q : quantizers)
    q.isEdge = q.layer == 1 || q.layer == layer;
  return quantizers;
}

/// The values of one activation over the calibration samples.
struct Observed {
  std::vector<float> values;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int64_t stride = 0;
  int64_t seen = 0;

  void add(const float *data, int64_t count) {
    for (int64_t i = 0; i < count; ++i, ++seen) {
      float v = data[i];
      if (std::isfinite(v)) {
        min = std::min<double>(min, v);
        max = std::max<double>(max, v);
      }
      if (seen % stride == 0)
        values.push_back(v);
    }
  }
};

/// Step 3: runs the model with every quantizer bypassed on the calibration
/// samples and returns what each activation quantizer saw.
llvm::Expected<std::vector<Observed>>
observeActivations(ModuleOp module, func::FuncOp function,
                   ArrayRef<Quantizer *> activations, const Dataset &dataset,
                   const CalibrationOptions &options,
                   const RunnerOptions &runnerOptions, int64_t &samplesRun) {
  MLIRContext *context = module.getContext();
  for (auto [i, q] : llvm::enumerate(activations))
    q->op->setAttr("quantx.calibration_tap",
                   IntegerAttr::get(IntegerType::get(context, 64), i));
  OwningOpRef<ModuleOp> taps = cast<ModuleOp>(module->clone());
  for (Quantizer *q : activations)
    q->op->removeAttr("quantx.calibration_tap");
  auto tapFunction = taps->lookupSymbol<func::FuncOp>(function.getSymName());
  for (auto other : llvm::make_early_inc_range(taps->getOps<func::FuncOp>()))
    if (other != tapFunction)
      other.erase();
  SmallVector<Value> tapped(activations.size());
  SmallVector<ScaledFakeQuantOp> bypassed;
  tapFunction.walk([&](ScaledFakeQuantOp op) {
    if (auto index = op->getAttrOfType<IntegerAttr>("quantx.calibration_tap"))
      tapped[index.getInt()] = op.getInput();
    bypassed.push_back(op);
  });
  for (ScaledFakeQuantOp op : bypassed) {
    op.getResult().replaceAllUsesWith(op.getInput());
    op.erase();
  }
  tapFunction.walk([](ml_program::GlobalStoreOp store) { store.erase(); });
  SmallVector<Type> types;
  for (Value v : tapped)
    types.push_back(v.getType());
  auto terminator =
      cast<func::ReturnOp>(tapFunction.getBody().back().getTerminator());
  OpBuilder b(terminator);
  func::ReturnOp::create(b, terminator.getLoc(), tapped);
  terminator.erase();
  tapFunction.setFunctionType(
      b.getFunctionType(tapFunction.getArgumentTypes(), types));
  tapFunction.setSymName("__quantx_calibration_taps");
  eraseDeadOps(tapFunction);
  {
    PassManager pm(context);
    pm.addPass(createSymbolDCEPass());
    tapFunction.setPublic();
    if (failed(pm.run(*taps)))
      return makeError("cannot prune the calibration model");
  }
  std::string text;
  llvm::raw_string_ostream os(text);
  taps->print(os);
  auto compiled = CompiledModule::compileSource(
      text, {"__quantx_calibration_taps"}, runnerOptions);
  if (!compiled)
    return makeError("cannot compile the calibration model: " +
                     llvm::toString(compiled.takeError()));

  auto inputType = cast<RankedTensorType>(function.getArgumentTypes()[0]);
  int64_t batch =
      inputType.isDynamicDim(0) ? options.batchSize : inputType.getDimSize(0);
  std::vector<int64_t> shape(inputType.getShape().begin(),
                             inputType.getShape().end());
  shape[0] = batch;
  int64_t sampleSize = dataset.getSampleSize();
  // Seeded draw without replacement (a partial Fisher-Yates); with a
  // static batch size the count rounds up to whole batches.
  int64_t trainSize = dataset.train.size();
  int64_t count = std::min(options.samples, trainSize);
  if (!inputType.isDynamicDim(0)) {
    // Whole batches: rounded up, but not beyond the whole batches the
    // training split holds.
    if (trainSize < batch)
      return makeError("dataset '" + dataset.name +
                       "' has fewer training "
                       "samples (" +
                       llvm::Twine(trainSize) + ") than the model's batch (" +
                       llvm::Twine(batch) + ")");
    count = std::min(trainSize / batch * batch,
                     (count + batch - 1) / batch * batch);
  }
  std::vector<int64_t> order(trainSize);
  for (int64_t i = 0; i < trainSize; ++i)
    order[i] = i;
  uint64_t seed = options.seed * 0x9E3779B97F4A7C15ull + 0xCA11B8A7Eull;
  for (int64_t i = 0; i < count; ++i) {
    uint64_t bits = numerics::counterRandomBits(seed, i);
    int64_t j = i + static_cast<int64_t>(bits % uint64_t(trainSize - i));
    std::swap(order[i], order[j]);
  }

  std::vector<Observed> observed(activations.size());
  for (int64_t start = 0; start < count; start += batch) {
    int64_t rows = std::min(batch, count - start);
    NpyArray input;
    input.dtype = DType::F32;
    input.shape = shape;
    input.shape[0] = rows;
    input.data.resize(rows * sampleSize * sizeof(float));
    for (int64_t r = 0; r < rows; ++r)
      std::memcpy(input.data.data() + r * sampleSize * sizeof(float),
                  dataset.train.samples.data() + order[start + r] * sampleSize,
                  sampleSize * sizeof(float));
    auto results = (*compiled)->call("__quantx_calibration_taps", {input});
    if (!results)
      return results.takeError();
    for (auto [i, array] : llvm::enumerate(*results)) {
      int64_t n = array.getNumElements();
      if (observed[i].stride == 0) {
        double total = double(n) / rows * count;
        observed[i].stride =
            std::max<int64_t>(1, static_cast<int64_t>(std::ceil(
                                     total / double(kMaxValuesPerTensor))));
      }
      observed[i].add(reinterpret_cast<const float *>(array.data.data()), n);
    }
  }
  samplesRun = count;
  return observed;
}

/// The affine format `storage` on [lo, hi] (widened to include 0), as
/// PyTorch's MinMaxObserver computes it (the zero point rounded half to
/// even, as torch.round).
Type getAffineFormat(FixedType storage, double lo, double hi) {
  int64_t qmin = storage.getStorageMin(), qmax = storage.getStorageMax();
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  double scale = (hi - lo) / double(qmax - qmin);
  int64_t zeroPoint = std::clamp<int64_t>(
      qmin - static_cast<int64_t>(std::nearbyint(lo / scale)), qmin, qmax);
  return FixedType::get(storage.getContext(), storage.getWidth(),
                        storage.getIsSigned(), qmin, qmax,
                        storage.getExpressedType(), -1, ArrayRef<double>{scale},
                        ArrayRef<int64_t>{zeroPoint});
}

/// The zero-point-free format for values in [lo, hi]: unsigned when none is
/// negative, else a signed narrow grid.
Type getSymmetricFormat(FixedType storage, unsigned bits, double lo,
                        double hi) {
  MLIRContext *context = storage.getContext();
  if (lo >= 0) {
    int64_t qmax = (int64_t(1) << bits) - 1;
    return FixedType::get(
        context, bits, false, 0, qmax, storage.getExpressedType(), -1,
        ArrayRef<double>{hi / double(qmax)}, ArrayRef<int64_t>{0});
  }
  int64_t qmax = (int64_t(1) << (bits - 1)) - 1;
  double magnitude = std::max(-lo, hi);
  return FixedType::get(
      context, bits, true, -qmax, qmax, storage.getExpressedType(), -1,
      ArrayRef<double>{magnitude / double(qmax)}, ArrayRef<int64_t>{0});
}

/// Parses a float format (parseFloatFormatOption); without an `overflow` option
/// the format saturates (a calibrated range is a clip).
FailureOr<numerics::FloatFormat>
parseFloatBody(MLIRContext *context, StringRef body, std::string &error) {
  FloatFormatType format = parseFloatFormatOption(context, body, error);
  if (!format)
    return failure();
  numerics::FloatFormat result = format.getFormat();
  if (!body.contains("overflow"))
    result.overflow = numerics::OverflowMode::Saturate;
  return result;
}

} // namespace

llvm::StringRef getBiasMethodName(BiasMethod method) {
  switch (method) {
  case BiasMethod::Fixed:
    return "fixed";
  case BiasMethod::Max:
    return "max";
  case BiasMethod::Sqnr:
    return "sqnr";
  }
  return "";
}

std::optional<std::string>
verifyCalibrationOptions(const CalibrationOptions &options) {
  if (options.samples <= 0)
    return "--samples must be at least 1, got " +
           std::to_string(options.samples);
  if (options.batchSize <= 0)
    return "--batch-size must be at least 1, got " +
           std::to_string(options.batchSize);
  auto checkBits = [](const char *flag,
                      int64_t bits) -> std::optional<std::string> {
    if (bits < 2 || bits > 16)
      return std::string(flag) + " must be in 2..16, got " +
             std::to_string(bits);
    return std::nullopt;
  };
  if (auto why = checkBits("--weight-bits", options.weightBits))
    return why;
  if (auto why = checkBits("--activation-bits", options.activationBits))
    return why;
  if (options.firstLastBits != 0)
    if (auto why = checkBits("--first-last-bits", options.firstLastBits))
      return why;
  if (options.method == CalibrationMethod::Percentile)
    if (auto why = numerics::verifyPercentile(options.percentile))
      return "--percentile: " + *why;
  if (options.histogramBins < 1)
    return "--bins must be at least 1";
  return std::nullopt;
}

llvm::Expected<CalibrationReport>
calibrateModel(const std::string &path, const Dataset &dataset,
               const CalibrationOptions &options,
               const RunnerOptions &runnerOptions,
               const std::string &outputPath) {
  if (auto why = verifyCalibrationOptions(options))
    return makeError(*why);
  std::unique_ptr<MLIRContext> context = createJitContext();
  std::string text;
  auto parsed = parseModuleFile(path, *context, text);
  if (!parsed)
    return parsed.takeError();
  OwningOpRef<ModuleOp> module = std::move(*parsed);
  CalibrationReport report;

  std::optional<numerics::FloatFormat> weightFloat, activationFloat;
  std::string error;
  if (!options.weightFormat.empty()) {
    auto format = parseFloatBody(context.get(), options.weightFormat, error);
    if (failed(format))
      return makeError("--weight-format: " + error);
    weightFloat = *format;
  }
  if (!options.activationFormat.empty()) {
    auto format =
        parseFloatBody(context.get(), options.activationFormat, error);
    if (failed(format))
      return makeError("--activation-format: " + error);
    activationFloat = *format;
  }

  auto function = module->lookupSymbol<func::FuncOp>(options.model);
  if (!function || function.isExternal())
    return makeError(path + ": no function @" + options.model +
                     " is defined (--model)");
  if (function.getNumArguments() != 1)
    return makeError(path + ": @" + options.model +
                     " must take one argument, the batch of samples; it "
                     "takes " +
                     llvm::Twine(function.getNumArguments()));
  auto inputType = dyn_cast<RankedTensorType>(function.getArgumentTypes()[0]);
  if (!inputType || inputType.getRank() < 1 ||
      !inputType.getElementType().isF32() ||
      llvm::any_of(inputType.getShape().drop_front(), ShapedType::isDynamic))
    return makeError(path + ": @" + options.model +
                     "'s argument must be an f32 tensor with static "
                     "dimensions after the batch's, got " +
                     printType(function.getArgumentTypes()[0]));
  int64_t modelSampleSize = 1;
  for (int64_t size : inputType.getShape().drop_front())
    modelSampleSize *= size;
  Operation *quantized = nullptr;
  function.walk([&](Operation *op) {
    if (isa<FakeQuantOp, ScaledFakeQuantOp, QuantizeOp, DequantizeOp>(op) &&
        !quantized)
      quantized = op;
  });
  if (quantized)
    return makeError(
        path + ": @" + options.model + " is already quantized (it has " +
        quantized->getName().getStringRef() + "): calibrate the float model");
  if (modelSampleSize != dataset.getSampleSize())
    return makeError("the model takes " + llvm::Twine(modelSampleSize) +
                     " values per sample, dataset '" + dataset.name + "' has " +
                     llvm::Twine(dataset.getSampleSize()));
  if (dataset.train.size() == 0)
    return makeError("dataset '" + dataset.name +
                     "' has no training samples to calibrate on");
  for (auto global : module->getOps<ml_program::GlobalOp>())
    if (!global.getValue())
      return makeError(path + ": global @" + global.getSymName() +
                       " has no value; train the model and save it first");

  FirstErrorCollector errors(*context);
  // Step 1: batch norms into the weights, evaluated.
  {
    PassManager pm(context.get());
    pm.addPass(createFoldBatchNormPass());
    if (failed(pm.run(*module)))
      return makeError("cannot fold the batch norms: " +
                       errors.getMessage(path));
  }
  if (llvm::Error error =
          foldParameterComputations(*module, function, runnerOptions))
    return std::move(error);

  // Step 2: the quantization points.
  {
    InsertFakeQuantPassOptions passOptions;
    passOptions.weights = "ste";
    passOptions.activations = "ste";
    passOptions.weightBits = options.weightBits;
    passOptions.activationBits = options.activationBits;
    passOptions.perChannel = options.perChannel && !weightFloat;
    passOptions.firstLastBits = options.firstLastBits;
    PassManager pm(context.get());
    pm.addPass(createInsertFakeQuantPass(passOptions));
    if (failed(pm.run(*module)))
      return makeError("cannot find what to quantize: " +
                       errors.getMessage(path));
  }
  std::vector<Quantizer> quantizers = findQuantizers(function);
  SmallVector<Quantizer *> activations;
  for (Quantizer &q : quantizers)
    if (!q.isWeight)
      activations.push_back(&q);

  // Step 3: the activations' values.
  auto observed = observeActivations(*module, function, activations, dataset,
                                     options, runnerOptions, report.samples);
  if (!observed)
    return observed.takeError();

  // Step 4: the formats.
  auto warn = [&](const std::string &message) {
    report.warnings.push_back(message);
  };
  // A float format with a bias per method; the chosen one.
  auto chooseFloat = [&](const numerics::FloatFormat &base,
                         const std::vector<float> &values, double maxMagnitude,
                         CalibratedTensor &tensor) {
    auto sqnrOf = [&](int32_t bias) {
      std::optional<numerics::FloatFormat> f = numerics::withBias(base, bias);
      return f ? numerics::computeSqnr(*f, values.data(),
                                       static_cast<int64_t>(values.size()))
               : -std::numeric_limits<double>::infinity();
    };
    int32_t maxBias = numerics::chooseMaxBias(base, maxMagnitude);
    numerics::BiasChoice best = numerics::chooseSqnrBias(
        base, values.data(), static_cast<int64_t>(values.size()));
    tensor.biases = {{BiasMethod::Fixed, base.bias, sqnrOf(base.bias)},
                     {BiasMethod::Max, maxBias, sqnrOf(maxBias)},
                     {BiasMethod::Sqnr, best.bias, sqnrOf(best.bias)}};
    int32_t bias = options.biasMethod == BiasMethod::Fixed ? base.bias
                   : options.biasMethod == BiasMethod::Max ? maxBias
                                                           : best.bias;
    if (!base.isSigned) {
      int64_t negative = llvm::count_if(values, [](float v) { return v < 0; });
      if (negative > 0)
        warn(tensor.name + ": " + std::to_string(negative) + " of " +
             std::to_string(values.size()) +
             " values are negative; the unsigned format makes them 0");
    }
    return *numerics::withBias(base, bias);
  };
  // Values the chosen clip saturates, beyond 1%: said, since a clip that
  // removes more than outliers (entropy on a few discrete levels) is seldom
  // what the user wants.
  auto warnSaturation = [&](const CalibratedTensor &tensor,
                            const std::vector<float> &values, double lo,
                            double hi) {
    int64_t finite = 0, saturated = 0;
    for (float v : values)
      if (std::isfinite(v)) {
        ++finite;
        saturated += v < lo || v > hi;
      }
    if (finite > 0 && saturated * 100 > finite) {
      char line[200];
      std::snprintf(line, sizeof(line),
                    ": the clip [%.6g, %.6g] saturates %.1f%% of the values",
                    lo, hi, 100.0 * double(saturated) / double(finite));
      warn(tensor.name + line);
    }
  };

  size_t activationIndex = 0;
  for (Quantizer &q : quantizers) {
    CalibratedTensor tensor;
    tensor.isWeight = q.isWeight;
    auto dynamicFormat = cast<FixedType>(q.op.getFormat());
    bool floatFormat =
        (q.isWeight ? weightFloat : activationFloat).has_value() &&
        !(q.isEdge && options.firstLastBits > 0);
    Type format;
    if (q.isWeight) {
      ml_program::GlobalOp global = getLoadedGlobal(q.op.getInput());
      tensor.name = "@" + global.getSymName().str();
      std::optional<std::vector<double>> values =
          getConstantFloatValues(q.op.getInput());
      if (!values)
        return makeError(tensor.name + ": the weights' value is no float "
                                       "constant");
      std::vector<float> w(values->begin(), values->end());
      auto type = cast<RankedTensorType>(q.op.getInput().getType());
      double maxAbs = 0;
      int64_t notFinite = 0;
      for (float v : w) {
        if (std::isfinite(v))
          maxAbs = std::max<double>(maxAbs, std::fabs(v));
        else
          ++notFinite;
      }
      if (notFinite > 0)
        warn(tensor.name + ": " + std::to_string(notFinite) + " of " +
             std::to_string(w.size()) +
             " weights are not finite; the scale ignores them");
      if (maxAbs == 0)
        warn(tensor.name + ": no finite weight is non-zero (a scale of 1 is "
                           "used)");
      if (floatFormat) {
        format = FloatFormatType::get(
            context.get(), chooseFloat(*weightFloat, w, maxAbs, tensor));
      } else {
        int64_t qmax = dynamicFormat.getStorageMax();
        std::optional<int64_t> axis = q.op.getAxis();
        int64_t channels = axis ? type.getDimSize(*axis) : 1;
        int64_t inner = 1;
        if (axis)
          for (int64_t d = *axis + 1; d < type.getRank(); ++d)
            inner *= type.getDimSize(d);
        std::vector<double> maxima(channels, 0.0);
        for (int64_t i = 0; i < static_cast<int64_t>(w.size()); ++i)
          if (std::isfinite(w[i])) {
            int64_t c = axis ? (i / inner) % channels : 0;
            maxima[c] = std::max<double>(maxima[c], std::fabs(w[i]));
          }
        SmallVector<double> scales;
        for (double m : maxima)
          scales.push_back(m > 0 ? m / double(qmax) : 1.0);
        format = FixedType::get(
            context.get(), dynamicFormat.getWidth(),
            dynamicFormat.getIsSigned(), dynamicFormat.getStorageMin(), qmax,
            dynamicFormat.getExpressedType(), axis ? int32_t(*axis) : -1,
            scales, SmallVector<int64_t>(scales.size(), 0));
      }
    } else {
      const Observed &seen = (*observed)[activationIndex++];
      tensor.name = "layer " + std::to_string(q.layer) + " input";
      double lo = seen.min, hi = seen.max;
      tensor.observedMin = lo <= hi ? lo : std::nan("");
      tensor.observedMax = lo <= hi ? hi : std::nan("");
      if (!(lo <= hi)) {
        warn(tensor.name + ": no finite value was observed (the range [0, 1] "
                           "is used)");
        lo = 0;
        hi = 1;
      } else if (std::max(hi, 0.0) - std::min(lo, 0.0) == 0) {
        warn(tensor.name + ": every observed value is 0 (the range [0, 1] "
                           "is used)");
        hi = 1;
      }
      double maxAbs = std::max(std::fabs(lo), std::fabs(hi));
      if (floatFormat) {
        format = FloatFormatType::get(
            context.get(),
            chooseFloat(*activationFloat, seen.values, maxAbs, tensor));
      } else {
        unsigned bits = dynamicFormat.getWidth();
        double clip = maxAbs;
        if (options.method != CalibrationMethod::MinMax) {
          numerics::Histogram histogram(options.histogramBins, maxAbs);
          if (options.method == CalibrationMethod::Entropy) {
            // Zeros (a ReLU's output, half of it or more) are exact on every
            // grid; in the histogram, their spike in the first bin, spread
            // over its level's bins by Q, would dominate the divergence and
            // drive the threshold down.
            std::vector<float> nonZero;
            nonZero.reserve(seen.values.size());
            for (float v : seen.values)
              if (v != 0)
                nonZero.push_back(v);
            histogram.add(nonZero);
          } else {
            histogram.add(seen.values);
          }
          bool nonNegative = lo >= 0;
          switch (options.method) {
          case CalibrationMethod::Percentile:
            clip =
                numerics::choosePercentileClip(histogram, options.percentile);
            break;
          case CalibrationMethod::Entropy:
            clip = numerics::chooseEntropyClip(
                histogram, int64_t(1) << (nonNegative ? bits : bits - 1));
            break;
          case CalibrationMethod::Mse:
            clip = numerics::chooseMseClip(histogram,
                                           nonNegative ? bits + 1 : bits);
            break;
          case CalibrationMethod::MinMax:
            break;
          }
        }
        double clipLo = lo < 0 ? std::max(lo, -clip) : lo;
        double clipHi = hi > 0 ? std::min(hi, clip) : hi;
        clipLo = std::min(clipLo, clipHi);
        if (std::max(clipHi, 0.0) - std::min(clipLo, 0.0) <= 0) {
          clipLo = lo;
          clipHi = hi;
        }
        if (options.method != CalibrationMethod::MinMax)
          warnSaturation(tensor, seen.values, clipLo, clipHi);
        tensor.clipMin = clipLo;
        tensor.clipMax = clipHi;
        format = options.symmetric
                     ? getSymmetricFormat(dynamicFormat, bits, clipLo, clipHi)
                     : getAffineFormat(dynamicFormat, clipLo, clipHi);
      }
    }
    tensor.format = printType(format);
    tensor.summary = tensor.format;
    if (auto fixed = dyn_cast<FixedType>(format);
        fixed && fixed.getScales().size() > 1) {
      auto [lo, hi] = std::minmax_element(fixed.getScales().begin(),
                                          fixed.getScales().end());
      char line[200];
      std::snprintf(line, sizeof(line),
                    "%s%u per channel (axis %d): %zu scales in [%.6g, %.6g]",
                    fixed.getIsSigned() ? "i" : "u", fixed.getWidth(),
                    fixed.getQuantizedDimension(), fixed.getScales().size(),
                    *lo, *hi);
      tensor.summary = line;
    }
    report.tensors.push_back(tensor);

    OpBuilder b(q.op);
    Value replacement =
        FakeQuantOp::create(
            b, q.op.getLoc(), q.op.getType(), q.op.getInput(), /*step=*/Value(),
            TypeAttr::get(format),
            RoundingModeAttr::get(context.get(), RoundingMode::nearest_even),
            IntegerAttr(),
            ArithmeticAttr::get(context.get(), Arithmetic::exact))
            .getResult();
    // The state the run-time scale kept (observers) goes with it.
    SetVector<Operation *> slice;
    BackwardSliceOptions sliceOptions;
    sliceOptions.omitUsesFromAbove = false;
    for (Value operand : q.op->getOperands().drop_front())
      (void)getBackwardSlice(operand, &slice, sliceOptions);
    q.op.getResult().replaceAllUsesWith(replacement);
    q.op.erase();
    llvm::StringSet<> state;
    auto *dialect = context->getLoadedDialect<QuantxDialect>();
    for (Operation *op : slice)
      if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
        ml_program::GlobalOp global = getLoadedGlobal(load.getResult());
        if (global && dialect->getBufferAttrHelper().isAttrPresent(global))
          state.insert(global.getSymName());
      }
    SmallVector<ml_program::GlobalStoreOp> stores;
    function.walk([&](ml_program::GlobalStoreOp store) {
      if (state.contains(store.getGlobal().getLeafReference()))
        stores.push_back(store);
    });
    for (ml_program::GlobalStoreOp store : stores)
      store.erase();
  }
  eraseDeadOps(function);
  // Globals nothing reads any more (observed ranges, the batch norms'
  // folded statistics) go.
  eraseUnusedGlobals(
      *module, [](ml_program::GlobalOp global) { return global.isPrivate(); });
  if (failed(verify(*module)))
    return makeError("the calibrated model does not verify: " +
                     errors.getMessage(path));

  std::string outputError;
  auto output = openOutputFile(outputPath, &outputError);
  if (!output)
    return makeError(outputError);
  output->os() << "// Calibrated by quantx-runner calibrate on "
               << report.samples << " samples of " << dataset.name << ".\n";
  module->print(output->os());
  output->os() << "\n";
  output->keep();
  return report;
}

} // namespace quantx::runtime
