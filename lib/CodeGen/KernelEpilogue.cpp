//===- KernelEpilogue.cpp - elementwise stages fused into a kernel --------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "KernelEpilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// Whether `value` is a per-column (last dimension) or scalar read of a
/// generic's input, for an output of `rank` dimensions and `columns` columns.
std::optional<EpilogueRead> classifyRead(AffineMap map, Value operand,
                                         int64_t rank, int64_t columns) {
  auto type = dyn_cast<RankedTensorType>(operand.getType());
  if (!type)
    return std::nullopt;
  if (map.getNumResults() == 0 && type.getRank() == 0)
    return EpilogueRead::Scalar;
  if (map.getNumResults() == 1 && type.getRank() == 1 &&
      map.getResult(0) == getAffineDimExpr(rank - 1, map.getContext()) &&
      type.getDimSize(0) == columns)
    return EpilogueRead::Column;
  return std::nullopt;
}

/// Whether the body of `generic` vectorizes lane by lane: elementwise ops,
/// the column's index (and the row's, for a matrix), constants from outside.
bool isVectorizableBody(linalg::GenericOp generic, int64_t rank) {
  for (Operation &op : generic.getBody()->without_terminator()) {
    if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
      if (!constant.getType().isIntOrIndexOrFloat())
        return false;
      continue;
    }
    if (auto index = dyn_cast<linalg::IndexOp>(op)) {
      int64_t dim = index.getDim();
      if (dim != rank - 1 && !(rank == 2 && dim == 0))
        return false;
      continue;
    }
    if (!op.hasTrait<OpTrait::Elementwise>() || op.getNumRegions() != 0 ||
        op.getNumResults() != 1)
      return false;
    for (Type t : op.getResultTypes())
      if (!t.isIntOrIndexOrFloat())
        return false;
    for (Value operand : op.getOperands()) {
      if (operand.getParentRegion() == &generic.getRegion())
        continue;
      if (!operand.getDefiningOp<arith::ConstantOp>() ||
          !operand.getType().isIntOrIndexOrFloat())
        return false;
    }
  }
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  for (Value operand : yield.getOperands())
    if (operand.getParentRegion() != &generic.getRegion() &&
        !operand.getDefiningOp<arith::ConstantOp>())
      return false;
  return true;
}

} // namespace

/// The elementwise generics after `value` that can be fused into the
/// kernel's store: each the only user of the previous result (which it may
/// also name as its unread init, as an in-place bias or activation does).
SmallVector<EpilogueStage> mlir::quantx::matchEpilogue(Value value,
                                                       int64_t columns) {
  SmallVector<EpilogueStage> stages;
  auto valueType = cast<RankedTensorType>(value.getType());
  int64_t rank = valueType.getRank();
  while (!value.use_empty() && llvm::all_equal(value.getUsers())) {
    auto generic = dyn_cast<linalg::GenericOp>(*value.getUsers().begin());
    if (!generic || generic.getNumResults() != 1 ||
        generic.getNumDpsInits() != 1 ||
        generic.getNumParallelLoops() != generic.getNumLoops() ||
        generic.getNumLoops() != rank ||
        !generic.getIndexingMapMatchingResult(generic->getResult(0))
             .isIdentity() ||
        generic.payloadUsesValueFromOperand(&generic.getDpsInitsMutable()[0]))
      break;
    auto resultType = cast<RankedTensorType>(generic->getResult(0).getType());
    if (resultType.getShape() != valueType.getShape() ||
        !resultType.getElementType().isIntOrFloat())
      break;
    EpilogueStage stage{generic, {}};
    bool ok = true, sawChain = false;
    for (OpOperand *operand : generic.getDpsInputOperands()) {
      AffineMap map = generic.getMatchingIndexingMap(operand);
      if (operand->get() == value) {
        if (sawChain || !map.isIdentity()) {
          ok = false;
          break;
        }
        sawChain = true;
        stage.reads.push_back(EpilogueRead::Chain);
        continue;
      }
      std::optional<EpilogueRead> read =
          classifyRead(map, operand->get(), rank, columns);
      if (!read) {
        ok = false;
        break;
      }
      stage.reads.push_back(*read);
    }
    if (!ok || !sawChain || !isVectorizableBody(generic, rank))
      break;
    stages.push_back(stage);
    value = generic->getResult(0);
  }
  return stages;
}

SmallVector<Value>
mlir::quantx::getEpilogueOperands(ArrayRef<EpilogueStage> stages) {
  SmallVector<Value> operands;
  for (const EpilogueStage &stage : stages)
    for (auto [operand, read] : llvm::zip(stage.op.getDpsInputs(), stage.reads))
      if (read != EpilogueRead::Chain)
        operands.push_back(operand);
  return operands;
}

Value mlir::quantx::applyEpilogue(OpBuilder &b, Location loc,
                                  ArrayRef<EpilogueStage> stages,
                                  ArrayRef<Value> buffers, Value acc, Value m,
                                  Value n, bool inBounds) {
  int64_t lanes = cast<VectorType>(acc.getType()).getNumElements();
  auto splat = [&](Type vectorType, Attribute value) -> Value {
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(cast<ShapedType>(vectorType), value));
  };
  auto broadcast = [&](Value scalar, int64_t count) -> Value {
    return vector::BroadcastOp::create(
        b, loc, VectorType::get({count}, scalar.getType()), scalar);
  };
  Value current = acc;
  unsigned argIndex = 0;
  auto toVector = [&](Value scalar) -> Value {
    if (isa<VectorType>(scalar.getType()))
      return scalar;
    return broadcast(scalar, lanes);
  };
  for (const EpilogueStage &stage : stages) {
    linalg::GenericOp generic = stage.op;
    int64_t rank = generic.getNumLoops();
    IRMapping mapping;
    Block *body = generic.getBody();
    for (auto [i, read] : llvm::enumerate(stage.reads)) {
      BlockArgument arg = body->getArgument(i);
      Type element = arg.getType();
      auto vectorType = VectorType::get({lanes}, element);
      if (read == EpilogueRead::Chain) {
        mapping.map(arg, current);
        continue;
      }
      Value buffer = buffers[argIndex++];
      if (read == EpilogueRead::Scalar) {
        mapping.map(arg, toVector(memref::LoadOp::create(b, loc, buffer,
                                                         ValueRange{})));
        continue;
      }
      Value padding = arith::ConstantOp::create(b, loc, b.getZeroAttr(element));
      mapping.map(arg, vector::TransferReadOp::create(
                           b, loc, vectorType, buffer, ValueRange{n}, padding,
                           ArrayRef<bool>{inBounds}));
    }
    for (Operation &op : body->without_terminator()) {
      if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
        mapping.map(constant.getResult(),
                    splat(VectorType::get({lanes}, constant.getType()),
                          constant.getValue()));
        continue;
      }
      if (auto indexOp = dyn_cast<linalg::IndexOp>(op)) {
        Value v;
        if (indexOp.getDim() == static_cast<uint64_t>(rank - 1))
          v = arith::AddIOp::create(
              b, loc, broadcast(n, lanes),
              vector::StepOp::create(
                  b, loc, VectorType::get({lanes}, b.getIndexType())));
        else
          v = broadcast(m, lanes);
        mapping.map(indexOp.getResult(), v);
        continue;
      }
      SmallVector<Value> operands;
      for (Value operand : op.getOperands()) {
        if (Value mapped = mapping.lookupOrNull(operand)) {
          operands.push_back(toVector(mapped));
          continue;
        }
        // A constant from outside the body.
        auto constant = operand.getDefiningOp<arith::ConstantOp>();
        auto vectorType = VectorType::get({lanes}, operand.getType());
        Value v = splat(vectorType, constant.getValue());
        mapping.map(operand, v);
        operands.push_back(v);
      }
      OperationState state(
          loc, op.getName().getStringRef(), operands,
          TypeRange{VectorType::get({lanes}, op.getResult(0).getType())},
          op.getAttrs());
      Operation *vectorOp = b.create(state);
      mapping.map(op.getResult(0), vectorOp->getResult(0));
    }
    Value yielded = cast<linalg::YieldOp>(body->getTerminator()).getOperand(0);
    if (Value mapped = mapping.lookupOrNull(yielded)) {
      current = toVector(mapped);
    } else {
      auto constant = yielded.getDefiningOp<arith::ConstantOp>();
      current = splat(VectorType::get({lanes}, yielded.getType()),
                      constant.getValue());
    }
  }
  return current;
}
