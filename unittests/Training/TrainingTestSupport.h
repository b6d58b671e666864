//===- TrainingTestSupport.h - helpers of the training tests ---*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_UNITTESTS_TRAINING_TRAININGTESTSUPPORT_H
#define QUANTX_UNITTESTS_TRAINING_TRAININGTESTSUPPORT_H

#include "quantx/Runtime/Npy.h"
#include "quantx/Runtime/Runner.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace quantx::runtime::testing {

/// An f32 array of `shape` holding `values` (rounded to f32).
inline NpyArray makeF32(std::vector<int64_t> shape,
                        const std::vector<double> &values) {
  NpyArray array;
  array.dtype = DType::F32;
  array.shape = std::move(shape);
  array.data.resize(values.size() * 4);
  for (size_t i = 0; i < values.size(); ++i) {
    auto value = static_cast<float>(values[i]);
    std::memcpy(array.data.data() + 4 * i, &value, 4);
  }
  return array;
}

/// The elements of an f32 array.
inline std::vector<double> toDoubles(const NpyArray &array) {
  std::vector<double> values(array.getNumElements());
  for (size_t i = 0; i < values.size(); ++i) {
    float value;
    std::memcpy(&value, array.data.data() + 4 * i, 4);
    values[i] = value;
  }
  return values;
}

/// Parses `source`, runs the passes `addPasses` adds, and prints the
/// result; nothing when it does not parse or a pass fails.
inline std::optional<std::string>
transformSource(const std::string &source,
                const std::function<void(mlir::PassManager &)> &addPasses) {
  mlir::DialectRegistry registry;
  registerJitDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  auto module = mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return std::nullopt;
  mlir::PassManager pm(&context);
  addPasses(pm);
  if (mlir::failed(pm.run(*module)))
    return std::nullopt;
  std::string printed;
  llvm::raw_string_ostream os(printed);
  module->print(os);
  return printed;
}

} // namespace quantx::runtime::testing

#endif // QUANTX_UNITTESTS_TRAINING_TRAININGTESTSUPPORT_H
