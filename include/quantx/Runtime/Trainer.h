//===- Trainer.h - train and evaluate models with the JIT -------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The training loop behind `quantx-runner train` and `eval`: a forward model
// whose parameters are mutable ml_program globals is turned into a training
// step and a prediction function (quantx-make-train-step), JIT-compiled
// once, and called batch by batch; the runner owns the parameter buffers
// and writes them back into the globals to save the trained model.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_RUNTIME_TRAINER_H
#define QUANTX_RUNTIME_TRAINER_H

#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"
#include "quantx/Runtime/Datasets.h"
#include "quantx/Runtime/OptionError.h"
#include "quantx/Runtime/Runner.h"

#include "llvm/Support/Error.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace quantx::runtime {

/// How the learning rate changes over training.
enum class LearningRateSchedule {
  /// The rate throughout.
  Constant,
  /// Multiplied by lrGamma every lrStepEpochs epochs.
  Step,
  /// From the rate down to 0 over all the training steps of `epochs` epochs.
  Cosine,
};

struct TrainOptions {
  /// The forward function.
  std::string model = "forward";
  /// 0: the model's static batch size, or 64 when it is dynamic.
  int64_t batchSize = 0;
  int64_t epochs = 10;
  /// Stop training after this many steps in all (0: no limit). The
  /// learning-rate schedule is that of the whole run of `epochs`.
  int64_t maxSteps = 0;
  /// From the epoch after this one on, batch norms and observers run as in
  /// inference (their statistics frozen) while the parameters train (0:
  /// never).
  int64_t freezeStatisticsAfter = 0;
  mlir::quantx::Optimizer optimizer = mlir::quantx::Optimizer::sgd;
  double learningRate = 0.01;
  double momentum = 0.9;
  double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  double weightDecay = 0.0;
  /// Seeds parameter initialization and the shuffling of each epoch.
  uint64_t seed = 0;
  LearningRateSchedule lrSchedule = LearningRateSchedule::Constant;
  int64_t lrStepEpochs = 0;
  double lrGamma = 0.1;
  /// Treat subnormal floats as zero while training and evaluating (x86 FTZ
  /// and DAZ, AArch64 FZ). Adam's second moments decay into the subnormal
  /// range, where every operation takes a slow microcode path.
  bool flushDenormals = true;
};

/// What the training steps of one epoch reported about their gradients
/// (a model through quantx-mixed-precision).
struct GradientStatistics {
  /// The step rounds gradients: the counts below are meaningful.
  bool roundsGradients = false;
  /// Over the epoch's rounded gradient values: those nonzero before
  /// rounding, those of them rounded to zero, the finite ones rounded to an
  /// infinity or NaN.
  int64_t nonzero = 0, underflowed = 0, overflowed = 0;
  /// With loss scaling: the scale after the epoch's last step, and the
  /// steps the epoch skipped for a non-finite gradient.
  std::optional<double> lossScale;
  std::optional<int64_t> skippedSteps;
  /// underflowed / nonzero (0 without nonzero values).
  double getUnderflowFraction() const {
    return nonzero
               ? static_cast<double>(underflowed) / static_cast<double>(nonzero)
               : 0.0;
  }
};

/// The learning rate of batch `batch` (from 0) of epoch `epoch` (from 1),
/// with `batchesPerEpoch` batches in an epoch.
double getScheduledLearningRate(const TrainOptions &options, int64_t epoch,
                                int64_t batch, int64_t batchesPerEpoch);

/// Checks the learning rate and its schedule; the error is an OptionError.
llvm::Error checkLearningRateSchedule(const TrainOptions &options);

/// Called after each batch with (epoch, batch, batches, running mean loss).
using ProgressCallback = std::function<void(int64_t, int64_t, int64_t, double)>;

class Trainer {
public:
  ~Trainer();

  /// Loads `path` and compiles its training step and prediction function.
  /// With `forTraining` false only prediction is compiled and every
  /// parameter must have a value in the file.
  static llvm::Expected<std::unique_ptr<Trainer>>
  create(const std::string &path, const TrainOptions &options,
         const RunnerOptions &runnerOptions, bool forTraining = true);

  /// Checks that the dataset's samples and classes fit the model and that
  /// it has what training (a batch of training samples) or evaluation (test
  /// samples) needs.
  llvm::Error checkDataset(const Dataset &dataset, bool forTraining) const;

  /// One epoch over the shuffled training split (the last partial batch is
  /// dropped); returns the mean loss.
  llvm::Expected<double> trainEpoch(const Split &split, int64_t epoch,
                                    const ProgressCallback &progress);

  /// The fraction of `split` classified correctly (every sample counts; the
  /// last batch is padded). With `predictions`, the predicted class of
  /// every sample is stored there.
  llvm::Expected<double> evaluate(const Split &split,
                                  std::vector<int32_t> *predictions = nullptr);

  /// The bytes the model stores for inference (quantx/Runtime/ModelSize.h),
  /// as loaded.
  int64_t getModelBytes() const;

  /// Writes the model with its globals set to the current parameters and
  /// model state.
  llvm::Error save(const std::string &path);

  int64_t getBatchSize() const { return batchSize; }
  /// Training steps taken so far.
  int64_t getStepsTaken() const;
  /// What the last epoch's steps reported about their gradients.
  const GradientStatistics &getEpochGradientStatistics() const;
  /// Parameters as "name shape" strings, for the log.
  std::vector<std::string> describeParameters() const;
  /// Model state (quantx.buffer globals) as "name shape" strings.
  std::vector<std::string> describeModelState() const;

private:
  Trainer();
  struct Impl;
  std::unique_ptr<Impl> impl;
  int64_t batchSize = 0;
};

} // namespace quantx::runtime

#endif // QUANTX_RUNTIME_TRAINER_H
