//===- TrainStepTest.cpp - the training step's contract, executed ---------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx-make-train-step's step, JIT-compiled and called, against one SGD
// step computed here in plain C++ (double) for a model whose gradients have
// closed forms: logits = s (x w) + c under softmax cross-entropy. The model
// exercises the parts of the contract that quantizers rely on:
// - a parameter the model assigns (@s, initialized from mean|w| on the
//   first step, as an LSQ step size is): the optimizer updates the assigned
//   value, and quantx.stop_gradient keeps the initialization out of w's
//   gradient;
// - `quantx.weight_decay` on a parameter replaces the step's weight decay;
// - `quantx.clip` clamps a parameter after its update.
//
//===----------------------------------------------------------------------===//

#include "quantx/Autodiff/Passes.h"
#include "quantx/Runtime/Runner.h"

#include "TrainingTestSupport.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace ::quantx::runtime;
using namespace ::quantx::runtime::testing;

namespace {

const char *kModel = R"mlir(
ml_program.global private mutable @w(dense<[[0.5, -0.25], [1.0, 0.75], [-0.5, 0.125]]> : tensor<3x2xf32>) : tensor<3x2xf32>
ml_program.global private mutable @s(dense<1.0> : tensor<f32>) : tensor<f32> {quantx.weight_decay = 0.0 : f64}
ml_program.global private mutable @c(dense<[0.95, -0.5]> : tensor<2xf32>) : tensor<2xf32> {quantx.clip = array<f64: -1.0, 1.0>}
ml_program.global private mutable @ready(dense<0.0> : tensor<f32>) : tensor<f32> {quantx.buffer}
func.func @forward(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w = ml_program.global_load @w : tensor<3x2xf32>
  %s0 = ml_program.global_load @s : tensor<f32>
  %ready = ml_program.global_load @ready : tensor<f32>
  %acc = tensor.empty() : tensor<f32>
  %acc0 = linalg.fill ins(%zero : f32) outs(%acc : tensor<f32>) -> tensor<f32>
  %sum = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%w : tensor<3x2xf32>) outs(%acc0 : tensor<f32>) {
  ^bb0(%v: f32, %a: f32):
    %abs = math.absf %v : f32
    %n = arith.addf %a, %abs : f32
    linalg.yield %n : f32
  } -> tensor<f32>
  %frozen = quantx.stop_gradient %sum : tensor<f32>
  %s = linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>, affine_map<() -> ()>], iterator_types = []}
      ins(%ready, %s0, %frozen : tensor<f32>, tensor<f32>, tensor<f32>) outs(%acc : tensor<f32>) {
  ^bb0(%r: f32, %old: f32, %total: f32, %o: f32):
    %half = arith.constant 0.5 : f32
    %sixth = arith.constant 6.0 : f32
    %mean = arith.divf %total, %sixth : f32
    %done = arith.cmpf ogt, %r, %half : f32
    %v = arith.select %done, %old, %mean : f32
    linalg.yield %v : f32
  } -> tensor<f32>
  ml_program.global_store @s = %s : tensor<f32>
  %one = arith.constant dense<1.0> : tensor<f32>
  ml_program.global_store @ready = %one : tensor<f32>
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %m = linalg.matmul ins(%x, %w : tensor<4x3xf32>, tensor<3x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %c = ml_program.global_load @c : tensor<2xf32>
  %logits = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%m, %s, %c : tensor<4x2xf32>, tensor<f32>, tensor<2xf32>) outs(%e : tensor<4x2xf32>) {
  ^bb0(%v: f32, %k: f32, %b: f32, %o: f32):
    %p = arith.mulf %v, %k : f32
    %q = arith.addf %p, %b : f32
    linalg.yield %q : f32
  } -> tensor<4x2xf32>
  return %logits : tensor<4x2xf32>
}
)mlir";

struct Params {
  std::vector<double> w, c;
  double s;
};

constexpr double kLearningRate = 0.5, kWeightDecay = 0.1;

/// One SGD step of the model on (x, labels), with the step's weight decay
/// on w and c, none on s, c clamped to [-1, 1], and s first replaced by
/// mean|w| when `ready` is false.
Params referenceStep(const Params &p, const std::vector<double> &x,
                     const std::vector<int> &labels, bool ready) {
  double s = p.s;
  if (!ready) {
    s = 0;
    for (double v : p.w)
      s += std::fabs(v);
    s /= 6;
  }
  std::vector<double> m(8, 0.0), dlogits(8);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 3; ++k)
        m[i * 2 + j] += x[i * 3 + k] * p.w[k * 2 + j];
  for (int i = 0; i < 4; ++i) {
    double l0 = s * m[i * 2] + p.c[0], l1 = s * m[i * 2 + 1] + p.c[1];
    double top = std::max(l0, l1);
    double e0 = std::exp(l0 - top), e1 = std::exp(l1 - top);
    dlogits[i * 2] = (e0 / (e0 + e1) - (labels[i] == 0)) / 4;
    dlogits[i * 2 + 1] = (e1 / (e0 + e1) - (labels[i] == 1)) / 4;
  }
  double gs = 0;
  std::vector<double> gw(6, 0.0), gc(2, 0.0);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 2; ++j) {
      gs += dlogits[i * 2 + j] * m[i * 2 + j];
      gc[j] += dlogits[i * 2 + j];
      for (int k = 0; k < 3; ++k)
        gw[k * 2 + j] += x[i * 3 + k] * s * dlogits[i * 2 + j];
    }
  // The initializing step's gradient reaches the data branch, which stops
  // it: s keeps its initial value.
  if (!ready)
    gs = 0;
  Params next;
  next.s = s - kLearningRate * gs;
  for (int k = 0; k < 6; ++k)
    next.w.push_back(p.w[k] - kLearningRate * (gw[k] + kWeightDecay * p.w[k]));
  for (int j = 0; j < 2; ++j)
    next.c.push_back(std::clamp(
        p.c[j] - kLearningRate * (gc[j] + kWeightDecay * p.c[j]), -1.0, 1.0));
  return next;
}

TEST(TrainStep, AssignedParameterDecayAndClip) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::optional<std::string> stepSource =
      transformSource(kModel, [](mlir::PassManager &pm) {
        mlir::quantx::MakeTrainStepPassOptions options;
        options.optimizer = mlir::quantx::Optimizer::sgd;
        options.learningRate = kLearningRate;
        options.weightDecay = kWeightDecay;
        pm.addPass(mlir::quantx::createMakeTrainStepPass(options));
      });
  ASSERT_TRUE(stepSource) << "the training step builds";
  auto compiled = CompiledModule::compileSource(
      *stepSource, {"forward_train_step"}, RunnerOptions());
  ASSERT_TRUE(static_cast<bool>(compiled))
      << llvm::toString(compiled.takeError());
  Params p{{0.5, -0.25, 1.0, 0.75, -0.5, 0.125}, {0.99, -0.5}, 1.0};
  std::vector<double> x = {1.0,  2.0, -1.0, 0.5, -0.5, 2.0,
                           -2.0, 1.0, 0.25, 1.5, 0.0,  -1.0};
  std::vector<int> labels = {0, 0, 0, 0};
  NpyArray labelArray;
  labelArray.dtype = DType::I32;
  labelArray.shape = {4};
  labelArray.data.resize(4 * sizeof(int32_t));
  std::memcpy(labelArray.data.data(), labels.data(), 4 * sizeof(int32_t));
  double ready = 0.0;
  bool clipped = false;
  for (int step = 0; step < 3; ++step) {
    Params want = referenceStep(p, x, labels, ready > 0.5);
    // (w, s, c, ready, x, labels) -> (loss, w, s, c, ready).
    auto results = (*compiled)->call("forward_train_step",
                                     {makeF32({3, 2}, p.w), makeF32({}, {p.s}),
                                      makeF32({2}, p.c), makeF32({}, {ready}),
                                      makeF32({4, 3}, x), labelArray});
    ASSERT_TRUE(static_cast<bool>(results))
        << llvm::toString(results.takeError());
    ASSERT_EQ(results->size(), 5u);
    Params got{toDoubles((*results)[1]), toDoubles((*results)[3]),
               toDoubles((*results)[2])[0]};
    // f32 arithmetic on values of order 1.
    EXPECT_NEAR(got.s, want.s, 1e-6) << "step " << step;
    for (int k = 0; k < 6; ++k)
      EXPECT_NEAR(got.w[k], want.w[k], 1e-6) << "step " << step << " w " << k;
    for (int j = 0; j < 2; ++j)
      EXPECT_NEAR(got.c[j], want.c[j], 1e-6) << "step " << step << " c " << j;
    if (step == 0)
      EXPECT_NEAR(got.s, (0.5 + 0.25 + 1.0 + 0.75 + 0.5 + 0.125) / 6, 1e-7)
          << "the first step initializes s from the weights";
    clipped |= got.c[0] == 1.0 || got.c[1] == -1.0;
    EXPECT_EQ(toDoubles((*results)[4])[0], 1.0);
    p = got;
    ready = 1.0;
  }
  EXPECT_TRUE(clipped) << "the data makes c reach its bound";
}

} // namespace
