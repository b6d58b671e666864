//===- EmitCInterface.cpp - mark public functions for C wrappers ----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_EMITCINTERFACEPASS
#include "quantx/CodeGen/Passes.h.inc"

namespace {
struct EmitCInterfacePass : impl::EmitCInterfacePassBase<EmitCInterfacePass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

void EmitCInterfacePass::runOnOperation() {
  for (auto func : getOperation().getOps<func::FuncOp>())
    if (func.isPublic() && !func.isExternal())
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(&getContext()));
}
