//===- CheckAllocations.cpp - fail cleanly when a buffer cannot exist ----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// memref.alloc becomes a malloc whose size is the product of the dimensions
// and the element size, computed modulo 2^64, and whose result is used
// unchecked: a tensor too large for memory makes compiled code write through
// a null pointer, and a size that wraps makes it write past a small buffer.
// This pass makes both a clean stop: a static size that overflows is a
// compile-time error at the op that needs the buffer; a dynamic size is
// multiplied with overflow detection before the allocation; a null result
// (out of memory) is detected after it. A stack buffer (memref.alloca) above
// 1 MiB would overflow the stack: a compile-time error when its size is
// static, checked before it is made when dynamic. Each runtime failure
// writes a line naming the buffer's type and source location to stderr and
// aborts.
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/DataLayoutInterfaces.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_CHECKALLOCATIONSPASS
#include "quantx/CodeGen/Passes.h.inc"

namespace {
struct CheckAllocationsPass
    : impl::CheckAllocationsPassBase<CheckAllocationsPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

static constexpr StringLiteral kFailureFunction = "__quantx_allocation_failed";

/// `void __quantx_allocation_failed(ptr message, i64 length)`: writes the
/// message to stderr (file descriptor 2) and aborts.
static func::FuncOp getOrCreateFailureFunction(ModuleOp module) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(kFailureFunction))
    return existing;
  MLIRContext *context = module.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  Location loc = module.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(context);
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto declare = [&](StringRef name, Type result, ArrayRef<Type> params) {
    if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
      return existing;
    return LLVM::LLVMFuncOp::create(
        b, loc, name, LLVM::LLVMFunctionType::get(result, params));
  };
  LLVM::LLVMFuncOp write = declare("write", i64, {i32, ptr, i64});
  LLVM::LLVMFuncOp abort =
      declare("abort", LLVM::LLVMVoidType::get(context), {});
  auto function = func::FuncOp::create(b, loc, kFailureFunction,
                                       b.getFunctionType({ptr, i64}, {}));
  function.setPrivate();
  Block *body = function.addEntryBlock();
  b.setInsertionPointToStart(body);
  Value stderrFd = LLVM::ConstantOp::create(b, loc, i32, 2);
  LLVM::CallOp::create(
      b, loc, write,
      ValueRange{stderrFd, body->getArgument(0), body->getArgument(1)});
  LLVM::CallOp::create(b, loc, abort, ValueRange());
  func::ReturnOp::create(b, loc);
  return function;
}

namespace {
/// Emits calls of the failure function with per-site messages.
class FailureReporter {
public:
  explicit FailureReporter(ModuleOp module) : module(module) {}

  /// Builds `if (condition) fail(message)` at the builder's position.
  void failIf(OpBuilder &b, Location loc, Value condition,
              const std::string &message) {
    func::FuncOp fail = getOrCreateFailureFunction(module);
    LLVM::GlobalOp text = getOrCreateMessage(message);
    auto ifOp = scf::IfOp::create(b, loc, condition, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Value address = LLVM::AddressOfOp::create(b, loc, text);
    Value length = arith::ConstantOp::create(
        b, loc, b.getI64IntegerAttr(static_cast<int64_t>(message.size())));
    func::CallOp::create(b, loc, fail, ValueRange{address, length});
  }

private:
  LLVM::GlobalOp getOrCreateMessage(const std::string &message) {
    auto found = messages.find(message);
    if (found != messages.end())
      return found->second;
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), message.size());
    std::string name =
        "__quantx_allocation_message_" + std::to_string(messages.size());
    auto global = LLVM::GlobalOp::create(
        b, module.getLoc(), type, /*isConstant=*/true, LLVM::Linkage::Internal,
        name, b.getStringAttr(message));
    messages[message] = global;
    return global;
  }

  ModuleOp module;
  std::map<std::string, LLVM::GlobalOp> messages;
};
} // namespace

/// "memref<...> (file:line:col)", naming the buffer in messages.
static std::string describe(Operation *alloc, MemRefType type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  if (auto loc = dyn_cast<FileLineColLoc>(alloc->getLoc()))
    os << " (" << loc.getFilename().getValue() << ":" << loc.getLine() << ":"
       << loc.getColumn() << ")";
  return text;
}

/// The C library functions that the checks and the lowering of buffers
/// call by name: a function of the model with one of these names would
/// take its place (or clash with its declaration).
static constexpr StringLiteral kLibraryFunctions[] = {
    "abort", "write", "malloc", "free", "aligned_alloc"};

/// The size in bytes of the static dimensions of `type` (times the
/// element size), or nothing when it reaches 2^63.
static std::optional<uint64_t> getStaticBytes(Operation *op, MemRefType type) {
  uint64_t bytes = DataLayout::closest(op).getTypeSize(type.getElementType());
  bool overflow = false;
  for (int64_t size : type.getShape()) {
    if (ShapedType::isDynamic(size))
      continue;
    bool wrapped = false;
    bytes =
        llvm::SaturatingMultiply(bytes, static_cast<uint64_t>(size), &wrapped);
    overflow |= wrapped;
  }
  if (overflow || bytes > static_cast<uint64_t>(INT64_MAX))
    return std::nullopt;
  return bytes;
}

/// Builds `staticBytes * d0 * d1 ...` in i64 at `b`'s position; `wraps`
/// is set when the product does not fit in 63 bits.
static Value buildDynamicBytes(OpBuilder &b, Location loc, uint64_t staticBytes,
                               ValueRange sizes, Value &wraps) {
  Type i64 = b.getI64Type();
  Value bytes = arith::ConstantOp::create(
      b, loc, b.getI64IntegerAttr(static_cast<int64_t>(staticBytes)));
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  wraps = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  // Any product with a high half is a size past 64 bits.
  for (Value size : sizes) {
    Value wide = arith::IndexCastUIOp::create(b, loc, i64, size);
    auto product = arith::MulUIExtendedOp::create(b, loc, bytes, wide);
    Value high = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                       product.getHigh(), zero);
    wraps = arith::OrIOp::create(b, loc, wraps, high);
    bytes = product.getLow();
  }
  // Sizes are unsigned, but the memref lowering computes in index
  // arithmetic: keep clear of the sign bit too.
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, bytes, zero);
  wraps = arith::OrIOp::create(b, loc, wraps, negative);
  return bytes;
}

/// The largest stack buffer (memref.alloca) compiled code may make: the
/// stack of the thread that runs it is a few MiB.
static constexpr uint64_t kMaxStackBytes = 1 << 20;

/// Checks the stack buffers of `module`: a static one above kMaxStackBytes
/// is an error; a dynamic one is checked before it is made.
static LogicalResult checkStackBuffers(ModuleOp module,
                                       FailureReporter &reporter) {
  SmallVector<memref::AllocaOp> allocas;
  module.walk([&](memref::AllocaOp alloca) { allocas.push_back(alloca); });
  for (memref::AllocaOp alloca : allocas) {
    MemRefType type = alloca.getType();
    std::optional<uint64_t> staticBytes = getStaticBytes(alloca, type);
    if (!staticBytes || *staticBytes > kMaxStackBytes) {
      return alloca.emitError("a stack buffer of type ")
             << type << " needs more than " << kMaxStackBytes
             << " bytes, the most quantx puts on the stack; allocate it "
                "with memref.alloc";
    }
    if (type.hasStaticShape())
      continue;
    OpBuilder b(alloca);
    Location loc = alloca.getLoc();
    Value wraps;
    Value bytes = buildDynamicBytes(b, loc, *staticBytes,
                                    alloca.getDynamicSizes(), wraps);
    Value limit = arith::ConstantOp::create(
        b, loc, b.getI64IntegerAttr(static_cast<int64_t>(kMaxStackBytes)));
    Value tooLarge =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, bytes, limit);
    reporter.failIf(b, loc, arith::OrIOp::create(b, loc, wraps, tooLarge),
                    "quantx: cannot make a stack buffer of type " +
                        describe(alloca, type) + ": it needs more than " +
                        std::to_string(kMaxStackBytes) + " bytes\n");
  }
  return success();
}

void CheckAllocationsPass::runOnOperation() {
  ModuleOp module = getOperation();
  SmallVector<memref::AllocOp> allocs;
  module.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
  bool hasStackBuffers = false;
  module.walk([&](memref::AllocaOp) { hasStackBuffers = true; });
  if (!allocs.empty() || hasStackBuffers) {
    bool clash = false;
    for (StringRef name : kLibraryFunctions) {
      Operation *symbol = module.lookupSymbol(name);
      auto declaration = dyn_cast_if_present<LLVM::LLVMFuncOp>(symbol);
      if (!symbol || (declaration && declaration.isExternal()))
        continue;
      symbol->emitError("@")
          << name << " is the name of the C library function that "
          << "allocating and checking buffers calls; rename this symbol";
      clash = true;
    }
    if (clash)
      return signalPassFailure();
  }
  FailureReporter reporter(module);
  if (failed(checkStackBuffers(module, reporter)))
    return signalPassFailure();
  for (memref::AllocOp alloc : allocs) {
    MemRefType type = alloc.getType();
    std::optional<uint64_t> staticBytes = getStaticBytes(alloc, type);
    if (!staticBytes) {
      alloc.emitError("a buffer of type ")
          << type << " needs 2^63 bytes or more; it cannot be allocated";
      return signalPassFailure();
    }
    Location loc = alloc.getLoc();
    OpBuilder b(alloc);
    std::string name = describe(alloc, type);
    Value bytes;
    if (!type.hasStaticShape()) {
      Value wraps;
      bytes = buildDynamicBytes(b, loc, *staticBytes, alloc.getDynamicSizes(),
                                wraps);
      reporter.failIf(b, loc, wraps,
                      "quantx: cannot allocate a buffer of type " + name +
                          ": its size in bytes does not fit in 63 bits\n");
    } else if (*staticBytes == 0) {
      continue; // malloc(0) may return null.
    }
    b.setInsertionPointAfter(alloc);
    Value pointer =
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, alloc);
    Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
    Value failed = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         pointer, zeroIndex);
    if (bytes) {
      Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
      Value nonEmpty =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, bytes, zero);
      failed = arith::AndIOp::create(b, loc, failed, nonEmpty);
    }
    reporter.failIf(b, loc, failed,
                    "quantx: cannot allocate a buffer of type " + name +
                        ": out of memory\n");
  }
}
