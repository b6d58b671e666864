//===- QuantizedModelTest.cpp - integer models against a plain C++ loop ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Small calibrated models (fake_quant to static formats) go through
// quantx-quantize and the JIT; their outputs must equal, bit for bit, the
// same integer arithmetic written as plain loops: inputs encoded by the
// Numerics library, integer dot products with both zero points, the bias
// rounded onto the accumulator's grid, the requantization by
// quantx::numerics::rescale with ReLU in the clamp, outputs decoded. The
// cases put zero points at both ends of their ranges, saturate the
// requantization, use odd shapes and K = 1, and run every rescale
// convention.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Numerics/FixedPoint.h"
#include "quantx/Numerics/Rescale.h"
#include "quantx/Runtime/Runner.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <sstream>

using namespace quantx::runtime;
namespace num = ::quantx::numerics;

namespace {

struct Affine {
  unsigned bits;
  bool isSigned;
  double scale;
  int64_t zeroPoint;

  int64_t min() const { return isSigned ? -(int64_t(1) << (bits - 1)) : 0; }
  int64_t max() const {
    return isSigned ? (int64_t(1) << (bits - 1)) - 1 : (int64_t(1) << bits) - 1;
  }
  std::string type() const {
    std::ostringstream os;
    os.precision(17);
    os << "!quantx.fixed<" << (isSigned ? "i" : "u") << bits << ":f32, "
       << scale << ":" << zeroPoint << ">";
    return os.str();
  }
  int64_t encode(float x) const {
    num::FixedPointFormat format{bits, isSigned, min(), max()};
    return format.encode(static_cast<double>(x), scale, zeroPoint,
                         num::RoundingMode::NearestEven);
  }
};

struct LayerCase {
  const char *name;
  int64_t batch, k, n;
  Affine input, output;
  bool relu;
  /// Conv: the input's height and width and the kernel's (else a matmul).
  int64_t height = 0, width = 0, kh = 0, kw = 0;
};

/// A dense attribute of `values` with `shape`, nested as MLIR writes it.
std::string denseF32(const std::vector<float> &values,
                     const std::vector<int64_t> &shape) {
  std::ostringstream os;
  os.precision(9);
  size_t next = 0;
  std::function<void(size_t)> nest = [&](size_t dim) {
    os << "[";
    for (int64_t i = 0; i < shape[dim]; ++i) {
      if (i)
        os << ", ";
      if (dim + 1 == shape.size())
        os << values[next++];
      else
        nest(dim + 1);
    }
    os << "]";
  };
  os << "dense<";
  nest(0);
  os << "> : tensor<";
  for (int64_t d : shape)
    os << d << "x";
  os << "f32>";
  return os.str();
}

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string s;
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s;
}

float readF32(const NpyArray &array, int64_t i) {
  float v;
  std::memcpy(&v, array.data.data() + i * sizeof(float), sizeof(float));
  return v;
}

class QuantizedModelTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }

  void run(const LayerCase &c, num::RescaleRounding rounding, uint64_t seed);
};

void QuantizedModelTest::run(const LayerCase &c, num::RescaleRounding rounding,
                             uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  bool conv = c.kh > 0;
  // Layer 1: x [batch, k] (or [batch, h, w, k]) times w [k, n] (or [kh, kw,
  // k, n]) plus b, ReLU, quantized to `output`; layer 2: its codes times w2
  // [n, 2] (or [1, 1, n, 2]), decoded.
  std::vector<int64_t> xShape =
      conv ? std::vector<int64_t>{c.batch, c.height, c.width, c.k}
           : std::vector<int64_t>{c.batch, c.k};
  std::vector<int64_t> wShape = conv
                                    ? std::vector<int64_t>{c.kh, c.kw, c.k, c.n}
                                    : std::vector<int64_t>{c.k, c.n};
  int64_t oh = conv ? c.height - c.kh + 1 : 1,
          ow = conv ? c.width - c.kw + 1 : 1;
  std::vector<int64_t> hShape = conv
                                    ? std::vector<int64_t>{c.batch, oh, ow, c.n}
                                    : std::vector<int64_t>{c.batch, c.n};
  std::vector<int64_t> w2Shape =
      conv ? std::vector<int64_t>{1, 1, c.n, 2} : std::vector<int64_t>{c.n, 2};
  std::vector<int64_t> yShape = hShape;
  yShape.back() = 2;
  auto count = [](const std::vector<int64_t> &shape) {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  };
  std::vector<float> x(count(xShape)), w(count(wShape)), b(c.n),
      w2(count(w2Shape));
  // Inputs spread beyond the input format's range, so encoding saturates.
  double lo = (c.input.min() - c.input.zeroPoint) * c.input.scale;
  double hi = (c.input.max() - c.input.zeroPoint) * c.input.scale;
  std::uniform_real_distribution<double> spread(lo - 0.2 * (hi - lo),
                                                hi + 0.2 * (hi - lo));
  for (float &v : x)
    v = static_cast<float>(spread(random));
  for (float &v : w)
    v = normal(random);
  for (float &v : b)
    v = normal(random);
  for (float &v : w2)
    v = normal(random);
  // Weight scales: max|w| / 127 per output channel; w2 one scale.
  std::vector<double> ws(c.n, 0.0);
  for (size_t i = 0; i < w.size(); ++i)
    ws[i % c.n] = std::max(ws[i % c.n], std::fabs(double(w[i])) / 127.0);
  double w2s = 0;
  for (float v : w2)
    w2s = std::max(w2s, std::fabs(double(v)) / 127.0);
  std::ostringstream scales;
  scales.precision(17);
  for (int64_t j = 0; j < c.n; ++j)
    scales << (j ? ", " : "") << ws[j];

  std::string xt = "tensor<" + shapeString(xShape) + "f32>";
  std::string wt = "tensor<" + shapeString(wShape) + "f32>";
  std::string ht = "tensor<" + shapeString(hShape) + "f32>";
  std::string w2t = "tensor<" + shapeString(w2Shape) + "f32>";
  std::string yt = "tensor<" + shapeString(yShape) + "f32>";
  std::ostringstream w2scale;
  w2scale.precision(17);
  w2scale << w2s;
  std::string identity = conv ? "affine_map<(a, b, c, d) -> (a, b, c, d)>"
                              : "affine_map<(a, b) -> (a, b)>";
  std::string channel =
      conv ? "affine_map<(a, b, c, d) -> (d)>" : "affine_map<(a, b) -> (b)>";
  std::string parallel =
      conv ? R"("parallel", "parallel", "parallel", "parallel")"
           : R"("parallel", "parallel")";
  auto contraction = [&](const std::string &in, const std::string &inType,
                         const std::string &weights,
                         const std::string &weightType,
                         const std::string &outType, const std::string &init) {
    if (conv)
      return "linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : "
             "tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(" +
             in + ", " + weights + " : " + inType + ", " + weightType +
             ") outs(" + init + " : " + outType + ") -> " + outType;
    return "linalg.matmul ins(" + in + ", " + weights + " : " + inType + ", " +
           weightType + ") outs(" + init + " : " + outType + ") -> " + outType;
  };
  std::ostringstream source;
  source << "ml_program.global private mutable @w(" << denseF32(w, wShape)
         << ") : " << wt << "\n"
         << "ml_program.global private mutable @b(" << denseF32(b, {c.n})
         << ") : tensor<" << c.n << "xf32>\n"
         << "ml_program.global private mutable @w2(" << denseF32(w2, w2Shape)
         << ") : " << w2t << "\n"
         << "func.func @f(%x: " << xt << ") -> (" << ht << ", " << yt << ") {\n"
         << "  %zero = arith.constant 0.0 : f32\n"
         << "  %w = ml_program.global_load @w : " << wt << "\n"
         << "  %b = ml_program.global_load @b : tensor<" << c.n << "xf32>\n"
         << "  %w2 = ml_program.global_load @w2 : " << w2t << "\n"
         << "  %qx = quantx.fake_quant %x to " << c.input.type() << " : " << xt
         << "\n"
         << "  %qw = quantx.fake_quant %w to !quantx.fixed<i8<-127:127>:f32:"
         << wShape.size() - 1 << ", {" << scales.str() << "}> : " << wt << "\n"
         << "  %e = tensor.empty() : " << ht << "\n"
         << "  %f = linalg.fill ins(%zero : f32) outs(%e : " << ht << ") -> "
         << ht << "\n"
         << "  %m = " << contraction("%qx", xt, "%qw", wt, ht, "%f") << "\n"
         << "  %h = linalg.generic {indexing_maps = [" << identity << ", "
         << channel << ", " << identity << "], iterator_types = [" << parallel
         << "]} ins(%m, %b : " << ht << ", tensor<" << c.n
         << "xf32>) outs(%e : " << ht << ") {\n"
         << "  ^bb0(%v: f32, %bias: f32, %o: f32):\n"
         << "    %s = arith.addf %v, %bias : f32\n";
  if (c.relu)
    source << "    %r = arith.maximumf %s, %zero : f32\n"
           << "    linalg.yield %r : f32\n";
  else
    source << "    linalg.yield %s : f32\n";
  source << "  } -> " << ht << "\n"
         << "  %qh = quantx.fake_quant %h to " << c.output.type() << " : " << ht
         << "\n"
         << "  %qw2 = quantx.fake_quant %w2 to !quantx.fixed<i8<-127:127>:f32, "
         << w2scale.str() << "> : " << w2t << "\n"
         << "  %e2 = tensor.empty() : " << yt << "\n"
         << "  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : " << yt << ") -> "
         << yt << "\n"
         << "  %y = " << contraction("%qh", ht, "%qw2", w2t, yt, "%f2") << "\n"
         << "  return %qh, %y : " << ht << ", " << yt << "\n}\n";

  // quantx-quantize, then the JIT.
  std::unique_ptr<mlir::MLIRContext> context = createJitContext();
  auto module = parseModule(source.str(), "<test>", *context);
  ASSERT_TRUE(static_cast<bool>(module))
      << llvm::toString(module.takeError()) << source.str();
  mlir::PassManager pm(context.get());
  mlir::quantx::QuantizePassOptions options;
  options.rescale = std::string(num::getRescaleRoundingName(rounding));
  pm.addPass(mlir::quantx::createQuantizePass(options));
  ASSERT_TRUE(mlir::succeeded(pm.run(**module))) << source.str();
  std::string text;
  llvm::raw_string_ostream os(text);
  (*module)->print(os);
  ASSERT_EQ(text.find("linalg.matmul"), std::string::npos) << text;
  ASSERT_EQ(text.find("conv_2d_nhwc_hwcf "), std::string::npos) << text;
  auto compiled = CompiledModule::compileSource(text, {"f"}, {});
  ASSERT_TRUE(static_cast<bool>(compiled))
      << llvm::toString(compiled.takeError()) << text;
  NpyArray input;
  input.dtype = DType::F32;
  input.shape = xShape;
  input.data.resize(x.size() * sizeof(float));
  std::memcpy(input.data.data(), x.data(), input.data.size());
  auto results = (*compiled)->call("f", {input});
  ASSERT_TRUE(static_cast<bool>(results))
      << llvm::toString(results.takeError());

  // The reference: the same integers in plain loops.
  std::vector<int64_t> qx(x.size()), qw(w.size()), qw2(w2.size());
  for (size_t i = 0; i < x.size(); ++i)
    qx[i] = c.input.encode(x[i]);
  num::FixedPointFormat narrow{8, true, -127, 127};
  for (size_t i = 0; i < w.size(); ++i)
    qw[i] = narrow.encode(double(w[i]), ws[i % c.n], 0,
                          num::RoundingMode::NearestEven);
  for (size_t i = 0; i < w2.size(); ++i)
    qw2[i] =
        narrow.encode(double(w2[i]), w2s, 0, num::RoundingMode::NearestEven);
  // Codes of the output format as the integer graph holds them: signed.
  int64_t shift = c.output.isSigned ? 0 : int64_t(1) << (c.output.bits - 1);
  int64_t zpOut = c.output.zeroPoint - shift;
  int64_t rows = count(hShape) / c.n;
  std::vector<int64_t> hCodes(count(hShape));
  // The bias's fraction bits below the accumulator's grid, by the pass's
  // rule from the accumulator's bound K max|a - zp| max|w|.
  double aMax = std::max(c.input.zeroPoint - c.input.min(),
                         c.input.max() - c.input.zeroPoint);
  double wMax = 0;
  for (int64_t q : qw)
    wMax = std::max(wMax, std::fabs(double(q)));
  double reduction = conv ? double(c.kh * c.kw * c.k) : double(c.k);
  std::vector<double> biasValues(b.begin(), b.end()), accScales, ratios;
  for (int64_t j = 0; j < c.n; ++j) {
    accScales.push_back(c.input.scale * ws[j]);
    ratios.push_back(accScales.back() / c.output.scale);
  }
  int k = num::chooseBiasFractionBits(
      reduction * aMax * wMax, biasValues, accScales, ratios,
      rounding != num::RescaleRounding::Float,
      double(std::numeric_limits<int32_t>::max()), 16);
  int failures = 0;
  for (int64_t r = 0; r < rows; ++r) {
    // The output position (batch, y, x) of row r.
    int64_t bi = r / (oh * ow), yi = (r / ow) % oh, xi = r % ow;
    for (int64_t j = 0; j < c.n; ++j) {
      int64_t acc = 0;
      if (conv) {
        for (int64_t dy = 0; dy < c.kh; ++dy)
          for (int64_t dx = 0; dx < c.kw; ++dx)
            for (int64_t ci = 0; ci < c.k; ++ci) {
              int64_t xIndex =
                  ((bi * c.height + yi + dy) * c.width + xi + dx) * c.k + ci;
              int64_t wIndex = ((dy * c.kw + dx) * c.k + ci) * c.n + j;
              acc += (qx[xIndex] - c.input.zeroPoint) * qw[wIndex];
            }
      } else {
        for (int64_t kk = 0; kk < c.k; ++kk)
          acc += (qx[r * c.k + kk] - c.input.zeroPoint) * qw[kk * c.n + j];
      }
      double accScale = c.input.scale * ws[j];
      acc = acc * (int64_t(1) << k) +
            static_cast<int64_t>(
                std::nearbyint(std::ldexp(double(b[j]), k) / accScale));
      num::RescaleParams p;
      p.rounding = rounding;
      double m = std::ldexp(accScale / c.output.scale, -k);
      if (rounding == num::RescaleRounding::Float) {
        p.scale = static_cast<float>(m);
      } else {
        auto fixed = num::getFixedPointMultiplier(m);
        ASSERT_TRUE(fixed);
        p.multiplier = fixed->first;
        p.shift = fixed->second;
      }
      p.outputZeroPoint = zpOut;
      p.outputMin = c.output.min() - shift;
      p.outputMax = c.output.max() - shift;
      if (c.relu)
        p.outputMin = std::max(p.outputMin, zpOut);
      int64_t code = num::rescale(acc, p);
      hCodes[r * c.n + j] = code;
      float expected = static_cast<float>(
          num::FixedPointFormat::decode(code, c.output.scale, zpOut));
      float got = readF32((*results)[0], r * c.n + j);
      if (std::memcmp(&expected, &got, sizeof(float)) != 0 && failures++ < 5)
        ADD_FAILURE() << c.name << " (" << num::getRescaleRoundingName(rounding)
                      << ") hidden[" << r << ", " << j << "]: expected "
                      << expected << " (code " << code << "), got " << got;
    }
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < 2; ++j) {
      int64_t acc = 0;
      for (int64_t kk = 0; kk < c.n; ++kk)
        acc += (hCodes[r * c.n + kk] - zpOut) * qw2[kk * 2 + j];
      float expected = static_cast<float>(
          num::FixedPointFormat::decode(acc, c.output.scale * w2s, 0));
      float got = readF32((*results)[1], r * 2 + j);
      if (std::memcmp(&expected, &got, sizeof(float)) != 0 && failures++ < 10)
        ADD_FAILURE() << c.name << " (" << num::getRescaleRoundingName(rounding)
                      << ") output[" << r << ", " << j << "]: expected "
                      << expected << ", got " << got;
    }
}

constexpr num::RescaleRounding kRoundings[] = {
    num::RescaleRounding::SingleRound, num::RescaleRounding::DoubleRound,
    num::RescaleRounding::Gemmlowp, num::RescaleRounding::Float};

TEST_F(QuantizedModelTest, MatmulKOne) {
  uint64_t seed = 1;
  for (num::RescaleRounding r : kRoundings)
    run({"k1", 5, 1, 3, {8, false, 0.02, 128}, {8, false, 0.05, 7}, true}, r,
        seed++);
}

TEST_F(QuantizedModelTest, MatmulZeroPointsAtTheEnds) {
  uint64_t seed = 10;
  for (num::RescaleRounding r : kRoundings) {
    // Unsigned zero points 255 and 0, ReLU.
    run({"u8_ends", 3, 7, 5, {8, false, 0.01, 255}, {8, false, 0.03, 0}, true},
        r, seed++);
    // Signed zero points -128 and 127, no ReLU; a fine output scale
    // saturates most codes.
    run({"i8_ends",
         4,
         9,
         6,
         {8, true, 0.02, -128},
         {8, true, 0.001, 127},
         false},
        r, seed++);
  }
}

TEST_F(QuantizedModelTest, ConvOddShapes) {
  uint64_t seed = 100;
  for (num::RescaleRounding r : kRoundings)
    run({"conv",
         2,
         3,
         5,
         {8, false, 0.015, 17},
         {8, false, 0.04, 3},
         true,
         5,
         4,
         3,
         2},
        r, seed++);
}

} // namespace
