//===- ReferenceVectorsTest.cpp - ONNX and PyTorch arithmetic, bit for bit ===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// test/Interop/reference/vectors.txt holds what ONNX's reference
// QuantizeLinear/DequantizeLinear and PyTorch 1.13 (called itself) return on
// near-ties, random values and specials. Each vector must come out of
// quantx's `arithmetic<onnx>` / `arithmetic<pytorch>` (and `exact`) bit for
// bit: through the Numerics library (constant folding) and through the
// lowered, JIT-compiled code, per tensor and per channel, with static
// (vectorized) and dynamic shapes.
//
// Compared domain: finite inputs with |x / scale| < 2^31. Outside it the
// frameworks disagree with each other and with their own specifications
// (NaN and infinities become the minimum code, or wrap); quantx encodes NaN
// to the zero point and saturates, in every mode.
//
//===----------------------------------------------------------------------===//

#include "quantx/Numerics/FixedPoint.h"
#include "quantx/Runtime/Runner.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/TargetSelect.h"
#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

using namespace ::quantx::runtime;
namespace num = ::quantx::numerics;

namespace {

enum class Kind { Quantize, Dequantize, FakeQuant };

struct Vector {
  std::string line;
  num::Arithmetic arithmetic;
  Kind kind;
  bool perChannel;
  /// PyTorch's per-channel dequantize multiplies by the double scale.
  bool doubleScale;
  int64_t lo, hi;
  double scale;
  int64_t zeroPoint;
  float x;      ///< quantize, fake_quant
  int64_t code; ///< dequantize input, quantize result
  float y;      ///< dequantize, fake_quant result
};

std::pair<int64_t, int64_t> parseRange(const std::string &dtype) {
  if (dtype == "int8")
    return {-128, 127};
  if (dtype == "uint8")
    return {0, 255};
  if (dtype == "int32")
    return {INT32_MIN, INT32_MAX};
  // q<min>:<max>
  size_t colon = dtype.find(':');
  return {std::stoll(dtype.substr(1, colon - 1)),
          std::stoll(dtype.substr(colon + 1))};
}

/// The vectors quantx reproduces (float zero points are not a quantx
/// format; *_fzp lines are skipped).
std::vector<Vector> loadVectors(size_t &skipped) {
  std::ifstream file(QUANTX_INTEROP_VECTORS);
  EXPECT_TRUE(file.good()) << QUANTX_INTEROP_VECTORS;
  std::vector<Vector> vectors;
  std::string line;
  skipped = 0;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#')
      continue;
    std::istringstream fields(line);
    std::string framework, op, dtype, scale, zeroPoint, x, expected;
    fields >> framework >> op >> dtype >> scale >> zeroPoint >> x >> expected;
    if (op.find("_fzp") != std::string::npos) {
      ++skipped;
      continue;
    }
    Vector v;
    v.line = line;
    v.arithmetic = framework == "onnx"      ? num::Arithmetic::Onnx
                   : framework == "pytorch" ? num::Arithmetic::PyTorch
                                            : num::Arithmetic::Exact;
    v.kind = op.rfind("fake", 0) == 0                    ? Kind::FakeQuant
             : op.find("equantize") != std::string::npos ? Kind::Dequantize
                                                         : Kind::Quantize;
    v.perChannel = op.find("per_channel") != std::string::npos ||
                   op.find("axis") != std::string::npos;
    v.doubleScale = scale.rfind("d:", 0) == 0;
    v.scale = v.doubleScale ? std::strtod(scale.c_str() + 2, nullptr)
                            : std::strtof(scale.c_str(), nullptr);
    v.zeroPoint = std::stoll(zeroPoint);
    std::tie(v.lo, v.hi) = parseRange(dtype);
    if (v.kind == Kind::Dequantize) {
      v.code = std::stoll(x);
      v.y = std::strtof(expected.c_str(), nullptr);
    } else {
      v.x = std::strtof(x.c_str(), nullptr);
      if (!std::isfinite(v.x) ||
          !(std::fabs(static_cast<double>(v.x) / v.scale) < 0x1p31)) {
        ++skipped;
        continue;
      }
      if (v.kind == Kind::Quantize)
        v.code = std::stoll(expected);
      else
        v.y = std::strtof(expected.c_str(), nullptr);
    }
    vectors.push_back(v);
  }
  return vectors;
}

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

TEST(ReferenceVectors, Numerics) {
  size_t skipped = 0;
  std::vector<Vector> vectors = loadVectors(skipped);
  // The file holds 4274 vectors: 188 with float zero points and 435 outside
  // the compared domain are skipped.
  EXPECT_EQ(vectors.size() + skipped, 4274u);
  ASSERT_GT(vectors.size(), 3600u) << skipped << " skipped";
  for (const Vector &v : vectors) {
    switch (v.kind) {
    case Kind::Quantize:
      EXPECT_EQ(num::encodeAffine(v.arithmetic, v.x, v.scale, v.zeroPoint, v.lo,
                                  v.hi),
                v.code)
          << v.line;
      break;
    case Kind::Dequantize:
      EXPECT_EQ(bitsOf(num::decodeAffine(v.arithmetic, v.code, v.scale,
                                         v.zeroPoint, v.doubleScale)),
                bitsOf(v.y))
          << v.line;
      break;
    case Kind::FakeQuant: {
      int64_t q = num::encodeAffine(v.arithmetic, v.x, v.scale, v.zeroPoint,
                                    v.lo, v.hi);
      EXPECT_EQ(bitsOf(num::decodeAffine(v.arithmetic, q, v.scale, v.zeroPoint,
                                         /*doubleScale=*/false)),
                bitsOf(v.y))
          << v.line;
      break;
    }
    }
  }
}

/// The !quantx.fixed storage spelling of a code range: iN, uN, or a narrow
/// range of either.
std::string storageOf(int64_t lo, int64_t hi) {
  for (unsigned width = 1; width <= 32; ++width) {
    int64_t sMin = -(int64_t(1) << (width - 1)), sMax = -sMin - 1;
    int64_t uMax = (int64_t(1) << width) - 1;
    if (lo >= sMin && hi <= sMax)
      return "i" + std::to_string(width) +
             (lo == sMin && hi == sMax
                  ? ""
                  : "<" + std::to_string(lo) + ":" + std::to_string(hi) + ">");
    if (lo >= 0 && hi <= uMax)
      return "u" + std::to_string(width) +
             (lo == 0 && hi == uMax
                  ? ""
                  : "<" + std::to_string(lo) + ":" + std::to_string(hi) + ">");
  }
  return "";
}

std::string printDouble(double value) {
  char buffer[40];
  std::snprintf(buffer, sizeof(buffer), "%.17e", value);
  return buffer;
}

TEST(ReferenceVectors, LoweredCode) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  size_t skipped = 0;
  std::vector<Vector> vectors = loadVectors(skipped);
  ASSERT_FALSE(vectors.empty());

  // One function per group of vectors with the same operation and format,
  // over a [1, n] tensor (the format per channel along dimension 0 where the
  // vector is per channel), once with a static n (vectorized) and once
  // dynamic.
  std::map<std::string, std::vector<const Vector *>> groups;
  std::map<std::string, std::string> functionText;
  for (const Vector &v : vectors) {
    static const char *kArithmetic[] = {"exact", "onnx", "pytorch"};
    std::string arithmetic = kArithmetic[static_cast<int>(v.arithmetic)];
    std::string params =
        printDouble(v.scale) + ":" + std::to_string(v.zeroPoint);
    std::string format =
        "!quantx.fixed<" + storageOf(v.lo, v.hi) + ":f32" +
        (v.perChannel ? ":0, {" + params + "}" : ", " + params) + ">";
    std::string key =
        arithmetic + std::to_string(static_cast<int>(v.kind)) + format;
    groups[key].push_back(&v);
    functionText[key] = arithmetic + "|" + format;
  }
  std::string source;
  std::vector<std::string> entries;
  int index = 0;
  std::map<std::string, int> indexOf;
  for (auto &[key, members] : groups) {
    std::string arithmetic =
        functionText[key].substr(0, functionText[key].find('|'));
    std::string format =
        functionText[key].substr(functionText[key].find('|') + 1);
    Kind kind = members.front()->kind;
    indexOf[key] = index;
    for (bool dynamic : {false, true}) {
      std::string n = dynamic ? "?" : std::to_string(members.size());
      std::string f32 = "tensor<1x" + n + "xf32>";
      std::string q = "tensor<1x" + n + "x" + format + ">";
      std::string name = "g" + std::to_string(index) + (dynamic ? "_d" : "_s");
      entries.push_back(name);
      std::string attr = " arithmetic<" + arithmetic + ">";
      if (kind == Kind::Quantize)
        source += "func.func @" + name + "(%x: " + f32 + ") -> " + q +
                  " {\n  %r = quantx.quantize %x" + attr + " : " + f32 +
                  " to " + q + "\n  return %r : " + q + "\n}\n";
      else if (kind == Kind::Dequantize)
        source += "func.func @" + name + "(%x: " + q + ") -> " + f32 +
                  " {\n  %r = quantx.dequantize %x" + attr + " : " + q +
                  " to " + f32 + "\n  return %r : " + f32 + "\n}\n";
      else
        source += "func.func @" + name + "(%x: " + f32 + ") -> " + f32 +
                  " {\n  %r = quantx.fake_quant %x to " + format + attr +
                  " : " + f32 + "\n  return %r : " + f32 + "\n}\n";
    }
    ++index;
  }

  mlir::DialectRegistry registry;
  registerJitDialects(registry);
  auto context = std::make_unique<mlir::MLIRContext>(registry);
  context->loadAllAvailableDialects();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, context.get());
  ASSERT_TRUE(module) << source;
  auto compiled = CompiledModule::compile(std::move(context), std::move(module),
                                          entries, RunnerOptions());
  ASSERT_TRUE(static_cast<bool>(compiled))
      << llvm::toString(compiled.takeError());

  size_t compared = 0;
  for (auto &[key, members] : groups) {
    Kind kind = members.front()->kind;
    int64_t n = static_cast<int64_t>(members.size());
    NpyArray input;
    input.shape = {1, n};
    if (kind == Kind::Dequantize) {
      input.dtype = DType::I64;
      input.data.resize(n * 8);
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(&input.data[i * 8], &members[i]->code, 8);
    } else {
      input.dtype = DType::F32;
      input.data.resize(n * 4);
      for (int64_t i = 0; i < n; ++i)
        std::memcpy(&input.data[i * 4], &members[i]->x, 4);
    }
    for (const char *suffix : {"_s", "_d"}) {
      std::string name = "g" + std::to_string(indexOf[key]) + suffix;
      auto results = (*compiled)->call(name, {input});
      ASSERT_TRUE(static_cast<bool>(results))
          << llvm::toString(results.takeError());
      const NpyArray &out = results->front();
      for (int64_t i = 0; i < n; ++i) {
        const Vector &v = *members[i];
        if (kind == Kind::Quantize) {
          EXPECT_EQ(*getIntegerElement(out, i), v.code)
              << name << ": " << v.line;
        } else {
          float y;
          std::memcpy(&y, &out.data[i * 4], 4);
          EXPECT_EQ(bitsOf(y), bitsOf(v.y)) << name << ": " << v.line;
        }
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 2 * vectors.size());
}

} // namespace
