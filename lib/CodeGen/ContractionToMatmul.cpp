//===- ContractionToMatmul.cpp - generic contractions as named matmuls ----===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A contraction over grouped loops, `C[m..., n...] += A[m..., k...] *
// B[k..., n...]` (each operand may list its two groups in either order), is
// the matmul of the operands collapsed group by group. See Passes.td.
//
//===----------------------------------------------------------------------===//

#include "TilingUtils.h"

#include "quantx/CodeGen/Passes.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_CONTRACTIONTOMATMULPASS
#include "quantx/CodeGen/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

enum class Group { Row, Col, Red };

/// An operand's dimensions as two consecutive groups of loops.
struct GroupedOperand {
  Group first, second;
  SmallVector<unsigned> firstLoops, secondLoops;
  unsigned rank;

  ArrayRef<unsigned> loopsOf(Group group) const {
    return group == first ? firstLoops : secondLoops;
  }
  SmallVector<ReassociationIndices> reassociation() const {
    ReassociationIndices lead, rest;
    for (unsigned i = 0; i < firstLoops.size(); ++i)
      lead.push_back(i);
    for (unsigned i = firstLoops.size(); i < rank; ++i)
      rest.push_back(i);
    return {lead, rest};
  }
};

/// Splits the results of `map` into two runs of loops of different groups.
static std::optional<GroupedOperand> groupOperand(AffineMap map,
                                                  ArrayRef<Group> groupOfLoop) {
  GroupedOperand grouped;
  grouped.rank = map.getNumResults();
  if (grouped.rank < 2)
    return std::nullopt;
  SmallVector<unsigned> loops;
  for (AffineExpr expr : map.getResults())
    loops.push_back(cast<AffineDimExpr>(expr).getPosition());
  grouped.first = groupOfLoop[loops.front()];
  unsigned split = 0;
  while (split < loops.size() && groupOfLoop[loops[split]] == grouped.first)
    ++split;
  if (split == loops.size())
    return std::nullopt;
  grouped.second = groupOfLoop[loops[split]];
  for (unsigned i = split; i < loops.size(); ++i)
    if (groupOfLoop[loops[i]] != grouped.second)
      return std::nullopt;
  grouped.firstLoops.assign(loops.begin(), loops.begin() + split);
  grouped.secondLoops.assign(loops.begin() + split, loops.end());
  return grouped;
}

/// Whether the body is exactly `yield(acc + a * b)` on the two inputs.
static bool isMulAddBody(linalg::GenericOp op) {
  Block *body = op.getBlock();
  if (body->getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = body->getArgument(2);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if (add.getLhs() != acc && add.getRhs() != acc)
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (mul.getLhs() == a && mul.getRhs() == b) ||
         (mul.getLhs() == b && mul.getRhs() == a);
}

static bool isZeroFill(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.value(), m_AnyZeroFloat());
}

struct GenericContractionToMatmul : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 2 ||
        op.getNumDpsInits() != 1 || !hasStaticShapes(op) || !isMulAddBody(op))
      return rewriter.notifyMatchFailure(op, "not a static mul-add generic");
    Type element = getElementTypeOrSelf(op.getResult(0).getType());
    if (!isa<FloatType>(element) ||
        llvm::any_of(op->getOperandTypes(), [&](Type type) {
          return getElementTypeOrSelf(type) != element;
        }))
      return rewriter.notifyMatchFailure(op, "mixed element types");
    if (!llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
          return map.isProjectedPermutation(/*allowZeroInResults=*/false);
        }))
      return rewriter.notifyMatchFailure(op, "maps are not permutations");
    FailureOr<linalg::ContractionDimensions> dims =
        linalg::inferContractionDims(op);
    if (failed(dims) || !dims->batch.empty() || dims->m.empty() ||
        dims->n.empty() || dims->k.empty())
      return rewriter.notifyMatchFailure(op, "not a batch-free contraction");
    SmallVector<Group> groupOfLoop(op.getNumLoops(), Group::Red);
    for (unsigned d : dims->m)
      groupOfLoop[d] = Group::Row;
    for (unsigned d : dims->n)
      groupOfLoop[d] = Group::Col;

    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    std::optional<GroupedOperand> a = groupOperand(maps[0], groupOfLoop);
    std::optional<GroupedOperand> b = groupOperand(maps[1], groupOfLoop);
    std::optional<GroupedOperand> c = groupOperand(maps[2], groupOfLoop);
    if (!a || !b || !c)
      return rewriter.notifyMatchFailure(op, "groups are interleaved");
    // The output's leading group decides which input is the left factor.
    Value lhsValue = op.getDpsInputs()[0], rhsValue = op.getDpsInputs()[1];
    Group rows = c->first, cols = c->second;
    bool aHasRows = a->first == rows || a->second == rows;
    if (!aHasRows) {
      std::swap(a, b);
      std::swap(lhsValue, rhsValue);
    }
    // Each group must list its loops in the same order wherever it appears.
    if (a->loopsOf(rows) != c->loopsOf(rows) ||
        b->loopsOf(cols) != c->loopsOf(cols) ||
        a->loopsOf(Group::Red) != b->loopsOf(Group::Red))
      return rewriter.notifyMatchFailure(op, "groups in different orders");

    Location loc = op.getLoc();
    auto collapse = [&](Value value, const GroupedOperand &grouped) -> Value {
      if (grouped.rank == 2)
        return value;
      return tensor::CollapseShapeOp::create(rewriter, loc, value,
                                             grouped.reassociation());
    };
    Value lhs = collapse(lhsValue, *a);
    Value rhs = collapse(rhsValue, *b);
    auto lhsType = cast<RankedTensorType>(lhs.getType());
    auto rhsType = cast<RankedTensorType>(rhs.getType());
    bool lhsTransposed = a->first == Group::Red;
    bool rhsTransposed = b->first == cols;
    int64_t m = lhsType.getDimSize(lhsTransposed ? 1 : 0);
    int64_t n = rhsType.getDimSize(rhsTransposed ? 0 : 1);

    auto productType = RankedTensorType::get({m, n}, element);
    Value zeros = createFilled(
        rewriter, loc,
        getAsIndexOpFoldResult(rewriter.getContext(), productType.getShape()),
        element, 0.0);
    MLIRContext *context = rewriter.getContext();
    AffineExpr dm, dn, dk;
    bindDims(context, dm, dn, dk);
    auto map = [&](AffineExpr e0, AffineExpr e1) {
      return AffineMap::get(3, 0, {e0, e1}, context);
    };
    SmallVector<Attribute> matmulMaps = {
        AffineMapAttr::get(lhsTransposed ? map(dk, dm) : map(dm, dk)),
        AffineMapAttr::get(rhsTransposed ? map(dn, dk) : map(dk, dn)),
        AffineMapAttr::get(map(dm, dn))};
    Value product =
        linalg::MatmulOp::create(
            rewriter, loc, productType, ValueRange{lhs, rhs}, ValueRange{zeros},
            {rewriter.getNamedAttr("indexing_maps",
                                   rewriter.getArrayAttr(matmulMaps))})
            .getResult(0);
    Value init = op.getDpsInits()[0];
    auto initType = cast<RankedTensorType>(init.getType());
    if (c->rank != 2)
      product = tensor::ExpandShapeOp::create(rewriter, loc, initType, product,
                                              c->reassociation());
    if (isZeroFill(init)) {
      rewriter.replaceOp(op, product);
      return success();
    }
    rewriter.replaceOp(op, createAdd(rewriter, loc, init, product));
    return success();
  }
};

struct ContractionToMatmulPass
    : mlir::quantx::impl::ContractionToMatmulPassBase<ContractionToMatmulPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<GenericContractionToMatmul>(&getContext());
    // Each rewrite removes a generic, so the driver converges: not
    // converging is a bug worth an error.
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation().emitError(
          "quantx-contraction-to-matmul: the rewrite did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
