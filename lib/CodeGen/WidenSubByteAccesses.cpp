//===- WidenSubByteAccesses.cpp - one byte per sub-byte element ----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// LLVM allocates an iN in getStorageBytes(N) bytes, so a memref<8xi4> holds
// one code per byte, and scalar loads and stores agree. A vector load or store
// of vector<8xi4>, however, reads or writes 4 bytes with the codes bit-packed.
// This pass makes every memory access follow the allocation layout: loads,
// stores and masked/gathered accesses of such integers (scalars and vectors)
// move vectors of whole-byte integers, zero-extended on the way out and
// truncated on the way in; stack slots and address arithmetic over such
// vectors use the widened vector type.
//
//===----------------------------------------------------------------------===//

#include "quantx/CodeGen/Passes.h"
#include "quantx/Numerics/Storage.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMTypes.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_WIDENSUBBYTEACCESSESPASS
#include "quantx/CodeGen/Passes.h.inc"

namespace {
struct WidenSubByteAccessesPass
    : impl::WidenSubByteAccessesPassBase<WidenSubByteAccessesPass> {
  using Base::Base;
  void runOnOperation() override;
};
} // namespace
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;
namespace num = ::quantx::numerics;

/// The type a value of `type` has in memory: integers narrower than their
/// allocation (and vectors and arrays of them) become integers of their
/// allocation size. Returns failure for vectors whose layout the rule does
/// not define (integer elements wider than 64 bits that are not a power of
/// two).
static FailureOr<Type> getMemoryType(Type type) {
  if (auto integer = dyn_cast<IntegerType>(type)) {
    unsigned width = integer.getWidth();
    if (width > num::kMaxStorageElementBits)
      return type;
    unsigned bits = 8 * num::getStorageBytes(width);
    return bits == width ? type : IntegerType::get(type.getContext(), bits);
  }
  if (auto vector = dyn_cast<VectorType>(type)) {
    auto element = dyn_cast<IntegerType>(vector.getElementType());
    if (!element)
      return type;
    if (element.getWidth() > num::kMaxStorageElementBits &&
        !llvm::isPowerOf2_32(element.getWidth()))
      return failure();
    FailureOr<Type> memory = getMemoryType(element);
    if (failed(memory))
      return failure();
    return Type(vector.clone(*memory));
  }
  if (auto array = dyn_cast<LLVM::LLVMArrayType>(type)) {
    FailureOr<Type> element = getMemoryType(array.getElementType());
    if (failed(element))
      return failure();
    return Type(LLVM::LLVMArrayType::get(*element, array.getNumElements()));
  }
  return type;
}

/// True for integers and vectors of integers, whose values convert to their
/// memory type by extension and back by truncation.
static bool isIntegerOrIntegerVector(Type type) {
  return isa<IntegerType>(getElementTypeOrSelf(type));
}

namespace {
/// Rewrites one memory access: `values` are the operand numbers of the data
/// it writes, `readsResult` whether its result is data it read.
class AccessWidener {
public:
  explicit AccessWidener(Operation *op) : op(op) {}

  LogicalResult widen(ArrayRef<unsigned> values, bool readsResult) {
    Type logical = readsResult ? op->getResult(0).getType()
                               : op->getOperand(values.front()).getType();
    FailureOr<Type> memory = getMemoryType(logical);
    if (failed(memory))
      return op->emitOpError("accesses ")
             << logical << ", whose in-memory layout is not defined";
    if (*memory == logical)
      return success();
    if (!isIntegerOrIntegerVector(logical))
      return op->emitOpError("accesses ")
             << logical
             << ", an aggregate of sub-byte integers that cannot be widened "
                "in place";
    OpBuilder b(op);
    Location loc = op->getLoc();
    SmallVector<Value> extended;
    for (unsigned index : values)
      extended.push_back(
          LLVM::ZExtOp::create(b, loc, *memory, op->getOperand(index)));
    Operation *widened = b.clone(*op);
    for (auto [index, value] : llvm::zip(values, extended))
      widened->setOperand(index, value);
    if (readsResult) {
      widened->getResult(0).setType(*memory);
      auto truncated =
          LLVM::TruncOp::create(b, loc, logical, widened->getResult(0));
      op->getResult(0).replaceAllUsesWith(truncated.getResult());
    }
    // Without an alignment, LLVM would assume the widened type's ABI one.
    auto alignment = widened->getAttrOfType<IntegerAttr>("alignment");
    if (isa<LLVM::LoadOp, LLVM::StoreOp>(widened) &&
        (!alignment || alignment.getInt() == 0)) {
      unsigned element = cast<IntegerType>(getElementTypeOrSelf(logical))
                             .getIntOrFloatBitWidth();
      widened->setAttr("alignment",
                       b.getI64IntegerAttr(num::getStorageBytes(element)));
    }
    op->erase();
    return success();
  }

private:
  Operation *op;
};
} // namespace

/// Replaces the element type of an address computation or a stack slot
/// (scalar integers already step by their allocation size).
template <typename OpTy> static LogicalResult widenElementType(OpTy op) {
  if (isa<IntegerType>(op.getElemType()))
    return success();
  FailureOr<Type> memory = getMemoryType(op.getElemType());
  if (failed(memory))
    return op->emitOpError("addresses elements of type ")
           << op.getElemType() << ", whose in-memory layout is not defined";
  if (*memory != op.getElemType())
    op.setElemType(*memory);
  return success();
}

void WidenSubByteAccessesPass::runOnOperation() {
  SmallVector<Operation *> accesses;
  bool failedGlobal = false;
  getOperation()->walk([&](Operation *op) {
    if (auto global = dyn_cast<LLVM::GlobalOp>(op)) {
      FailureOr<Type> memory = getMemoryType(global.getGlobalType());
      if (failed(memory) ||
          (*memory != global.getGlobalType() &&
           !isa<IntegerType, LLVM::LLVMArrayType>(global.getGlobalType()))) {
        global.emitOpError("holds ")
            << global.getGlobalType()
            << ", a vector of sub-byte integers; store its elements as "
               "whole-byte integers";
        failedGlobal = true;
      }
      return;
    }
    if (isa<LLVM::LoadOp, LLVM::StoreOp, LLVM::MaskedLoadOp,
            LLVM::MaskedStoreOp, LLVM::masked_gather, LLVM::masked_scatter,
            LLVM::masked_expandload, LLVM::masked_compressstore, LLVM::GEPOp,
            LLVM::AllocaOp>(op))
      accesses.push_back(op);
  });
  if (failedGlobal)
    return signalPassFailure();

  for (Operation *op : accesses) {
    LogicalResult result =
        llvm::TypeSwitch<Operation *, LogicalResult>(op)
            // (Atomic accesses of sub-byte integers are invalid IR.)
            .Case([](LLVM::LoadOp load) {
              return AccessWidener(load).widen({}, /*readsResult=*/true);
            })
            .Case([](LLVM::StoreOp store) {
              return AccessWidener(store).widen({0}, /*readsResult=*/false);
            })
            .Case<LLVM::MaskedLoadOp, LLVM::masked_gather,
                  LLVM::masked_expandload>([](Operation *read) {
              // Operand 2, when present, is the pass-through value.
              SmallVector<unsigned> passThrough;
              if (read->getNumOperands() > 2)
                passThrough.push_back(2);
              return AccessWidener(read).widen(passThrough,
                                               /*readsResult=*/true);
            })
            .Case<LLVM::MaskedStoreOp, LLVM::masked_scatter,
                  LLVM::masked_compressstore>([](Operation *write) {
              return AccessWidener(write).widen({0}, /*readsResult=*/false);
            })
            .Case([](LLVM::GEPOp gep) { return widenElementType(gep); })
            .Case(
                [](LLVM::AllocaOp alloca) { return widenElementType(alloca); })
            .Default([](Operation *) { return success(); });
    if (failed(result))
      return signalPassFailure();
  }
}
