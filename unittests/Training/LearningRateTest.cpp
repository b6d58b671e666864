//===- LearningRateTest.cpp - learning-rate schedules of the trainer ------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The schedules against their closed forms, written out independently here.
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Trainer.h"

#include "llvm/Support/Error.h"
#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace quantx::runtime;

namespace {

TrainOptions withSchedule(LearningRateSchedule schedule) {
  TrainOptions options;
  options.learningRate = 0.1;
  options.epochs = 4;
  options.lrSchedule = schedule;
  return options;
}

TEST(LearningRate, ConstantIsTheRateEverywhere) {
  TrainOptions options = withSchedule(LearningRateSchedule::Constant);
  for (int64_t epoch = 1; epoch <= 4; ++epoch)
    for (int64_t batch = 0; batch < 10; ++batch)
      EXPECT_EQ(getScheduledLearningRate(options, epoch, batch, 10), 0.1);
}

TEST(LearningRate, StepDecaysEveryStepEpochs) {
  TrainOptions options = withSchedule(LearningRateSchedule::Step);
  options.lrStepEpochs = 2;
  options.lrGamma = 0.5;
  const double expected[] = {0.1, 0.1, 0.05, 0.05, 0.025};
  for (int64_t epoch = 1; epoch <= 5; ++epoch) {
    EXPECT_DOUBLE_EQ(getScheduledLearningRate(options, epoch, 0, 7),
                     expected[epoch - 1])
        << "epoch " << epoch;
    // Constant within an epoch.
    EXPECT_DOUBLE_EQ(getScheduledLearningRate(options, epoch, 6, 7),
                     expected[epoch - 1]);
  }
}

TEST(LearningRate, CosineFallsFromTheRateToZeroOverAllSteps) {
  TrainOptions options = withSchedule(LearningRateSchedule::Cosine);
  const int64_t batches = 5, total = 4 * batches;
  for (int64_t epoch = 1; epoch <= 4; ++epoch)
    for (int64_t batch = 0; batch < batches; ++batch) {
      double t = static_cast<double>((epoch - 1) * batches + batch) / total;
      double expected = 0.05 * (1.0 + std::cos(3.14159265358979323846 * t));
      EXPECT_NEAR(getScheduledLearningRate(options, epoch, batch, batches),
                  expected, 1e-15);
    }
  EXPECT_DOUBLE_EQ(getScheduledLearningRate(options, 1, 0, batches), 0.1);
  // Halfway: half the rate.
  EXPECT_NEAR(getScheduledLearningRate(options, 3, 0, batches), 0.05, 1e-15);
  // Decreasing.
  for (int64_t step = 1; step < total; ++step)
    EXPECT_LT(getScheduledLearningRate(options, 1 + step / batches,
                                       step % batches, batches),
              getScheduledLearningRate(options, 1 + (step - 1) / batches,
                                       (step - 1) % batches, batches));
}

/// Epochs times batches beyond int64_t: the schedule still runs from the
/// rate down to zero.
TEST(LearningRate, CosineWithMoreStepsThanInt64) {
  TrainOptions options = withSchedule(LearningRateSchedule::Cosine);
  options.epochs = std::numeric_limits<int64_t>::max() / 2;
  const int64_t batches = 1000;
  EXPECT_DOUBLE_EQ(getScheduledLearningRate(options, 1, 0, batches), 0.1);
  EXPECT_NEAR(
      getScheduledLearningRate(options, options.epochs / 2 + 1, 0, batches),
      0.05, 1e-12);
  double last =
      getScheduledLearningRate(options, options.epochs, batches - 1, batches);
  EXPECT_GE(last, 0.0);
  EXPECT_LT(last, 1e-12);
}

TEST(LearningRate, BadOptionsAreNamed) {
  // The library names the option in words; the tool names its flag.
  auto message = [](const TrainOptions &options) {
    llvm::Error error = checkLearningRateSchedule(options);
    return error ? llvm::toString(std::move(error)) : std::string();
  };
  EXPECT_EQ(message(withSchedule(LearningRateSchedule::Constant)), "");
  EXPECT_EQ(message(withSchedule(LearningRateSchedule::Cosine)), "");
  EXPECT_EQ(message(withSchedule(LearningRateSchedule::Step)),
            "the epochs between learning-rate decays must be at least 1 with "
            "the step schedule");
  TrainOptions gamma = withSchedule(LearningRateSchedule::Step);
  gamma.lrStepEpochs = 1;
  gamma.lrGamma = 0.0;
  EXPECT_EQ(message(gamma),
            "the learning-rate decay factor must be positive and finite");
  TrainOptions rate = withSchedule(LearningRateSchedule::Constant);
  rate.learningRate = 1e-320;
  llvm::Error error = checkLearningRateSchedule(rate);
  ASSERT_TRUE(error.isA<OptionError>());
  llvm::handleAllErrors(std::move(error), [](const OptionError &e) {
    EXPECT_EQ(e.getOption(), Option::LearningRate);
    EXPECT_EQ(e.getMessage(),
              "must be positive and finite as an f32, got 9.99989e-321");
  });
}

} // namespace
