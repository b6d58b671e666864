//===- QuantizerScalesTest.cpp - weight quantizers against closed forms ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx-insert-fake-quant's weight quantizers, JIT-compiled, against their
// closed forms written out here in plain C++: max|w| (ste), SAWB's clip,
// TWN's threshold and scale, XNOR-Net's mean|w|, and LSQ's first step
// 2 mean|w| / sqrt(qp), per channel and per tensor. The model is one dense
// layer fed the identity matrix, so its output is the quantized weights.
//
//===----------------------------------------------------------------------===//

#include "quantx/Autodiff/Passes.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
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
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace ::quantx::runtime;
using namespace ::quantx::runtime::testing;

namespace {

constexpr int64_t kRows = 16, kColumns = 4;

struct SawbEntry {
  int64_t bits;
  double c1, c2;
};
// The table quantx uses; test/Tools/sawb-fit.test checks it against the fit.
constexpr SawbEntry kSawb[] = {
#include "../../lib/Dialect/Quantx/Transforms/SawbCoefficients.inc"
};

/// Weights [16, 4] whose columns have different spreads, rounded to f32.
std::vector<double> makeWeights() {
  std::mt19937 random(11);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double spread[kColumns] = {0.05, 0.5, 1.0, 3.0};
  std::vector<double> w(kRows * kColumns);
  for (int64_t i = 0; i < kRows; ++i)
    for (int64_t j = 0; j < kColumns; ++j)
      w[i * kColumns + j] = static_cast<float>(spread[j] * normal(random));
  return w;
}

std::string makeModel(const std::vector<double> &w) {
  std::string values;
  for (int64_t i = 0; i < kRows; ++i) {
    values += i ? ", [" : "[";
    for (int64_t j = 0; j < kColumns; ++j) {
      char text[32];
      std::snprintf(text, sizeof(text), "%s%.9g", j ? ", " : "",
                    w[i * kColumns + j]);
      values += text;
    }
    values += "]";
  }
  return R"mlir(
ml_program.global private mutable @w(dense<[)mlir" +
         values + R"mlir(]> : tensor<16x4xf32>) : tensor<16x4xf32>
func.func @forward(%x: tensor<16x16xf32>) -> tensor<16x4xf32> {
  %zero = arith.constant 0.0 : f32
  %w = ml_program.global_load @w : tensor<16x4xf32>
  %e = tensor.empty() : tensor<16x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x4xf32>) -> tensor<16x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<16x16xf32>, tensor<16x4xf32>) outs(%f : tensor<16x4xf32>) -> tensor<16x4xf32>
  return %y : tensor<16x4xf32>
}
)mlir";
}

/// The quantized weights as the compiled model computes them.
std::vector<double> runQuantizer(const std::string &scheme, int64_t bits,
                                 bool perChannel,
                                 const std::vector<double> &w) {
  std::optional<std::string> source =
      transformSource(makeModel(w), [&](mlir::PassManager &pm) {
        mlir::quantx::InsertFakeQuantPassOptions options;
        options.weights = scheme;
        options.activations = "none";
        options.weightBits = bits;
        options.perChannel = perChannel;
        options.firstLastBits = 0;
        pm.addPass(mlir::quantx::createInsertFakeQuantPass(options));
        pm.addPass(mlir::quantx::createMakeTrainStepPass());
      });
  EXPECT_TRUE(source) << scheme << " " << bits;
  if (!source)
    return {};
  auto compiled =
      CompiledModule::compileSource(*source, {"forward_predict"}, {});
  EXPECT_TRUE(static_cast<bool>(compiled))
      << llvm::toString(compiled.takeError());
  if (!compiled)
    return {};
  // Parameters (w, and LSQ's step, whose initial value the data replaces
  // while the model state flag is 0), then the identity.
  std::vector<NpyArray> arguments = {makeF32({kRows, kColumns}, w)};
  if (scheme == "lsq") {
    if (perChannel)
      arguments.push_back(makeF32({kColumns}, std::vector<double>(4, 1.0)));
    else
      arguments.push_back(makeF32({}, {1.0}));
    arguments.push_back(makeF32({}, {0.0}));
  }
  std::vector<double> identity(kRows * kRows, 0.0);
  for (int64_t i = 0; i < kRows; ++i)
    identity[i * kRows + i] = 1.0;
  arguments.push_back(makeF32({kRows, kRows}, identity));
  auto results = (*compiled)->call("forward_predict", arguments);
  EXPECT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  return results ? toDoubles((*results)[0]) : std::vector<double>();
}

/// Elements of the group `g` (a column, or everything).
std::vector<double> group(const std::vector<double> &w, bool perChannel,
                          int64_t g) {
  if (!perChannel)
    return w;
  std::vector<double> column;
  for (int64_t i = 0; i < kRows; ++i)
    column.push_back(w[i * kColumns + g]);
  return column;
}

double meanAbs(const std::vector<double> &v) {
  double sum = 0;
  for (double x : v)
    sum += std::fabs(x);
  return sum / static_cast<double>(v.size());
}

double maxAbs(const std::vector<double> &v) {
  double m = 0;
  for (double x : v)
    m = std::max(m, std::fabs(x));
  return m;
}

/// round-half-even(w / s) clamped to [lo, hi], times s.
double onGrid(double w, double s, double lo, double hi) {
  return std::clamp(std::nearbyint(w / s), lo, hi) * s;
}

using GroupFunction = std::function<double(const std::vector<double> &)>;

/// Compares the compiled quantizer with `reference(group values, w)` for
/// each group (column, or the whole tensor), to `tolerance(group values)`
/// relative to the group's largest magnitude: the scales are f32
/// computations.
void check(
    const std::string &scheme, int64_t bits,
    const std::function<double(const std::vector<double> &, double)> &reference,
    const GroupFunction &tolerance = [](const std::vector<double> &) {
      return 1e-6;
    }) {
  std::vector<double> w = makeWeights();
  for (bool perChannel : {true, false}) {
    std::vector<double> got = runQuantizer(scheme, bits, perChannel, w);
    ASSERT_EQ(got.size(), w.size()) << scheme << " " << bits;
    for (int64_t i = 0; i < kRows; ++i)
      for (int64_t j = 0; j < kColumns; ++j) {
        std::vector<double> values = group(w, perChannel, j);
        double want = reference(values, w[i * kColumns + j]);
        EXPECT_NEAR(got[i * kColumns + j], want,
                    tolerance(values) * maxAbs(values) + 1e-30)
            << scheme << " " << bits
            << (perChannel ? " per channel" : " per tensor") << " w[" << i
            << "][" << j << "] = " << w[i * kColumns + j];
      }
  }
}

TEST(QuantizerScales, MaxAbsSte) {
  for (int64_t bits : {2, 4, 8}) {
    double qmax = std::ldexp(1.0, int(bits - 1)) - 1;
    check("ste", bits, [&](const std::vector<double> &values, double w) {
      return onGrid(w, maxAbs(values) / qmax, -qmax, qmax);
    });
  }
}

TEST(QuantizerScales, Sawb) {
  for (const SawbEntry &c : kSawb) {
    double qmax = std::ldexp(1.0, int(c.bits - 1)) - 1;
    auto rms = [](const std::vector<double> &values) {
      double square = 0;
      for (double v : values)
        square += v * v;
      return std::sqrt(square / static_cast<double>(values.size()));
    };
    check(
        "sawb", c.bits,
        [&](const std::vector<double> &values, double w) {
          double alpha = c.c1 * rms(values) - c.c2 * meanAbs(values);
          alpha = std::min(alpha, maxAbs(values));
          return onGrid(w, alpha / qmax, -qmax, qmax);
        },
        // The clip is a difference of two larger terms: f32 rounding
        // of each is amplified by (c1 rms + c2 mean|w|) / alpha.
        [&](const std::vector<double> &values) {
          double terms = c.c1 * rms(values) + c.c2 * meanAbs(values);
          double alpha = c.c1 * rms(values) - c.c2 * meanAbs(values);
          return 1e-6 * std::max(1.0, terms / alpha);
        });
  }
}

TEST(QuantizerScales, Twn) {
  check("twn", 2, [](const std::vector<double> &values, double w) {
    double delta = 0.7 * meanAbs(values);
    double sum = 0;
    int count = 0;
    for (double v : values)
      if (std::fabs(v) > delta) {
        sum += std::fabs(v);
        ++count;
      }
    double alpha = sum / count;
    return std::fabs(w) > delta ? std::copysign(alpha, w) : 0.0;
  });
}

TEST(QuantizerScales, XnorAndBinary) {
  for (const char *scheme : {"xnor", "binary"})
    check(scheme, 1, [](const std::vector<double> &values, double w) {
      return w >= 0 ? meanAbs(values) : -meanAbs(values);
    });
}

TEST(QuantizerScales, LsqFirstStep) {
  for (int64_t bits : {2, 3, 4, 8}) {
    double qn = std::ldexp(1.0, int(bits - 1)), qp = qn - 1;
    check("lsq", bits, [&](const std::vector<double> &values, double w) {
      return onGrid(w, 2 * meanAbs(values) / std::sqrt(qp), -qn, qp);
    });
  }
}

class QuantizerScalesEnvironment : public ::testing::Environment {
  void SetUp() override {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
};

[[maybe_unused]] ::testing::Environment *const environment =
    ::testing::AddGlobalTestEnvironment(new QuantizerScalesEnvironment);

} // namespace
