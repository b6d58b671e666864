//===- ExpandAccumulation.cpp - simulated low-precision sums --------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A contraction with `quantx.accumulate = #quantx.accumulation<F, chunk = N>`
// becomes a linalg.generic with two accumulators per output element: the
// running sum of the current chunk, every term and every addition rounded
// onto F (scalar quantx.fake_quant, nearest even), and the total of the
// chunks finished so far, in the result's type. A term whose linear index
// over the reduction loops is a multiple of N starts a chunk: the previous
// chunk's sum joins the total. An elementwise op adds the last chunk.
//
// The terms are taken in the loops' order, which every later lowering keeps:
// the accumulators carry a dependence from one term to the next, so the
// vectorizers only vectorize across output elements.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/Transforms/ExpandAccumulation.h"

#include "quantx/Dialect/Quantx/IR/Accumulation.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::quantx {
#define GEN_PASS_DEF_EXPANDACCUMULATIONPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

struct ExpandAccumulationPass
    : mlir::quantx::impl::ExpandAccumulationPassBase<ExpandAccumulationPass> {
  void runOnOperation() override {
    if (failed(expandAccumulations(getOperation())))
      signalPassFailure();
  }
};

/// The body of the expanded generic: `args` are the inputs' elements, the
/// chunk's running sum and the total; yields the new sum and total.
void buildChunkedBody(OpBuilder &b, Location loc, linalg::GenericOp op,
                      AccumulationAttr accumulation,
                      ArrayRef<std::pair<unsigned, Value>> reductionLoops,
                      ValueRange args) {
  Block *body = op.getBody();
  Value term = getAccumulatedTerm(op);
  IRMapping mapping;
  for (unsigned i = 0; i < op.getNumDpsInputs(); ++i)
    mapping.map(body->getArgument(i), args[i]);
  Operation *add = cast<linalg::YieldOp>(body->getTerminator())
                       ->getOperand(0)
                       .getDefiningOp();
  for (Operation &nested : body->without_terminator())
    if (&nested != add)
      b.clone(nested, mapping);
  Value partial = args[op.getNumDpsInputs()];
  Value total = args[op.getNumDpsInputs() + 1];
  Type element = partial.getType();
  MLIRContext *context = b.getContext();
  auto round = [&](Value value) -> Value {
    return FakeQuantOp::create(
        b, loc, element, value, /*step=*/Value(),
        TypeAttr::get(accumulation.getFormat()),
        RoundingModeAttr::get(context, RoundingMode::nearest_even),
        IntegerAttr(), ArithmeticAttr::get(context, Arithmetic::exact));
  };
  Value rounded = round(mapping.lookupOrDefault(term));

  // The term's position among the output element's terms.
  Value position;
  for (auto [loop, size] : reductionLoops) {
    Value index = linalg::IndexOp::create(b, loc, loop);
    if (!position) {
      position = index;
      continue;
    }
    // A static size is a constant of the body; a dynamic one is computed
    // before the op.
    Value extent = size;
    if (std::optional<int64_t> known = getConstantIntValue(size))
      extent = arith::ConstantIndexOp::create(b, loc, *known);
    position = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, position, extent), index);
  }
  Value offset = arith::RemUIOp::create(
      b, loc, position,
      arith::ConstantIndexOp::create(b, loc, accumulation.getChunk()));
  Value starts =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, offset,
                            arith::ConstantIndexOp::create(b, loc, 0));
  Value sum = round(arith::AddFOp::create(b, loc, partial, rounded));
  Value newPartial = arith::SelectOp::create(b, loc, starts, rounded, sum);
  Value closed = arith::AddFOp::create(b, loc, total, partial);
  Value newTotal = arith::SelectOp::create(b, loc, starts, closed, total);
  linalg::YieldOp::create(b, loc, ValueRange{newPartial, newTotal});
}

LogicalResult expand(RewriterBase &rewriter, linalg::LinalgOp op,
                     AccumulationAttr accumulation) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic) {
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, op);
    if (failed(generalized))
      return op->emitError("quantx-expand-accumulation: cannot generalize "
                           "this contraction");
    generic = *generalized;
  }
  rewriter.setInsertionPoint(generic);
  // The sizes of the reduction loops (the outermost one's is not needed:
  // it only scales the position).
  SmallVector<Range, 4> ranges = cast<linalg::LinalgOp>(generic.getOperation())
                                     .createLoopRanges(rewriter, loc);
  SmallVector<std::pair<unsigned, Value>> reductionLoops;
  for (auto [loop, iterator] : llvm::enumerate(generic.getIteratorTypesArray()))
    if (iterator == utils::IteratorType::reduction)
      reductionLoops.push_back(
          {static_cast<unsigned>(loop),
           getValueOrCreateConstantIndexOp(rewriter, loc, ranges[loop].size)});
  Value init = generic.getDpsInitOperand(0)->get();
  // -0.0 leaves the initial value's bits alone when it joins the total.
  Value partialInit = createFilledLike(rewriter, loc, init, -0.0);
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  maps.push_back(maps.back());
  auto chunked = linalg::GenericOp::create(
      rewriter, loc, TypeRange{init.getType(), init.getType()},
      generic.getDpsInputs(), ValueRange{partialInit, init}, maps,
      generic.getIteratorTypesArray(),
      [&](OpBuilder &b, Location nloc, ValueRange args) {
        buildChunkedBody(b, nloc, generic, accumulation, reductionLoops, args);
      });
  // The last chunk joins the total, in place (the result stays in the
  // contraction's output, as bufferization inside loops needs).
  auto rank = cast<RankedTensorType>(init.getType()).getRank();
  AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
  auto last = linalg::GenericOp::create(
      rewriter, loc, TypeRange{init.getType()}, chunked.getResult(0),
      chunked.getResult(1), ArrayRef<AffineMap>{identity, identity},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [](OpBuilder &b, Location nloc, ValueRange args) {
        linalg::YieldOp::create(
            b, nloc,
            arith::AddFOp::create(b, nloc, args[1], args[0]).getResult());
      });
  rewriter.replaceOp(generic, last.getResults());
  return success();
}

} // namespace

LogicalResult mlir::quantx::expandAccumulations(Operation *root) {
  auto *dialect = root->getContext()->getLoadedDialect<QuantxDialect>();
  if (!dialect)
    return success();
  auto helper = dialect->getAccumulateAttrHelper();
  SmallVector<linalg::LinalgOp> contractions;
  root->walk([&](linalg::LinalgOp op) {
    if (helper.isAttrPresent(op))
      contractions.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (linalg::LinalgOp op : contractions) {
    AccumulationAttr accumulation = helper.getAttr(op);
    Value term = getAccumulatedTerm(op);
    if (!accumulation || !term ||
        failed(verifyAccumulation([&] { return op->emitError(); }, accumulation,
                                  cast<FloatType>(term.getType()))))
      return op->emitError("quantx-expand-accumulation: 'quantx.accumulate' "
                           "must be a #quantx.accumulation on a contraction "
                           "that accumulates in f32 or f64");
    if (failed(expand(rewriter, op, accumulation)))
      return failure();
  }
  return success();
}
