//===- QuantxToArithJitTest.cpp - lowered code against Numerics -----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// For every kind of format: quantize (in all four rounding modes), dequantize
// (to f64 and f32) and fake_quant are lowered with quantx-to-llvm, JIT-compiled
// and run on tensors of special, boundary, tie and random inputs (and on every
// code of small formats); each result must equal the Numerics library's, bit
// for bit, including the stochastic bits drawn per element.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/InitQuantx.h"
#include "quantx/Numerics/Random.h"
#include "quantx/Pipelines/Pipelines.h"
#include "quantx/Runtime/Runner.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::quantx;
namespace num = ::quantx::numerics;

namespace {

constexpr uint64_t kSeed = 20261126;
constexpr const char *kModes[] = {"nearest_even", "nearest_away", "toward_zero",
                                  "stochastic"};

struct FormatCase {
  const char *name;
  std::string type; ///< The format type, expressed in f64 where it has one.
  int64_t channels; ///< The size of the quantized dimension (1 if none).
};

std::vector<FormatCase> getCases() {
  return {
      {"fixed_i8", "!quantx.fixed<i8:f64, 0.5>", 1},
      {"fixed_u8_zp", "!quantx.fixed<u8:f64, 0.0235:128>", 1},
      {"fixed_narrow_i2", "!quantx.fixed<i2<-1:1>:f64, 3.0>", 1},
      {"fixed_i4_per_channel", "!quantx.fixed<i4:f64:1, {0.1, 0.25:1, 3.0:-2}>",
       3},
      {"fixed_i32", "!quantx.fixed<i32:f64, 0.001:-5>", 1},
      {"fixed_u16", "!quantx.fixed<u16:f64, 0.37>", 1},
      {"fixed_i1", "!quantx.fixed<i1:f64, 1.0>", 1},
      {"quant_uniform", "!quant.uniform<i8<-127:127>:f64, 0.02:3>", 1},
      {"quant_per_axis", "!quant.uniform<u8:f64:1, {0.1:128, 0.2:3, 0.3}>", 3},
      {"binary", "!quantx.binary<f64>", 1},
      {"binary_per_channel", "!quantx.binary<f64:1, {0.5, 0.25, 2.0}>", 3},
      {"ternary", "!quantx.ternary<f64, 0.7>", 1},
      {"ternary_per_channel", "!quantx.ternary<f64:1, {0.5, 0.2, 0.1}>", 3},
      {"e5m2", "!quantx.float<e5m2>", 1},
      {"e4m3", "!quantx.float<e4m3>", 1},
      {"e4m3fn", "!quantx.float<e4m3, special = fn>", 1},
      {"e4m3fnuz", "!quantx.float<e4m3, bias = 8, special = fnuz>", 1},
      {"e5m2fnuz", "!quantx.float<e5m2, bias = 16, special = fnuz>", 1},
      {"e4m3b11fnuz", "!quantx.float<e4m3, bias = 11, special = fnuz>", 1},
      {"e3m4", "!quantx.float<e3m4>", 1},
      {"e3m2fn", "!quantx.float<e3m2, special = none>", 1},
      {"e2m3fn", "!quantx.float<e2m3, special = none>", 1},
      {"e2m1fn", "!quantx.float<e2m1, special = none>", 1},
      {"e8m0fnu", "!quantx.float<e8m0, special = fn, unsigned, nozero>", 1},
      {"f16", "!quantx.float<e5m10>", 1},
      {"bf16", "!quantx.float<e8m7>", 1},
      {"f32", "!quantx.float<e8m23>", 1},
      {"radix4_fp4", "!quantx.float<e3m0, radix = 4>", 1},
      {"radix4_fp4_none", "!quantx.float<e3m0, radix = 4, special = none>", 1},
      {"radix4_e3m2_sat",
       "!quantx.float<e3m2, bias = -1, radix = 4, overflow = sat>", 1},
      {"radix4_e8m5", "!quantx.float<e8m5, bias = 3, radix = 4>", 1},
      {"e4m3_ftz", "!quantx.float<e4m3, nosubnormal>", 1},
      {"e4m3_unsigned", "!quantx.float<e4m3, unsigned>", 1},
      {"e5m2_sat", "!quantx.float<e5m2, overflow = sat>", 1},
      {"e2m1_sat", "!quantx.float<e2m1, special = none, overflow = sat>", 1},
      {"e4m3_nozero", "!quantx.float<e4m3, special = fn, nozero>", 1},
      {"e0m3_unsigned", "!quantx.float<e0m3, special = none, unsigned>", 1},
      {"e6m1_bias40", "!quantx.float<e6m1, bias = 40>", 1},
  };
}

/// A context with everything the JIT tests parse, lower and translate.
std::unique_ptr<MLIRContext> makeJitContext() {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  DialectRegistry registry;
  ::quantx::runtime::registerJitDialects(registry);
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

/// Parses `source`, lowers it with quantx-to-llvm and JIT-compiles it.
std::unique_ptr<ExecutionEngine> compileForJit(MLIRContext &context,
                                               const std::string &source) {
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(source, &context);
  EXPECT_TRUE(module) << source;
  if (!module)
    return nullptr;
  PassManager pm(&context);
  buildQuantxToLLVMPipeline(pm, QuantxToLLVMPipelineOptions());
  EXPECT_TRUE(succeeded(pm.run(*module))) << source;
  ExecutionEngineOptions options;
  auto transformer = makeOptimizingTransformer(2, 0, nullptr);
  options.transformer = transformer;
  auto engine = ExecutionEngine::create(*module, options);
  EXPECT_TRUE(static_cast<bool>(engine)) << llvm::toString(engine.takeError());
  return engine ? std::move(*engine) : nullptr;
}

/// One JIT-compiled module with the entry points of one format.
class FormatJitTest : public ::testing::TestWithParam<FormatCase> {
protected:
  void SetUp() override {
    context = makeJitContext();
    const FormatCase &c = GetParam();
    format = cast<FormatTypeInterface>(parseType(c.type, context.get()));
    width = format.getStorageWidth();
    xs = makeInputs();
    codes = makeCodes();
    // Each entry point twice: with a dynamic row count (lowered to loops)
    // and with the static one (vectorized by quantx-to-llvm).
    std::string rowsX = std::to_string(xs.size() / c.channels);
    std::string rowsC = std::to_string(codes.size() / c.channels);
    engine = compileForJit(*context, buildModule(c, "?", "?", "") +
                                         buildModule(c, rowsX, rowsC, "_s"));
    ASSERT_TRUE(engine);
  }

  /// The entry points for inputs of `rowsX` rows (encode, fake_quant) and
  /// `rowsC` rows (decode), named with `suffix`.
  std::string buildModule(const FormatCase &c, const std::string &rowsX,
                          const std::string &rowsC, const std::string &suffix) {
    std::string n = std::to_string(c.channels);
    std::string q = "tensor<" + rowsX + "x" + n + "x" + c.type + ">";
    std::string s =
        "tensor<" + rowsX + "x" + n + "xi" + std::to_string(width) + ">";
    std::string f64 = "tensor<" + rowsX + "x" + n + "xf64>";
    std::string i64 = "tensor<" + rowsX + "x" + n + "xi64>";
    std::string qc = "tensor<" + rowsC + "x" + n + "x" + c.type + ">";
    std::string sc =
        "tensor<" + rowsC + "x" + n + "xi" + std::to_string(width) + ">";
    std::string f64c = "tensor<" + rowsC + "x" + n + "xf64>";
    std::string f32c = "tensor<" + rowsC + "x" + n + "xf32>";
    std::string i64c = "tensor<" + rowsC + "x" + n + "xi64>";
    std::string ext = format.isStorageSigned() ? "arith.extsi" : "arith.extui";
    std::string text;
    for (const char *mode : kModes) {
      std::string seed = std::string(mode) == "stochastic"
                             ? " seed " + std::to_string(kSeed)
                             : "";
      text += "func.func @encode_" + std::string(mode) + suffix +
              "(%x: " + f64 + ") -> " + i64 +
              " {\n  %q = quantx.quantize %x rounding<" + mode + ">" + seed +
              " : " + f64 + " to " + q +
              "\n  %s = quantx.storage_cast %q : " + q + " to " + s +
              "\n  %w = " + ext + " %s : " + s + " to " + i64 +
              "\n  return %w : " + i64 + "\n}\n";
      text += "func.func @fake_" + std::string(mode) + suffix + "(%x: " + f64 +
              ") -> " + f64 + " {\n  %f = quantx.fake_quant %x to " + c.type +
              " rounding<" + mode + ">" + seed + " : " + f64 +
              "\n  return %f : " + f64 + "\n}\n";
    }
    std::string f16c = "tensor<" + rowsC + "x" + n + "xf16>";
    std::string bf16c = "tensor<" + rowsC + "x" + n + "xbf16>";
    for (auto [name, type] : {std::pair{"decode_f64", f64c},
                              {"decode_f32", f32c},
                              {"decode_f16", f16c},
                              {"decode_bf16", bf16c}}) {
      bool fixedExpressed = bool(format.getExpressedFloatType());
      if (fixedExpressed && type != f64c)
        continue; // the expressed type is f64
      text += "func.func @" + std::string(name) + suffix + "(%c: " + i64c +
              ") -> " + type + " {\n  %t = arith.trunci %c : " + i64c + " to " +
              sc + "\n  %q = quantx.storage_cast %t : " + sc + " to " + qc +
              "\n  %d = quantx.dequantize %q : " + qc + " to " + type +
              "\n  return %d : " + type + "\n}\n";
    }
    return text;
  }

  template <typename Out, typename In>
  std::vector<Out> call(const std::string &name, const std::vector<In> &input,
                        int64_t channels) {
    StridedMemRefType<In, 2> in;
    in.basePtr = in.data = const_cast<In *>(input.data());
    in.offset = 0;
    in.sizes[0] = static_cast<int64_t>(input.size()) / channels;
    in.sizes[1] = channels;
    in.strides[0] = channels;
    in.strides[1] = 1;
    StridedMemRefType<Out, 2> out;
    auto fn = engine->lookup("_mlir_ciface_" + name);
    EXPECT_TRUE(static_cast<bool>(fn)) << name;
    if (!fn)
      return {};
    reinterpret_cast<void (*)(StridedMemRefType<Out, 2> *,
                              StridedMemRefType<In, 2> *)>(*fn)(&out, &in);
    std::vector<Out> result(out.data, out.data + input.size());
    std::free(out.basePtr);
    return result;
  }

  /// Inputs: specials, every value of the format (for small formats) with
  /// its neighbourhood, ties, and random values; padded to whole rows.
  std::vector<double> makeInputs() {
    std::vector<double> xs = {0.0,   -0.0,   INFINITY, -INFINITY, NAN,   -NAN,
                              1e300, -1e300, 1e-300,   -1e-300,   5e-324};
    std::mt19937_64 rng(99);
    int64_t channels = GetParam().channels;
    if (width <= 12) {
      for (int64_t ch = 0; ch < channels; ++ch)
        for (uint64_t code = 0; code < (uint64_t(1) << width); ++code) {
          int64_t c = static_cast<int64_t>(code);
          if (format.isStorageSigned() && (code >> (width - 1)))
            c -= int64_t(1) << width;
          double v = format.decode(c, ch);
          if (!std::isfinite(v))
            continue;
          for (double x :
               {v, std::nextafter(v, INFINITY), std::nextafter(v, -INFINITY),
                v * 1.0625, v * 0.96875, v * 1.5, v * 0.75})
            xs.push_back(x);
        }
    }
    auto [lo, hi] = format.getRepresentableRange(0);
    double span = std::max(std::fabs(lo), std::fabs(hi));
    for (int i = 0; i < 20000; ++i) {
      double u = static_cast<double>(rng() >> 11) * 0x1p-53;
      xs.push_back((2 * u - 1) * span * 1.25);
      uint64_t bits = rng();
      double d;
      std::memcpy(&d, &bits, sizeof(d));
      xs.push_back(d);
      uint32_t fbits = static_cast<uint32_t>(rng());
      float f;
      std::memcpy(&f, &fbits, sizeof(f));
      xs.push_back(f);
    }
    while (xs.size() % channels)
      xs.push_back(0.0);
    return xs;
  }

  /// Codes: every code of formats up to 16 bits (per channel), random bit
  /// patterns otherwise; whole rows, normalized as the functions return them.
  std::vector<int64_t> makeCodes() {
    int64_t channels = GetParam().channels;
    std::vector<int64_t> result;
    std::mt19937_64 rng(5);
    if (width <= 16) {
      for (int64_t ch = 0; ch < channels; ++ch)
        for (uint64_t code = 0; code < (uint64_t(1) << width); ++code)
          result.push_back(static_cast<int64_t>(code));
    } else {
      for (int i = 0; i < 60000; ++i)
        result.push_back(static_cast<int64_t>(rng()));
    }
    while (result.size() % channels)
      result.push_back(0);
    for (int64_t &code : result)
      code = normalize(code);
    return result;
  }

  /// The code as the test functions return it: sign-extended for signed
  /// storage, zero-extended otherwise.
  int64_t normalize(int64_t code) const {
    uint64_t mask = width == 64 ? ~uint64_t(0) : (uint64_t(1) << width) - 1;
    uint64_t bits = static_cast<uint64_t>(code) & mask;
    if (format.isStorageSigned() && (bits >> (width - 1)))
      return static_cast<int64_t>(bits | ~mask);
    return static_cast<int64_t>(bits);
  }

  static uint64_t bitsOf(double d) {
    uint64_t b;
    std::memcpy(&b, &d, sizeof(b));
    return b;
  }

  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<ExecutionEngine> engine;
  std::vector<double> xs;
  std::vector<int64_t> codes;
  FormatTypeInterface format;
  unsigned width = 0;
};

num::RoundingMode toMode(const std::string &mode) {
  return *num::parseRoundingMode(mode);
}

constexpr const char *kVariants[] = {"", "_s"};

TEST_P(FormatJitTest, EncodeMatchesNumerics) {
  ASSERT_TRUE(engine);
  int64_t channels = GetParam().channels;
  for (const char *variant : kVariants)
    for (const char *mode : kModes) {
      std::vector<int64_t> codes = call<int64_t, double>(
          std::string("encode_") + mode + variant, xs, channels);
      ASSERT_EQ(codes.size(), xs.size());
      for (size_t i = 0; i < xs.size(); ++i) {
        int64_t channel = static_cast<int64_t>(i) % channels;
        int64_t expected = normalize(format.encode(
            xs[i], toMode(mode), num::counterRandomBits(kSeed, i), channel));
        ASSERT_EQ(codes[i], expected)
            << GetParam().name << " " << mode << variant << " x=" << xs[i]
            << " index " << i;
      }
    }
}

TEST_P(FormatJitTest, FakeQuantMatchesNumerics) {
  ASSERT_TRUE(engine);
  int64_t channels = GetParam().channels;
  for (const char *variant : kVariants)
    for (const char *mode : kModes) {
      std::vector<double> values = call<double, double>(
          std::string("fake_") + mode + variant, xs, channels);
      ASSERT_EQ(values.size(), xs.size());
      for (size_t i = 0; i < xs.size(); ++i) {
        int64_t channel = static_cast<int64_t>(i) % channels;
        double expected = format.decode(
            format.encode(xs[i], toMode(mode), num::counterRandomBits(kSeed, i),
                          channel),
            channel);
        ASSERT_EQ(bitsOf(values[i]), bitsOf(expected))
            << GetParam().name << " " << mode << variant << " x=" << xs[i]
            << " got " << values[i] << " expected " << expected;
      }
    }
}

TEST_P(FormatJitTest, DecodeMatchesNumerics) {
  ASSERT_TRUE(engine);
  int64_t channels = GetParam().channels;
  for (const char *variant : kVariants) {
    std::vector<double> values = call<double, int64_t>(
        std::string("decode_f64") + variant, codes, channels);
    ASSERT_EQ(values.size(), codes.size());
    for (size_t i = 0; i < codes.size(); ++i) {
      double expected =
          format.decode(codes[i], static_cast<int64_t>(i) % channels);
      ASSERT_EQ(bitsOf(values[i]), bitsOf(expected))
          << GetParam().name << variant << " code " << codes[i] << " got "
          << values[i] << " expected " << expected;
    }
    if (format.getExpressedFloatType())
      continue;
    // Into f32, f16 and bf16: the f64 value rounded once, to nearest even
    // (APFloat), with no double rounding through a wider type.
    std::vector<float> narrow = call<float, int64_t>(
        std::string("decode_f32") + variant, codes, channels);
    std::vector<uint16_t> half = call<uint16_t, int64_t>(
        std::string("decode_f16") + variant, codes, channels);
    std::vector<uint16_t> brain = call<uint16_t, int64_t>(
        std::string("decode_bf16") + variant, codes, channels);
    auto rounded = [&](int64_t code, const llvm::fltSemantics &semantics) {
      llvm::APFloat value(format.decode(code, 0));
      bool losesInfo;
      value.convert(semantics, llvm::APFloat::rmNearestTiesToEven, &losesInfo);
      return value.bitcastToAPInt().getZExtValue();
    };
    for (size_t i = 0; i < codes.size(); ++i) {
      uint32_t got;
      std::memcpy(&got, &narrow[i], sizeof(got));
      ASSERT_EQ(got, rounded(codes[i], llvm::APFloat::IEEEsingle()))
          << GetParam().name << variant << " f32 code " << codes[i];
      ASSERT_EQ(half[i], rounded(codes[i], llvm::APFloat::IEEEhalf()))
          << GetParam().name << variant << " f16 code " << codes[i];
      ASSERT_EQ(brain[i], rounded(codes[i], llvm::APFloat::BFloat()))
          << GetParam().name << variant << " bf16 code " << codes[i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, FormatJitTest,
                         ::testing::ValuesIn(getCases()),
                         [](const ::testing::TestParamInfo<FormatCase> &info) {
                           return std::string(info.param.name);
                         });

} // namespace

namespace {

/// Stochastic rounding in the lowered code: reproducible for a seed,
/// different across seeds, and unbiased on average.
TEST(StochasticJit, ReproducibleAndUnbiased) {
  std::unique_ptr<MLIRContext> context = makeJitContext();
  const char *source = R"mlir(
    func.func @seed1(%x: tensor<?xf32>) -> tensor<?xf32> {
      %f = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.5> rounding<stochastic> seed 1 : tensor<?xf32>
      return %f : tensor<?xf32>
    }
    func.func @seed2(%x: tensor<?xf32>) -> tensor<?xf32> {
      %f = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.5> rounding<stochastic> seed 2 : tensor<?xf32>
      return %f : tensor<?xf32>
    }
    func.func @fp8(%x: tensor<?xf32>) -> tensor<?xf32> {
      %f = quantx.fake_quant %x to !quantx.float<e4m3, special = fn> rounding<stochastic> seed 3 : tensor<?xf32>
      return %f : tensor<?xf32>
    }
  )mlir";
  std::unique_ptr<ExecutionEngine> engine = compileForJit(*context, source);
  ASSERT_TRUE(engine);

  auto run = [&](const char *name, float value, size_t count) {
    std::vector<float> input(count, value);
    StridedMemRefType<float, 1> in{
        input.data(), input.data(), 0, {static_cast<int64_t>(count)}, {1}};
    StridedMemRefType<float, 1> out;
    auto fn = engine->lookup(std::string("_mlir_ciface_") + name);
    EXPECT_TRUE(static_cast<bool>(fn));
    reinterpret_cast<void (*)(StridedMemRefType<float, 1> *,
                              StridedMemRefType<float, 1> *)>(*fn)(&out, &in);
    std::vector<float> result(out.data, out.data + count);
    std::free(out.basePtr);
    return result;
  };
  const size_t n = 1 << 18;
  std::vector<float> first = run("seed1", 0.3f, n);
  EXPECT_EQ(first, run("seed1", 0.3f, n)) << "not reproducible";
  EXPECT_NE(first, run("seed2", 0.3f, n)) << "seed ignored";
  // 0.3 lies between 0 and 0.5: each draw is one of them, so the standard
  // error of the mean is at most 0.25 / sqrt(n); allow five of them.
  for (const char *name : {"seed1", "seed2"}) {
    for (float x : {0.3f, -0.3f, 1.1f}) {
      std::vector<float> values = run(name, x, n);
      double mean = 0;
      for (float v : values)
        mean += v;
      mean /= n;
      EXPECT_NEAR(mean, x, 5 * 0.25 / std::sqrt(double(n))) << name << " " << x;
    }
  }
  // E4M3: 0.3 lies between 0.28125 and 0.3125 (gap 2^-5).
  std::vector<float> fp8 = run("fp8", 0.3f, n);
  double mean = 0;
  for (float v : fp8)
    mean += v;
  mean /= n;
  EXPECT_NEAR(mean, 0.3, 5 * 0.5 * 0.03125 / std::sqrt(double(n)));
}

} // namespace

namespace {

/// fake_quant on f16 and bf16 tensors: every 16-bit input pattern, widened
/// exactly, rounded onto E4M3 and back to the 16-bit type once; no
/// compiler-rt calls are needed in the JIT process.
TEST(HalfPrecisionJit, EveryInputPattern) {
  std::unique_ptr<MLIRContext> context = makeJitContext();
  const char *source = R"mlir(
    func.func @f16(%x: tensor<65536xf16>) -> tensor<65536xf16> {
      %f = quantx.fake_quant %x to !quantx.float<e4m3> : tensor<65536xf16>
      return %f : tensor<65536xf16>
    }
    func.func @bf16(%x: tensor<65536xbf16>) -> tensor<65536xbf16> {
      %f = quantx.fake_quant %x to !quantx.float<e4m3> : tensor<65536xbf16>
      return %f : tensor<65536xbf16>
    }
  )mlir";
  std::unique_ptr<ExecutionEngine> engine = compileForJit(*context, source);
  ASSERT_TRUE(engine);
  num::FloatFormat e4m3 = num::FloatFormat::get(4, 3);
  for (auto [name, semantics] : {std::pair{"f16", &llvm::APFloat::IEEEhalf()},
                                 {"bf16", &llvm::APFloat::BFloat()}}) {
    std::vector<uint16_t> input(65536);
    for (uint32_t i = 0; i < 65536; ++i)
      input[i] = static_cast<uint16_t>(i);
    StridedMemRefType<uint16_t, 1> in{
        input.data(), input.data(), 0, {65536}, {1}};
    StridedMemRefType<uint16_t, 1> out;
    auto fn = engine->lookup(std::string("_mlir_ciface_") + name);
    ASSERT_TRUE(static_cast<bool>(fn)) << name;
    reinterpret_cast<void (*)(StridedMemRefType<uint16_t, 1> *,
                              StridedMemRefType<uint16_t, 1> *)>(*fn)(&out,
                                                                      &in);
    for (uint32_t i = 0; i < 65536; ++i) {
      llvm::APFloat x(*semantics, llvm::APInt(16, i));
      bool losesInfo;
      llvm::APFloat wide = x;
      wide.convert(llvm::APFloat::IEEEdouble(),
                   llvm::APFloat::rmNearestTiesToEven, &losesInfo);
      llvm::APFloat expected(e4m3.decode(e4m3.encode(wide.convertToDouble())));
      expected.convert(*semantics, llvm::APFloat::rmNearestTiesToEven,
                       &losesInfo);
      ASSERT_EQ(out.data[i], expected.bitcastToAPInt().getZExtValue())
          << name << " input 0x" << std::hex << i;
    }
    std::free(out.basePtr);
  }
}

/// Nearest and stochastic rounding of f32 onto binary IEEE-like formats
/// (the f32-bits path, buildF32FloatRounding, for these formats; the lit
/// test of convert-quantx-to-arith shows the path is taken): the same bits
/// as Numerics' encode (with the element's counterRandomBits draw when
/// stochastic) and decode for every sign, exponent and top mantissa pattern
/// with the low halves around each rounding position's ties, NaN payloads
/// included.
TEST(F32FloatRoundingJit, MatchesNumerics) {
  const char *formats[] = {"e5m10",
                           "e8m7",
                           "e4m3",
                           "e5m2",
                           "e3m2",
                           "e2m3",
                           "e8m22",
                           "e4m3, overflow = sat",
                           "e5m2, bias = 11",
                           "e6m9, bias = 40"};
  // @fK rounds to nearest even, @sK stochastically with seed kStochasticSeed
  // (element i draws counterRandomBits(seed, i)).
  constexpr uint64_t kStochasticSeed = 7;
  std::string source;
  for (auto [k, body] : llvm::enumerate(formats))
    for (auto [prefix, rounding] :
         {std::make_pair("f", std::string()),
          std::make_pair("s", " rounding<stochastic> seed " +
                                  std::to_string(kStochasticSeed))})
      source += "func.func @" + std::string(prefix) + std::to_string(k) +
                "(%x: tensor<?xf32>) -> tensor<?xf32> {\n"
                "  %f = quantx.fake_quant %x to !quantx.float<" +
                std::string(body) + ">" + rounding +
                " : tensor<?xf32>\n  return %f : tensor<?xf32>\n}\n";
  std::unique_ptr<MLIRContext> context = makeJitContext();
  std::unique_ptr<ExecutionEngine> engine =
      compileForJit(*context, source.c_str());
  ASSERT_TRUE(engine);
  std::vector<uint32_t> input;
  std::mt19937 random(3);
  // Low halves: the ties of every rounding position below bit 16 (f16's
  // is bit 12, e6m9's bit 13) and their neighbours, and a random one.
  std::vector<uint32_t> lows = {0u, 0xFFFFu};
  for (unsigned bit = 0; bit < 16; ++bit)
    for (uint32_t low : {(1u << bit) - 1, 1u << bit, (1u << bit) + 1})
      lows.push_back(low & 0xFFFFu);
  for (uint32_t high = 0; high < 65536; ++high) {
    for (uint32_t low : lows)
      input.push_back(high << 16 | low);
    input.push_back(high << 16 | (random() & 0xFFFFu));
  }
  auto n = static_cast<int64_t>(input.size());
  for (auto [k, body] : llvm::enumerate(formats)) {
    auto type = mlir::cast<FloatFormatType>(
        parseType("!quantx.float<" + std::string(body) + ">", context.get()));
    num::FloatFormat format = type.getFormat();
    StridedMemRefType<float, 1> in{reinterpret_cast<float *>(input.data()),
                                   reinterpret_cast<float *>(input.data()),
                                   0,
                                   {n},
                                   {1}};
    for (bool stochastic : {false, true}) {
      StridedMemRefType<float, 1> out;
      auto fn = engine->lookup(std::string("_mlir_ciface_") +
                               (stochastic ? "s" : "f") + std::to_string(k));
      ASSERT_TRUE(static_cast<bool>(fn)) << body;
      reinterpret_cast<void (*)(StridedMemRefType<float, 1> *,
                                StridedMemRefType<float, 1> *)>(*fn)(&out, &in);
      int64_t mismatches = 0;
      for (int64_t i = 0; i < n && mismatches < 5; ++i) {
        float x;
        std::memcpy(&x, &input[i], 4);
        uint64_t code =
            stochastic
                ? format.encode(x, num::RoundingMode::Stochastic,
                                num::counterRandomBits(kStochasticSeed, i))
                : format.encode(x);
        auto want = static_cast<float>(format.decode(code));
        uint32_t wantBits, gotBits;
        std::memcpy(&wantBits, &want, 4);
        std::memcpy(&gotBits, &out.data[i], 4);
        if (wantBits != gotBits) {
          ++mismatches;
          ADD_FAILURE() << body << (stochastic ? " stochastic" : " nearest")
                        << " input 0x" << std::hex << input[i] << ": got 0x"
                        << gotBits << ", want 0x" << wantBits;
        }
      }
      std::free(out.basePtr);
    }
  }
}

} // namespace
