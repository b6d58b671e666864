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

using namespace quantx::runtime;

namespace {

TrainOptions withSchedule(const char *schedule) {
  TrainOptions options;
  options.learningRate = 0.1;
  options.epochs = 4;
  options.lrSchedule = schedule;
  return options;
}

TEST(LearningRate, ConstantIsTheRateEverywhere) {
  TrainOptions options = withSchedule("constant");
  for (int64_t epoch = 1; epoch <= 4; ++epoch)
    for (int64_t batch = 0; batch < 10; ++batch)
      EXPECT_EQ(getScheduledLearningRate(options, epoch, batch, 10), 0.1);
}

TEST(LearningRate, StepDecaysEveryStepEpochs) {
  TrainOptions options = withSchedule("step");
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
  TrainOptions options = withSchedule("cosine");
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

TEST(LearningRate, BadOptionsAreNamed) {
  auto message = [](const TrainOptions &options) {
    llvm::Error error = checkLearningRateSchedule(options);
    return error ? llvm::toString(std::move(error)) : std::string();
  };
  EXPECT_EQ(message(withSchedule("constant")), "");
  EXPECT_EQ(message(withSchedule("cosine")), "");
  EXPECT_EQ(message(withSchedule("linear")),
            "unknown --lr-schedule 'linear' (expected constant, step or "
            "cosine)");
  EXPECT_EQ(message(withSchedule("step")),
            "--lr-schedule step needs --lr-step-epochs N (N >= 1)");
  TrainOptions gamma = withSchedule("step");
  gamma.lrStepEpochs = 1;
  gamma.lrGamma = 0.0;
  EXPECT_EQ(message(gamma), "--lr-gamma must be positive and finite");
}

} // namespace
