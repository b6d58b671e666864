//===- SubByteStorageJitTest.cpp - codes in memory, every storage width ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Quantized tensors whose codes are narrower than their bytes (1 to 7 bits,
// 12 bits, 24 bits) live in memory one element per byte (or two, or four):
// quantx/Numerics/Storage.h. Every path that puts codes into memory or takes
// them out must agree on it: vector and scalar code, loads inside a function,
// constants, and the runner at the function boundary. Each case below is
// compiled three ways (static shapes vectorized, static shapes as scalar
// loops, a dynamic dimension) and checked, element by element, against the
// Numerics library.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/Numerics/Storage.h"
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

struct StorageCase {
  const char *name;
  /// The format, with f32 as expressed type where it has one.
  const char *format;
  /// The number of channels along dimension 0 (1 for per-tensor formats).
  int64_t channels = 1;
};

std::vector<StorageCase> getCases() {
  return {
      {"binary", "!quantx.binary<f32, 0.5>"},
      {"binary_per_channel", "!quantx.binary<f32:0, {0.5, 0.25, 2.0}>", 3},
      {"fixed_i1", "!quantx.fixed<i1:f32, 1.0>"},
      {"ternary", "!quantx.ternary<f32, 0.5>"},
      {"fixed_i2", "!quantx.fixed<i2:f32, 0.5>"},
      {"fixed_i3", "!quantx.fixed<i3:f32, 0.25>"},
      {"fixed_i4", "!quantx.fixed<i4:f32, 1.0>"},
      {"fixed_u4_zero_point", "!quantx.fixed<u4:f32, 0.5:3>"},
      {"fixed_i4_per_channel", "!quantx.fixed<i4:f32:0, {0.5, 0.25:1, 1.0:-2}>",
       3},
      {"fp4_e2m1", "!quantx.float<e2m1, special = none>"},
      {"fp6_e3m2", "!quantx.float<e3m2, special = none>"},
      {"fixed_i7", "!quantx.fixed<i7:f32, 0.125>"},
      {"fixed_u8", "!quantx.fixed<u8:f32, 0.1:128>"},
      {"fixed_i12", "!quantx.fixed<i12:f32, 0.01>"},
      {"fixed_u12", "!quantx.fixed<u12:f32, 0.01:2048>"},
      {"float_e5m6", "!quantx.float<e5m6>"},
      {"fixed_i24", "!quantx.fixed<i24:f32, 0.001>"},
  };
}

/// How the module is compiled.
struct Variant {
  const char *name;
  bool dynamicColumns;
  bool vectorize;
};
constexpr Variant kVariants[] = {{"static_vectorized", false, true},
                                 {"static_scalar", false, false},
                                 {"dynamic_columns", true, true}};

/// The innermost dimension of every test tensor: longer than a vector, and
/// not a multiple of any vector width.
constexpr int64_t kColumns = 67;

class SubByteStorage : public ::testing::TestWithParam<StorageCase> {
protected:
  static void SetUpTestSuite() {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  }

  void SetUp() override {
    DialectRegistry registry;
    registerJitDialects(registry);
    parseContext = std::make_unique<MLIRContext>(registry);
    parseContext->loadAllAvailableDialects();
    format = cast<FormatTypeInterface>(
        parseType(GetParam().format, parseContext.get()));
    std::tie(codeMin, codeMax) = format.getCodeRange();
    rows = GetParam().channels == 1 ? 3 : GetParam().channels;
  }

  /// The module of one variant: quantize, dequantize, requantize, extract
  /// one code after quantizing, and a constant of codes.
  std::string buildModule(const Variant &variant) const {
    std::string shape =
        std::to_string(rows) + "x" +
        (variant.dynamicColumns ? "?" : std::to_string(kColumns));
    std::string f32 = "tensor<" + shape + "xf32>";
    std::string q = "tensor<" + shape + "x" + GetParam().format + ">";
    std::string staticShape =
        std::to_string(rows) + "x" + std::to_string(kColumns);
    std::string staticQ =
        "tensor<" + staticShape + "x" + GetParam().format + ">";
    std::string storage = "i" + std::to_string(format.getStorageWidth());
    std::string staticStorage = "tensor<" + staticShape + "x" + storage + ">";
    std::string ext = format.isStorageSigned() ? "arith.extsi" : "arith.extui";
    std::string text;
    text += "func.func @quantize(%x: " + f32 + ") -> " + q +
            " {\n  %q = quantx.quantize %x : " + f32 + " to " + q +
            "\n  return %q : " + q + "\n}\n";
    text += "func.func @dequantize(%q: " + q + ") -> " + f32 +
            " {\n  %x = quantx.dequantize %q : " + q + " to " + f32 +
            "\n  return %x : " + f32 + "\n}\n";
    text += "func.func @requantize(%q: " + q + ") -> " + q +
            " {\n  %r = quantx.requantize %q : " + q + " to " + q +
            "\n  return %r : " + q + "\n}\n";
    // The quantized tensor is materialized, then one code is read back (a
    // scalar cannot carry a per-channel format: those take the codes of the
    // whole tensor first).
    std::string read =
        GetParam().channels == 1
            ? "\n  %e = tensor.extract %q[%ii, %jj] : " + q +
                  "\n  %s = quantx.storage_cast %e : " + GetParam().format +
                  " to " + storage
            : "\n  %c = quantx.storage_cast %q : " + q + " to tensor<" + shape +
                  "x" + storage + ">\n  %s = tensor.extract %c[%ii, " +
                  "%jj] : tensor<" + shape + "x" + storage + ">";
    text += "func.func @extract(%x: " + f32 +
            ", %i: i64, %j: i64) -> i64 {\n"
            "  %q = quantx.quantize %x : " +
            f32 + " to " + q +
            "\n  %ii = arith.index_cast %i : i64 to index"
            "\n  %jj = arith.index_cast %j : i64 to index" +
            read + "\n  %w = " + ext + " %s : " + storage +
            " to i64\n  return %w : i64\n}\n";
    text += "func.func @constant() -> " + staticQ +
            " {\n  %c = arith.constant dense<" + constantLiteral() +
            "> : " + staticStorage +
            "\n  %q = quantx.storage_cast %c : " + staticStorage + " to " +
            staticQ + "\n  return %q : " + staticQ + "\n}\n";
    text += "func.func @constant_extract(%i: i64, %j: i64) -> i64 {\n"
            "  %c = arith.constant dense<" +
            constantLiteral() + "> : " + staticStorage +
            "\n  %ii = arith.index_cast %i : i64 to index"
            "\n  %jj = arith.index_cast %j : i64 to index"
            "\n  %e = tensor.extract %c[%ii, %jj] : " +
            staticStorage + "\n  %w = " + ext + " %e : " + storage +
            " to i64\n  return %w : i64\n}\n";
    return text;
  }

  std::unique_ptr<CompiledModule> compile(const Variant &variant) {
    std::string source = buildModule(variant);
    RunnerOptions options;
    options.vectorize = variant.vectorize;
    auto compiled = CompiledModule::compileSource(
        source,
        {"quantize", "dequantize", "requantize", "extract", "constant",
         "constant_extract"},
        options);
    EXPECT_TRUE(static_cast<bool>(compiled))
        << llvm::toString(compiled.takeError()) << "\n"
        << source;
    return compiled ? std::move(*compiled) : nullptr;
  }

  int64_t numElements() const { return rows * kColumns; }
  int64_t channelOf(int64_t index) const {
    return GetParam().channels == 1 ? 0 : index / kColumns;
  }

  /// The i-th code of a sequence that visits every code of small formats.
  int64_t codeAt(int64_t index) const {
    uint64_t span = static_cast<uint64_t>(codeMax - codeMin) + 1;
    uint64_t mixed = static_cast<uint64_t>(index) * 0x9E3779B97F4A7C15ull;
    uint64_t offset = span <= 4096 ? static_cast<uint64_t>(index) % span
                                   : (mixed >> 16) % span;
    return codeMin + static_cast<int64_t>(offset);
  }

  std::string constantLiteral() const {
    std::string text = "[";
    for (int64_t r = 0; r < rows; ++r) {
      text += r ? ", [" : "[";
      for (int64_t c = 0; c < kColumns; ++c) {
        int64_t code = codeAt(3 * (r * kColumns + c) + 1);
        // The literal of a signless integer is its signed value.
        if (!format.isStorageSigned() && format.getStorageWidth() < 64 &&
            (code >> (format.getStorageWidth() - 1)) & 1)
          code -= int64_t(1) << format.getStorageWidth();
        text += (c ? ", " : "") + std::to_string(code);
      }
      text += "]";
    }
    return text + "]";
  }

  /// Inputs that reach every code (each code's value, nudged both ways) and
  /// values beyond the range, with a NaN and infinities.
  std::vector<float> makeInputs() const {
    std::vector<float> xs(numElements());
    std::mt19937 rng(7);
    for (int64_t i = 0; i < numElements(); ++i) {
      double value = format.decode(codeAt(i / 3), channelOf(i));
      if (!std::isfinite(value))
        value = 0.0;
      float nudge = std::uniform_real_distribution<float>(0.9f, 1.1f)(rng);
      xs[i] = static_cast<float>(value) * (i % 3 == 0 ? 1.0f : nudge);
    }
    xs[1] = NAN;
    xs[2] = INFINITY;
    xs[4] = -INFINITY;
    xs[5] = 1e30f;
    return xs;
  }

  NpyArray floats(const std::vector<float> &values) const {
    NpyArray array;
    array.dtype = DType::F32;
    array.shape = {rows, kColumns};
    array.data.resize(values.size() * 4);
    std::memcpy(array.data.data(), values.data(), array.data.size());
    return array;
  }

  NpyArray codes(const std::vector<int64_t> &values) const {
    NpyArray array;
    array.dtype = DType::I64;
    array.shape = {rows, kColumns};
    array.data.resize(values.size() * 8);
    std::memcpy(array.data.data(), values.data(), array.data.size());
    return array;
  }

  static NpyArray scalar(int64_t value) {
    NpyArray array;
    array.dtype = DType::I64;
    array.data.resize(8);
    std::memcpy(array.data.data(), &value, 8);
    return array;
  }

  std::vector<int64_t> readCodes(const NpyArray &array) const {
    EXPECT_EQ(getDTypeSize(array.dtype),
              num::getStorageBytes(format.getStorageWidth()));
    std::vector<int64_t> result;
    for (int64_t n = 0; n < array.getNumElements(); ++n)
      result.push_back(*getIntegerElement(array, n));
    return result;
  }

  static std::vector<float> readFloats(const NpyArray &array) {
    std::vector<float> values(array.getNumElements());
    std::memcpy(values.data(), array.data.data(), values.size() * 4);
    return values;
  }

  std::unique_ptr<MLIRContext> parseContext;
  FormatTypeInterface format;
  int64_t codeMin = 0, codeMax = 0;
  int64_t rows = 0;
};

/// Float bits, so NaN compares equal to NaN.
uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

TEST_P(SubByteStorage, EveryPathAgreesWithNumerics) {
  std::vector<float> xs = makeInputs();
  std::vector<int64_t> expectedCodes(numElements());
  for (int64_t i = 0; i < numElements(); ++i)
    expectedCodes[i] =
        format.encode(xs[i], num::RoundingMode::NearestEven, 0, channelOf(i));
  std::vector<int64_t> inputCodes(numElements());
  for (int64_t i = 0; i < numElements(); ++i)
    inputCodes[i] = codeAt(i);
  std::vector<int64_t> constantCodes(numElements());
  for (int64_t i = 0; i < numElements(); ++i)
    constantCodes[i] = codeAt(3 * i + 1);

  for (const Variant &variant : kVariants) {
    SCOPED_TRACE(variant.name);
    std::unique_ptr<CompiledModule> jit = compile(variant);
    ASSERT_TRUE(jit);

    auto quantized = jit->call("quantize", {floats(xs)});
    ASSERT_TRUE(static_cast<bool>(quantized))
        << llvm::toString(quantized.takeError());
    EXPECT_EQ(readCodes(quantized->front()), expectedCodes);

    auto dequantized = jit->call("dequantize", {codes(inputCodes)});
    ASSERT_TRUE(static_cast<bool>(dequantized))
        << llvm::toString(dequantized.takeError());
    std::vector<float> values = readFloats(dequantized->front());
    for (int64_t i = 0; i < numElements(); ++i)
      ASSERT_EQ(bitsOf(values[i]), bitsOf(static_cast<float>(format.decode(
                                       inputCodes[i], channelOf(i)))))
          << "code " << inputCodes[i] << " at " << i;

    auto requantized = jit->call("requantize", {codes(inputCodes)});
    ASSERT_TRUE(static_cast<bool>(requantized))
        << llvm::toString(requantized.takeError());
    std::vector<int64_t> round = readCodes(requantized->front());
    for (int64_t i = 0; i < numElements(); ++i)
      ASSERT_EQ(round[i],
                format.encode(format.decode(inputCodes[i], channelOf(i)),
                              num::RoundingMode::NearestEven, 0, channelOf(i)))
          << "code " << inputCodes[i] << " at " << i;

    auto constant = jit->call("constant", {});
    ASSERT_TRUE(static_cast<bool>(constant))
        << llvm::toString(constant.takeError());
    EXPECT_EQ(readCodes(constant->front()), constantCodes);

    // A handful of positions, first and last included.
    for (int64_t i : {int64_t(0), int64_t(1), kColumns + 2, numElements() / 2,
                      numElements() - 2, numElements() - 1}) {
      int64_t row = i / kColumns, column = i % kColumns;
      auto extracted =
          jit->call("extract", {floats(xs), scalar(row), scalar(column)});
      ASSERT_TRUE(static_cast<bool>(extracted))
          << llvm::toString(extracted.takeError());
      EXPECT_EQ(*getIntegerElement(extracted->front(), 0), expectedCodes[i])
          << "element " << i;
      auto fromConstant =
          jit->call("constant_extract", {scalar(row), scalar(column)});
      ASSERT_TRUE(static_cast<bool>(fromConstant))
          << llvm::toString(fromConstant.takeError());
      EXPECT_EQ(*getIntegerElement(fromConstant->front(), 0), constantCodes[i])
          << "constant element " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, SubByteStorage,
                         ::testing::ValuesIn(getCases()),
                         [](const ::testing::TestParamInfo<StorageCase> &info) {
                           return std::string(info.param.name);
                         });

} // namespace
