//===- Target.cpp - the CPU that code generation targets ------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Target.h"

#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/IR/Operation.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::quantx;

StringRef mlir::quantx::stringifyInt8Dot(Int8Dot dot) {
  switch (dot) {
  case Int8Dot::Generic:
    return "generic";
  case Int8Dot::Avx2:
    return "avx2";
  case Int8Dot::AvxVnni:
    return "avx-vnni";
  case Int8Dot::Avx512Vnni:
    return "avx512-vnni";
  }
  llvm_unreachable("unknown Int8Dot");
}

std::optional<Int8Dot> mlir::quantx::parseInt8Dot(StringRef name) {
  for (Int8Dot dot :
       {Int8Dot::Generic, Int8Dot::Avx2, Int8Dot::AvxVnni, Int8Dot::Avx512Vnni})
    if (name == stringifyInt8Dot(dot))
      return dot;
  return std::nullopt;
}

SmallVector<StringRef> mlir::quantx::getInt8DotFeatures(Int8Dot dot) {
  switch (dot) {
  case Int8Dot::Generic:
    return {};
  case Int8Dot::Avx2:
    return {"avx2"};
  case Int8Dot::AvxVnni:
    return {"avx2", "avxvnni"};
  case Int8Dot::Avx512Vnni:
    return {"avx512f", "avx512bw", "avx512vnni"};
  }
  llvm_unreachable("unknown Int8Dot");
}

bool CpuTarget::hostHas(Int8Dot dot) {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  for (StringRef feature : getInt8DotFeatures(dot))
    if (!features.lookup(feature))
      return false;
  return true;
}

CpuTarget CpuTarget::getHost() {
  CpuTarget target;
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    target.vectorBits = 512;
  target.vpopcntdq = features.lookup("avx512f") &&
                     features.lookup("avx512bw") &&
                     features.lookup("avx512vpopcntdq");
  target.int8Dot = Int8Dot::Generic;
  for (Int8Dot dot : {Int8Dot::Avx512Vnni, Int8Dot::AvxVnni, Int8Dot::Avx2})
    if (hostHas(dot)) {
      target.int8Dot = dot;
      break;
    }
  return target;
}

void mlir::quantx::setKernelTargetFeatures(Operation *function,
                                           ArrayRef<StringRef> features) {
  if (features.empty())
    return;
  MLIRContext *context = function->getContext();
  SmallVector<StringAttr> names;
  for (StringRef feature : features)
    names.push_back(StringAttr::get(context, "+" + feature));
  function->setAttr("target_features",
                    LLVM::TargetFeaturesAttr::get(context, names));
}
