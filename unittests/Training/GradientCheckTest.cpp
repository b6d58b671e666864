//===- GradientCheckTest.cpp - gradients against finite differences -------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each case is a function @f over f64 tensors. The loss is
// L = sum(f(args) * R) for a fixed random cotangent R; quantx-differentiate
// builds @f_grad, both are JIT-compiled through quantx-to-llvm, and every
// component of every gradient is compared with the central difference
// (L(x + h e) - L(x - h e)) / 2h, h = 1e-6, computed by calling @f.
//
// Tolerance: |analytic - numeric| <= 1e-6 + 1e-5 |numeric|. In f64 the
// central difference has truncation error O(h^2) and rounding error
// O(1e-16 / h) = O(1e-10) relative to L, far below it; random inputs keep
// max/min/relu away from their kinks by much more than h. The one case that
// rounds through f32 uses h = 1e-3 and 1e-3: f32 rounding (6e-8 relative)
// divided by h is 6e-5; the function is linear in the checked inputs, so the
// larger step adds no truncation error.
//
//===----------------------------------------------------------------------===//

#include "quantx/Autodiff/Differentiation.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Runtime/Runner.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/TargetSelect.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace mlir;
using namespace ::quantx::runtime;

namespace {

struct GradientCase {
  const char *name;
  /// The module; @f takes and returns f64 tensors.
  const char *source;
  /// Inputs are drawn uniformly from [low, high].
  double low = -1.0, high = 1.0;
  /// Step and relative tolerance of the central difference.
  double h = 1e-6, tolerance = 1e-5;
};

std::vector<double> toDoubles(const NpyArray &array) {
  std::vector<double> values(array.getNumElements());
  std::memcpy(values.data(), array.data.data(), values.size() * 8);
  return values;
}

NpyArray fromDoubles(const std::vector<int64_t> &shape,
                     const std::vector<double> &values) {
  NpyArray array;
  array.dtype = DType::F64;
  array.shape = shape;
  array.data.resize(values.size() * 8);
  std::memcpy(array.data.data(), values.data(), values.size() * 8);
  return array;
}

class GradientCheck : public ::testing::TestWithParam<GradientCase> {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
};

TEST_P(GradientCheck, MatchesCentralDifferences) {
  const GradientCase &param = GetParam();
  DialectRegistry registry;
  registerJitDialects(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(param.source, context.get());
  ASSERT_TRUE(module) << "cannot parse " << param.name;
  auto function = module->lookupSymbol<func::FuncOp>("f");
  ASSERT_TRUE(function);
  SmallVector<unsigned> wrt =
      mlir::quantx::getDifferentiableArguments(function);
  ASSERT_FALSE(wrt.empty());
  ASSERT_TRUE(
      succeeded(mlir::quantx::buildGradientFunction(function, wrt, "f_grad")));
  auto compiled = CompiledModule::compile(std::move(context), std::move(module),
                                          {"f", "f_grad"}, RunnerOptions());
  ASSERT_TRUE(static_cast<bool>(compiled))
      << llvm::toString(compiled.takeError());
  CompiledModule &jit = **compiled;

  std::mt19937_64 random(1234);
  std::uniform_real_distribution<double> input(param.low, param.high);
  std::uniform_real_distribution<double> cotangent(-1.0, 1.0);
  std::vector<NpyArray> args;
  // Dynamic dimensions (a dynamic batch) take kDynamicSize in every operand.
  constexpr int64_t kDynamicSize = 3;
  auto concrete = [&](std::vector<int64_t> shape) {
    for (int64_t &d : shape)
      if (d < 0)
        d = kDynamicSize;
    return shape;
  };
  auto randomArray = [&](const TensorSignature &signature, auto &distribution) {
    std::vector<int64_t> shape = concrete(signature.shape);
    int64_t count = 1;
    for (int64_t d : shape)
      count *= d;
    std::vector<double> values(count);
    for (double &v : values)
      v = distribution(random);
    return fromDoubles(shape, values);
  };
  for (const TensorSignature &signature : jit.getArguments("f")) {
    ASSERT_EQ(signature.dtype, DType::F64);
    args.push_back(randomArray(signature, input));
  }
  std::vector<NpyArray> cotangents;
  for (const TensorSignature &signature : jit.getResults("f"))
    cotangents.push_back(randomArray(signature, cotangent));

  auto loss = [&](const std::vector<NpyArray> &inputs) -> double {
    auto results = jit.call("f", inputs);
    EXPECT_TRUE(static_cast<bool>(results))
        << llvm::toString(results.takeError());
    if (!results)
      return NAN;
    double sum = 0;
    for (size_t k = 0; k < results->size(); ++k) {
      std::vector<double> r = toDoubles((*results)[k]);
      std::vector<double> c = toDoubles(cotangents[k]);
      for (size_t i = 0; i < r.size(); ++i)
        sum += r[i] * c[i];
    }
    return sum;
  };

  std::vector<NpyArray> gradInputs = args;
  gradInputs.insert(gradInputs.end(), cotangents.begin(), cotangents.end());
  auto gradResults = jit.call("f_grad", gradInputs);
  ASSERT_TRUE(static_cast<bool>(gradResults))
      << llvm::toString(gradResults.takeError());
  size_t numResults = jit.getResults("f").size();
  ASSERT_EQ(gradResults->size(), numResults + wrt.size());

  const double h = param.h;
  int checked = 0;
  for (auto [k, index] : llvm::enumerate(wrt)) {
    std::vector<double> analytic = toDoubles((*gradResults)[numResults + k]);
    std::vector<double> x = toDoubles(args[index]);
    ASSERT_EQ(analytic.size(), x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      std::vector<NpyArray> shifted = args;
      std::vector<double> plus = x, minus = x;
      plus[i] += h;
      minus[i] -= h;
      shifted[index] = fromDoubles(args[index].shape, plus);
      double up = loss(shifted);
      shifted[index] = fromDoubles(args[index].shape, minus);
      double down = loss(shifted);
      double numeric = (up - down) / (2 * h);
      EXPECT_NEAR(analytic[i], numeric,
                  1e-6 + param.tolerance * std::fabs(numeric))
          << param.name << ": d/d(arg " << index << ")[" << i << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 0);
}

//===----------------------------------------------------------------------===//
// Cases
//===----------------------------------------------------------------------===//

/// The case's name with every non-alphanumeric character replaced by '_'.
std::string testName(const ::testing::TestParamInfo<GradientCase> &info) {
  std::string name = info.param.name;
  for (char &c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)))
      c = '_';
  return name;
}

GradientCase withStep(GradientCase c, double h, double tolerance) {
  c.h = h;
  c.tolerance = tolerance;
  return c;
}

#define ELEMENTWISE_BINARY(NAME, BODY)                                         \
  GradientCase{                                                                \
      NAME,                                                                    \
      "#m = affine_map<(i, j) -> (i, j)>\n"                                    \
      "func.func @f(%x: tensor<3x4xf64>, %y: tensor<3x4xf64>) -> "             \
      "tensor<3x4xf64> {\n"                                                    \
      "  %e = tensor.empty() : tensor<3x4xf64>\n"                              \
      "  %r = linalg.generic {indexing_maps = [#m, #m, #m], iterator_types "   \
      "= [\"parallel\", \"parallel\"]} ins(%x, %y : tensor<3x4xf64>, "         \
      "tensor<3x4xf64>) outs(%e : tensor<3x4xf64>) {\n"                        \
      "  ^bb0(%a: f64, %b: f64, %o: f64):\n" BODY "  } -> tensor<3x4xf64>\n"   \
      "  return %r : tensor<3x4xf64>\n"                                        \
      "}\n"}

#define ELEMENTWISE_UNARY(NAME, OP, LOW, HIGH)                                 \
  GradientCase {                                                               \
    NAME,                                                                      \
        "func.func @f(%x: tensor<2x5xf64>) -> tensor<2x5xf64> {\n"             \
        "  %r = " OP " %x : tensor<2x5xf64>\n"                                 \
        "  return %r : tensor<2x5xf64>\n"                                      \
        "}\n",                                                                 \
        LOW, HIGH                                                              \
  }

const GradientCase kScalarCases[] = {
    ELEMENTWISE_BINARY("addf", "%s = arith.addf %a, %b : f64\n"
                               "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("subf", "%s = arith.subf %a, %b : f64\n"
                               "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("mulf", "%s = arith.mulf %a, %b : f64\n"
                               "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("divf", "%c = arith.constant 2.0 : f64\n"
                               "%d = arith.addf %b, %c : f64\n"
                               "%s = arith.divf %a, %d : f64\n"
                               "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("maximumf", "%s = arith.maximumf %a, %b : f64\n"
                                   "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("minimumf", "%s = arith.minimumf %a, %b : f64\n"
                                   "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("maxnumf", "%s = arith.maxnumf %a, %b : f64\n"
                                  "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("minnumf", "%s = arith.minnumf %a, %b : f64\n"
                                  "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("select-cmpf", "%c = arith.cmpf olt, %a, %b : f64\n"
                                      "%m = arith.mulf %a, %b : f64\n"
                                      "%s = arith.select %c, %m, %b : f64\n"
                                      "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("relu-of-product", "%z = arith.constant 0.0 : f64\n"
                                          "%m = arith.mulf %a, %b : f64\n"
                                          "%s = arith.maximumf %m, %z : f64\n"
                                          "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("powf-and-negf", "%c = arith.constant 2.0 : f64\n"
                                        "%p = arith.addf %a, %c : f64\n"
                                        "%q = math.powf %p, %b : f64\n"
                                        "%s = arith.negf %q : f64\n"
                                        "linalg.yield %s : f64\n"),
    ELEMENTWISE_BINARY("reused-operand", "%m = arith.mulf %a, %a : f64\n"
                                         "%n = arith.mulf %m, %a : f64\n"
                                         "%s = arith.addf %n, %b : f64\n"
                                         "linalg.yield %s : f64\n"),
    withStep(ELEMENTWISE_BINARY("extf-truncf",
                                "%t = arith.truncf %a : f64 to f32\n"
                                "%u = arith.extf %t : f32 to f64\n"
                                "%s = arith.mulf %u, %b : f64\n"
                                "linalg.yield %s : f64\n"),
             1e-3, 1e-3),
    ELEMENTWISE_UNARY("tensor-mulf", "arith.mulf %x,", -1.0, 1.0),
    ELEMENTWISE_UNARY("exp", "math.exp", -1.0, 1.0),
    ELEMENTWISE_UNARY("log", "math.log", 0.5, 2.0),
    ELEMENTWISE_UNARY("log1p", "math.log1p", 0.0, 2.0),
    ELEMENTWISE_UNARY("tanh", "math.tanh", -2.0, 2.0),
    ELEMENTWISE_UNARY("sqrt", "math.sqrt", 0.5, 2.0),
    ELEMENTWISE_UNARY("rsqrt", "math.rsqrt", 0.5, 2.0),
    ELEMENTWISE_UNARY("absf", "math.absf", -1.0, 1.0),
    ELEMENTWISE_UNARY("negf", "arith.negf", -1.0, 1.0),
};

const GradientCase kStructuredCases[] = {
    {"matmul", R"mlir(
func.func @f(%a: tensor<3x4xf64>, %b: tensor<4x5xf64>, %c: tensor<3x5xf64>) -> tensor<3x5xf64> {
  %r = linalg.matmul ins(%a, %b : tensor<3x4xf64>, tensor<4x5xf64>) outs(%c : tensor<3x5xf64>) -> tensor<3x5xf64>
  return %r : tensor<3x5xf64>
})mlir"},
    {"matmul-transposed-a", R"mlir(
func.func @f(%a: tensor<4x3xf64>, %b: tensor<4x5xf64>) -> tensor<3x5xf64> {
  %z = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<3x5xf64>
  %c = linalg.fill ins(%z : f64) outs(%e : tensor<3x5xf64>) -> tensor<3x5xf64>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<4x3xf64>, tensor<4x5xf64>) outs(%c : tensor<3x5xf64>) -> tensor<3x5xf64>
  return %r : tensor<3x5xf64>
})mlir"},
    {"batch_matmul", R"mlir(
func.func @f(%a: tensor<2x3x4xf64>, %b: tensor<2x4x2xf64>) -> tensor<2x3x2xf64> {
  %z = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<2x3x2xf64>
  %c = linalg.fill ins(%z : f64) outs(%e : tensor<2x3x2xf64>) -> tensor<2x3x2xf64>
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x3x4xf64>, tensor<2x4x2xf64>) outs(%c : tensor<2x3x2xf64>) -> tensor<2x3x2xf64>
  return %r : tensor<2x3x2xf64>
})mlir"},
    {"matvec", R"mlir(
func.func @f(%a: tensor<3x4xf64>, %x: tensor<4xf64>, %y: tensor<3xf64>) -> tensor<3xf64> {
  %r = linalg.matvec ins(%a, %x : tensor<3x4xf64>, tensor<4xf64>) outs(%y : tensor<3xf64>) -> tensor<3xf64>
  return %r : tensor<3xf64>
})mlir"},
    {"broadcast-transpose", R"mlir(
func.func @f(%x: tensor<3x4xf64>) -> tensor<4x2x3xf64> {
  %e = tensor.empty() : tensor<3x4x2xf64>
  %b = linalg.broadcast ins(%x : tensor<3x4xf64>) outs(%e : tensor<3x4x2xf64>) dimensions = [2]
  %t = tensor.empty() : tensor<4x2x3xf64>
  %r = linalg.transpose ins(%b : tensor<3x4x2xf64>) outs(%t : tensor<4x2x3xf64>) permutation = [1, 2, 0]
  return %r : tensor<4x2x3xf64>
})mlir"},
    {"reduce-sum", R"mlir(
func.func @f(%x: tensor<3x4xf64>, %init: tensor<3xf64>) -> tensor<3xf64> {
  %r = linalg.reduce ins(%x : tensor<3x4xf64>) outs(%init : tensor<3xf64>) dimensions = [1]
    (%in: f64, %acc: f64) {
      %m = arith.mulf %in, %in : f64
      %s = arith.addf %m, %acc : f64
      linalg.yield %s : f64
    }
  return %r : tensor<3xf64>
})mlir"},
    {"reduce-max", R"mlir(
func.func @f(%x: tensor<3x4xf64>) -> tensor<4xf64> {
  %m = arith.constant -1.0e30 : f64
  %e = tensor.empty() : tensor<4xf64>
  %init = linalg.fill ins(%m : f64) outs(%e : tensor<4xf64>) -> tensor<4xf64>
  %r = linalg.reduce ins(%x : tensor<3x4xf64>) outs(%init : tensor<4xf64>) dimensions = [0]
    (%in: f64, %acc: f64) {
      %s = arith.maximumf %acc, %in : f64
      linalg.yield %s : f64
    }
  return %r : tensor<4xf64>
})mlir"},
    {"generic-accumulate-into-init", R"mlir(
#m = affine_map<(i, j) -> (i, j)>
func.func @f(%x: tensor<3x4xf64>, %y: tensor<3x4xf64>) -> tensor<3x4xf64> {
  %r = linalg.generic {indexing_maps = [#m, #m], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3x4xf64>) outs(%y : tensor<3x4xf64>) {
  ^bb0(%a: f64, %o: f64):
    %p = arith.mulf %a, %o : f64
    %s = arith.addf %p, %o : f64
    linalg.yield %s : f64
  } -> tensor<3x4xf64>
  return %r : tensor<3x4xf64>
})mlir"},
    // A generic with a float and an integer output (the integer output has
    // no gradient; it once crashed the rule), the integer read back into the
    // float path (a step function: zero gradient almost everywhere).
    {"generic-float-and-integer-outputs", R"mlir(
#m = affine_map<(i, j) -> (i, j)>
func.func @f(%x: tensor<3x4xf64>) -> tensor<3x4xf64> {
  %e = tensor.empty() : tensor<3x4xf64>
  %ei = tensor.empty() : tensor<3x4xi32>
  %r:2 = linalg.generic {indexing_maps = [#m, #m, #m], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<3x4xf64>) outs(%e, %ei : tensor<3x4xf64>, tensor<3x4xi32>) {
  ^bb0(%a: f64, %o: f64, %oi: i32):
    %p = arith.mulf %a, %a : f64
    %c = arith.constant 4.0 : f64
    %q = arith.mulf %a, %c : f64
    %k = arith.fptosi %q : f64 to i32
    linalg.yield %p, %k : f64, i32
  } -> (tensor<3x4xf64>, tensor<3x4xi32>)
  %t = arith.sitofp %r#1 : tensor<3x4xi32> to tensor<3x4xf64>
  %s = arith.addf %r#0, %t : tensor<3x4xf64>
  return %s : tensor<3x4xf64>
})mlir"},
    {"slices-reshapes-concat", R"mlir(
func.func @f(%x: tensor<4x6xf64>, %y: tensor<2x3xf64>) -> tensor<3x2x3xf64> {
  %s = tensor.extract_slice %x[1, 0] [2, 6] [2, 1] : tensor<4x6xf64> to tensor<2x6xf64>
  %i = tensor.insert_slice %y into %s[0, 1] [2, 3] [1, 2] : tensor<2x3xf64> into tensor<2x6xf64>
  %c = tensor.collapse_shape %i [[0, 1]] : tensor<2x6xf64> into tensor<12xf64>
  %e = tensor.expand_shape %c [[0, 1]] output_shape [4, 3] : tensor<12xf64> into tensor<4x3xf64>
  %k = tensor.concat dim(0) %e, %y : (tensor<4x3xf64>, tensor<2x3xf64>) -> tensor<6x3xf64>
  %r = tensor.expand_shape %k [[0, 1], [2]] output_shape [3, 2, 3] : tensor<6x3xf64> into tensor<3x2x3xf64>
  return %r : tensor<3x2x3xf64>
})mlir"},
    {"softmax_cross_entropy", R"mlir(
func.func @f(%logits: tensor<4x5xf64>) -> tensor<f64> {
  %labels = arith.constant dense<[0, 4, 2, 2]> : tensor<4xi32>
  %l = quantx.softmax_cross_entropy %logits, %labels : tensor<4x5xf64>, tensor<4xi32> -> tensor<f64>
  return %l : tensor<f64>
})mlir",
     -3.0, 3.0},
    {"mlp-relu-cross-entropy", R"mlir(
#m = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
func.func @f(%x: tensor<4x6xf64>, %w1: tensor<6x5xf64>, %b1: tensor<5xf64>, %w2: tensor<5x3xf64>, %b2: tensor<3xf64>) -> tensor<f64> {
  %z = arith.constant 0.0 : f64
  %e1 = tensor.empty() : tensor<4x5xf64>
  %f1 = linalg.fill ins(%z : f64) outs(%e1 : tensor<4x5xf64>) -> tensor<4x5xf64>
  %m1 = linalg.matmul ins(%x, %w1 : tensor<4x6xf64>, tensor<6x5xf64>) outs(%f1 : tensor<4x5xf64>) -> tensor<4x5xf64>
  %h = linalg.generic {indexing_maps = [#m, #row, #m], iterator_types = ["parallel", "parallel"]}
      ins(%m1, %b1 : tensor<4x5xf64>, tensor<5xf64>) outs(%e1 : tensor<4x5xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %s = arith.addf %a, %b : f64
    %r = arith.maximumf %s, %z : f64
    linalg.yield %r : f64
  } -> tensor<4x5xf64>
  %e2 = tensor.empty() : tensor<4x3xf64>
  %f2 = linalg.fill ins(%z : f64) outs(%e2 : tensor<4x3xf64>) -> tensor<4x3xf64>
  %m2 = linalg.matmul ins(%h, %w2 : tensor<4x5xf64>, tensor<5x3xf64>) outs(%f2 : tensor<4x3xf64>) -> tensor<4x3xf64>
  %logits = linalg.generic {indexing_maps = [#m, #row, #m], iterator_types = ["parallel", "parallel"]}
      ins(%m2, %b2 : tensor<4x3xf64>, tensor<3xf64>) outs(%e2 : tensor<4x3xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %s = arith.addf %a, %b : f64
    linalg.yield %s : f64
  } -> tensor<4x3xf64>
  %labels = arith.constant dense<[2, 0, 1, 2]> : tensor<4xi32>
  %l = quantx.softmax_cross_entropy %logits, %labels : tensor<4x3xf64>, tensor<4xi32> -> tensor<f64>
  return %l : tensor<f64>
})mlir"},
    {"conv_2d_nhwc_hwcf-strided", R"mlir(
func.func @f(%x: tensor<2x7x7x3xf64>, %w: tensor<3x3x3x4xf64>) -> tensor<2x3x3x4xf64> {
  %z = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<2x3x3x4xf64>
  %c = linalg.fill ins(%z : f64) outs(%e : tensor<2x3x3x4xf64>) -> tensor<2x3x3x4xf64>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<2x7x7x3xf64>, tensor<3x3x3x4xf64>) outs(%c : tensor<2x3x3x4xf64>) -> tensor<2x3x3x4xf64>
  return %r : tensor<2x3x3x4xf64>
})mlir"},
    {"conv-with-pad", R"mlir(
func.func @f(%x: tensor<1x4x4x2xf64>, %w: tensor<3x3x2x2xf64>) -> tensor<1x4x4x2xf64> {
  %z = arith.constant 0.0 : f64
  %p = tensor.pad %x low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %z : f64
  } : tensor<1x4x4x2xf64> to tensor<1x6x6x2xf64>
  %e = tensor.empty() : tensor<1x4x4x2xf64>
  %c = linalg.fill ins(%z : f64) outs(%e : tensor<1x4x4x2xf64>) -> tensor<1x4x4x2xf64>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %w : tensor<1x6x6x2xf64>, tensor<3x3x2x2xf64>) outs(%c : tensor<1x4x4x2xf64>) -> tensor<1x4x4x2xf64>
  return %r : tensor<1x4x4x2xf64>
})mlir"},
    {"pooling_nhwc_max", R"mlir(
func.func @f(%x: tensor<2x4x4x3xf64>) -> tensor<2x2x2x3xf64> {
  %m = arith.constant -1.0e30 : f64
  %e = tensor.empty() : tensor<2x2x2x3xf64>
  %c = linalg.fill ins(%m : f64) outs(%e : tensor<2x2x2x3xf64>) -> tensor<2x2x2x3xf64>
  %k = tensor.empty() : tensor<2x2xf64>
  %r = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %k : tensor<2x4x4x3xf64>, tensor<2x2xf64>) outs(%c : tensor<2x2x2x3xf64>) -> tensor<2x2x2x3xf64>
  return %r : tensor<2x2x2x3xf64>
})mlir"},
    {"pooling_nhwc_sum", R"mlir(
func.func @f(%x: tensor<1x5x5x2xf64>, %c: tensor<1x3x3x2xf64>) -> tensor<1x3x3x2xf64> {
  %k = tensor.empty() : tensor<3x3xf64>
  %r = linalg.pooling_nhwc_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %k : tensor<1x5x5x2xf64>, tensor<3x3xf64>) outs(%c : tensor<1x3x3x2xf64>) -> tensor<1x3x3x2xf64>
  return %r : tensor<1x3x3x2xf64>
})mlir"},
    {"cnn-conv-relu-pool-dense", R"mlir(
#m4 = affine_map<(n, h, w, c) -> (n, h, w, c)>
#c4 = affine_map<(n, h, w, c) -> (c)>
func.func @f(%x: tensor<2x6x6x1xf64>, %w: tensor<3x3x1x2xf64>, %b: tensor<2xf64>, %d: tensor<8x3xf64>) -> tensor<f64> {
  %z = arith.constant 0.0 : f64
  %ninf = arith.constant -1.0e30 : f64
  %e = tensor.empty() : tensor<2x4x4x2xf64>
  %f = linalg.fill ins(%z : f64) outs(%e : tensor<2x4x4x2xf64>) -> tensor<2x4x4x2xf64>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<2x6x6x1xf64>, tensor<3x3x1x2xf64>) outs(%f : tensor<2x4x4x2xf64>) -> tensor<2x4x4x2xf64>
  %r = linalg.generic {indexing_maps = [#m4, #c4, #m4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%c, %b : tensor<2x4x4x2xf64>, tensor<2xf64>) outs(%e : tensor<2x4x4x2xf64>) {
  ^bb0(%a: f64, %bb: f64, %o: f64):
    %s = arith.addf %a, %bb : f64
    %t = arith.maximumf %s, %z : f64
    linalg.yield %t : f64
  } -> tensor<2x4x4x2xf64>
  %pe = tensor.empty() : tensor<2x2x2x2xf64>
  %pf = linalg.fill ins(%ninf : f64) outs(%pe : tensor<2x2x2x2xf64>) -> tensor<2x2x2x2xf64>
  %k = tensor.empty() : tensor<2x2xf64>
  %p = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%r, %k : tensor<2x4x4x2xf64>, tensor<2x2xf64>) outs(%pf : tensor<2x2x2x2xf64>) -> tensor<2x2x2x2xf64>
  %flat = tensor.collapse_shape %p [[0], [1, 2, 3]] : tensor<2x2x2x2xf64> into tensor<2x8xf64>
  %le = tensor.empty() : tensor<2x3xf64>
  %lf = linalg.fill ins(%z : f64) outs(%le : tensor<2x3xf64>) -> tensor<2x3xf64>
  %logits = linalg.matmul ins(%flat, %d : tensor<2x8xf64>, tensor<8x3xf64>) outs(%lf : tensor<2x3xf64>) -> tensor<2x3xf64>
  %labels = arith.constant dense<[1, 2]> : tensor<2xi32>
  %l = quantx.softmax_cross_entropy %logits, %labels : tensor<2x3xf64>, tensor<2xi32> -> tensor<f64>
  return %l : tensor<f64>
})mlir"},
    {"conv_2d_nhwc_hwcf-dilated", R"mlir(
func.func @f(%x: tensor<1x6x5x2xf64>, %w: tensor<2x2x2x3xf64>) -> tensor<1x4x3x3xf64> {
  %z = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<1x4x3x3xf64>
  %c = linalg.fill ins(%z : f64) outs(%e : tensor<1x4x3x3xf64>) -> tensor<1x4x3x3xf64>
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x6x5x2xf64>, tensor<2x2x2x3xf64>) outs(%c : tensor<1x4x3x3xf64>) -> tensor<1x4x3x3xf64>
  return %r : tensor<1x4x3x3xf64>
})mlir"},
    {"depthwise_conv_2d_nhwc_hwc", R"mlir(
func.func @f(%x: tensor<2x5x5x3xf64>, %w: tensor<3x2x3xf64>, %c: tensor<2x2x2x3xf64>) -> tensor<2x2x2x3xf64> {
  %r = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>}
      ins(%x, %w : tensor<2x5x5x3xf64>, tensor<3x2x3xf64>) outs(%c : tensor<2x2x2x3xf64>) -> tensor<2x2x2x3xf64>
  return %r : tensor<2x2x2x3xf64>
})mlir"},
    {"generic-strided-window", R"mlir(
func.func @f(%x: tensor<9xf64>, %k: tensor<3xf64>, %c: tensor<3xf64>) -> tensor<3xf64> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (2 * i + j + 1)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x, %k : tensor<9xf64>, tensor<3xf64>) outs(%c : tensor<3xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %p = arith.mulf %a, %b : f64
    %t = math.tanh %p : f64
    %s = arith.addf %o, %t : f64
    linalg.yield %s : f64
  } -> tensor<3xf64>
  return %r : tensor<3xf64>
})mlir"},
    // A loop read twice by one map cannot be unfolded (im2col); this takes
    // the per-window-point path.
    {"generic-skewed-window", R"mlir(
func.func @f(%x: tensor<6x3xf64>, %k: tensor<3xf64>, %c: tensor<4xf64>) -> tensor<4xf64> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i + j, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x, %k : tensor<6x3xf64>, tensor<3xf64>) outs(%c : tensor<4xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %p = arith.mulf %a, %b : f64
    %t = math.tanh %p : f64
    %s = arith.addf %o, %t : f64
    linalg.yield %s : f64
  } -> tensor<4xf64>
  return %r : tensor<4xf64>
})mlir"},
    // Dynamic batch (size 3 in the test): the unfolded, convolution-form and
    // per-point gradients with dynamic slice and gather sizes.
    {"conv-strided-dynamic-batch", R"mlir(
func.func @f(%x: tensor<?x5x5x2xf64>, %w: tensor<3x3x2x3xf64>, %c: tensor<?x2x2x3xf64>) -> tensor<?x2x2x3xf64> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<?x5x5x2xf64>, tensor<3x3x2x3xf64>) outs(%c : tensor<?x2x2x3xf64>) -> tensor<?x2x2x3xf64>
  return %r : tensor<?x2x2x3xf64>
})mlir"},
    {"conv-unit-stride-pool-dynamic-batch", R"mlir(
func.func @f(%x: tensor<?x6x6x2xf64>, %w: tensor<3x3x2x2xf64>, %c: tensor<?x4x4x2xf64>, %p: tensor<?x2x2x2xf64>) -> tensor<?x2x2x2xf64> {
  %r = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<?x6x6x2xf64>, tensor<3x3x2x2xf64>) outs(%c : tensor<?x4x4x2xf64>) -> tensor<?x4x4x2xf64>
  %k = tensor.empty() : tensor<2x2xf64>
  %m = linalg.pooling_nhwc_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%r, %k : tensor<?x4x4x2xf64>, tensor<2x2xf64>) outs(%p : tensor<?x2x2x2xf64>) -> tensor<?x2x2x2xf64>
  return %m : tensor<?x2x2x2xf64>
})mlir",
     -1.0, 1.0},
    // linalg.index in a windowed body: the per-point sub-problems fix the
    // window loop (j) and renumber the others, so the body's index ops must
    // follow.
    {"generic-window-reading-index", R"mlir(
func.func @f(%x: tensor<9xf64>, %k: tensor<3xf64>, %c: tensor<4xf64>) -> tensor<4xf64> {
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (2 * i + j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x, %k : tensor<9xf64>, tensor<3xf64>) outs(%c : tensor<4xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %j = linalg.index 1 : index
    %i = linalg.index 0 : index
    %ji = arith.index_cast %j : index to i64
    %ii = arith.index_cast %i : index to i64
    %jf = arith.sitofp %ji : i64 to f64
    %if = arith.sitofp %ii : i64 to f64
    %w = arith.addf %jf, %if : f64
    %p = arith.mulf %a, %w : f64
    %q = arith.mulf %p, %b : f64
    %s = arith.addf %o, %q : f64
    linalg.yield %s : f64
  } -> tensor<4xf64>
  return %r : tensor<4xf64>
})mlir"},
    // Batch normalization: every operand against every result (output and
    // new running statistics), in training (batch statistics) and in
    // inference (running statistics; the variance kept positive).
    {"batch_norm-training", R"mlir(
func.func @f(%x: tensor<2x3x3x4xf64>, %g: tensor<4xf64>, %b: tensor<4xf64>, %m: tensor<4xf64>, %v: tensor<4xf64>)
    -> (tensor<2x3x3x4xf64>, tensor<4xf64>, tensor<4xf64>) {
  %y, %nm, %nv = quantx.batch_norm %x, %g, %b, %m, %v training {epsilon = 1.0e-3 : f64, momentum = 0.3 : f64}
      : tensor<2x3x3x4xf64>, tensor<4xf64>
  return %y, %nm, %nv : tensor<2x3x3x4xf64>, tensor<4xf64>, tensor<4xf64>
})mlir"},
    {"batch_norm-training-output-only", R"mlir(
func.func @f(%x: tensor<5x3xf64>, %g: tensor<3xf64>, %b: tensor<3xf64>, %m: tensor<3xf64>, %v: tensor<3xf64>) -> tensor<5x3xf64> {
  %y, %nm, %nv = quantx.batch_norm %x, %g, %b, %m, %v training : tensor<5x3xf64>, tensor<3xf64>
  return %y : tensor<5x3xf64>
})mlir"},
    {"batch_norm-training-dynamic-batch", R"mlir(
func.func @f(%x: tensor<?x2x4xf64>, %g: tensor<4xf64>, %b: tensor<4xf64>, %m: tensor<4xf64>, %v: tensor<4xf64>)
    -> (tensor<?x2x4xf64>, tensor<4xf64>, tensor<4xf64>) {
  %y, %nm, %nv = quantx.batch_norm %x, %g, %b, %m, %v training {momentum = 0.5 : f64}
      : tensor<?x2x4xf64>, tensor<4xf64>
  return %y, %nm, %nv : tensor<?x2x4xf64>, tensor<4xf64>, tensor<4xf64>
})mlir"},
    {"batch_norm-inference", R"mlir(
func.func @f(%x: tensor<3x2x5xf64>, %g: tensor<5xf64>, %b: tensor<5xf64>, %m: tensor<5xf64>, %v: tensor<5xf64>)
    -> (tensor<3x2x5xf64>, tensor<5xf64>, tensor<5xf64>) {
  %y, %nm, %nv = quantx.batch_norm %x, %g, %b, %m, %v {epsilon = 1.0e-2 : f64}
      : tensor<3x2x5xf64>, tensor<5xf64>
  return %y, %nm, %nv : tensor<3x2x5xf64>, tensor<5xf64>, tensor<5xf64>
})mlir",
     0.2, 1.5},
    // Convolution, batch norm (training), ReLU and the loss, as a model.
    {"cnn-batch-norm-loss", R"mlir(
#nhwc = affine_map<(n, h, w, c) -> (n, h, w, c)>
func.func @f(%x: tensor<2x5x5x1xf64>, %k: tensor<3x3x1x3xf64>, %g: tensor<3xf64>, %b: tensor<3xf64>) -> tensor<f64> {
  %z = arith.constant 0.0 : f64
  %m = arith.constant dense<0.0> : tensor<3xf64>
  %v = arith.constant dense<1.0> : tensor<3xf64>
  %e = tensor.empty() : tensor<2x3x3x3xf64>
  %f = linalg.fill ins(%z : f64) outs(%e : tensor<2x3x3x3xf64>) -> tensor<2x3x3x3xf64>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %k : tensor<2x5x5x1xf64>, tensor<3x3x1x3xf64>) outs(%f : tensor<2x3x3x3xf64>) -> tensor<2x3x3x3xf64>
  %y, %nm, %nv = quantx.batch_norm %c, %g, %b, %m, %v training : tensor<2x3x3x3xf64>, tensor<3xf64>
  %r = linalg.generic {indexing_maps = [#nhwc, #nhwc], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : tensor<2x3x3x3xf64>) outs(%e : tensor<2x3x3x3xf64>) {
  ^bb0(%a: f64, %o: f64):
    %s = arith.maximumf %a, %z : f64
    linalg.yield %s : f64
  } -> tensor<2x3x3x3xf64>
  %flat = tensor.collapse_shape %r [[0], [1, 2, 3]] : tensor<2x3x3x3xf64> into tensor<2x27xf64>
  %logits = tensor.extract_slice %flat[0, 0] [2, 5] [1, 1] : tensor<2x27xf64> to tensor<2x5xf64>
  %labels = arith.constant dense<[1, 3]> : tensor<2xi32>
  %l = quantx.softmax_cross_entropy %logits, %labels : tensor<2x5xf64>, tensor<2xi32> -> tensor<f64>
  return %l : tensor<f64>
})mlir"},
    // All loops parallel, the input read through a sum (a Hankel matrix):
    // each element of x feeds several outputs.
    {"generic-hankel", R"mlir(
func.func @f(%x: tensor<6xf64>) -> tensor<3x4xf64> {
  %e = tensor.empty() : tensor<3x4xf64>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i + j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<6xf64>) outs(%e : tensor<3x4xf64>) {
  ^bb0(%a: f64, %o: f64):
    %s = arith.mulf %a, %a : f64
    linalg.yield %s : f64
  } -> tensor<3x4xf64>
  return %r : tensor<3x4xf64>
})mlir"},
};

INSTANTIATE_TEST_SUITE_P(Structured, GradientCheck,
                         ::testing::ValuesIn(kStructuredCases), testName);

INSTANTIATE_TEST_SUITE_P(Scalar, GradientCheck,
                         ::testing::ValuesIn(kScalarCases), testName);

} // namespace
