//===- IrFuzzer.cpp - libFuzzer target for the IR front end ---------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Parses and verifies text with quantx types and ops: either the input bytes
// themselves (seeded from the lit tests) or, for inputs starting with 'G',
// declarations and ops built from the bytes by IrGenerator.h. Whatever
// verifies must print, in custom and generic form, to text that parses back
// to the same printed module, and must survive canonicalization (the
// folders). Rejections are expected; crashes, hangs and round-trip
// mismatches are findings.
//
//===----------------------------------------------------------------------===//

#include "../common/FuzzContext.h"
#include "../common/IrGenerator.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
using namespace ::quantx::fuzz;

/// A module of declarations and fake_quant ops over generated formats.
static std::string generateModule(FuzzedDataProvider &in) {
  std::string text;
  int functions = in.ConsumeIntegralInRange<int>(1, 4);
  for (int f = 0; f < functions; ++f) {
    int64_t channels =
        in.ConsumeBool() ? 0 : in.ConsumeIntegralInRange<int64_t>(1, 4);
    int axis = 0;
    Shape shape = generateShape(in, channels, axis);
    std::string expressed = generateExpressed(in);
    std::string format = generateFormat(in, expressed, channels, axis);
    std::string floatType = "tensor<" + shape.text() + expressed + ">";
    std::string name = "@f" + std::to_string(f);
    text += "func.func " + name + "(%x: " + floatType + ", %q: tensor<" +
            shape.text() + format + ">) -> " + floatType + " {\n" +
            "  %f = quantx.fake_quant %x to " + format + " : " + floatType +
            "\n  %d = quantx.dequantize %q : tensor<" + shape.text() + format +
            "> to " + floatType + "\n  return %f : " + floatType + "\n}\n";
  }
  return text;
}

static std::string print(Operation *op, bool generic) {
  std::string text;
  llvm::raw_string_ostream os(text);
  OpPrintingFlags flags;
  if (generic)
    flags.printGenericOpForm();
  op->print(os, flags);
  return text;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MLIRContext &context = getFuzzContext();
  std::string text;
  if (size > 0 && data[0] == 'G') {
    FuzzedDataProvider in(data + 1, size - 1);
    text = generateModule(in);
  } else {
    text.assign(reinterpret_cast<const char *>(data), size);
    if (mayReachUpstreamCrash(text))
      return 0;
  }
  OwningOpRef<ModuleOp> module = parseVerifiedModule(text);
  if (!module)
    return 0;

  // Round trip, custom and generic forms. Resource blobs are named per
  // context, and this one is shared: a reparse renames them (bias to
  // bias_1), so a module with resources is not compared as text.
  std::string custom = print(*module, /*generic=*/false);
  bool hasResources = custom.find("dense_resource") != std::string::npos;
  for (bool generic : {false, true}) {
    if (hasResources)
      break;
    OwningOpRef<ModuleOp> again = parseVerifiedModule(print(*module, generic));
    if (!again || print(*again, /*generic=*/false) != custom) {
      llvm::errs() << "round trip mismatch ("
                   << (generic ? "generic" : "custom") << " form) for:\n"
                   << custom << "\n";
      std::abort();
    }
  }

  // The folders and canonicalization patterns.
  PassManager pm(&context);
  pm.addPass(createCanonicalizerPass());
  (void)pm.run(*module);
  return 0;
}
