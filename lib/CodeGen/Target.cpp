//===- Target.cpp - the CPU that code generation targets ------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Target.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir::quantx;

CpuTarget CpuTarget::getHost() {
  CpuTarget target;
  if (llvm::sys::getHostCPUFeatures().lookup("avx512f"))
    target.vectorBits = 512;
  return target;
}
