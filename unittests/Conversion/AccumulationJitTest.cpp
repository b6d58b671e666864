//===- AccumulationJitTest.cpp - chunked low-precision sums ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Matmuls and convolutions carrying quantx.accumulate are lowered through
// quantx-to-llvm (which expands the accumulation), JIT-compiled and run on
// random inputs; every output must have the bits of a plain loop that adds
// the terms as #quantx.accumulation says, rounding with the Numerics
// library: each f32 term rounded onto the format, the sums within a chunk
// taken exactly (in double) and rounded onto the format, the chunk sums
// added in f32.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/Runtime/Runner.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::quantx;
using namespace ::quantx::runtime;
namespace num = ::quantx::numerics;

namespace {

struct Case {
  std::string format; ///< A !quantx.float body.
  int64_t chunk;
  float magnitude; ///< Inputs are uniform in [-magnitude, magnitude].
};

std::vector<Case> getCases() {
  return {{"e5m10", 8, 2.0f},           // f16, chunks that do not divide K
          {"e8m7", 1, 2.0f},            // bf16, every term its own chunk
          {"e5m2", 4, 1.0f},            // HFP8's backward format
          {"e4m3", 1000, 1.0f},         // one chunk: everything rounded
          {"e4m3", 3, 40.0f},           // sums beyond e4m3's range: inf
          {"e5m10", 16, 1e-5f},         // f16 subnormal terms
          {"e3m0, radix = 4", 5, 1.0f}, // radix 4
          {"e2m1, overflow = sat", 2, 3.0f}};
}

/// What a chunked accumulation gives, one output element at a time.
class Reference {
public:
  Reference(num::FloatFormat format, int64_t chunk)
      : format(format), chunk(chunk) {}
  double round(double x) const { return format.decode(format.encode(x)); }
  /// Adds the terms in order onto `init`.
  float sum(float init, const std::vector<float> &terms) const {
    float total = init, partial = -0.0f;
    for (size_t k = 0; k < terms.size(); ++k) {
      auto term = static_cast<float>(round(terms[k]));
      if (k % chunk == 0) {
        total += partial;
        partial = term;
      } else {
        partial = static_cast<float>(
            round(static_cast<double>(partial) + static_cast<double>(term)));
      }
    }
    return total + partial;
  }

private:
  num::FloatFormat format;
  int64_t chunk;
};

class AccumulationJitTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
  void SetUp() override {
    DialectRegistry registry;
    registerJitDialects(registry);
    context = std::make_unique<MLIRContext>(registry);
    context->loadAllAvailableDialects();
  }
  num::FloatFormat getFormat(const std::string &body) {
    auto type = cast<FloatFormatType>(
        parseType("!quantx.float<" + body + ">", context.get()));
    return type.getFormat();
  }
  static NpyArray randomArray(std::vector<int64_t> shape, float magnitude,
                              std::mt19937 &random) {
    NpyArray array;
    array.shape = std::move(shape);
    std::uniform_real_distribution<float> uniform(-magnitude, magnitude);
    std::vector<float> values(array.getNumElements());
    for (float &v : values)
      v = uniform(random);
    array.data.resize(values.size() * sizeof(float));
    std::memcpy(array.data.data(), values.data(), array.data.size());
    return array;
  }
  static float at(const NpyArray &array, int64_t index) {
    float value;
    std::memcpy(&value, array.data.data() + index * sizeof(float), 4);
    return value;
  }
  /// Bit equality, any NaN matching any NaN.
  static bool same(float a, float b) {
    if (std::isnan(a) || std::isnan(b))
      return std::isnan(a) && std::isnan(b);
    uint32_t x, y;
    std::memcpy(&x, &a, 4);
    std::memcpy(&y, &b, 4);
    return x == y;
  }
  std::unique_ptr<MLIRContext> context;
};

std::string accumulation(const Case &c) {
  return "{quantx.accumulate = #quantx.accumulation<!quantx.float<" + c.format +
         ">, chunk = " + std::to_string(c.chunk) + ">}";
}

// C = init + A B with A 3x37, B 37x5: the terms of C[i, j] are
// A[i, k] B[k, j] in order of k, onto the matmul's init (nonzero).
TEST_F(AccumulationJitTest, MatmulMatchesLoop) {
  constexpr int64_t m = 3, k = 37, n = 5;
  std::mt19937 random(11);
  for (const Case &c : getCases()) {
    std::string source =
        "func.func @f(%a: tensor<3x37xf32>, %b: tensor<37x5xf32>, "
        "%c: tensor<3x5xf32>) -> tensor<3x5xf32> {\n"
        "  %r = linalg.matmul " +
        accumulation(c) +
        " ins(%a, %b : tensor<3x37xf32>, tensor<37x5xf32>) "
        "outs(%c : tensor<3x5xf32>) -> tensor<3x5xf32>\n"
        "  return %r : tensor<3x5xf32>\n}\n";
    auto module = CompiledModule::compileSource(source, {"f"}, {});
    ASSERT_TRUE(static_cast<bool>(module))
        << llvm::toString(module.takeError()) << "\n"
        << source;
    NpyArray a = randomArray({m, k}, c.magnitude, random);
    NpyArray b = randomArray({k, n}, c.magnitude, random);
    NpyArray init = randomArray({m, n}, 1.0f, random);
    auto results = (*module)->call("f", {a, b, init});
    ASSERT_TRUE(static_cast<bool>(results))
        << llvm::toString(results.takeError());
    Reference reference(getFormat(c.format), c.chunk);
    int failures = 0;
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        std::vector<float> terms;
        for (int64_t r = 0; r < k; ++r)
          terms.push_back(at(a, i * k + r) * at(b, r * n + j));
        float want = reference.sum(at(init, i * n + j), terms);
        float got = at(results->front(), i * n + j);
        if (!same(want, got) && ++failures < 5)
          ADD_FAILURE() << c.format << " chunk " << c.chunk << " C[" << i
                        << ", " << j << "]: want " << want << ", got " << got;
      }
  }
}

// Inside a loop, carried from one iteration to the next (the expansion
// keeps the result in the contraction's output, as bufferization needs), with
// a dynamic reduction size (the batch a weight gradient sums over), and an
// initial value of -0.0 left alone when there are no terms.
TEST_F(AccumulationJitTest, LoopCarriedDynamicReduction) {
  constexpr int64_t m = 3, n = 5;
  std::mt19937 random(13);
  const Case c{"e5m2", 4, 1.0f};
  std::string source =
      "func.func @f(%a: tensor<3x?xf32>, %b: tensor<?x5xf32>, "
      "%c: tensor<3x5xf32>) -> tensor<3x5xf32> {\n"
      "  %c0 = arith.constant 0 : index\n"
      "  %c1 = arith.constant 1 : index\n"
      "  %c2 = arith.constant 2 : index\n"
      "  %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%acc = %c) -> "
      "(tensor<3x5xf32>) {\n"
      "    %s = linalg.matmul " +
      accumulation(c) +
      " ins(%a, %b : tensor<3x?xf32>, tensor<?x5xf32>) "
      "outs(%acc : tensor<3x5xf32>) -> tensor<3x5xf32>\n"
      "    scf.yield %s : tensor<3x5xf32>\n  }\n"
      "  return %r : tensor<3x5xf32>\n}\n";
  auto module = CompiledModule::compileSource(source, {"f"}, {});
  ASSERT_TRUE(static_cast<bool>(module))
      << llvm::toString(module.takeError()) << "\n"
      << source;
  Reference reference(getFormat(c.format), c.chunk);
  for (int64_t k : {0, 1, 23}) {
    NpyArray a = randomArray({m, k}, c.magnitude, random);
    NpyArray b = randomArray({k, n}, c.magnitude, random);
    NpyArray init = randomArray({m, n}, 1.0f, random);
    // -0.0 stays -0.0 without terms.
    float negativeZero = -0.0f;
    std::memcpy(init.data.data(), &negativeZero, sizeof(float));
    auto results = (*module)->call("f", {a, b, init});
    ASSERT_TRUE(static_cast<bool>(results))
        << llvm::toString(results.takeError());
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        std::vector<float> terms;
        for (int64_t r = 0; r < k; ++r)
          terms.push_back(at(a, i * k + r) * at(b, r * n + j));
        float want =
            reference.sum(reference.sum(at(init, i * n + j), terms), terms);
        float got = at(results->front(), i * n + j);
        EXPECT_TRUE(same(want, got)) << "K = " << k << " C[" << i << ", " << j
                                     << "]: want " << want << ", got " << got;
      }
  }
}

// A 3x3 convolution over 3 channels: 27 terms per output, in the order of
// the reduction loops (kh, kw, c), chunks crossing the kernel's rows.
TEST_F(AccumulationJitTest, ConvolutionMatchesLoop) {
  constexpr int64_t h = 5, w = 6, ch = 3, kh = 3, kw = 3, f = 2;
  constexpr int64_t oh = h - kh + 1, ow = w - kw + 1;
  std::mt19937 random(12);
  for (const Case &c : getCases()) {
    std::string source =
        "func.func @f(%x: tensor<1x5x6x3xf32>, %k: tensor<3x3x3x2xf32>) -> "
        "tensor<1x3x4x2xf32> {\n"
        "  %zero = arith.constant 0.0 : f32\n"
        "  %e = tensor.empty() : tensor<1x3x4x2xf32>\n"
        "  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x4x2xf32>) "
        "-> tensor<1x3x4x2xf32>\n"
        "  %r = linalg.conv_2d_nhwc_hwcf " +
        accumulation(c) +
        " ins(%x, %k : tensor<1x5x6x3xf32>, tensor<3x3x3x2xf32>) "
        "outs(%z : tensor<1x3x4x2xf32>) -> tensor<1x3x4x2xf32>\n"
        "  return %r : tensor<1x3x4x2xf32>\n}\n";
    auto module = CompiledModule::compileSource(source, {"f"}, {});
    ASSERT_TRUE(static_cast<bool>(module))
        << llvm::toString(module.takeError()) << "\n"
        << source;
    NpyArray x = randomArray({1, h, w, ch}, c.magnitude, random);
    NpyArray kernel = randomArray({kh, kw, ch, f}, c.magnitude, random);
    auto results = (*module)->call("f", {x, kernel});
    ASSERT_TRUE(static_cast<bool>(results))
        << llvm::toString(results.takeError());
    Reference reference(getFormat(c.format), c.chunk);
    int failures = 0;
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t xo = 0; xo < ow; ++xo)
        for (int64_t o = 0; o < f; ++o) {
          std::vector<float> terms;
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t j = 0; j < kw; ++j)
              for (int64_t q = 0; q < ch; ++q)
                terms.push_back(at(x, ((y + i) * w + xo + j) * ch + q) *
                                at(kernel, ((i * kw + j) * ch + q) * f + o));
          float want = reference.sum(0.0f, terms);
          float got = at(results->front(), (y * ow + xo) * f + o);
          if (!same(want, got) && ++failures < 5)
            ADD_FAILURE() << c.format << " chunk " << c.chunk << " Y[" << y
                          << ", " << xo << ", " << o << "]: want " << want
                          << ", got " << got;
        }
  }
}

} // namespace
