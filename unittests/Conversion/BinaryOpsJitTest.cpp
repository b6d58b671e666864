//===- BinaryOpsJitTest.cpp - sign packing and XNOR-popcount, bit exact ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// quantx.pack_signs and quantx.binary_matmul, lowered through
// quantx-to-llvm and JIT-compiled, on random shapes (K below, at and past
// word boundaries, K = 1, one row) and on inputs with -0, NaN, infinities
// and zeros: the packed words must equal numerics::packSignCodes of the
// binary format's codes, and the product the plain loop over +-1 values.
// quantx.ternary_matmul with constant weights (its kernels) against the
// plain loop over -1, 0 and +1 values. quantx.sign_matmul (float rows by
// packed weights) bit for bit against numerics::signedSum.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/Binary.h"
#include "quantx/Numerics/FixedPoint.h"
#include "quantx/Runtime/Runner.h"

#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <tuple>

using namespace quantx::numerics;
using namespace quantx::runtime;

namespace {

class BinaryOpsJitTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
};

NpyArray makeF32(const std::vector<float> &values, int64_t rows, int64_t k) {
  NpyArray array;
  array.dtype = DType::F32;
  array.shape = {rows, k};
  array.data.resize(values.size() * sizeof(float));
  std::memcpy(array.data.data(), values.data(), array.data.size());
  return array;
}

/// Random values with the special ones the sign rule must get right.
std::vector<float> randomValues(std::mt19937 &rng, size_t count) {
  std::normal_distribution<float> normal;
  const float special[] = {-0.0f,
                           0.0f,
                           std::numeric_limits<float>::quiet_NaN(),
                           -std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::infinity(),
                           -std::numeric_limits<float>::denorm_min(),
                           std::numeric_limits<float>::denorm_min()};
  std::vector<float> values(count);
  for (float &v : values)
    v = rng() % 8 == 0 ? special[rng() % 7] : normal(rng);
  return values;
}

void runCase(int64_t m, int64_t n, int64_t k, uint32_t seed) {
  SCOPED_TRACE("M " + std::to_string(m) + " N " + std::to_string(n) + " K " +
               std::to_string(k));
  int64_t words = getSignWords(k);
  std::string x = "tensor<?x" + std::to_string(k) + "xf32>";
  std::string w =
      "tensor<" + std::to_string(n) + "x" + std::to_string(k) + "xf32>";
  std::string xp = "tensor<?x" + std::to_string(words) + "xi64>";
  std::string wp =
      "tensor<" + std::to_string(n) + "x" + std::to_string(words) + "xi64>";
  std::string d = "tensor<?x" + std::to_string(n) + "xi32>";
  std::ostringstream source;
  source << "func.func @f(%x: " << x << ", %w: " << w << ") -> (" << xp << ", "
         << d << ") {\n"
         << "  %a = quantx.pack_signs %x : " << x << " to " << xp << "\n"
         << "  %b = quantx.pack_signs %w : " << w << " to " << wp << "\n"
         << "  %d = quantx.binary_matmul %a, %b k " << k << " : " << xp << ", "
         << wp << " -> " << d << "\n"
         << "  return %a, %d : " << xp << ", " << d << "\n}\n";
  RunnerOptions options;
  auto module = CompiledModule::compileSource(source.str(), {"f"}, options);
  ASSERT_TRUE(static_cast<bool>(module))
      << llvm::toString(module.takeError()) << "\n"
      << source.str();
  std::mt19937 rng(seed);
  std::vector<float> xs = randomValues(rng, m * k),
                     ws = randomValues(rng, n * k);
  auto results = (*module)->call("f", {makeF32(xs, m, k), makeF32(ws, n, k)});
  ASSERT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  ASSERT_EQ(results->size(), 2u);
  const NpyArray &packed = (*results)[0], &dots = (*results)[1];
  ASSERT_EQ(packed.shape, (std::vector<int64_t>{m, words}));
  ASSERT_EQ(dots.shape, (std::vector<int64_t>{m, n}));
  auto code = [](float v) {
    return BinaryFormat::encode(v, 1.0, RoundingMode::NearestEven);
  };
  int failures = 0;
  for (int64_t r = 0; r < m && failures < 10; ++r) {
    std::vector<int64_t> codes(k);
    for (int64_t i = 0; i < k; ++i)
      codes[i] = code(xs[r * k + i]);
    std::vector<uint64_t> expected = packSignCodes(codes.data(), k);
    for (int64_t i = 0; i < words; ++i) {
      uint64_t got;
      std::memcpy(&got, packed.data.data() + (r * words + i) * 8, 8);
      if (got != expected[i] && failures++ < 10)
        ADD_FAILURE() << "row " << r << " word " << i << ": expected "
                      << expected[i] << ", got " << got;
    }
    for (int64_t c = 0; c < n; ++c) {
      // The plain loop over +-1 values.
      int64_t sum = 0;
      for (int64_t i = 0; i < k; ++i)
        sum += (code(xs[r * k + i]) ? 1 : -1) * (code(ws[c * k + i]) ? 1 : -1);
      int32_t got;
      std::memcpy(&got, dots.data.data() + (r * n + c) * 4, 4);
      if (got != sum && failures++ < 10)
        ADD_FAILURE() << "(" << r << ", " << c << "): expected " << sum
                      << ", got " << got;
    }
  }
}

/// The product with weights known at compile time (a constant of packed
/// words), which quantx-lower-binary-matmuls turns into its register-blocked
/// kernel: against the plain loop, for `vectorize` on and off (the kernel
/// and the generic loops).
void runConstantWeights(int64_t m, int64_t n, int64_t k, uint32_t seed,
                        bool vectorize) {
  SCOPED_TRACE("constant weights, M " + std::to_string(m) + " N " +
               std::to_string(n) + " K " + std::to_string(k) +
               (vectorize ? "" : ", scalar loops"));
  int64_t words = getSignWords(k);
  std::mt19937 rng(seed);
  std::vector<float> xs = randomValues(rng, m * k);
  std::vector<std::vector<int64_t>> codes(n, std::vector<int64_t>(k));
  std::ostringstream literal;
  literal << "[";
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t i = 0; i < k; ++i)
      codes[c][i] = rng() & 1;
    std::vector<uint64_t> packed = packSignCodes(codes[c].data(), k);
    literal << (c ? ", [" : "[");
    for (int64_t w = 0; w < words; ++w)
      literal << (w ? ", " : "") << static_cast<int64_t>(packed[w]);
    literal << "]";
  }
  literal << "]";
  std::string x = "tensor<?x" + std::to_string(k) + "xf32>";
  std::string xp = "tensor<?x" + std::to_string(words) + "xi64>";
  std::string wp =
      "tensor<" + std::to_string(n) + "x" + std::to_string(words) + "xi64>";
  std::string d = "tensor<?x" + std::to_string(n) + "xi32>";
  std::ostringstream source;
  source << "func.func @f(%x: " << x << ") -> " << d << " {\n"
         << "  %w = arith.constant dense<" << literal.str() << "> : " << wp
         << "\n"
         << "  %a = quantx.pack_signs %x : " << x << " to " << xp << "\n"
         << "  %d = quantx.binary_matmul %a, %w k " << k << " : " << xp << ", "
         << wp << " -> " << d << "\n"
         << "  return %d : " << d << "\n}\n";
  RunnerOptions options;
  options.vectorize = vectorize;
  auto module = CompiledModule::compileSource(source.str(), {"f"}, options);
  ASSERT_TRUE(static_cast<bool>(module))
      << llvm::toString(module.takeError()) << "\n"
      << source.str();
  auto results = (*module)->call("f", {makeF32(xs, m, k)});
  ASSERT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  const NpyArray &dots = results->front();
  ASSERT_EQ(dots.shape, (std::vector<int64_t>{m, n}));
  int failures = 0;
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      int64_t sum = 0;
      for (int64_t i = 0; i < k; ++i)
        sum +=
            (BinaryFormat::encode(xs[r * k + i], 1.0, RoundingMode::NearestEven)
                 ? 1
                 : -1) *
            (codes[c][i] ? 1 : -1);
      int32_t got;
      std::memcpy(&got, dots.data.data() + (r * n + c) * 4, 4);
      if (got != sum && failures++ < 10)
        ADD_FAILURE() << "(" << r << ", " << c << "): expected " << sum
                      << ", got " << got;
    }
}

TEST_F(BinaryOpsJitTest, ConstantWeightsKernel) {
  // Rows, weight rows and words that are and are not multiples of the
  // kernel's tile (2 or 4 rows, 4 weight rows, 4 or 8 words per vector).
  uint32_t seed = 500;
  for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1},
                         {2, 4, 256},
                         {3, 5, 65},
                         {7, 9, 300},
                         {4, 8, 512},
                         {5, 3, 4096},
                         {9, 13, 577}})
    runConstantWeights(m, n, k, seed++, /*vectorize=*/true);
  runConstantWeights(7, 9, 300, seed++, /*vectorize=*/false);
}

/// Random weight codes, N rows of K: -1, 0, 1 (ternary) or 0, 1 (binary:
/// 1 for +1).
std::vector<std::vector<int64_t>> randomCodes(std::mt19937 &rng, int64_t n,
                                              int64_t k, bool ternary) {
  std::vector<std::vector<int64_t>> codes(n, std::vector<int64_t>(k));
  for (std::vector<int64_t> &row : codes)
    for (int64_t &code : row)
      code = ternary ? static_cast<int64_t>(rng() % 3) - 1
                     : static_cast<int64_t>(rng() & 1);
  return codes;
}

/// The rows of `codes` packed (packSignCodes, or packTernaryCodes when
/// `ternary`) as the body of a dense i64 literal: N x W or N x 2 x W.
std::string packedLiteral(const std::vector<std::vector<int64_t>> &codes,
                          bool ternary) {
  std::ostringstream literal;
  literal << "[";
  for (size_t c = 0; c < codes.size(); ++c) {
    int64_t k = static_cast<int64_t>(codes[c].size());
    size_t words = static_cast<size_t>(getSignWords(k));
    std::vector<uint64_t> packed = ternary
                                       ? packTernaryCodes(codes[c].data(), k)
                                       : packSignCodes(codes[c].data(), k);
    literal << (c ? ", [" : "[");
    for (size_t w = 0; w < packed.size(); ++w) {
      if (ternary && w % words == 0)
        literal << (w ? "], [" : "[");
      else if (w)
        literal << ", ";
      literal << static_cast<int64_t>(packed[w]);
    }
    literal << (ternary ? "]]" : "]");
  }
  literal << "]";
  return literal.str();
}

/// A ternary product with weights known at compile time (quantx-lower-
/// binary-matmuls' ternary kernels): i8 codes at run time, packed as
/// ternary planes or as signs, by constant packed weights of the other
/// kind or the same, against the plain loop over -1, 0 and +1 values.
void runTernaryWeights(int64_t m, int64_t n, int64_t k, bool lhsTernary,
                       bool rhsTernary, uint32_t seed, bool vectorize) {
  SCOPED_TRACE(std::string("ternary product, lhs ") +
               (lhsTernary ? "ternary" : "binary") + ", rhs " +
               (rhsTernary ? "ternary" : "binary") + ", M " +
               std::to_string(m) + " N " + std::to_string(n) + " K " +
               std::to_string(k) + (vectorize ? "" : ", scalar loops"));
  int64_t words = getSignWords(k);
  std::mt19937 rng(seed);
  // Activation codes: -1, 0, +1 (ternary) or -1, +1 (binary).
  std::vector<int8_t> xs(m * k);
  for (int8_t &x : xs)
    x = lhsTernary ? static_cast<int8_t>(rng() % 3) - 1 : (rng() & 1 ? 1 : -1);
  std::vector<std::vector<int64_t>> codes = randomCodes(rng, n, k, rhsTernary);
  std::string literal = packedLiteral(codes, rhsTernary);
  std::string ks = std::to_string(k), ws = std::to_string(words),
              ns = std::to_string(n);
  std::string x = "tensor<?x" + ks + "xi8>";
  std::string xp =
      lhsTernary ? "tensor<?x2x" + ws + "xi64>" : "tensor<?x" + ws + "xi64>";
  std::string wp = rhsTernary ? "tensor<" + ns + "x2x" + ws + "xi64>"
                              : "tensor<" + ns + "x" + ws + "xi64>";
  std::string d = "tensor<?x" + ns + "xi32>";
  std::ostringstream source;
  source << "func.func @f(%x: " << x << ") -> " << d << " {\n"
         << "  %w = arith.constant dense<" << literal << "> : " << wp << "\n"
         << "  %a = quantx." << (lhsTernary ? "pack_ternary" : "pack_signs")
         << " %x : " << x << " to " << xp << "\n"
         << "  %d = quantx.ternary_matmul %a, %w k " << k << " : " << xp << ", "
         << wp << " -> " << d << "\n"
         << "  return %d : " << d << "\n}\n";
  RunnerOptions options;
  options.vectorize = vectorize;
  auto module = CompiledModule::compileSource(source.str(), {"f"}, options);
  ASSERT_TRUE(static_cast<bool>(module))
      << llvm::toString(module.takeError()) << "\n"
      << source.str();
  NpyArray input;
  input.dtype = DType::I8;
  input.shape = {m, k};
  input.data.resize(xs.size());
  std::memcpy(input.data.data(), xs.data(), xs.size());
  auto results = (*module)->call("f", {input});
  ASSERT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  const NpyArray &dots = results->front();
  ASSERT_EQ(dots.shape, (std::vector<int64_t>{m, n}));
  int failures = 0;
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      int64_t sum = 0;
      for (int64_t i = 0; i < k; ++i) {
        int64_t w = rhsTernary ? codes[c][i] : (codes[c][i] ? 1 : -1);
        sum += xs[r * k + i] * w;
      }
      int32_t got;
      std::memcpy(&got, dots.data.data() + (r * n + c) * 4, 4);
      if (got != sum && failures++ < 10)
        ADD_FAILURE() << "(" << r << ", " << c << "): expected " << sum
                      << ", got " << got;
    }
}

TEST_F(BinaryOpsJitTest, TernaryWeightsKernel) {
  // Every pairing with a ternary side; rows, columns and words around the
  // tiles (1 or 2 rows with ternary activations, 2 or 4 without) and past
  // one block of 31 words of byte counts (K = 2500: 40 words).
  uint32_t seed = 900;
  for (auto [lhsTernary, rhsTernary] :
       {std::pair{false, true}, std::pair{true, true}, std::pair{true, false}})
    for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1},
                           {3, 5, 65},
                           {7, 9, 300},
                           {4, 8, 512},
                           {5, 13, 577},
                           {3, 6, 2500}})
      runTernaryWeights(m, n, k, lhsTernary, rhsTernary, seed++,
                        /*vectorize=*/true);
  runTernaryWeights(7, 9, 300, true, true, seed++, /*vectorize=*/false);
}

/// quantx.sign_matmul of random float rows by binary or ternary weights,
/// constant (quantx-lower-binary-matmuls' kernel when `vectorize`) or an
/// argument (the generic loops): every element bit for bit what
/// numerics::signedSum gives, the definition's order of additions.
void runSignWeights(int64_t m, int64_t n, int64_t k, bool ternary,
                    bool constant, uint32_t seed, bool vectorize) {
  SCOPED_TRACE(std::string("sign_matmul, ") + (ternary ? "ternary" : "binary") +
               (constant ? " constant" : " argument") + " weights, M " +
               std::to_string(m) + " N " + std::to_string(n) + " K " +
               std::to_string(k) + (vectorize ? "" : ", scalar loops"));
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> xs(m * k);
  for (float &x : xs)
    x = rng() % 16 == 0 ? -0.0f : normal(rng);
  std::vector<std::vector<int64_t>> codes = randomCodes(rng, n, k, ternary);
  std::string ks = std::to_string(k), ns = std::to_string(n),
              ws = std::to_string(getSignWords(k));
  std::string x = "tensor<?x" + ks + "xf32>";
  std::string wp = ternary ? "tensor<" + ns + "x2x" + ws + "xi64>"
                           : "tensor<" + ns + "x" + ws + "xi64>";
  std::string y = "tensor<?x" + ns + "xf32>";
  std::ostringstream source;
  source << "func.func @f(%x: " << x << (constant ? "" : ", %w: " + wp)
         << ") -> " << y << " {\n";
  if (constant)
    source << "  %w = arith.constant dense<" << packedLiteral(codes, ternary)
           << "> : " << wp << "\n";
  source << "  %y = quantx.sign_matmul %x, %w : " << x << ", " << wp << " -> "
         << y << "\n"
         << "  return %y : " << y << "\n}\n";
  RunnerOptions options;
  options.vectorize = vectorize;
  auto module = CompiledModule::compileSource(source.str(), {"f"}, options);
  ASSERT_TRUE(static_cast<bool>(module))
      << llvm::toString(module.takeError()) << "\n"
      << source.str();
  std::vector<std::vector<uint64_t>> packed;
  for (const std::vector<int64_t> &row : codes)
    packed.push_back(ternary ? packTernaryCodes(row.data(), k)
                             : packSignCodes(row.data(), k));
  std::vector<NpyArray> inputs = {makeF32(xs, m, k)};
  if (!constant) {
    NpyArray weights;
    weights.dtype = DType::I64;
    weights.shape = {n, getSignWords(k)};
    if (ternary)
      weights.shape.insert(weights.shape.begin() + 1, 2);
    for (const std::vector<uint64_t> &row : packed) {
      size_t at = weights.data.size();
      weights.data.resize(at + row.size() * 8);
      std::memcpy(weights.data.data() + at, row.data(), row.size() * 8);
    }
    inputs.push_back(weights);
  }
  auto results = (*module)->call("f", inputs);
  ASSERT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());
  const NpyArray &sums = results->front();
  ASSERT_EQ(sums.shape, (std::vector<int64_t>{m, n}));
  int failures = 0;
  for (int64_t r = 0; r < m; ++r)
    for (int64_t c = 0; c < n; ++c) {
      float expected = signedSum(&xs[r * k], packed[c].data(), ternary, k);
      uint32_t got, want;
      std::memcpy(&got, sums.data.data() + (r * n + c) * 4, 4);
      std::memcpy(&want, &expected, 4);
      if (got != want && failures++ < 10)
        ADD_FAILURE() << "(" << r << ", " << c << "): expected bits " << want
                      << " (" << expected << "), got " << got;
    }
}

TEST_F(BinaryOpsJitTest, SignMatmul) {
  // Rows, columns and K around the kernel's tiles and words; binary and
  // ternary weights; the kernel, the generic loops with vector code
  // around them, and the scalar loops.
  uint32_t seed = 1300;
  for (bool ternary : {false, true})
    for (auto [m, n, k] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1},
                           {3, 5, 65},
                           {7, 9, 300},
                           {4, 16, 512},
                           {5, 13, 577},
                           {6, 17, 1000}}) {
      runSignWeights(m, n, k, ternary, /*constant=*/true, seed++,
                     /*vectorize=*/true);
      runSignWeights(m, n, k, ternary, /*constant=*/false, seed++,
                     /*vectorize=*/true);
    }
  runSignWeights(7, 9, 300, false, /*constant=*/true, seed++,
                 /*vectorize=*/false);
  runSignWeights(7, 9, 300, true, /*constant=*/true, seed++,
                 /*vectorize=*/false);
}

TEST_F(BinaryOpsJitTest, WordBoundaries) {
  uint32_t seed = 1;
  for (int64_t k : {1, 2, 63, 64, 65, 127, 128, 129, 200, 1000})
    runCase(5, 7, k, seed++);
}

TEST_F(BinaryOpsJitTest, RandomShapes) {
  std::mt19937 rng(42);
  for (int i = 0; i < 5; ++i) {
    int64_t m = 1 + rng() % 40, n = 1 + rng() % 40, k = 1 + rng() % 700;
    runCase(m, n, k, 100 + i);
  }
}

TEST_F(BinaryOpsJitTest, OneRowOneColumn) { runCase(1, 1, 100, 7); }

} // namespace
