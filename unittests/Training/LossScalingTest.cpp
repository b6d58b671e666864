//===- LossScalingTest.cpp - the loss scaler and gradient counts, run -----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx-make-train-step's loss scaling, JIT-compiled and called step by
// step: the dynamic scaler's state machine (a clean step counts, the scale
// doubles after the growth interval, a non-finite gradient skips the step,
// leaves parameters and optimizer state unchanged and halves the scale,
// which never falls below the smallest normal f32), static scaling, and
// the counts of gradient values a backward format flushes to zero or
// overflows, on data with a known answer, Adam's state through a skipped
// step, and parameters kept in f16
// (quantx.master) against APFloat's rounding of the f32 step. A power-of-two
// scale changes no bit of a finite step: the scaled steps are compared with the
// unscaled step exactly.
//
//===----------------------------------------------------------------------===//

#include "quantx/Autodiff/Passes.h"
#include "quantx/Runtime/Runner.h"

#include "TrainingTestSupport.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

using namespace ::quantx::runtime;
using namespace ::quantx::runtime::testing;

namespace {

/// logits = x w (optionally with the output gradient rounded onto e5m2),
/// under the module attributes `attributes`.
std::string makeModel(const std::string &attributes, bool roundGradient) {
  std::string source = "module attributes {" + attributes + "} {\n" + R"mlir(
ml_program.global private mutable @w(dense<[[3.0, -3.0], [0.5, 0.25], [-0.5, 0.125]]> : tensor<3x2xf32>) : tensor<3x2xf32>
func.func @forward(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w = ml_program.global_load @w : tensor<3x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
)mlir";
  if (roundGradient)
    source += "  %r = quantx.round_gradient %m to !quantx.float<e5m2> : "
              "tensor<4x2xf32>\n  return %r : tensor<4x2xf32>\n}\n}\n";
  else
    source += "  return %m : tensor<4x2xf32>\n}\n}\n";
  return source;
}

std::unique_ptr<CompiledModule> compileStep(
    const std::string &source,
    mlir::quantx::Optimizer optimizer = mlir::quantx::Optimizer::momentum) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::optional<std::string> step =
      transformSource(source, [&](mlir::PassManager &pm) {
        mlir::quantx::MakeTrainStepPassOptions options;
        options.optimizer = optimizer;
        options.learningRate = 0.125;
        pm.addPass(mlir::quantx::createMakeTrainStepPass(options));
      });
  EXPECT_TRUE(step) << source;
  if (!step)
    return nullptr;
  auto compiled = CompiledModule::compileSource(*step, {"forward_train_step"},
                                                RunnerOptions());
  EXPECT_TRUE(static_cast<bool>(compiled))
      << llvm::toString(compiled.takeError());
  return compiled ? std::move(*compiled) : nullptr;
}

NpyArray labels() {
  NpyArray array;
  array.dtype = DType::I32;
  array.shape = {4};
  array.data.assign(4 * sizeof(int32_t), 0); // every sample is class 0
  return array;
}

const std::vector<double> kW = {3.0, -3.0, 0.5, 0.25, -0.5, 0.125};
/// Rows: confidently right (logits 6, -6), confidently wrong, undecided,
/// right again.
const std::vector<double> kX = {2.0, 0.0, 0.0, -2.0, 0.0, 0.0,
                                0.0, 0.0, 0.0, 2.0,  0.0, 0.0};

/// `x` with every element times `factor`.
std::vector<double> scaled(const std::vector<double> &x, double factor) {
  std::vector<double> y(x);
  for (double &v : y)
    v *= factor;
  return y;
}

struct State {
  std::vector<double> w, velocity;
};

/// One unscaled momentum step from `state` on `x`.
State plainStep(CompiledModule &plain, const State &state,
                const std::vector<double> &x) {
  auto results =
      plain.call("forward_train_step",
                 {makeF32({3, 2}, state.w), makeF32({3, 2}, state.velocity),
                  makeF32({4, 3}, x), labels()});
  EXPECT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  if (!results)
    return {};
  return {toDoubles((*results)[1]), toDoubles((*results)[2])};
}

TEST(LossScaling, DynamicScalerStateMachine) {
  // Start at 2^100 and grow after 2 clean steps.
  std::unique_ptr<CompiledModule> dynamic =
      compileStep(makeModel("quantx.dynamic_loss_scale = array<f64: "
                            "1267650600228229401496703205376.0, 2.0>",
                            false));
  std::unique_ptr<CompiledModule> plain = compileStep(makeModel("", false));
  ASSERT_TRUE(dynamic && plain);
  State state{kW, std::vector<double>(6, 0.0)};
  double scale = 0, good = 0, skipped = 0; // the state starts at zero
  // (x, expected: finite, scale, good, skipped) per step: two clean steps
  // (the scale doubles after the second), one whose scaled gradient
  // overflows (x 1e10 times 2^101), a clean one.
  struct Expected {
    double xFactor;
    bool finite;
    double scale, good, skipped;
  };
  const Expected steps[] = {{1.0, true, 0x1p100, 1, 0},
                            {1.0, true, 0x1p101, 0, 0},
                            {1e10, false, 0x1p100, 0, 1},
                            {0.5, true, 0x1p100, 1, 1}};
  for (auto [k, expected] : llvm::enumerate(steps)) {
    std::vector<double> x = scaled(kX, expected.xFactor);
    // (w, velocity, loss_scale, good_steps, skipped_steps, x, labels)
    //   -> (loss, w, velocity, loss_scale, good_steps, skipped_steps).
    auto results = dynamic->call(
        "forward_train_step",
        {makeF32({3, 2}, state.w), makeF32({3, 2}, state.velocity),
         makeF32({}, {scale}), makeF32({}, {good}), makeF32({}, {skipped}),
         makeF32({4, 3}, x), labels()});
    ASSERT_TRUE(static_cast<bool>(results))
        << llvm::toString(results.takeError());
    ASSERT_EQ(results->size(), 6u);
    State got{toDoubles((*results)[1]), toDoubles((*results)[2])};
    // A finite step is the unscaled step, bit for bit; a skipped one leaves
    // parameters and momentum as they were.
    State want = expected.finite ? plainStep(*plain, state, x) : state;
    EXPECT_EQ(got.w, want.w) << "step " << k;
    EXPECT_EQ(got.velocity, want.velocity) << "step " << k;
    scale = toDoubles((*results)[3])[0];
    good = toDoubles((*results)[4])[0];
    skipped = toDoubles((*results)[5])[0];
    EXPECT_EQ(scale, expected.scale) << "step " << k;
    EXPECT_EQ(good, expected.good) << "step " << k;
    EXPECT_EQ(skipped, expected.skipped) << "step " << k;
    state = got;
  }
  // The scale halves on a NaN gradient but stays a normal number.
  double smallest = std::numeric_limits<float>::min();
  std::vector<double> x = kX;
  x[0] = NAN;
  auto results =
      dynamic->call("forward_train_step",
                    {makeF32({3, 2}, state.w), makeF32({3, 2}, state.velocity),
                     makeF32({}, {smallest}), makeF32({}, {1.0}),
                     makeF32({}, {7.0}), makeF32({4, 3}, x), labels()});
  ASSERT_TRUE(static_cast<bool>(results));
  EXPECT_EQ(toDoubles((*results)[1]), state.w);
  EXPECT_EQ(toDoubles((*results)[3])[0], smallest);
  EXPECT_EQ(toDoubles((*results)[4])[0], 0.0);
  EXPECT_EQ(toDoubles((*results)[5])[0], 8.0);
}

// Adam's state (both moments and the step count) is left as it was by a
// skipped step, and a finite scaled step is the unscaled one bit for bit.
TEST(LossScaling, AdamSkippedStepKeepsState) {
  using mlir::quantx::Optimizer;
  std::unique_ptr<CompiledModule> scaledStep = compileStep(
      makeModel("quantx.loss_scale = 1024.0", false), Optimizer::adam);
  std::unique_ptr<CompiledModule> plain =
      compileStep(makeModel("", false), Optimizer::adam);
  ASSERT_TRUE(scaledStep && plain);
  std::vector<double> zeros(6, 0.0);
  // (w, m, v, adam_step, skipped_steps, x, labels)
  //   -> (loss, w, m, v, adam_step, skipped_steps).
  auto first = scaledStep->call(
      "forward_train_step",
      {makeF32({3, 2}, kW), makeF32({3, 2}, zeros), makeF32({3, 2}, zeros),
       makeF32({}, {0.0}), makeF32({}, {0.0}), makeF32({4, 3}, kX), labels()});
  auto want = plain->call("forward_train_step",
                          {makeF32({3, 2}, kW), makeF32({3, 2}, zeros),
                           makeF32({3, 2}, zeros), makeF32({}, {0.0}),
                           makeF32({4, 3}, kX), labels()});
  ASSERT_TRUE(static_cast<bool>(first)) << llvm::toString(first.takeError());
  ASSERT_TRUE(static_cast<bool>(want)) << llvm::toString(want.takeError());
  ASSERT_EQ(first->size(), 6u);
  for (unsigned i = 1; i <= 4; ++i)
    EXPECT_EQ(toDoubles((*first)[i]), toDoubles((*want)[i])) << "result " << i;
  EXPECT_EQ(toDoubles((*first)[5])[0], 0.0);
  std::vector<double> w = toDoubles((*first)[1]), m = toDoubles((*first)[2]),
                      v = toDoubles((*first)[3]);
  double step = toDoubles((*first)[4])[0];
  EXPECT_EQ(step, 1.0);
  // A NaN input makes every gradient NaN: nothing moves, one skip counted.
  std::vector<double> x = kX;
  x[0] = NAN;
  auto skipped = scaledStep->call(
      "forward_train_step",
      {makeF32({3, 2}, w), makeF32({3, 2}, m), makeF32({3, 2}, v),
       makeF32({}, {step}), makeF32({}, {0.0}), makeF32({4, 3}, x), labels()});
  ASSERT_TRUE(static_cast<bool>(skipped));
  EXPECT_EQ(toDoubles((*skipped)[1]), w);
  EXPECT_EQ(toDoubles((*skipped)[2]), m);
  EXPECT_EQ(toDoubles((*skipped)[3]), v);
  EXPECT_EQ(toDoubles((*skipped)[4])[0], step);
  EXPECT_EQ(toDoubles((*skipped)[5])[0], 1.0);
}

TEST(LossScaling, StaticScale) {
  std::unique_ptr<CompiledModule> fixed =
      compileStep(makeModel("quantx.loss_scale = 1024.0 : f64", false));
  std::unique_ptr<CompiledModule> plain = compileStep(makeModel("", false));
  ASSERT_TRUE(fixed && plain);
  State state{kW, {0.5, 0.25, -0.125, 1.0, 0.0, -2.0}};
  for (auto [xFactor, finite, skippedAfter] :
       {std::make_tuple(1.0, true, 0.0), std::make_tuple(1e36, false, 1.0)}) {
    std::vector<double> x = scaled(kX, xFactor);
    // (w, velocity, skipped_steps, x, labels)
    //   -> (loss, w, velocity, skipped_steps).
    auto results =
        fixed->call("forward_train_step",
                    {makeF32({3, 2}, state.w), makeF32({3, 2}, state.velocity),
                     makeF32({}, {0.0}), makeF32({4, 3}, x), labels()});
    ASSERT_TRUE(static_cast<bool>(results))
        << llvm::toString(results.takeError());
    ASSERT_EQ(results->size(), 4u);
    State want = finite ? plainStep(*plain, state, x) : state;
    EXPECT_EQ(toDoubles((*results)[1]), want.w) << "x times " << xFactor;
    EXPECT_EQ(toDoubles((*results)[2]), want.velocity) << "x times " << xFactor;
    EXPECT_EQ(toDoubles((*results)[3])[0], skippedAfter)
        << "x times " << xFactor;
  }
}

TEST(LossScaling, MasterWeightsRoundedAfterTheUpdate) {
  // quantx.master = f16 on @w: the step's new w is the plain step's, rounded
  // to f16 (nearest even); the momentum stays f32.
  std::string source = makeModel("", false);
  std::string global = "tensor<3x2xf32>) : tensor<3x2xf32>";
  source.replace(source.find(global), global.size(),
                 global + " {quantx.master = !quantx.float<e5m10>}");
  std::unique_ptr<CompiledModule> master = compileStep(source);
  std::unique_ptr<CompiledModule> plain = compileStep(makeModel("", false));
  ASSERT_TRUE(master && plain);
  State state{kW, {0.5, 0.25, -0.125, 1.0, 0.0, -2.0}};
  std::vector<double> x = scaled(kX, 0.3);
  auto results =
      master->call("forward_train_step",
                   {makeF32({3, 2}, state.w), makeF32({3, 2}, state.velocity),
                    makeF32({4, 3}, x), labels()});
  ASSERT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  State want = plainStep(*plain, state, x);
  std::vector<double> w = toDoubles((*results)[1]);
  int changed = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    llvm::APFloat half(want.w[i]);
    bool losesInfo;
    half.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
                 &losesInfo);
    changed += losesInfo;
    half.convert(llvm::APFloat::IEEEdouble(),
                 llvm::APFloat::rmNearestTiesToEven, &losesInfo);
    EXPECT_EQ(w[i], half.convertToDouble()) << "w " << i;
  }
  EXPECT_GT(changed, 0) << "the data makes some update inexact in f16";
  EXPECT_EQ(toDoubles((*results)[2]), want.velocity);
}

/// The step's (nonzero, underflowed, overflowed) counts and whether it
/// changed w, for a model whose output gradient is rounded onto e5m2.
struct Counts {
  int64_t nonzero, underflowed, overflowed;
  bool updated;
};

Counts countStep(const std::string &attributes) {
  std::unique_ptr<CompiledModule> step =
      compileStep(makeModel(attributes, true));
  EXPECT_TRUE(step);
  if (!step)
    return {};
  std::vector<NpyArray> arguments = {makeF32({3, 2}, kW),
                                     makeF32({3, 2}, std::vector<double>(6))};
  if (!attributes.empty())
    arguments.push_back(makeF32({}, {0.0})); // skipped_steps
  arguments.push_back(makeF32({4, 3}, kX));
  arguments.push_back(labels());
  auto results = step->call("forward_train_step", arguments);
  EXPECT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  if (!results)
    return {};
  auto count = [&](size_t fromEnd) {
    const NpyArray &array = (*results)[results->size() - fromEnd];
    EXPECT_EQ(array.dtype, DType::I64);
    int64_t value;
    std::memcpy(&value, array.data.data(), 8);
    return value;
  };
  return {count(3), count(2), count(1), toDoubles((*results)[1]) != kW};
}

TEST(LossScaling, GradientCountsKnownAnswer) {
  // The output gradient is (softmax - onehot) / 4 per row: about +-1.5e-6
  // for the two confident right rows (below half of e5m2's smallest value,
  // 2^-16: both flush to zero), about +-0.25 for the wrong row and +-0.125
  // for the undecided one.
  Counts plain = countStep("");
  EXPECT_EQ(plain.nonzero, 8);
  EXPECT_EQ(plain.underflowed, 4);
  EXPECT_EQ(plain.overflowed, 0);
  EXPECT_TRUE(plain.updated);
  // Scaled by 2^10 nothing flushes (1.5e-3) or overflows (256 < 57344).
  Counts small = countStep("quantx.loss_scale = 1024.0 : f64");
  EXPECT_EQ(small.nonzero, 8);
  EXPECT_EQ(small.underflowed, 0);
  EXPECT_EQ(small.overflowed, 0);
  EXPECT_TRUE(small.updated);
  // Scaled by 2^20 the four large values overflow e5m2 (2.6e5 and 1.3e5):
  // counted, and the step is skipped.
  Counts large = countStep("quantx.loss_scale = 1048576.0 : f64");
  EXPECT_EQ(large.nonzero, 8);
  EXPECT_EQ(large.underflowed, 0);
  EXPECT_EQ(large.overflowed, 4);
  EXPECT_FALSE(large.updated);
}

} // namespace
