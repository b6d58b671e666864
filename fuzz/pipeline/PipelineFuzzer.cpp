//===- PipelineFuzzer.cpp - libFuzzer target for the lowering pipelines ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Lowers whatever verifies through convert-quantx-to-arith and quantx-to-llvm.
// Inputs starting with 'G' are functions built from the bytes: a chain of
// quantize, dequantize, requantize, fake_quant and storage_cast over
// generated formats (per tensor and per channel), shapes (static, dynamic,
// 0-d, scalars) and rounding modes. Any other input is parsed as text. A
// crash is a finding; so is a generated function that verifies but does not
// lower (every verified quantx op must lower).
//
//===----------------------------------------------------------------------===//

#include "../common/FuzzContext.h"
#include "../common/IrGenerator.h"

#include "quantx/Conversion/Passes.h"
#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/Pipelines/Pipelines.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
using namespace ::quantx::fuzz;

namespace {
/// Builds a function `@f` whose body is a chain of quantx conversions.
class ChainBuilder {
public:
  ChainBuilder(FuzzedDataProvider &in, MLIRContext &context)
      : in(in), context(context) {}

  std::string build() {
    channels = in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<int64_t>(1, 4);
    int axis = 0;
    shape = generateShape(in, channels, axis);
    this->axis = axis;
    scalar = shape.dims.empty() && in.ConsumeBool();
    std::string floatElement = generateExpressed(in);
    std::string argType = wrap(floatElement);
    std::string current = "%a";
    std::string currentType = argType;
    bool quantized = false;
    std::string format; // of the current value when quantized
    int steps = in.ConsumeIntegralInRange<int>(1, 6);
    for (int s = 0; s < steps; ++s) {
      std::string result = "%v" + std::to_string(s);
      if (!quantized) {
        std::string f = newFormat(floatElement);
        if (f.empty())
          break;
        if (in.ConsumeBool()) {
          body += "  " + result + " = quantx.fake_quant " + current + " to " +
                  f + rounding() + " : " + currentType + "\n";
        } else {
          body += "  " + result + " = quantx.quantize " + current + rounding() +
                  " : " + currentType + " to " + wrap(f) + "\n";
          currentType = wrap(f);
          format = f;
          quantized = true;
        }
      } else {
        switch (in.ConsumeIntegralInRange<int>(0, 2)) {
        case 0: { // dequantize into the expressed type (or any float type)
          auto parsed = dyn_cast_or_null<mlir::quantx::FormatTypeInterface>(
              parseType(format, &context));
          if (!parsed)
            return "";
          std::string to = floatElement;
          if (FloatType expressed = parsed.getExpressedFloatType()) {
            std::string spelled;
            llvm::raw_string_ostream os(spelled);
            os << expressed;
            to = spelled;
          } else {
            to = generateExpressed(in);
          }
          floatElement = to;
          body += "  " + result + " = quantx.dequantize " + current + " : " +
                  currentType + " to " + wrap(to) + "\n";
          currentType = wrap(to);
          quantized = false;
          break;
        }
        case 1: { // requantize into another format
          std::string f = newFormat(generateExpressed(in));
          if (f.empty())
            return "";
          body += "  " + result + " = quantx.requantize " + current +
                  rounding() + " : " + currentType + " to " + wrap(f) + "\n";
          currentType = wrap(f);
          format = f;
          break;
        }
        default: { // the codes and back
          auto parsed = dyn_cast_or_null<mlir::quantx::FormatTypeInterface>(
              parseType(format, &context));
          if (!parsed)
            return "";
          std::string storage =
              wrap("i" + std::to_string(parsed.getStorageWidth()));
          body += "  " + result + "c = quantx.storage_cast " + current + " : " +
                  currentType + " to " + storage + "\n";
          body += "  " + result + " = quantx.storage_cast " + result +
                  "c : " + storage + " to " + currentType + "\n";
          break;
        }
        }
      }
      current = result;
    }
    return "func.func @f(%a: " + argType + ") -> " + currentType + " {\n" +
           body + "  return " + current + " : " + currentType + "\n}\n";
  }

private:
  std::string wrap(const std::string &element) const {
    if (scalar)
      return element;
    return "tensor<" + shape.text() + element + ">";
  }
  std::string newFormat(const std::string &expressed) {
    bool perChannel = channels > 0 && in.ConsumeBool();
    return generateFormat(in, expressed, perChannel ? channels : 0, axis);
  }
  std::string rounding() {
    switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0:
      return " rounding<nearest_away>";
    case 1:
      return " rounding<toward_zero>";
    case 2:
      return " rounding<stochastic> seed " +
             std::to_string(in.ConsumeIntegral<uint32_t>());
    default:
      return "";
    }
  }

  FuzzedDataProvider &in;
  MLIRContext &context;
  Shape shape;
  int64_t channels = 0;
  int axis = 0;
  bool scalar = false;
  std::string body;
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &context = getFuzzContext();
  bool generated = size > 0 && data[0] == 'G';
  std::string text;
  bool vectorize = true;
  if (generated) {
    FuzzedDataProvider in(data + 1, size - 1);
    vectorize = in.ConsumeBool();
    text = ChainBuilder(in, context).build();
  } else {
    text.assign(reinterpret_cast<const char *>(data), size);
    if (mayReachUpstreamCrash(text))
      return 0;
  }
  OwningOpRef<ModuleOp> module = parseVerifiedModule(text);
  if (!module)
    return 0;
  PassManager pm(&context);
  mlir::quantx::QuantxToLLVMPipelineOptions options;
  options.vectorize = vectorize;
  mlir::quantx::buildQuantxToLLVMPipeline(pm, options);
  if (failed(pm.run(*module)) && generated) {
    llvm::errs() << "a verified function does not lower:\n" << text << "\n";
    std::abort();
  }
  return 0;
}
