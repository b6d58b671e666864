//===- quantx-runner.cpp - JIT-run quantx models --------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
//   quantx-runner run MODEL.mlir -e FUNC [--input X.npy]... [--output Y.npy]...
//   quantx-runner bench MODEL.mlir -e FUNC [--input X.npy]... [--runs N]
//   quantx-runner train MODEL.mlir --dataset NAME [--epochs N] [--batch-size B]
//                 [--lr X] [--optimizer sgd|momentum|adam] [--seed S]
//                 [-o TRAINED.mlir]
//   quantx-runner eval MODEL.mlir --dataset NAME
//   quantx-runner LOWERED.mlir -e main --entry-point-result=void
//                 --shared-libs=...              (as mlir-runner)
//
// A thin main over lib/Runtime. Every failure is one line on stderr and a
// non-zero exit.
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Target.h"
#include "quantx/Runtime/Calibrator.h"
#include "quantx/Runtime/Datasets.h"
#include "quantx/Runtime/Npy.h"
#include "quantx/Runtime/Runner.h"
#include "quantx/Runtime/Trainer.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>

namespace cl = llvm::cl;
using namespace quantx::runtime;

/// The runner's own options; --help shows only these (not LLVM's).
static cl::OptionCategory runnerCategory("quantx-runner options");

static cl::SubCommand runCommand("run", "Compile a model and call a function "
                                        "on .npy inputs");
static cl::SubCommand benchCommand("bench", "Time a function on .npy inputs");
static cl::SubCommand trainCommand("train",
                                   "Train a model on a dataset and report its "
                                   "test accuracy");
static cl::SubCommand evalCommand("eval",
                                  "Report a trained model's test accuracy");
static cl::SubCommand
    calibrateCommand("calibrate",
                     "Choose every tensor's quantized format from data "
                     "(post-training quantization)");

static cl::opt<std::string>
    inputFile(cl::Positional, cl::desc("<model.mlir>"), cl::init("-"),
              cl::sub(cl::SubCommand::getTopLevel()), cl::sub(runCommand),
              cl::sub(benchCommand), cl::sub(trainCommand),
              cl::sub(evalCommand), cl::sub(calibrateCommand),
              cl::cat(runnerCategory));
static cl::opt<std::string> entry("e", cl::desc("The function to call"),
                                  cl::value_desc("name"), cl::init("main"),
                                  cl::sub(cl::SubCommand::getAll()),
                                  cl::cat(runnerCategory));
static cl::opt<std::string> entryPointResult(
    "entry-point-result",
    cl::desc("For already-lowered input: the result of the entry function "
             "(void, i32, i64, f32), as mlir-runner"),
    cl::init("void"), cl::sub(cl::SubCommand::getAll()),
    cl::cat(runnerCategory));
static cl::list<std::string>
    sharedLibs("shared-libs", cl::desc("Libraries to load into the JIT"),
               cl::CommaSeparated, cl::sub(cl::SubCommand::getAll()),
               cl::cat(runnerCategory));
static cl::opt<bool> optO0("O0", cl::desc("Run LLVM at -O0"),
                           cl::sub(cl::SubCommand::getAll()),
                           cl::cat(runnerCategory));
static cl::opt<bool> optO1("O1", cl::desc("Run LLVM at -O1"),
                           cl::sub(cl::SubCommand::getAll()),
                           cl::cat(runnerCategory));
static cl::opt<bool> optO2("O2", cl::desc("Run LLVM at -O2"),
                           cl::sub(cl::SubCommand::getAll()),
                           cl::cat(runnerCategory));
static cl::opt<bool> optO3("O3", cl::desc("Run LLVM at -O3 (the default)"),
                           cl::sub(cl::SubCommand::getAll()),
                           cl::cat(runnerCategory));
/// `-h` as a plain option: LLVM's default `-h` alias groups, so any unknown
/// option starting with `h` (`--holdout` on eval, `--hello`) printed the
/// help and exited 0 instead of being an error.
static cl::opt<bool> shortHelp("h", cl::desc("Same as --help"),
                               cl::sub(cl::SubCommand::getAll()),
                               cl::cat(runnerCategory));
static cl::opt<bool> vectorize(
    "vectorize",
    cl::desc("Tile and vectorize while lowering (=false: scalar loops, to "
             "isolate a miscompile)"),
    cl::init(true), cl::sub(cl::SubCommand::getAll()), cl::cat(runnerCategory));
static cl::opt<int64_t> vectorBits(
    "vector-bits",
    cl::desc("Vector register width to generate code for: 256 (AVX2) or 512 "
             "(AVX-512); default: the host's"),
    cl::init(0), cl::sub(cl::SubCommand::getAll()), cl::cat(runnerCategory));
static cl::opt<std::string> int8Dot(
    "int8-dot",
    cl::desc("Dot product of the int8 kernels: generic, avx2, avx-vnni, "
             "avx512-vnni; default: the host's best (one the host lacks is "
             "an error)"),
    cl::init(""), cl::sub(cl::SubCommand::getAll()), cl::cat(runnerCategory));
static cl::list<std::string> inputs("input",
                                    cl::desc("An argument, as a .npy file"),
                                    cl::value_desc("file.npy"),
                                    cl::sub(runCommand), cl::sub(benchCommand),
                                    cl::cat(runnerCategory));
static cl::list<std::string>
    outputs("output", cl::desc("Where to write a result, as a .npy file"),
            cl::value_desc("file.npy"), cl::sub(runCommand),
            cl::cat(runnerCategory));
static cl::opt<unsigned> warmup("warmup",
                                cl::desc("Untimed calls before timing"),
                                cl::init(3), cl::sub(benchCommand),
                                cl::cat(runnerCategory));
static cl::opt<unsigned> runs("runs", cl::desc("Timed calls"), cl::init(20),
                              cl::sub(benchCommand), cl::cat(runnerCategory));

static cl::opt<std::string>
    datasetName("dataset",
                cl::desc("digits, fashion-mnist, or npy:X.npy,Y.npy[,TX.npy,"
                         "TY.npy]"),
                cl::value_desc("name"), cl::Required, cl::sub(trainCommand),
                cl::sub(evalCommand), cl::sub(calibrateCommand),
                cl::cat(runnerCategory));
static cl::opt<std::string>
    modelName("model", cl::desc("The forward function"), cl::value_desc("name"),
              cl::init("forward"), cl::sub(trainCommand), cl::sub(evalCommand),
              cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<int64_t> batchSize(
    "batch-size",
    cl::desc("Samples per batch (default: the model's static batch, else 64)"),
    cl::init(0), cl::sub(trainCommand), cl::sub(evalCommand),
    cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<int64_t> epochs("epochs", cl::desc("Passes over the data"),
                               cl::init(10), cl::sub(trainCommand),
                               cl::cat(runnerCategory));
static cl::opt<int64_t>
    maxSteps("max-steps",
             cl::desc("Stop training after this many steps in all (0: no "
                      "limit; the learning-rate schedule stays that of "
                      "--epochs)"),
             cl::init(0), cl::sub(trainCommand), cl::cat(runnerCategory));
static cl::opt<int64_t> freezeStatisticsAfter(
    "freeze-statistics-after",
    cl::desc("From the epoch after this one on, batch norms and observers "
             "keep their statistics (inference mode) while the parameters "
             "train (0: never)"),
    cl::init(0), cl::sub(trainCommand), cl::cat(runnerCategory));
static cl::opt<double> learningRate("lr", cl::desc("Learning rate"),
                                    cl::init(0.01), cl::sub(trainCommand),
                                    cl::cat(runnerCategory));
static cl::opt<mlir::quantx::Optimizer> optimizer(
    "optimizer", cl::desc("The update rule"),
    cl::values(clEnumValN(mlir::quantx::Optimizer::sgd, "sgd", "p -= lr g"),
               clEnumValN(mlir::quantx::Optimizer::momentum, "momentum",
                          "v = momentum v + g; p -= lr v"),
               clEnumValN(mlir::quantx::Optimizer::adam, "adam",
                          "bias-corrected first and second moments")),
    cl::init(mlir::quantx::Optimizer::sgd), cl::sub(trainCommand),
    cl::cat(runnerCategory));
static cl::opt<double> momentum("momentum",
                                cl::desc("Momentum of --optimizer=momentum"),
                                cl::init(0.9), cl::sub(trainCommand),
                                cl::cat(runnerCategory));
static cl::opt<double> beta1("beta1", cl::desc("Adam's beta1"), cl::init(0.9),
                             cl::sub(trainCommand), cl::cat(runnerCategory));
static cl::opt<double> beta2("beta2", cl::desc("Adam's beta2"), cl::init(0.999),
                             cl::sub(trainCommand), cl::cat(runnerCategory));
static cl::opt<double> weightDecay("weight-decay", cl::desc("L2 weight decay"),
                                   cl::init(0.0), cl::sub(trainCommand),
                                   cl::cat(runnerCategory));
static cl::opt<uint64_t> seed("seed",
                              cl::desc("Seed of initialization and shuffling"),
                              cl::init(0), cl::sub(trainCommand),
                              cl::sub(calibrateCommand),
                              cl::cat(runnerCategory));
static cl::opt<LearningRateSchedule>
    lrSchedule("lr-schedule", cl::desc("How the learning rate changes"),
               cl::values(clEnumValN(LearningRateSchedule::Constant, "constant",
                                     "--lr throughout"),
                          clEnumValN(LearningRateSchedule::Step, "step",
                                     "times --lr-gamma every --lr-step-epochs"),
                          clEnumValN(LearningRateSchedule::Cosine, "cosine",
                                     "down to 0 over the run")),
               cl::init(LearningRateSchedule::Constant), cl::sub(trainCommand),
               cl::cat(runnerCategory));
static cl::opt<int64_t>
    lrStepEpochs("lr-step-epochs",
                 cl::desc("Epochs between decays of --lr-schedule step"),
                 cl::init(0), cl::sub(trainCommand), cl::cat(runnerCategory));
static cl::opt<double> lrGamma("lr-gamma",
                               cl::desc("Decay factor of --lr-schedule step"),
                               cl::init(0.1), cl::sub(trainCommand),
                               cl::cat(runnerCategory));
static cl::opt<bool> flushDenormals(
    "flush-denormals",
    cl::desc("Treat subnormal floats as zero while training and evaluating "
             "(fast; =false for IEEE gradual underflow)"),
    cl::init(true), cl::sub(trainCommand), cl::sub(evalCommand),
    cl::cat(runnerCategory));
static cl::opt<double> holdout(
    "holdout",
    cl::desc("For --dataset npy:X,Y: hold out this fraction of each class as "
             "the test split (seeded by --seed; default: no test split)"),
    cl::init(0.0), cl::sub(trainCommand), cl::cat(runnerCategory));
static cl::opt<std::string>
    trainedOutput("o",
                  cl::desc("Write the trained (train) or calibrated "
                           "(calibrate) model (MLIR) here"),
                  cl::value_desc("file.mlir"), cl::sub(trainCommand),
                  cl::sub(calibrateCommand), cl::cat(runnerCategory));

static cl::opt<std::string> predictionsOutput(
    "predictions",
    cl::desc("Write the predicted class of every evaluated sample here "
             "(int32 .npy)"),
    cl::value_desc("file.npy"), cl::sub(evalCommand), cl::cat(runnerCategory));

// calibrate
static cl::opt<int64_t> calibrationSamples(
    "samples",
    cl::desc("Calibration samples, drawn (seeded by --seed) from the "
             "training split"),
    cl::init(1024), cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<CalibrationMethod> calibrationMethod(
    "method", cl::desc("How fixed-point activation ranges are chosen"),
    cl::values(clEnumValN(CalibrationMethod::MinMax, "minmax",
                          "the observed range"),
               clEnumValN(CalibrationMethod::Percentile, "percentile",
                          "clipped at the --percentile of the magnitudes"),
               clEnumValN(CalibrationMethod::Entropy, "entropy",
                          "the KL-divergence threshold (TensorRT)"),
               clEnumValN(CalibrationMethod::Mse, "mse",
                          "the clip of least squared quantization error")),
    cl::init(CalibrationMethod::MinMax), cl::sub(calibrateCommand),
    cl::cat(runnerCategory));
static cl::opt<double> calibrationPercentile(
    "percentile", cl::desc("Percentile of --method=percentile, in (0, 100]"),
    cl::init(99.99), cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<int64_t> calibrationWeightBits(
    "weight-bits", cl::desc("Bits of fixed-point weights (2..16)"), cl::init(8),
    cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<int64_t> calibrationActivationBits(
    "activation-bits", cl::desc("Bits of fixed-point activations (2..16)"),
    cl::init(8), cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<int64_t> calibrationFirstLastBits(
    "first-last-bits",
    cl::desc("Bits (fixed point) of the first and the last layer's weights "
             "and inputs (0: like the others)"),
    cl::init(8), cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<bool> calibrationPerChannel(
    "per-channel",
    cl::desc("One fixed-point weight scale per output channel (=false: one "
             "per tensor)"),
    cl::init(true), cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<bool> calibrationSymmetric(
    "symmetric",
    cl::desc("Activations without a zero point (unsigned where no value is "
             "negative); default: affine"),
    cl::init(false), cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<std::string> calibrationWeightFormat(
    "weight-format",
    cl::desc("Weights in this float format: f16, bf16 or a !quantx.float "
             "body (e.g. e3m2, \"e4m3, special = fn\"); default: fixed "
             "point"),
    cl::value_desc("body"), cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<std::string> calibrationActivationFormat(
    "activation-format",
    cl::desc("Activations in this float format (as --weight-format); "
             "default: fixed point"),
    cl::value_desc("body"), cl::sub(calibrateCommand), cl::cat(runnerCategory));
static cl::opt<BiasMethod> calibrationBiasMethod(
    "bias-method", cl::desc("How float formats' exponent biases are chosen"),
    cl::values(clEnumValN(BiasMethod::Fixed, "fixed", "the format's own"),
               clEnumValN(BiasMethod::Max, "max",
                          "the largest value covers the tensor's max"),
               clEnumValN(BiasMethod::Sqnr, "sqnr",
                          "the highest signal-to-quantization-noise ratio")),
    cl::init(BiasMethod::Sqnr), cl::sub(calibrateCommand),
    cl::cat(runnerCategory));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "quantx-runner") << message << "\n";
  return 1;
}

/// The flag that sets `option`.
static llvm::StringRef getFlag(Option option) {
  switch (option) {
  case Option::Model:
    return "--model";
  case Option::BatchSize:
    return "--batch-size";
  case Option::Epochs:
    return "--epochs";
  case Option::LearningRate:
    return "--lr";
  case Option::LearningRateSchedule:
    return "--lr-schedule";
  case Option::LearningRateStepEpochs:
    return "--lr-step-epochs";
  case Option::LearningRateGamma:
    return "--lr-gamma";
  case Option::EntryPointResult:
    return "--entry-point-result";
  }
  llvm_unreachable("unknown option");
}

/// Prints `error`; errors about an option name its flag.
static int fail(llvm::Error error) {
  std::string message;
  llvm::handleAllErrors(
      std::move(error),
      [&](const OptionError &optionError) {
        message += (message.empty() ? "" : "\n") +
                   getFlag(optionError.getOption()).str() + " " +
                   optionError.getMessage();
      },
      [&](const llvm::ErrorInfoBase &other) {
        message += (message.empty() ? "" : "\n") + other.message();
      });
  return fail(message);
}

/// Compiled code stops on a failure it cannot report otherwise (a buffer
/// that cannot be allocated): it writes its reason to stderr and aborts.
/// While it runs, an abort ends the runner like any other error, without
/// the crash report LLVM would print.
static void onCompiledCodeStop(int signal) {
  // An assertion's message may still sit in stdout's buffer.
  std::fflush(stdout);
  const char *message =
      signal == SIGFPE
          ? "quantx-runner: error: the compiled code stopped on an arithmetic "
            "fault (an integer division by zero or overflow)\n"
      : signal == SIGILL
          ? "quantx-runner: error: the compiled code reached a trap (code "
            "the program declares unreachable)\n"
          : "quantx-runner: error: the compiled code stopped (reason above)\n";
  ssize_t written = ::write(STDERR_FILENO, message, std::strlen(message));
  (void)written;
  _exit(1);
}

static void enterCompiledCode() {
  for (int signal : {SIGABRT, SIGFPE, SIGILL})
    std::signal(signal, onCompiledCodeStop);
}

static RunnerOptions getOptions() {
  RunnerOptions options;
  options.optLevel = optO0 ? 0 : optO1 ? 1 : optO2 ? 2 : 3;
  options.sharedLibs.assign(sharedLibs.begin(), sharedLibs.end());
  options.vectorize = vectorize;
  options.vectorBits = vectorBits;
  options.int8Dot = int8Dot;
  return options;
}

static bool readInputs(std::vector<NpyArray> &arrays) {
  for (const std::string &path : inputs) {
    std::string error;
    std::optional<NpyArray> array = readNpyFile(path, error);
    if (!array) {
      fail(error);
      return false;
    }
    arrays.push_back(std::move(*array));
  }
  return true;
}

static int runMain(CompiledModule &module) {
  std::vector<NpyArray> arrays;
  if (!readInputs(arrays))
    return 1;
  if (!outputs.empty() && outputs.size() != module.getResults().size())
    return fail("@" + entry + " returns " +
                llvm::Twine(module.getResults().size()) + " result(s), but " +
                llvm::Twine(outputs.size()) + " --output file(s) were given");
  auto results = module.call(arrays);
  if (!results)
    return fail(results.takeError());
  for (size_t i = 0; i < results->size(); ++i) {
    const NpyArray &result = (*results)[i];
    std::string text = formatArray(result);
    llvm::outs() << "result #" << i << ": " << module.getResults()[i].typeName
                 << " "
                 << (text.empty() ? "shape " + result.getShapeString()
                                  : "= " + text)
                 << "\n";
    if (i < outputs.size()) {
      std::string error;
      if (!writeNpyFile(outputs[i], result, error))
        return fail(error);
    }
  }
  return 0;
}

static int benchMain(CompiledModule &module) {
  std::vector<NpyArray> arrays;
  if (!readInputs(arrays))
    return 1;
  if (runs == 0)
    return fail("--runs must be at least 1");
  // The call alone is timed: float and integer tensors are copied into
  // aligned buffers once and results are not copied out. Quantized
  // arguments or results (codes in storage) are converted on every call.
  auto isPlain = [](const TensorSignature &signature) {
    return signature.storageBits == 0;
  };
  bool inPlace = llvm::all_of(module.getArguments(), isPlain) &&
                 llvm::all_of(module.getResults(), isPlain);
  std::vector<TensorBuffer> buffers;
  if (inPlace)
    for (const NpyArray &array : arrays)
      buffers.push_back(TensorBuffer::copyOf(array));
  auto callOnce = [&]() -> llvm::Error {
    if (inPlace)
      return module.callInPlace(entry, buffers).takeError();
    return module.call(arrays).takeError();
  };
  for (unsigned i = 0; i < warmup; ++i)
    if (llvm::Error error = callOnce())
      return fail(std::move(error));
  std::vector<double> ms;
  for (unsigned i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    llvm::Error error = callOnce();
    auto end = std::chrono::steady_clock::now();
    if (error)
      return fail(std::move(error));
    ms.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  auto quantile = [&](double q) {
    return ms[static_cast<size_t>(q * static_cast<double>(ms.size() - 1) +
                                  0.5)];
  };
  double median = ms.size() % 2
                      ? ms[ms.size() / 2]
                      : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  char line[160];
  std::snprintf(line, sizeof(line),
                "bench @%s: %u runs after %u warm-up; min-ms: %.4f p10-ms: "
                "%.4f p90-ms: %.4f max-ms: %.4f\n",
                entry.c_str(), static_cast<unsigned>(runs),
                static_cast<unsigned>(warmup), ms.front(), quantile(0.1),
                quantile(0.9), ms.back());
  llvm::outs() << line;
  std::snprintf(line, sizeof(line), "median-ms: %.4f\n", median);
  llvm::outs() << line;
  return 0;
}

/// Draws the progress of an epoch on stderr when it is a terminal.
static void drawProgress(int64_t epoch, int64_t batch, int64_t batches,
                         double loss) {
  constexpr int kWidth = 30;
  int filled = static_cast<int>(kWidth * batch / std::max<int64_t>(batches, 1));
  std::string bar(filled, '=');
  if (filled < kWidth)
    bar += '>' + std::string(kWidth - filled - 1, ' ');
  std::fprintf(stderr, "\repoch %lld/%lld [%s] %3d%% loss %.4f",
               static_cast<long long>(epoch), static_cast<long long>(epochs),
               bar.c_str(), static_cast<int>(100 * batch / batches), loss);
  if (batch == batches)
    std::fprintf(stderr, "\r%*s\r", kWidth + 50, "");
  std::fflush(stderr);
}

/// Why `path` cannot be written (a directory, a missing or read-only
/// directory, a read-only file), or nothing: checked before training, so
/// that an hour of training is not lost to a typo in -o.
static std::optional<std::string> checkWritable(const std::string &path) {
  namespace fs = llvm::sys::fs;
  if (path == "-")
    return std::nullopt;
  if (fs::is_directory(path))
    return path + ": is a directory";
  if (fs::exists(path))
    return fs::access(path, fs::AccessMode::Write)
               ? std::optional<std::string>(path + ": cannot write file")
               : std::nullopt;
  llvm::StringRef parent = llvm::sys::path::parent_path(path);
  std::string directory = parent.empty() ? "." : parent.str();
  if (!fs::is_directory(directory))
    return path + ": no directory " + directory;
  if (fs::access(directory, fs::AccessMode::Write))
    return path + ": cannot create a file in " + directory;
  return std::nullopt;
}

static int trainMain(bool training) {
  if (batchSize.getNumOccurrences() && batchSize <= 0)
    return fail("--batch-size must be at least 1, got " +
                llvm::Twine(static_cast<int64_t>(batchSize)));
  if (training && !trainedOutput.empty())
    if (std::optional<std::string> unwritable = checkWritable(trainedOutput))
      return fail("-o " + *unwritable);
  std::string error;
  DatasetOptions datasetOptions;
  datasetOptions.forEvaluation = !training;
  datasetOptions.holdout = holdout;
  datasetOptions.seed = seed;
  std::optional<Dataset> dataset =
      loadDataset(datasetName, error, datasetOptions);
  if (!dataset)
    return fail(error);
  TrainOptions options;
  options.model = modelName;
  options.batchSize = batchSize;
  options.epochs = epochs;
  options.maxSteps = maxSteps;
  options.freezeStatisticsAfter = freezeStatisticsAfter;
  options.optimizer = optimizer;
  options.learningRate = learningRate;
  options.momentum = momentum;
  options.beta1 = beta1;
  options.beta2 = beta2;
  options.weightDecay = weightDecay;
  options.seed = seed;
  options.flushDenormals = flushDenormals;
  options.lrSchedule = lrSchedule;
  options.lrStepEpochs = lrStepEpochs;
  options.lrGamma = lrGamma;
  if (training && epochs < 0)
    return fail("--epochs must be at least 0");
  if (training && maxSteps < 0)
    return fail("--max-steps must be at least 0");
  if (training && freezeStatisticsAfter < 0)
    return fail("--freeze-statistics-after must be at least 0");
  auto start = std::chrono::steady_clock::now();
  auto trainer = Trainer::create(inputFile, options, getOptions(), training);
  if (!trainer)
    return fail(trainer.takeError());
  if (llvm::Error checked = (*trainer)->checkDataset(*dataset, training))
    return fail(std::move(checked));
  enterCompiledCode();
  auto seconds = [](auto from) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         from)
        .count();
  };
  char line[200];
  std::snprintf(
      line, sizeof(line),
      "dataset %s: %lld train, %lld test samples, %lld classes; "
      "batch %lld; compiled in %.1f s\n",
      dataset->name.c_str(), static_cast<long long>(dataset->train.size()),
      static_cast<long long>(dataset->test.size()),
      static_cast<long long>(dataset->numClasses),
      static_cast<long long>((*trainer)->getBatchSize()), seconds(start));
  llvm::outs() << line;
  if (holdout > 0) {
    std::snprintf(line, sizeof(line),
                  "hold-out: %.4g of each class (seed %llu) is the test "
                  "split\n",
                  static_cast<double>(holdout),
                  static_cast<unsigned long long>(seed));
    llvm::outs() << line;
  }
  // Without a test split (npy:X,Y training without --holdout) the accuracy
  // reported is the training split's, and named so.
  bool hasTest = dataset->test.size() > 0;
  const Split &scored = hasTest ? dataset->test : dataset->train;
  const char *scoredName = hasTest ? "test-accuracy" : "train-accuracy";
  if (!hasTest)
    llvm::outs() << "no test split: reporting the accuracy on the training "
                    "split (--holdout F holds some out)\n";
  if (training) {
    llvm::outs() << "parameters:";
    for (const std::string &param : (*trainer)->describeParameters())
      llvm::outs() << " " << param;
    llvm::outs() << "\n";
    std::vector<std::string> state = (*trainer)->describeModelState();
    if (!state.empty()) {
      llvm::outs() << "model state:";
      for (const std::string &buffer : state)
        llvm::outs() << " " << buffer;
      llvm::outs() << "\n";
    }
  }
  llvm::outs().flush();
  bool terminal = isatty(STDERR_FILENO);
  double accuracy = 0;
  for (int64_t epoch = 1; training && epoch <= epochs; ++epoch) {
    auto epochStart = std::chrono::steady_clock::now();
    auto loss = (*trainer)->trainEpoch(dataset->train, epoch,
                                       terminal ? ProgressCallback(drawProgress)
                                                : ProgressCallback());
    if (!loss)
      return fail(loss.takeError());
    double trainSeconds = seconds(epochStart);
    auto tested = (*trainer)->evaluate(scored);
    if (!tested)
      return fail(tested.takeError());
    accuracy = *tested;
    std::snprintf(line, sizeof(line),
                  "epoch %lld/%lld: train-loss %.4f %s %.4f ",
                  static_cast<long long>(epoch), static_cast<long long>(epochs),
                  *loss, scoredName, accuracy);
    llvm::outs() << line;
    if (options.lrSchedule != LearningRateSchedule::Constant) {
      // The rate of the epoch's first batch.
      std::snprintf(line, sizeof(line), "lr %.6g ",
                    getScheduledLearningRate(options, epoch, 0, 1));
      llvm::outs() << line;
    }
    if (freezeStatisticsAfter > 0 && epoch > freezeStatisticsAfter)
      llvm::outs() << "statistics frozen ";
    // Mixed precision: the loss scaler and what the gradients' rounding lost.
    const GradientStatistics &gradients =
        (*trainer)->getEpochGradientStatistics();
    if (gradients.lossScale) {
      std::snprintf(line, sizeof(line), "loss-scale %g skipped-steps %lld ",
                    *gradients.lossScale,
                    static_cast<long long>(gradients.skippedSteps.value_or(0)));
      llvm::outs() << line;
    }
    if (gradients.roundsGradients) {
      std::snprintf(line, sizeof(line),
                    "gradient-underflow %.4f%% gradient-overflow %lld ",
                    100.0 * gradients.getUnderflowFraction(),
                    static_cast<long long>(gradients.overflowed));
      llvm::outs() << line;
    }
    std::snprintf(line, sizeof(line), "(%.2f s training)\n", trainSeconds);
    llvm::outs() << line;
    llvm::outs().flush();
    if (maxSteps > 0 && (*trainer)->getStepsTaken() >= maxSteps &&
        epoch < epochs) {
      llvm::outs() << "stopped after " << maxSteps
                   << " training steps (--max-steps)\n";
      break;
    }
  }
  if (!training || epochs == 0) {
    std::vector<int32_t> predictions;
    auto tested = (*trainer)->evaluate(
        scored, predictionsOutput.empty() ? nullptr : &predictions);
    if (!tested)
      return fail(tested.takeError());
    accuracy = *tested;
    if (!predictionsOutput.empty()) {
      NpyArray array;
      array.dtype = DType::I32;
      array.shape = {static_cast<int64_t>(predictions.size())};
      array.data.resize(predictions.size() * sizeof(int32_t));
      std::memcpy(array.data.data(), predictions.data(), array.data.size());
      std::string error;
      if (!writeNpyFile(predictionsOutput, array, error))
        return fail(error);
    }
  }
  if (!training)
    llvm::outs() << "model-bytes: " << (*trainer)->getModelBytes() << "\n";
  if (training && !trainedOutput.empty()) {
    if (llvm::Error saved = (*trainer)->save(trainedOutput))
      return fail(std::move(saved));
    llvm::outs() << "saved the trained model to " << trainedOutput << "\n";
  }
  std::snprintf(line, sizeof(line), "%s: %.4f\n", scoredName, accuracy);
  llvm::outs() << line;
  return 0;
}

static int calibrateMain() {
  CalibrationOptions options;
  options.model = modelName;
  options.method = calibrationMethod;
  options.percentile = calibrationPercentile;
  options.samples = calibrationSamples;
  options.seed = seed;
  if (batchSize.getNumOccurrences())
    options.batchSize = batchSize;
  options.weightBits = calibrationWeightBits;
  options.activationBits = calibrationActivationBits;
  options.firstLastBits = calibrationFirstLastBits;
  options.perChannel = calibrationPerChannel;
  options.symmetric = calibrationSymmetric;
  options.weightFormat = calibrationWeightFormat;
  options.activationFormat = calibrationActivationFormat;
  options.biasMethod = calibrationBiasMethod;
  if (calibrationPercentile.getNumOccurrences() &&
      options.method != CalibrationMethod::Percentile)
    return fail("--percentile is only for --method=percentile");
  if (calibrationWeightBits.getNumOccurrences() &&
      calibrationWeightFormat.getNumOccurrences())
    return fail("--weight-bits is for fixed-point weights; --weight-format "
                "sets a float format's own width");
  if (calibrationActivationBits.getNumOccurrences() &&
      calibrationActivationFormat.getNumOccurrences())
    return fail("--activation-bits is for fixed-point activations; "
                "--activation-format sets a float format's own width");
  if (auto why = verifyCalibrationOptions(options))
    return fail(*why);
  if (trainedOutput.empty())
    return fail("calibrate needs -o CALIBRATED.mlir");
  if (std::optional<std::string> unwritable = checkWritable(trainedOutput))
    return fail("-o " + *unwritable);
  std::string error;
  DatasetOptions datasetOptions;
  datasetOptions.seed = seed;
  std::optional<Dataset> dataset =
      loadDataset(datasetName, error, datasetOptions);
  if (!dataset)
    return fail(error);
  enterCompiledCode();
  auto report =
      calibrateModel(inputFile, *dataset, options, getOptions(), trainedOutput);
  if (!report)
    return fail(report.takeError());
  llvm::outs() << "calibrated on " << report->samples << " samples of "
               << dataset->name << "\n";
  char line[400];
  for (const CalibratedTensor &tensor : report->tensors) {
    llvm::outs() << (tensor.isWeight ? "weights " : "activations ")
                 << tensor.name << ": " << tensor.summary;
    if (!tensor.isWeight && tensor.biases.empty()) {
      std::snprintf(line, sizeof(line),
                    " (observed [%.6g, %.6g], clipped to [%.6g, %.6g])",
                    tensor.observedMin, tensor.observedMax, tensor.clipMin,
                    tensor.clipMax);
      llvm::outs() << line;
    }
    llvm::outs() << "\n";
    for (const CalibratedTensor::BiasCandidate &candidate : tensor.biases) {
      std::snprintf(line, sizeof(line), "  bias %-5s %4d  sqnr %.2f dB\n",
                    getBiasMethodName(candidate.method).str().c_str(),
                    candidate.bias, candidate.sqnr);
      llvm::outs() << line;
    }
  }
  for (const std::string &warning : report->warnings)
    llvm::WithColor::warning(llvm::errs(), "quantx-runner") << warning << "\n";
  if (trainedOutput != "-")
    llvm::outs() << "saved the calibrated model to " << trainedOutput << "\n";
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::InitializeNativeTargetAsmParser();
  for (cl::SubCommand *sub :
       {&cl::SubCommand::getTopLevel(), &runCommand, &benchCommand,
        &trainCommand, &evalCommand, &calibrateCommand})
    cl::HideUnrelatedOptions(runnerCategory, *sub);
  cl::ParseCommandLineOptions(
      argc, argv,
      "quantx-runner: JIT-compile quantx models and run or time them\n");
  if (shortHelp) {
    cl::PrintHelpMessage(/*Hidden=*/false, /*Categorized=*/true);
    return 0;
  }
  for (const std::string &library : sharedLibs)
    if (!llvm::sys::fs::is_regular_file(library))
      return fail(library + ": --shared-libs library not found");
  if (vectorBits != 0 &&
      !mlir::quantx::CpuTarget::isSupportedVectorBits(vectorBits))
    return fail("--vector-bits must be 256 or 512, got " +
                llvm::Twine(vectorBits));

  if (trainCommand || evalCommand)
    return trainMain(static_cast<bool>(trainCommand));
  if (calibrateCommand)
    return calibrateMain();

  auto module = CompiledModule::compile(inputFile, entry, getOptions());
  if (!module)
    return fail(module.takeError());
  enterCompiledCode();

  if (benchCommand)
    return benchMain(**module);
  if (runCommand || (*module)->hasTensorEntry())
    return runMain(**module);
  std::string printed;
  if (llvm::Error error =
          (*module)->callLowered(entry, entryPointResult, printed))
    return fail(std::move(error));
  llvm::outs() << printed;
  return 0;
}
