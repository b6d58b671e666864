//===- Int8KernelJitTest.cpp - int8 micro-kernels against a plain loop ----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Quantized matmuls and convolutions lowered by
// quantx-lower-int8-contractions, JIT-compiled for every int8 dot product
// the host can execute (the others are skipped with a message), must equal
// bit for bit the upstream op's definition written as a plain loop (and
// every dot product's data layout runs on any host with the instruction
// emulated by portable arithmetic):
// sum (a - za)(w - zw) in wrapping i32 arithmetic. The shapes are not
// multiples of any tile (and include M = 1, K = 1, N = 1), the inputs and
// weights cover their full ranges (the values that make a saturating 16-bit
// kernel fail), the zero points sit at both ends, the weights are int8 and
// int4, and a fused requantization epilogue is checked too.
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Target.h"
#include "quantx/Runtime/Runner.h"

#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cstring>
#include <random>
#include <sstream>
#include <string>

using namespace ::quantx::runtime;
using mlir::quantx::CpuTarget;
using mlir::quantx::Int8Dot;

namespace {

struct KernelCase {
  int64_t m, k, n;
  int32_t inputZp, weightZp;
  unsigned weightBits;
  /// Requantize to i8 in a fused epilogue (else return the accumulator).
  bool requantize;
  /// A convolution: input height and width, kernel, stride, dilation.
  int64_t h = 0, w = 0, kh = 0, kw = 0, stride = 1, dilation = 1;
  /// Activations of fewer bits (truncated from the i8 argument).
  unsigned inputBits = 8;
};

std::ostream &operator<<(std::ostream &os, const KernelCase &c) {
  return os << (c.h ? "conv" : "matmul") << " m" << c.m << " k" << c.k << " n"
            << c.n << " za" << c.inputZp << " zw" << c.weightZp << " w"
            << c.weightBits << (c.requantize ? " requant" : "");
}

std::string join(const std::vector<int64_t> &values) {
  std::ostringstream os;
  for (size_t i = 0; i < values.size(); ++i)
    os << (i ? ", " : "") << values[i];
  return os.str();
}

/// The epilogue: (acc + bias[n]) * 3 >> 4, clamped to i8, as one generic.
const char *kEpilogue = R"(
  %bias = arith.constant dense<[BIAS]> : tensor<Nxi32>
  %e8 = tensor.empty(DIMS) : OUT8
  %q = linalg.generic {indexing_maps = [affine_map<(IDX) -> (IDX)>,
      affine_map<(IDX) -> (LAST)>, affine_map<(IDX) -> (IDX)>],
      iterator_types = [ITER]} ins(%r, %bias : OUT32, tensor<Nxi32>)
      outs(%e8 : OUT8) {
  ^bb0(%v: i32, %b: i32, %o: i8):
    %s = arith.addi %v, %b : i32
    %c3 = arith.constant 3 : i32
    %c4 = arith.constant 4 : i32
    %p = arith.muli %s, %c3 : i32
    %h = arith.shrsi %p, %c4 : i32
    %lo = arith.constant -128 : i32
    %hi = arith.constant 127 : i32
    %c1 = arith.maxsi %h, %lo : i32
    %c2 = arith.minsi %c1, %hi : i32
    %t = arith.trunci %c2 : i32 to i8
    linalg.yield %t : i8
  } -> OUT8
  return %q : OUT8
}
)";

void replaceAll(std::string &s, const std::string &from,
                const std::string &to) {
  for (size_t at = s.find(from); at != std::string::npos;
       at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
}

std::string buildModule(const KernelCase &c,
                        const std::vector<int64_t> &weights,
                        const std::vector<int64_t> &bias) {
  std::ostringstream os;
  std::string wt = "i" + std::to_string(c.weightBits);
  bool conv = c.h != 0;
  int64_t channels = conv ? c.k / (c.kh * c.kw) : c.k;
  int64_t oh = conv ? (c.h - (c.kh - 1) * c.dilation - 1) / c.stride + 1 : 0;
  int64_t ow = conv ? (c.w - (c.kw - 1) * c.dilation - 1) / c.stride + 1 : 0;
  std::string in = conv ? "tensor<?x" + std::to_string(c.h) + "x" +
                              std::to_string(c.w) + "x" +
                              std::to_string(channels) + "xi8>"
                        : "tensor<?x" + std::to_string(c.k) + "xi8>";
  std::string shape = conv ? "?x" + std::to_string(oh) + "x" +
                                 std::to_string(ow) + "x" + std::to_string(c.n)
                           : "?x" + std::to_string(c.n);
  std::string out32 = "tensor<" + shape + "xi32>";
  std::string out8 = "tensor<" + shape + "xi8>";
  std::string wtype = conv ? "tensor<" + std::to_string(c.kh) + "x" +
                                 std::to_string(c.kw) + "x" +
                                 std::to_string(channels) + "x" +
                                 std::to_string(c.n) + "x" + wt + ">"
                           : "tensor<" + std::to_string(c.k) + "x" +
                                 std::to_string(c.n) + "x" + wt + ">";
  os << "func.func @kernel(%a: " << in << ") -> "
     << (c.requantize ? out8 : out32) << " {\n";
  os << "  %w = arith.constant dense<[" << join(weights) << "]> : tensor<"
     << weights.size() << "x" << wt << ">\n";
  os << "  %wt = tensor.expand_shape %w "
     << (conv ? "[[0, 1, 2, 3]]" : "[[0, 1]]") << " output_shape "
     << (conv
             ? "[" + std::to_string(c.kh) + ", " + std::to_string(c.kw) + ", " +
                   std::to_string(channels) + ", " + std::to_string(c.n) + "]"
             : "[" + std::to_string(c.k) + ", " + std::to_string(c.n) + "]")
     << " : tensor<" << weights.size() << "x" << wt << "> into " << wtype
     << "\n";
  std::string at = "i" + std::to_string(c.inputBits);
  std::string narrow = in;
  if (c.inputBits < 8) {
    narrow.replace(narrow.rfind("xi8>"), 4, "x" + at + ">");
    os << "  %an = arith.trunci %a : " << in << " to " << narrow << "\n";
  }
  std::string operand = c.inputBits < 8 ? "%an" : "%a";
  os << "  %za = arith.constant " << c.inputZp << " : i32\n";
  os << "  %zw = arith.constant " << c.weightZp << " : i32\n";
  os << "  %c0 = arith.constant 0 : index\n";
  os << "  %zero = arith.constant 0 : i32\n";
  os << "  %batch = tensor.dim %a, %c0 : " << in << "\n";
  os << "  %e = tensor.empty(%batch) : " << out32 << "\n";
  os << "  %f = linalg.fill ins(%zero : i32) outs(%e : " << out32 << ") -> "
     << out32 << "\n";
  if (conv)
    os << "  %r = linalg.conv_2d_nhwc_hwcf_q {dilations = dense<" << c.dilation
       << "> : tensor<2xi64>, strides = dense<" << c.stride
       << "> : tensor<2xi64>} ins(" << operand << ", %wt, %za, %zw : " << narrow
       << ", " << wtype << ", i32, i32) outs(%f : " << out32 << ") -> " << out32
       << "\n";
  else
    os << "  %r = linalg.quantized_matmul ins(" << operand
       << ", %wt, %za, %zw : " << narrow << ", " << wtype
       << ", i32, i32) outs(%f : " << out32 << ") -> " << out32 << "\n";
  if (!c.requantize) {
    os << "  return %r : " << out32 << "\n}\n";
    return os.str();
  }
  std::string epilogue = kEpilogue;
  replaceAll(epilogue, "BIAS", join(bias));
  replaceAll(epilogue, "tensor<Nxi32>",
             "tensor<" + std::to_string(c.n) + "xi32>");
  replaceAll(epilogue, "DIMS", "%batch");
  replaceAll(epilogue, "OUT8", out8);
  replaceAll(epilogue, "OUT32", out32);
  replaceAll(epilogue, "IDX", conv ? "d0, d1, d2, d3" : "d0, d1");
  replaceAll(epilogue, "LAST", conv ? "d3" : "d1");
  replaceAll(epilogue, "ITER",
             conv ? "\"parallel\", \"parallel\", \"parallel\", \"parallel\""
                  : "\"parallel\", \"parallel\"");
  os << epilogue;
  return os.str();
}

/// A dot product and whether to emulate it (its layout with portable
/// arithmetic, run on any host).
struct DotChoice {
  Int8Dot dot;
  bool emulate;
};

class Int8KernelTest
    : public ::testing::TestWithParam<std::tuple<DotChoice, KernelCase>> {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }
};

TEST_P(Int8KernelTest, BitExactAgainstPlainLoop) {
  auto [dot, emulate] = std::get<0>(GetParam());
  const KernelCase &c = std::get<1>(GetParam());
  if (!emulate && !CpuTarget::hostHas(dot))
    GTEST_SKIP() << "the host cannot execute "
                 << mlir::quantx::stringifyInt8Dot(dot).str();
  std::mt19937 rng(static_cast<unsigned>(c.m * 7919 + c.k * 131 + c.n));
  int64_t wMin = -(int64_t(1) << (c.weightBits - 1));
  int64_t wMax = (int64_t(1) << (c.weightBits - 1)) - 1;
  std::uniform_int_distribution<int64_t> weightDist(wMin, wMax);
  int aMin = -(1 << (c.inputBits - 1)), aMax = (1 << (c.inputBits - 1)) - 1;
  std::uniform_int_distribution<int> byteDist(aMin, aMax);
  std::vector<int64_t> weights(c.k * c.n), bias(c.n);
  for (int64_t &v : weights)
    v = weightDist(rng);
  // The corners too: every extreme weight in the first column.
  for (int64_t k = 0; k < c.k; ++k)
    weights[k * c.n] = k % 2 ? wMin : wMax;
  for (int64_t &v : bias)
    v = std::uniform_int_distribution<int64_t>(-100000, 100000)(rng);

  bool conv = c.h != 0;
  int64_t channels = conv ? c.k / (c.kh * c.kw) : c.k;
  int64_t oh = conv ? (c.h - (c.kh - 1) * c.dilation - 1) / c.stride + 1 : 1;
  int64_t ow = conv ? (c.w - (c.kw - 1) * c.dilation - 1) / c.stride + 1 : 1;
  NpyArray a;
  a.dtype = DType::I8;
  a.shape = conv ? std::vector<int64_t>{c.m, c.h, c.w, channels}
                 : std::vector<int64_t>{c.m, c.k};
  int64_t count = 1;
  for (int64_t d : a.shape)
    count *= d;
  a.data.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    // Full range, with runs of the extremes (-128 and 127 in every lane of
    // a group saturate vpmaddubsw).
    int v = (i / 7) % 3 == 0 ? ((i / 21) % 2 ? aMax : aMin) : byteDist(rng);
    a.data[i] = static_cast<uint8_t>(static_cast<int8_t>(v));
  }

  std::string source = buildModule(c, weights, bias);
  RunnerOptions options;
  options.int8Dot = mlir::quantx::stringifyInt8Dot(dot).str();
  options.int8EmulateDot = emulate;
  auto compiled = CompiledModule::compileSource(source, {"kernel"}, options);
  ASSERT_TRUE(static_cast<bool>(compiled))
      << llvm::toString(compiled.takeError()) << "\n"
      << source;
  auto result = (*compiled)->call({a});
  ASSERT_TRUE(static_cast<bool>(result)) << llvm::toString(result.takeError());
  const NpyArray &got = (*result)[0];

  auto input = [&](int64_t n, int64_t y, int64_t x, int64_t ch) -> int32_t {
    int64_t index =
        conv ? ((n * c.h + y) * c.w + x) * channels + ch : n * c.k + ch;
    return static_cast<int8_t>(a.data[index]);
  };
  int64_t rows = c.m * oh * ow, mismatches = 0;
  for (int64_t row = 0; row < rows; ++row) {
    int64_t n = row / (oh * ow), y = row / ow % oh, x = row % ow;
    for (int64_t col = 0; col < c.n; ++col) {
      uint32_t acc = 0;
      for (int64_t k = 0; k < c.k; ++k) {
        int64_t ch = k % channels, tap = k / channels;
        int32_t av = conv ? input(n, y * c.stride + tap / c.kw * c.dilation,
                                  x * c.stride + tap % c.kw * c.dilation, ch)
                          : input(n, 0, 0, k);
        int32_t wv = static_cast<int32_t>(weights[k * c.n + col]);
        acc += static_cast<uint32_t>((av - c.inputZp)) *
               static_cast<uint32_t>((wv - c.weightZp));
      }
      int64_t expected, actual;
      if (c.requantize) {
        int32_t s =
            static_cast<int32_t>(acc + static_cast<uint32_t>(bias[col]));
        int32_t h = static_cast<int32_t>(static_cast<uint32_t>(s) * 3u) >> 4;
        expected = std::min(127, std::max(-128, h));
        actual = static_cast<int8_t>(got.data[row * c.n + col]);
      } else {
        expected = static_cast<int32_t>(acc);
        int32_t v;
        std::memcpy(&v, &got.data[(row * c.n + col) * 4], 4);
        actual = v;
      }
      if (expected != actual && ++mismatches <= 5)
        ADD_FAILURE() << "row " << row << " column " << col << ": expected "
                      << expected << ", got " << actual;
    }
  }
  EXPECT_EQ(mismatches, 0) << source.substr(0, 2000);
}

std::vector<KernelCase> getCases() {
  std::vector<KernelCase> cases = {
      // M = 1, K = 1, N = 1 and sizes off every tile.
      {1, 1, 1, 0, 0, 8, false},
      {1, 37, 10, -128, 0, 8, false},
      {13, 1, 33, 127, -128, 8, false},
      {7, 67, 17, -128, 127, 8, false},
      {29, 200, 65, 5, -3, 8, true},
      {100, 64, 64, -128, 0, 8, true},
      {3, 5, 129, 127, 127, 8, false},
      {600, 300, 48, -1, 0, 8, true},
      // int4 weights, zero points at the ends of their range.
      {9, 41, 30, -128, 0, 4, false},
      {31, 128, 64, 127, -8, 4, true},
      {2, 7, 3, 0, 7, 4, false},
      {20, 33, 20, 3, 0, 2, false},
      // 7-bit weights: the byte products provably fit 16 bits.
      {17, 70, 24, -128, 0, 7, true},
      {5, 9, 40, 127, -64, 7, false},
  };
  // 7-bit activations with full-range weights (the same proof).
  KernelCase narrow1{12, 100, 33, -64, 0, 8, false};
  narrow1.inputBits = 7;
  KernelCase narrow2{40, 19, 16, 63, -128, 8, true};
  narrow2.inputBits = 7;
  KernelCase narrow3{3, 64, 8, 0, 0, 4, false};
  narrow3.inputBits = 5;
  cases.insert(cases.end(), {narrow1, narrow2, narrow3});
  // Convolutions: one channel (K = 9), strides, dilations, many channels.
  KernelCase conv1{2, 9, 16, -128, 0, 8, true};
  conv1.h = 9, conv1.w = 11, conv1.kh = 3, conv1.kw = 3;
  KernelCase conv2{3, 5 * 5 * 6, 20, 10, -2, 8, false};
  conv2.h = 12, conv2.w = 13, conv2.kh = 5, conv2.kw = 5, conv2.stride = 2;
  KernelCase conv3{1, 3 * 2 * 70, 33, 127, 0, 4, true};
  conv3.h = 8, conv3.w = 7, conv3.kh = 3, conv3.kw = 2, conv3.dilation = 2;
  KernelCase conv4{4, 3 * 3 * 32, 64, -128, 0, 8, true};
  conv4.h = 14, conv4.w = 14, conv4.kh = 3, conv4.kw = 3;
  cases.insert(cases.end(), {conv1, conv2, conv3, conv4});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(
    Kernels, Int8KernelTest,
    ::testing::Combine(::testing::Values(DotChoice{Int8Dot::Generic, false},
                                         DotChoice{Int8Dot::Avx2, false},
                                         DotChoice{Int8Dot::AvxVnni, false},
                                         DotChoice{Int8Dot::Avx512Vnni, false},
                                         DotChoice{Int8Dot::Avx2, true},
                                         DotChoice{Int8Dot::AvxVnni, true},
                                         DotChoice{Int8Dot::Avx512Vnni, true}),
                       ::testing::ValuesIn(getCases())),
    [](const ::testing::TestParamInfo<Int8KernelTest::ParamType> &info) {
      DotChoice choice = std::get<0>(info.param);
      std::string name = mlir::quantx::stringifyInt8Dot(choice.dot).str() +
                         (choice.emulate ? "_emulated_" : "_") +
                         std::to_string(info.index);
      for (char &ch : name)
        if (ch == '-')
          ch = '_';
      return name;
    });

} // namespace
