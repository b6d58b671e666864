//===- quantx-runner.cpp - JIT-run quantx models --------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
//   quantx-runner run MODEL.mlir -e FUNC [--input X.npy]... [--output Y.npy]...
//   quantx-runner bench MODEL.mlir -e FUNC [--input X.npy]... [--runs N]
//   quantx-runner LOWERED.mlir -e main --entry-point-result=void
//                 --shared-libs=...              (as mlir-runner)
//
// A thin main over lib/Runtime. Every failure is one line on stderr and a
// non-zero exit.
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/Npy.h"
#include "quantx/Runtime/Runner.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace cl = llvm::cl;
using namespace quantx::runtime;

static cl::SubCommand runCommand("run", "Compile a model and call a function "
                                        "on .npy inputs");
static cl::SubCommand benchCommand("bench", "Time a function on .npy inputs");

static cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                      cl::init("-"),
                                      cl::sub(cl::SubCommand::getTopLevel()),
                                      cl::sub(runCommand),
                                      cl::sub(benchCommand));
static cl::opt<std::string> entry("e", cl::desc("The function to call"),
                                  cl::value_desc("name"), cl::init("main"),
                                  cl::sub(cl::SubCommand::getAll()));
static cl::opt<std::string> entryPointResult(
    "entry-point-result",
    cl::desc("For already-lowered input: the result of the entry function "
             "(void, i32, i64, f32), as mlir-runner"),
    cl::init("void"), cl::sub(cl::SubCommand::getAll()));
static cl::list<std::string>
    sharedLibs("shared-libs", cl::desc("Libraries to load into the JIT"),
               cl::CommaSeparated, cl::sub(cl::SubCommand::getAll()));
static cl::opt<bool> optO0("O0", cl::desc("Run LLVM at -O0"),
                           cl::sub(cl::SubCommand::getAll()));
static cl::opt<bool> optO1("O1", cl::desc("Run LLVM at -O1"),
                           cl::sub(cl::SubCommand::getAll()));
static cl::opt<bool> optO2("O2", cl::desc("Run LLVM at -O2"),
                           cl::sub(cl::SubCommand::getAll()));
static cl::opt<bool> optO3("O3", cl::desc("Run LLVM at -O3 (the default)"),
                           cl::sub(cl::SubCommand::getAll()));
static cl::list<std::string> inputs("input",
                                    cl::desc("An argument, as a .npy file"),
                                    cl::value_desc("file.npy"),
                                    cl::sub(runCommand), cl::sub(benchCommand));
static cl::list<std::string>
    outputs("output", cl::desc("Where to write a result, as a .npy file"),
            cl::value_desc("file.npy"), cl::sub(runCommand));
static cl::opt<unsigned> warmup("warmup",
                                cl::desc("Untimed calls before timing"),
                                cl::init(3), cl::sub(benchCommand));
static cl::opt<unsigned> runs("runs", cl::desc("Timed calls"), cl::init(20),
                              cl::sub(benchCommand));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "quantx-runner") << message << "\n";
  return 1;
}

static int fail(llvm::Error error) {
  std::string message = llvm::toString(std::move(error));
  return fail(message);
}

static RunnerOptions getOptions() {
  RunnerOptions options;
  options.optLevel = optO0 ? 0 : optO1 ? 1 : optO2 ? 2 : 3;
  options.sharedLibs.assign(sharedLibs.begin(), sharedLibs.end());
  return options;
}

static bool readInputs(std::vector<NpyArray> &arrays) {
  for (const std::string &path : inputs) {
    std::string error;
    std::optional<NpyArray> array = readNpyFile(path, error);
    if (!array) {
      fail(error);
      return false;
    }
    arrays.push_back(std::move(*array));
  }
  return true;
}

static int runMain(CompiledModule &module) {
  std::vector<NpyArray> arrays;
  if (!readInputs(arrays))
    return 1;
  if (!outputs.empty() && outputs.size() != module.getResults().size())
    return fail("@" + entry + " returns " +
                llvm::Twine(module.getResults().size()) + " result(s), but " +
                llvm::Twine(outputs.size()) + " --output file(s) were given");
  auto results = module.call(arrays);
  if (!results)
    return fail(results.takeError());
  for (size_t i = 0; i < results->size(); ++i) {
    const NpyArray &result = (*results)[i];
    std::string text = formatArray(result);
    llvm::outs() << "result #" << i << ": " << module.getResults()[i].typeName
                 << " "
                 << (text.empty() ? "shape " + result.getShapeString()
                                  : "= " + text)
                 << "\n";
    if (i < outputs.size()) {
      std::string error;
      if (!writeNpyFile(outputs[i], result, error))
        return fail(error);
    }
  }
  return 0;
}

static int benchMain(CompiledModule &module) {
  std::vector<NpyArray> arrays;
  if (!readInputs(arrays))
    return 1;
  if (runs == 0)
    return fail("--runs must be at least 1");
  for (unsigned i = 0; i < warmup; ++i) {
    auto results = module.call(arrays);
    if (!results)
      return fail(results.takeError());
  }
  std::vector<double> ms;
  for (unsigned i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto results = module.call(arrays);
    auto end = std::chrono::steady_clock::now();
    if (!results)
      return fail(results.takeError());
    ms.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  auto quantile = [&](double q) {
    return ms[static_cast<size_t>(q * static_cast<double>(ms.size() - 1) +
                                  0.5)];
  };
  double median = ms.size() % 2
                      ? ms[ms.size() / 2]
                      : (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]) / 2;
  char line[160];
  std::snprintf(line, sizeof(line),
                "bench @%s: %u runs after %u warm-up; min-ms: %.4f p10-ms: "
                "%.4f p90-ms: %.4f max-ms: %.4f\n",
                entry.c_str(), static_cast<unsigned>(runs),
                static_cast<unsigned>(warmup), ms.front(), quantile(0.1),
                quantile(0.9), ms.back());
  llvm::outs() << line;
  std::snprintf(line, sizeof(line), "median-ms: %.4f\n", median);
  llvm::outs() << line;
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::InitializeNativeTargetAsmParser();
  cl::ParseCommandLineOptions(
      argc, argv,
      "quantx-runner: JIT-compile quantx models and run or time them\n");

  auto module = CompiledModule::compile(inputFile, entry, getOptions());
  if (!module)
    return fail(module.takeError());

  if (benchCommand)
    return benchMain(**module);
  if (runCommand || (*module)->hasTensorEntry())
    return runMain(**module);
  std::string printed;
  if (llvm::Error error =
          (*module)->callLowered(entry, entryPointResult, printed))
    return fail(std::move(error));
  llvm::outs() << printed;
  return 0;
}
