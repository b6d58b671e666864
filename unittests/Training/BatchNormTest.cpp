//===- BatchNormTest.cpp - quantx.batch_norm against a plain loop ---------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The JIT-compiled op against a reference written out here in plain C++ (in
// double), as torch.nn.BatchNorm2d defines it: training normalizes with the
// batch's biased variance and moves the running statistics by `momentum`
// towards the batch mean and unbiased variance; inference normalizes with
// the running statistics. Several steps feed the new running statistics
// back, batch sizes include ones that no vector tile divides, and the
// batch is dynamic in one case. quantx-fold-batch-norm leaves a model's
// inference outputs unchanged up to float rounding.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Runtime/Runner.h"

#include "TrainingTestSupport.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>
#include <string>

using namespace ::quantx::runtime;
using namespace ::quantx::runtime::testing;

namespace {

struct Reference {
  std::vector<double> output, mean, var;
};

/// x is [M, C] (every dimension but the last flattened).
Reference referenceBatchNorm(const std::vector<double> &x, int64_t c,
                             const std::vector<double> &gamma,
                             const std::vector<double> &beta,
                             const std::vector<double> &runningMean,
                             const std::vector<double> &runningVar,
                             double epsilon, double momentum, bool training) {
  int64_t m = static_cast<int64_t>(x.size()) / c;
  Reference r{std::vector<double>(x.size()), runningMean, runningVar};
  for (int64_t j = 0; j < c; ++j) {
    double mean = runningMean[j], var = runningVar[j];
    if (training) {
      double sum = 0;
      for (int64_t i = 0; i < m; ++i)
        sum += x[i * c + j];
      mean = sum / static_cast<double>(m);
      double squares = 0;
      for (int64_t i = 0; i < m; ++i)
        squares += (x[i * c + j] - mean) * (x[i * c + j] - mean);
      var = squares / static_cast<double>(m);
      r.mean[j] = (1 - momentum) * runningMean[j] + momentum * mean;
      r.var[j] = (1 - momentum) * runningVar[j] +
                 momentum * squares / static_cast<double>(m - 1);
    }
    for (int64_t i = 0; i < m; ++i)
      r.output[i * c + j] =
          (x[i * c + j] - mean) / std::sqrt(var + epsilon) * gamma[j] + beta[j];
  }
  return r;
}

class BatchNormTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }

  /// Compiles @f for input `inputType` (features last, `c` of them).
  std::unique_ptr<CompiledModule> compile(const std::string &inputType,
                                          int64_t c, bool training,
                                          double epsilon, double momentum) {
    std::string features = "tensor<" + std::to_string(c) + "xf32>";
    char attrs[96];
    std::snprintf(attrs, sizeof(attrs),
                  "{epsilon = %.17e : f64, momentum = %.17e : f64}", epsilon,
                  momentum);
    std::string source =
        "func.func @f(%x: " + inputType + ", %g: " + features +
        ", %b: " + features + ", %m: " + features + ", %v: " + features +
        ") -> (" + inputType + ", " + features + ", " + features +
        ") {\n  %y, %nm, %nv = quantx.batch_norm %x, %g, %b, %m, %v " +
        (training ? "training " : "") + attrs + " : " + inputType + ", " +
        features + "\n  return %y, %nm, %nv : " + inputType + ", " + features +
        ", " + features + "\n}\n";
    auto compiled =
        CompiledModule::compileSource(source, {"f"}, RunnerOptions());
    EXPECT_TRUE(static_cast<bool>(compiled))
        << llvm::toString(compiled.takeError());
    return compiled ? std::move(*compiled) : nullptr;
  }

  /// Runs `steps` calls, feeding the running statistics back, and compares
  /// every result with the reference after each call.
  void check(const std::string &inputType, std::vector<int64_t> shape,
             bool training, double epsilon, double momentum, int steps) {
    int64_t c = shape.back();
    auto code = compile(inputType, c, training, epsilon, momentum);
    ASSERT_TRUE(code);
    std::mt19937 random(7);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> uniform(0.5, 2.0);
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    std::vector<double> gamma(c), beta(c), mean(c), var(c);
    for (int64_t j = 0; j < c; ++j) {
      gamma[j] = uniform(random);
      beta[j] = normal(random);
      mean[j] = 0.1 * normal(random);
      var[j] = uniform(random);
    }
    for (int step = 0; step < steps; ++step) {
      // Features with different offsets and spreads.
      std::vector<double> x(count);
      for (int64_t i = 0; i < count; ++i)
        x[i] = 3.0 * static_cast<double>(i % c) - 2.0 +
               (1.0 + static_cast<double>(i % c)) * normal(random);
      // The op computes in f32: round the inputs as the reference sees them.
      auto asF32 = [](std::vector<double> values) {
        for (double &v : values)
          v = static_cast<float>(v);
        return values;
      };
      x = asF32(x);
      Reference want =
          referenceBatchNorm(x, c, asF32(gamma), asF32(beta), asF32(mean),
                             asF32(var), epsilon, momentum, training);
      auto results = code->call("f", {makeF32(shape, x), makeF32({c}, gamma),
                                      makeF32({c}, beta), makeF32({c}, mean),
                                      makeF32({c}, var)});
      ASSERT_TRUE(static_cast<bool>(results))
          << llvm::toString(results.takeError());
      std::vector<double> output = toDoubles((*results)[0]);
      std::vector<double> newMean = toDoubles((*results)[1]);
      std::vector<double> newVar = toDoubles((*results)[2]);
      ASSERT_EQ(output.size(), want.output.size());
      // f32 sums of up to a few thousand terms: relative error below 1e-5
      // of the values' scale.
      for (size_t i = 0; i < output.size(); ++i)
        ASSERT_NEAR(output[i], want.output[i],
                    2e-5 * (1 + std::fabs(want.output[i])))
            << inputType << " step " << step << " element " << i;
      for (int64_t j = 0; j < c; ++j) {
        ASSERT_NEAR(newMean[j], want.mean[j],
                    2e-5 * (1 + std::fabs(want.mean[j])))
            << inputType << " step " << step << " mean " << j;
        ASSERT_NEAR(newVar[j], want.var[j], 2e-5 * (1 + std::fabs(want.var[j])))
            << inputType << " step " << step << " var " << j;
      }
      mean = newMean;
      var = newVar;
    }
  }
};

TEST_F(BatchNormTest, TrainingMatchesReference) {
  check("tensor<7x5x3x16xf32>", {7, 5, 3, 16}, true, 1e-5, 0.1, 5);
  check("tensor<65x3xf32>", {65, 3}, true, 1e-3, 0.25, 4);
  check("tensor<2x1xf32>", {2, 1}, true, 1e-5, 1.0, 2);
}

TEST_F(BatchNormTest, DynamicBatchMatchesReference) {
  check("tensor<?x4x4x8xf32>", {13, 4, 4, 8}, true, 1e-5, 0.1, 3);
  check("tensor<?x17xf32>", {1, 17}, false, 1e-5, 0.1, 1);
  check("tensor<?x17xf32>", {63, 17}, true, 1e-5, 0.1, 2);
}

TEST_F(BatchNormTest, InferenceUsesRunningStatistics) {
  check("tensor<9x6x6x32xf32>", {9, 6, 6, 32}, false, 1e-5, 0.1, 2);
  check("tensor<1x10xf32>", {1, 10}, false, 1e-2, 0.1, 1);
}

/// A small network with every folded contraction kind, each followed by an
/// inference-mode batch norm with non-trivial statistics.
const char *kFoldModel = R"mlir(
func.func @forward(%x: tensor<?x6x6x2xf32>) -> tensor<?x5xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x6x6x2xf32>
  %k = arith.constant dense<[[[[0.5, -1.0, 0.25], [1.5, 0.75, -0.5]], [[-0.25, 0.5, 1.0], [0.3, -0.7, 0.9]], [[1.1, -0.2, 0.4], [-0.6, 0.8, 0.1]]],
                             [[[0.2, 0.9, -1.2], [0.6, -0.3, 0.7]], [[-0.8, 0.45, 0.35], [1.25, -0.15, -0.95]], [[0.05, 0.65, -0.55], [0.85, 0.15, 0.4]]]]> : tensor<2x3x2x3xf32>
  %g1 = arith.constant dense<[1.5, 0.5, -2.0]> : tensor<3xf32>
  %b1 = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %m1 = arith.constant dense<[0.4, -1.0, 2.5]> : tensor<3xf32>
  %v1 = arith.constant dense<[2.0, 0.25, 9.0]> : tensor<3xf32>
  %e1 = tensor.empty(%n) : tensor<?x5x4x3xf32>
  %z1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?x5x4x3xf32>) -> tensor<?x5x4x3xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %k : tensor<?x6x6x2xf32>, tensor<2x3x2x3xf32>) outs(%z1 : tensor<?x5x4x3xf32>) -> tensor<?x5x4x3xf32>
  %y1, %nm1, %nv1 = quantx.batch_norm %c, %g1, %b1, %m1, %v1 : tensor<?x5x4x3xf32>, tensor<3xf32>
  %d = arith.constant dense<[[[0.5, -1.0, 0.25], [1.0, 0.5, -0.5]], [[-0.25, 0.75, 1.0], [0.3, -0.7, 0.9]]]> : tensor<2x2x3xf32>
  %g2 = arith.constant dense<[0.9, -1.1, 0.7]> : tensor<3xf32>
  %b2 = arith.constant dense<[-0.5, 0.0, 0.5]> : tensor<3xf32>
  %m2 = arith.constant dense<[0.2, 0.3, -0.4]> : tensor<3xf32>
  %v2 = arith.constant dense<[0.5, 1.5, 3.0]> : tensor<3xf32>
  %e2 = tensor.empty(%n) : tensor<?x4x3x3xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x4x3x3xf32>) -> tensor<?x4x3x3xf32>
  %dw = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%y1, %d : tensor<?x5x4x3xf32>, tensor<2x2x3xf32>) outs(%z2 : tensor<?x4x3x3xf32>) -> tensor<?x4x3x3xf32>
  %y2, %nm2, %nv2 = quantx.batch_norm %dw, %g2, %b2, %m2, %v2 {epsilon = 1.0e-3 : f64} : tensor<?x4x3x3xf32>, tensor<3xf32>
  %flat = tensor.collapse_shape %y2 [[0], [1, 2, 3]] : tensor<?x4x3x3xf32> into tensor<?x36xf32>
  %w = arith.constant dense<0.125> : tensor<36x5xf32>
  %g3 = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0]> : tensor<5xf32>
  %b3 = arith.constant dense<[0.5, 0.5, -0.5, -0.5, 0.0]> : tensor<5xf32>
  %m3 = arith.constant dense<[1.0, -1.0, 0.5, 0.0, 2.0]> : tensor<5xf32>
  %v3 = arith.constant dense<[4.0, 1.0, 0.5, 2.0, 8.0]> : tensor<5xf32>
  %e3 = tensor.empty(%n) : tensor<?x5xf32>
  %z3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?x5xf32>) -> tensor<?x5xf32>
  %mm = linalg.matmul ins(%flat, %w : tensor<?x36xf32>, tensor<36x5xf32>) outs(%z3 : tensor<?x5xf32>) -> tensor<?x5xf32>
  %y3, %nm3, %nv3 = quantx.batch_norm %mm, %g3, %b3, %m3, %v3 : tensor<?x5xf32>, tensor<5xf32>
  return %y3 : tensor<?x5xf32>
}
)mlir";

TEST_F(BatchNormTest, FoldingKeepsInferenceOutputs) {
  // Fold in a context of its own, then compile both forms.
  std::optional<std::string> folded =
      transformSource(kFoldModel, [&](mlir::PassManager &pm) {
        pm.addPass(mlir::quantx::createFoldBatchNormPass());
      });
  ASSERT_TRUE(folded);
  ASSERT_EQ(llvm::StringRef(*folded).count("quantx.batch_norm"), 0u)
      << "every batch norm of the model folds";
  auto original =
      CompiledModule::compileSource(kFoldModel, {"forward"}, RunnerOptions());
  ASSERT_TRUE(static_cast<bool>(original))
      << llvm::toString(original.takeError());
  auto rewritten =
      CompiledModule::compileSource(*folded, {"forward"}, RunnerOptions());
  ASSERT_TRUE(static_cast<bool>(rewritten))
      << llvm::toString(rewritten.takeError());
  std::mt19937 random(3);
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  for (int64_t batch : {1, 3, 8}) {
    std::vector<double> x(batch * 6 * 6 * 2);
    for (double &v : x)
      v = uniform(random);
    NpyArray input = makeF32({batch, 6, 6, 2}, x);
    auto want = (*original)->call("forward", {input});
    auto got = (*rewritten)->call("forward", {input});
    ASSERT_TRUE(want && got);
    std::vector<double> a = toDoubles((*want)[0]), b = toDoubles((*got)[0]);
    ASSERT_EQ(a.size(), static_cast<size_t>(batch * 5));
    double scale = 0;
    for (double v : a)
      scale = std::max(scale, std::fabs(v));
    ASSERT_GT(scale, 1.0) << "the outputs are not trivially small";
    // Three layers of f32 arithmetic, reassociated: a few ulps of the
    // largest value.
    for (size_t i = 0; i < a.size(); ++i)
      EXPECT_NEAR(a[i], b[i], 1e-5 * scale) << "batch " << batch << " " << i;
  }
}

} // namespace
