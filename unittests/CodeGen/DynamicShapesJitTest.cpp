//===- DynamicShapesJitTest.cpp - dynamic dimensions, vectorized ----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A dynamic dimension is tiled with static inner tiles; its partial tile is
// padded or peeled. The same op compiled with the dimension dynamic and
// with it static must agree (the same bits where the tiles are the same),
// and both must agree with a plain loop in double precision, on sizes that
// are not multiples of any tile: matmuls, elementwise ops, convolutions,
// pooling and depthwise convolutions.
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Runner.h"

#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>

using namespace mlir;
using namespace ::quantx::runtime;

namespace {

/// How a matmul reads its operands.
enum class Layout { AB, ATB, ABT };

struct MatmulCase {
  Layout layout;
  int64_t m, n, k;
  /// Which of M and K are dynamic in the dynamic variant (N, the weights'
  /// width, stays static as in models).
  bool dynamicM, dynamicK;
  int64_t vectorBits;
};

std::string dimText(int64_t size, bool dynamic) {
  return dynamic ? "?" : std::to_string(size);
}

/// `@matmul(A, B, C) -> C + op(A) op(B)` with the shapes of `c`, dynamic
/// where `dynamic` says.
std::string buildModule(const MatmulCase &c, bool dynamic) {
  std::string m = dimText(c.m, dynamic && c.dynamicM);
  std::string k = dimText(c.k, dynamic && c.dynamicK);
  std::string n = std::to_string(c.n);
  std::string a = c.layout == Layout::ATB ? k + "x" + m : m + "x" + k;
  std::string b = c.layout == Layout::ABT ? n + "x" + k : k + "x" + n;
  std::string maps;
  if (c.layout == Layout::ATB)
    maps = "indexing_maps = [affine_map<(m, n, k) -> (k, m)>, "
           "affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] ";
  if (c.layout == Layout::ABT)
    maps = "indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
           "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ";
  std::string ta = "tensor<" + a + "xf32>", tb = "tensor<" + b + "xf32>",
              tc = "tensor<" + m + "x" + n + "xf32>";
  return "func.func @matmul(%a: " + ta + ", %b: " + tb + ", %c: " + tc +
         ") -> " + tc + " {\n  %r = linalg.matmul " + maps +
         "ins(%a, %b : " + ta + ", " + tb + ") outs(%c : " + tc + ") -> " + tc +
         "\n  return %r : " + tc + "\n}\n";
}

NpyArray makeArray(int64_t rows, int64_t cols, std::mt19937 &rng) {
  NpyArray array;
  array.dtype = DType::F32;
  array.shape = {rows, cols};
  array.data.resize(rows * cols * 4);
  std::uniform_real_distribution<float> dist(-1, 1);
  for (int64_t i = 0; i < rows * cols; ++i) {
    float value = dist(rng);
    std::memcpy(&array.data[i * 4], &value, 4);
  }
  return array;
}

float at(const NpyArray &array, int64_t row, int64_t col) {
  float value;
  std::memcpy(&value, &array.data[(row * array.shape[1] + col) * 4], 4);
  return value;
}

/// Parses `source` and compiles its function `entry` for vectors of
/// `vectorBits` (0: the host's); nothing, with a test failure, if either
/// step fails.
std::unique_ptr<CompiledModule> compileSource(const std::string &source,
                                              const std::string &entry,
                                              int64_t vectorBits = 0) {
  RunnerOptions options;
  options.vectorBits = vectorBits;
  auto compiled = CompiledModule::compileSource(source, {entry}, options);
  EXPECT_TRUE(static_cast<bool>(compiled))
      << llvm::toString(compiled.takeError()) << "\n"
      << source;
  return compiled ? std::move(*compiled) : nullptr;
}

class DynamicMatmulTest : public ::testing::TestWithParam<MatmulCase> {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }

  std::unique_ptr<CompiledModule> compile(bool dynamic) {
    return compileSource(buildModule(GetParam(), dynamic), "matmul",
                         GetParam().vectorBits);
  }
};

TEST_P(DynamicMatmulTest, SameBitsAsStaticAndCloseToALoop) {
  const MatmulCase &c = GetParam();
  std::mt19937 rng(c.m * 131 + c.k * 7 + static_cast<int>(c.layout));
  NpyArray a = c.layout == Layout::ATB ? makeArray(c.k, c.m, rng)
                                       : makeArray(c.m, c.k, rng);
  NpyArray b = c.layout == Layout::ABT ? makeArray(c.n, c.k, rng)
                                       : makeArray(c.k, c.n, rng);
  NpyArray init = makeArray(c.m, c.n, rng);

  std::unique_ptr<CompiledModule> dynamicCode = compile(/*dynamic=*/true);
  std::unique_ptr<CompiledModule> staticCode = compile(/*dynamic=*/false);
  ASSERT_TRUE(dynamicCode && staticCode);
  auto dynamicResult = dynamicCode->call({a, b, init});
  ASSERT_TRUE(static_cast<bool>(dynamicResult))
      << llvm::toString(dynamicResult.takeError());
  auto staticResult = staticCode->call({a, b, init});
  ASSERT_TRUE(static_cast<bool>(staticResult))
      << llvm::toString(staticResult.takeError());
  const NpyArray &got = (*dynamicResult)[0];
  ASSERT_EQ(got.shape, (std::vector<int64_t>{c.m, c.n}));

  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double sum = at(init, i, j), magnitude = std::fabs(sum);
      for (int64_t p = 0; p < c.k; ++p) {
        double x = c.layout == Layout::ATB ? at(a, p, i) : at(a, i, p);
        double y = c.layout == Layout::ABT ? at(b, j, p) : at(b, p, j);
        sum += x * y;
        magnitude += std::fabs(x * y);
      }
      // f32 sums of k + 1 terms: within (k + 1) ulps of their magnitude.
      double tolerance = (c.k + 1) * 0x1p-23 * magnitude;
      ASSERT_NEAR(at(got, i, j), sum, tolerance)
          << "C[" << i << "][" << j << "]";
    }
  // The static code sums in the same order: the same bits.
  EXPECT_EQ(got.data, (*staticResult)[0].data);
}

std::vector<MatmulCase> getCases() {
  std::vector<MatmulCase> cases;
  for (int64_t m : {0, 1, 7, 63, 65, 257})
    for (Layout layout : {Layout::AB, Layout::ATB, Layout::ABT})
      cases.push_back({layout, m, 48, 40, true, false, 256});
  // A dynamic contraction dimension, and the 512-bit tiles.
  for (int64_t k : {1, 7, 65})
    cases.push_back({Layout::AB, 13, 32, k, true, true, 256});
  for (int64_t m : {7, 65})
    cases.push_back({Layout::AB, m, 64, 24, true, false, 512});
  return cases;
}

std::string caseName(const ::testing::TestParamInfo<MatmulCase> &info) {
  const MatmulCase &c = info.param;
  const char *layout = c.layout == Layout::AB    ? "AB"
                       : c.layout == Layout::ATB ? "ATB"
                                                 : "ABT";
  return std::string(layout) + "_m" + std::to_string(c.m) + "_n" +
         std::to_string(c.n) + "_k" + std::to_string(c.k) +
         (c.dynamicK ? "_dynk" : "") + "_v" + std::to_string(c.vectorBits);
}

INSTANTIATE_TEST_SUITE_P(Matmul, DynamicMatmulTest,
                         ::testing::ValuesIn(getCases()), caseName);

/// A bias and ReLU epilogue over rows of a dynamic batch: the rows are
/// tiled by 1, so every tile is a static vector; the results are exact.
class DynamicElementwiseTest : public ::testing::TestWithParam<int64_t> {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
};

TEST_P(DynamicElementwiseTest, BiasReluOnEveryRow) {
  int64_t rows = GetParam(), cols = 37;
  std::string x = "tensor<?x37xf32>";
  std::string source =
      "#map = affine_map<(i, j) -> (i, j)>\n"
      "#bias = affine_map<(i, j) -> (j)>\n"
      "func.func @epilogue(%x: " +
      x + ", %b: tensor<37xf32>) -> " + x +
      " {\n"
      "  %zero = arith.constant 0.0 : f32\n"
      "  %c0 = arith.constant 0 : index\n"
      "  %n = tensor.dim %x, %c0 : " +
      x + "\n  %e = tensor.empty(%n) : " + x +
      "\n"
      "  %r = linalg.generic {indexing_maps = [#map, #bias, #map], "
      "iterator_types = [\"parallel\", \"parallel\"]} ins(%x, %b : " +
      x + ", tensor<37xf32>) outs(%e : " + x +
      ") {\n"
      "  ^bb0(%a: f32, %c: f32, %o: f32):\n"
      "    %s = arith.addf %a, %c : f32\n"
      "    %m = arith.maximumf %s, %zero : f32\n"
      "    linalg.yield %m : f32\n"
      "  } -> " +
      x + "\n  return %r : " + x + "\n}\n";
  std::unique_ptr<CompiledModule> compiled = compileSource(source, "epilogue");
  ASSERT_TRUE(compiled);
  std::mt19937 rng(rows);
  NpyArray input = makeArray(rows, cols, rng);
  NpyArray biasRow = makeArray(1, cols, rng);
  NpyArray bias = biasRow;
  bias.shape = {cols};
  auto result = compiled->call({input, bias});
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  const NpyArray &got = (*result)[0];
  ASSERT_EQ(got.shape, (std::vector<int64_t>{rows, cols}));
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) {
      float expected = std::max(at(input, i, j) + at(biasRow, 0, j), 0.0f);
      ASSERT_EQ(at(got, i, j), expected) << "[" << i << "][" << j << "]";
    }
}

INSTANTIATE_TEST_SUITE_P(Rows, DynamicElementwiseTest,
                         ::testing::Values(1, 7, 63, 65, 257));

/// A bias gradient: the column sums of a dynamic batch. The batch loop is
/// tiled by 1 and the columns vectorized, so every column is summed over
/// the rows in order: the same bits as a float loop in that order.
TEST_P(DynamicElementwiseTest, ColumnSumsInRowOrder) {
  int64_t rows = GetParam(), cols = 37;
  std::string x = "tensor<?x37xf32>";
  std::string source =
      "func.func @sums(%x: " + x +
      ") -> tensor<37xf32> {\n"
      "  %zero = arith.constant 0.0 : f32\n"
      "  %e = tensor.empty() : tensor<37xf32>\n"
      "  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<37xf32>) -> "
      "tensor<37xf32>\n"
      "  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, "
      "affine_map<(i, j) -> (j)>], iterator_types = [\"reduction\", "
      "\"parallel\"]} ins(%x : " +
      x +
      ") outs(%z : tensor<37xf32>) {\n"
      "  ^bb0(%a: f32, %s: f32):\n"
      "    %t = arith.addf %s, %a : f32\n"
      "    linalg.yield %t : f32\n"
      "  } -> tensor<37xf32>\n"
      "  return %r : tensor<37xf32>\n}\n";
  std::unique_ptr<CompiledModule> compiled = compileSource(source, "sums");
  ASSERT_TRUE(compiled);
  std::mt19937 rng(rows + 1000);
  NpyArray input = makeArray(rows, cols, rng);
  auto result = compiled->call({input});
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  const NpyArray &got = (*result)[0];
  ASSERT_EQ(got.shape, (std::vector<int64_t>{cols}));
  for (int64_t j = 0; j < cols; ++j) {
    float expected = 0;
    for (int64_t i = 0; i < rows; ++i)
      expected += at(input, i, j);
    float value;
    std::memcpy(&value, &got.data[j * 4], 4);
    ASSERT_EQ(value, expected) << "column " << j;
  }
}

/// Reductions to a scalar (a per-tensor observer, a step size's gradient):
/// split into one partial result per column, summed over the rows in order
/// and vectorized, then combined in column order into the initial value:
/// the same bits as float loops in that order; max and min are exact.
TEST_P(DynamicElementwiseTest, ScalarReductionsByColumnThenInOrder) {
  int64_t rows = GetParam(), cols = 37;
  std::string x = "tensor<?x37xf32>";
  for (const char *combiner :
       {"arith.addf", "arith.maximumf", "arith.minnumf"}) {
    std::string source =
        "func.func @total(%x: " + x +
        ", %init: tensor<f32>) -> tensor<f32> {\n"
        "  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, "
        "affine_map<(i, j) -> ()>], iterator_types = [\"reduction\", "
        "\"reduction\"]} ins(%x : " +
        x +
        ") outs(%init : tensor<f32>) {\n"
        "  ^bb0(%a: f32, %s: f32):\n"
        "    %t = " +
        combiner +
        " %s, %a : f32\n"
        "    linalg.yield %t : f32\n"
        "  } -> tensor<f32>\n"
        "  return %r : tensor<f32>\n}\n";
    std::unique_ptr<CompiledModule> compiled = compileSource(source, "total");
    ASSERT_TRUE(compiled);
    std::mt19937 rng(rows + 2000);
    NpyArray input = makeArray(rows, cols, rng);
    NpyArray init = makeArray(1, 1, rng);
    float initial = at(init, 0, 0);
    init.shape = {};
    auto result = compiled->call({input, init});
    ASSERT_TRUE(static_cast<bool>(result))
        << llvm::toString(result.takeError());
    auto combine = [&](float a, float b) {
      if (std::string(combiner) == "arith.addf")
        return a + b;
      if (std::string(combiner) == "arith.maximumf")
        return std::max(a, b);
      return std::min(a, b);
    };
    float expected = initial;
    for (int64_t j = 0; j < cols; ++j) {
      float column = at(input, 0, j);
      for (int64_t i = 1; i < rows; ++i)
        column = combine(column, at(input, i, j));
      expected = combine(expected, column);
    }
    float value;
    std::memcpy(&value, result->front().data.data(), 4);
    ASSERT_EQ(value, expected) << combiner;
  }
}

/// The windowed ops: a convolution, pooling and a depthwise convolution.
enum class Window { Conv, MaxPool, SumPool, Depthwise };

struct WindowCase {
  Window kind;
  int64_t n, h, w;
  /// The dynamic variant has a dynamic batch, and dynamic rows and columns
  /// when this is set.
  bool dynamicSpatial;
  int64_t vectorBits;
};

/// The shape of one windowed op: channels in and out, window and stride.
struct WindowShape {
  int64_t c, f, k, stride;
  int64_t oh(int64_t h) const { return (h - k) / stride + 1; }
};

WindowShape getShape(Window kind) {
  switch (kind) {
  case Window::Conv:
    return {8, 16, 3, 1};
  case Window::MaxPool:
  case Window::SumPool:
    return {24, 24, 2, 2};
  case Window::Depthwise:
    return {24, 24, 3, 1};
  }
  llvm_unreachable("unknown window kind");
}

/// `@window(img[, flt], out)` for `c`, with the batch (and rows and
/// columns) dynamic when `dynamic`.
std::string buildWindowModule(const WindowCase &c, bool dynamic) {
  WindowShape shape = getShape(c.kind);
  std::string n = dimText(c.n, dynamic);
  std::string h = dimText(c.h, dynamic && c.dynamicSpatial);
  std::string w = dimText(c.w, dynamic && c.dynamicSpatial);
  std::string oh = dimText(shape.oh(c.h), dynamic && c.dynamicSpatial);
  std::string ow = dimText(shape.oh(c.w), dynamic && c.dynamicSpatial);
  std::string img = "tensor<" + n + "x" + h + "x" + w + "x" +
                    std::to_string(shape.c) + "xf32>";
  std::string out = "tensor<" + n + "x" + oh + "x" + ow + "x" +
                    std::to_string(shape.f) + "xf32>";
  std::string k = std::to_string(shape.k);
  std::string attrs = " {dilations = dense<1> : tensor<2xi64>, strides = "
                      "dense<" +
                      std::to_string(shape.stride) + "> : tensor<2xi64>} ";
  std::string flt, op, window;
  switch (c.kind) {
  case Window::Conv:
    flt = "tensor<" + k + "x" + k + "x" + std::to_string(shape.c) + "x" +
          std::to_string(shape.f) + "xf32>";
    op = "linalg.conv_2d_nhwc_hwcf";
    break;
  case Window::Depthwise:
    flt = "tensor<" + k + "x" + k + "x" + std::to_string(shape.c) + "xf32>";
    op = "linalg.depthwise_conv_2d_nhwc_hwc";
    break;
  case Window::MaxPool:
  case Window::SumPool:
    op = c.kind == Window::MaxPool ? "linalg.pooling_nhwc_max"
                                   : "linalg.pooling_nhwc_sum";
    window = "  %flt = tensor.empty() : tensor<" + k + "x" + k + "xf32>\n";
    break;
  }
  std::string fltType = flt.empty() ? "tensor<" + k + "x" + k + "xf32>" : flt;
  return "func.func @window(%img: " + img +
         (flt.empty() ? "" : ", %flt: " + flt) + ", %out: " + out + ") -> " +
         out + " {\n" + window + "  %r = " + op + attrs +
         "ins(%img, %flt : " + img + ", " + fltType + ") outs(%out : " + out +
         ") -> " + out + "\n  return %r : " + out + "\n}\n";
}

NpyArray makeTensor(std::vector<int64_t> shape, std::mt19937 &rng) {
  int64_t size = 1;
  for (int64_t dim : shape)
    size *= dim;
  NpyArray array = makeArray(size, 1, rng);
  array.shape = std::move(shape);
  return array;
}

float element(const NpyArray &array, int64_t index) {
  float value;
  std::memcpy(&value, &array.data[index * 4], 4);
  return value;
}

/// Convolutions, pooling and depthwise convolutions with a dynamic batch,
/// and with dynamic rows and columns: the full tiles are static and
/// vectorized, the partial ones loops. Compared with the same op compiled
/// static, and with a plain loop in double precision (max pooling exact).
class DynamicWindowTest : public ::testing::TestWithParam<WindowCase> {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }

  std::unique_ptr<CompiledModule> compile(bool dynamic) {
    return compileSource(buildWindowModule(GetParam(), dynamic), "window",
                         GetParam().vectorBits);
  }
};

TEST_P(DynamicWindowTest, SameAsStaticAndCloseToALoop) {
  const WindowCase &c = GetParam();
  WindowShape shape = getShape(c.kind);
  int64_t oh = shape.oh(c.h), ow = shape.oh(c.w), k = shape.k;
  std::mt19937 rng(c.n * 1009 + c.h * 31 + c.w + static_cast<int>(c.kind));
  NpyArray img = makeTensor({c.n, c.h, c.w, shape.c}, rng);
  NpyArray flt;
  if (c.kind == Window::Conv)
    flt = makeTensor({k, k, shape.c, shape.f}, rng);
  if (c.kind == Window::Depthwise)
    flt = makeTensor({k, k, shape.c}, rng);
  NpyArray out = makeTensor({c.n, oh, ow, shape.f}, rng);
  std::vector<NpyArray> args = {img};
  if (!flt.shape.empty())
    args.push_back(flt);
  args.push_back(out);

  std::unique_ptr<CompiledModule> dynamicCode = compile(/*dynamic=*/true);
  std::unique_ptr<CompiledModule> staticCode = compile(/*dynamic=*/false);
  ASSERT_TRUE(dynamicCode && staticCode);
  auto dynamicResult = dynamicCode->call(args);
  ASSERT_TRUE(static_cast<bool>(dynamicResult))
      << llvm::toString(dynamicResult.takeError());
  auto staticResult = staticCode->call(args);
  ASSERT_TRUE(static_cast<bool>(staticResult))
      << llvm::toString(staticResult.takeError());
  const NpyArray &got = (*dynamicResult)[0];
  ASSERT_EQ(got.shape, out.shape);

  auto pixel = [&](int64_t b, int64_t y, int64_t x, int64_t ch) {
    return element(img, ((b * c.h + y) * c.w + x) * shape.c + ch);
  };
  for (int64_t b = 0; b < c.n; ++b)
    for (int64_t y = 0; y < oh; ++y)
      for (int64_t x = 0; x < ow; ++x)
        for (int64_t f = 0; f < shape.f; ++f) {
          int64_t o = ((b * oh + y) * ow + x) * shape.f + f;
          double acc = element(out, o), magnitude = std::fabs(acc);
          int64_t terms = 1;
          for (int64_t ky = 0; ky < k; ++ky)
            for (int64_t kx = 0; kx < k; ++kx) {
              int64_t iy = y * shape.stride + ky, ix = x * shape.stride + kx;
              if (c.kind == Window::MaxPool) {
                acc = std::max<double>(acc, pixel(b, iy, ix, f));
                continue;
              }
              if (c.kind == Window::SumPool) {
                acc += pixel(b, iy, ix, f);
                magnitude += std::fabs(pixel(b, iy, ix, f));
                ++terms;
                continue;
              }
              if (c.kind == Window::Depthwise) {
                double term = double(pixel(b, iy, ix, f)) *
                              element(flt, (ky * k + kx) * shape.c + f);
                acc += term;
                magnitude += std::fabs(term);
                ++terms;
                continue;
              }
              for (int64_t ch = 0; ch < shape.c; ++ch) {
                double term =
                    double(pixel(b, iy, ix, ch)) *
                    element(flt, ((ky * k + kx) * shape.c + ch) * shape.f + f);
                acc += term;
                magnitude += std::fabs(term);
                ++terms;
              }
            }
          // Max pooling is exact; sums of `terms` f32 values are within
          // `terms` ulps of their magnitude.
          ASSERT_NEAR(element(got, o), acc, terms * 0x1p-23 * magnitude)
              << "out[" << b << "][" << y << "][" << x << "][" << f << "]";
        }
  // With only the batch dynamic the tiles are the static code's: the same
  // bits. Max pooling is exact on every path.
  if (!c.dynamicSpatial || c.kind == Window::MaxPool)
    EXPECT_EQ(got.data, (*staticResult)[0].data);
}

std::vector<WindowCase> getWindowCases() {
  std::vector<WindowCase> cases;
  for (Window kind :
       {Window::Conv, Window::MaxPool, Window::SumPool, Window::Depthwise}) {
    for (int64_t n : {1, 7, 63, 65, 257})
      cases.push_back({kind, n, 6, 9, false, 256});
    // Rows and columns that are no multiple of any tile.
    for (int64_t w : {3, 7, 9, 19, 65})
      cases.push_back({kind, 2, 5, w, true, 256});
    cases.push_back({kind, 7, 6, 19, true, 512});
  }
  return cases;
}

std::string windowCaseName(const ::testing::TestParamInfo<WindowCase> &info) {
  const WindowCase &c = info.param;
  const char *kind = c.kind == Window::Conv      ? "Conv"
                     : c.kind == Window::MaxPool ? "MaxPool"
                     : c.kind == Window::SumPool ? "SumPool"
                                                 : "Depthwise";
  return std::string(kind) + "_n" + std::to_string(c.n) + "_h" +
         std::to_string(c.h) + "_w" + std::to_string(c.w) +
         (c.dynamicSpatial ? "_dynhw" : "") + "_v" +
         std::to_string(c.vectorBits);
}

INSTANTIATE_TEST_SUITE_P(Window, DynamicWindowTest,
                         ::testing::ValuesIn(getWindowCases()), windowCaseName);

} // namespace
