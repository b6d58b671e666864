//===- LinalgAutodiffImpl.cpp - gradient rules of linalg ops --------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One rule serves every linalg structured op, named or generic, through the
// LinalgOp interface: the gradient of an operand is a linalg.generic over the
// same iteration space that recomputes the body and runs the body's scalar
// rules backwards, accumulating into a tensor shaped like the operand (its
// indexing map becomes the output map; loops the operand does not index
// become reductions).
//
// Maps that sum loops (convolutions, pooling) are unfolded or split into
// window points (LinalgWindowAutodiffImpl.cpp). A unit-stride
// linalg.conv_2d_nhwc_hwcf gets its input gradient as a convolution.
//
// Loops that reduce are allowed when each result combines its accumulator
// once, by a sum, max or min: `acc + e`, `max(acc, e)`. The derivative of a
// sum by `e` is 1 at every point; that of a max or min is 1 where `e` equals
// the final result (ties all receive the gradient), so the rule reads the
// op's result in place of the accumulator.
//
// linalg.matmul in its default form gets two named matmuls instead (dA =
// dC B^T, dB = A^T dC), so the fast matmul code generation applies.
//
//===----------------------------------------------------------------------===//

#include "LinalgAutodiffUtils.h"

#include "quantx/Autodiff/GradientExternalModels.h"
#include "quantx/Dialect/Quantx/IR/Accumulation.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Interfaces/GradientOpInterface.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace mlir::quantx;
using namespace mlir::quantx::detail;

namespace {

/// Recognizes `yield combine(acc, e)` for output `j`; fails with an error.
static FailureOr<Reduction> matchReduction(linalg::LinalgOp op, unsigned j) {
  Block *body = op.getBlock();
  BlockArgument acc = body->getArgument(op.getNumDpsInputs() + j);
  Value yielded = body->getTerminator()->getOperand(j);
  Reduction reduction;
  if (yielded == acc) {
    reduction.term = acc;
    return reduction;
  }
  Operation *combine = yielded.getDefiningOp();
  auto fail = [&]() -> FailureOr<Reduction> {
    return op->emitError("cannot differentiate this reduction: result #")
           << j
           << " must combine its accumulator once, by addf, maximumf, "
              "maxnumf, minimumf or minnumf";
  };
  if (!combine || combine->getBlock() != body ||
      combine->getNumOperands() != 2 || !acc.hasOneUse())
    return fail();
  if (isa<arith::AddFOp>(combine))
    reduction.combiner = Combiner::Sum;
  else if (isa<arith::MaximumFOp, arith::MaxNumFOp>(combine))
    reduction.combiner = Combiner::Max;
  else if (isa<arith::MinimumFOp, arith::MinNumFOp>(combine))
    reduction.combiner = Combiner::Min;
  else
    return fail();
  if (combine->getOperand(0) == acc)
    reduction.term = combine->getOperand(1);
  else if (combine->getOperand(1) == acc)
    reduction.term = combine->getOperand(0);
  else
    return fail();
  return reduction;
}

static BodyOperands
collectBodyOperands(linalg::LinalgOp op, ValueRange resultGradients,
                    ArrayRef<std::optional<Reduction>> reductions) {
  BodyOperands operands;
  operands.numLoops = op.getNumLoops();
  for (OpOperand *input : op.getDpsInputOperands()) {
    operands.values.push_back(input->get());
    operands.maps.push_back(op.getMatchingIndexingMap(input));
  }
  unsigned numOutputs = op.getNumDpsInits();
  for (unsigned j = 0; j < numOutputs; ++j) {
    OpOperand *init = op.getDpsInitOperand(j);
    operands.values.push_back(reductions[j] ? op->getResult(j) : init->get());
    operands.maps.push_back(op.getMatchingIndexingMap(init));
  }
  // Outputs that are not floats have no gradient: their init stands in (the
  // body skips non-float gradients), so every operand is a value.
  for (unsigned j = 0; j < numOutputs; ++j) {
    OpOperand *init = op.getDpsInitOperand(j);
    operands.values.push_back(resultGradients[j] ? resultGradients[j]
                                                 : init->get());
    operands.maps.push_back(op.getMatchingIndexingMap(init));
  }
  return operands;
}

} // namespace

FailureOr<Value> mlir::quantx::detail::buildBodyGradient(
    OpBuilder &b, linalg::LinalgOp op, const BodyOperands &operands,
    unsigned target, AffineMap targetMap, Value init,
    ArrayRef<std::optional<Reduction>> reductions) {
  Location loc = op.getLoc();
  SmallVector<bool> reductionLoops(operands.numLoops, true);
  for (AffineExpr expr : targetMap.getResults())
    reductionLoops[cast<AffineDimExpr>(expr).getPosition()] = false;

  unsigned numInputs = op.getNumDpsInputs();
  unsigned numOutputs = op.getNumDpsInits();
  Block *forward = op.getBlock();
  BlockArgument targetArg = forward->getArgument(target);
  LogicalResult status = success();
  Value gradient = createGeneric(
      b, loc, operands.values, operands.maps, init, targetMap, reductionLoops,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        IRMapping mapping;
        for (unsigned k = 0; k < numInputs + numOutputs; ++k)
          mapping.map(forward->getArgument(k), args[k]);
        ValueRange grads = args.slice(numInputs + numOutputs, numOutputs);
        Value acc = args.back();
        // Recompute the body (the combiners of reductions are not needed).
        SmallVector<Operation *> cloned;
        for (Operation &bodyOp : forward->without_terminator()) {
          auto index = dyn_cast<linalg::IndexOp>(bodyOp);
          if (!index || operands.fixedLoops.empty()) {
            cloned.push_back(nb.clone(bodyOp, mapping));
            continue;
          }
          uint64_t d = index.getDim();
          int64_t fixed = operands.fixedLoops[d];
          Operation *value =
              fixed >= 0
                  ? arith::ConstantIndexOp::create(nb, nloc, fixed)
                        .getOperation()
                  : linalg::IndexOp::create(nb, nloc, operands.loopNumbers[d])
                        .getOperation();
          mapping.map(index.getResult(), value->getResult(0));
          cloned.push_back(value);
        }

        llvm::DenseMap<Value, Value> adjoints;
        auto accumulate = [&](Value value, Value grad) {
          Value &slot = adjoints[value];
          slot =
              slot ? Value(arith::AddFOp::create(nb, nloc, slot, grad)) : grad;
        };
        Operation *yield = forward->getTerminator();
        for (unsigned j = 0; j < numOutputs; ++j) {
          Value g = grads[j];
          if (!isDifferentiableType(g.getType()))
            continue;
          if (!reductions[j]) {
            accumulate(mapping.lookup(yield->getOperand(j)), g);
            continue;
          }
          const Reduction &reduction = *reductions[j];
          Value term = mapping.lookup(reduction.term);
          if (reduction.combiner == Combiner::Max ||
              reduction.combiner == Combiner::Min) {
            Value isExtremum = arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::OEQ, term, args[numInputs + j]);
            Value zero = createFloatConstant(nb, nloc, g.getType(), 0.0);
            g = arith::SelectOp::create(nb, nloc, isExtremum, g, zero);
          }
          if (reduction.term != forward->getArgument(numInputs + j))
            accumulate(term, g);
        }
        for (auto [forwardOp, clone] :
             llvm::reverse(llvm::zip(forward->without_terminator(), cloned))) {
          SmallVector<Value> resultGrads;
          bool any = false;
          for (Value result : clone->getResults()) {
            Value grad = adjoints.lookup(result);
            any |= static_cast<bool>(grad);
            resultGrads.push_back(grad);
          }
          // Nothing to propagate into (an index or integer converted to a
          // float): no rule needed.
          if (!any || llvm::none_of(clone->getOperandTypes(), [](Type type) {
                return isDifferentiableType(type);
              }))
            continue;
          auto rule = dyn_cast<GradientOpInterface>(clone);
          if (!rule) {
            status = forwardOp.emitError("no gradient rule for '")
                     << forwardOp.getName() << "' in the body of '"
                     << op->getName() << "'";
            break;
          }
          for (auto [k, result] : llvm::enumerate(clone->getResults()))
            if (!resultGrads[k])
              resultGrads[k] =
                  createFloatConstant(nb, nloc, result.getType(), 0.0);
          SmallVector<bool> required;
          for (Value operand : clone->getOperands())
            required.push_back(isDifferentiableType(operand.getType()));
          SmallVector<Value> operandGrads;
          if (failed(rule.buildGradients(nb, resultGrads, required,
                                         operandGrads))) {
            status = failure();
            break;
          }
          for (auto [operand, grad] :
               llvm::zip(clone->getOperands(), operandGrads))
            if (grad)
              accumulate(operand, grad);
        }
        Value targetGrad = adjoints.lookup(mapping.lookup(targetArg));
        if (!targetGrad)
          return acc;
        return arith::AddFOp::create(nb, nloc, acc, targetGrad);
      });
  if (failed(status))
    return failure();
  return gradient;
}

namespace {

/// Builds the gradient of operand `target` (an input, or an output whose
/// accumulator the body reads elementwise).
static FailureOr<Value>
buildOperandGradient(OpBuilder &b, linalg::LinalgOp op, OpOperand &target,
                     ValueRange resultGradients,
                     ArrayRef<std::optional<Reduction>> reductions) {
  BodyOperands operands = collectBodyOperands(op, resultGradients, reductions);
  unsigned index = target.getOperandNumber();
  if (llvm::all_of(operands.maps,
                   [](AffineMap map) { return map.isProjectedPermutation(); }))
    return buildBodyGradient(
        b, op, operands, index, op.getMatchingIndexingMap(&target),
        createZerosLike(b, op.getLoc(), target.get()), reductions);
  return buildWindowedGradient(b, op, operands, index, reductions);
}

/// Whether `arg` of `op`'s body reaches a float value the body yields
/// through float values. An integer conversion or a comparison in between
/// carries no gradient: then the operand's gradient is zero and is not
/// built, so that a caller sees that nothing reaches it. A body with nested
/// regions (which may capture values) counts as reaching.
static bool reachesFloatYield(linalg::LinalgOp op, BlockArgument arg) {
  Block *body = op.getBlock();
  llvm::DenseSet<Value> reached = {arg};
  auto isReachedFloat = [&](Value value) {
    return reached.contains(value) && isDifferentiableType(value.getType());
  };
  for (Operation &bodyOp : body->without_terminator()) {
    if (bodyOp.getNumRegions() > 0)
      return true;
    if (llvm::any_of(bodyOp.getOperands(), isReachedFloat))
      for (Value result : bodyOp.getResults())
        reached.insert(result);
  }
  return llvm::any_of(body->getTerminator()->getOperands(), isReachedFloat);
}

static bool isPlainMatmul(linalg::LinalgOp op) {
  auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation());
  if (!matmul || matmul.hasUserDefinedMaps())
    return false;
  Type element = getElementTypeOrSelf(matmul.getResult(0).getType());
  return llvm::all_of(op->getOperands(), [&](Value operand) {
    return getElementTypeOrSelf(operand.getType()) == element;
  });
}

/// dA = dC B^T and dB = A^T dC as named matmuls with transposing maps.
static void buildMatmulGradients(OpBuilder &b, linalg::LinalgOp op, Value g,
                                 ArrayRef<bool> requiresGradient,
                                 SmallVectorImpl<Value> &grads) {
  Location loc = op.getLoc();
  MLIRContext *context = b.getContext();
  AffineExpr d0, d1, d2;
  bindDims(context, d0, d1, d2);
  auto mapsAttr = [&](ArrayRef<AffineExpr> lhs, ArrayRef<AffineExpr> rhs) {
    SmallVector<Attribute> maps = {
        AffineMapAttr::get(AffineMap::get(3, 0, lhs, context)),
        AffineMapAttr::get(AffineMap::get(3, 0, rhs, context)),
        AffineMapAttr::get(AffineMap::get(3, 0, {d0, d1}, context))};
    return b.getNamedAttr("indexing_maps", b.getArrayAttr(maps));
  };
  Value lhs = op->getOperand(0), rhs = op->getOperand(1);
  if (requiresGradient[0]) {
    Value init = createZerosLike(b, loc, lhs);
    // dA[m, k] = sum_n dC[m, n] B[k, n]: loops (m, k, n).
    grads[0] = linalg::MatmulOp::create(b, loc, init.getType(), {g, rhs}, init,
                                        {mapsAttr({d0, d2}, {d1, d2})})
                   .getResult(0);
  }
  if (requiresGradient[1]) {
    Value init = createZerosLike(b, loc, rhs);
    // dB[k, n] = sum_m A[m, k] dC[m, n]: loops (k, n, m).
    grads[1] = linalg::MatmulOp::create(b, loc, init.getType(), {lhs, g}, init,
                                        {mapsAttr({d2, d0}, {d2, d1})})
                   .getResult(0);
  }
  if (requiresGradient[2])
    grads[2] = g;
}

/// For a unit-stride `linalg.conv_2d_nhwc_hwcf` with one element type and a
/// static filter: dX as a convolution of the output gradient, padded by the
/// dilated filter extent on each side, with the filter flipped in space and
/// its channels swapped,
///   dX[n, h, w, c] = sum dYpad[n, h + dh kh, w + dw kw, f] W[KH-1-kh, KW-1-kw,
///   c, f],
/// so the input gradient runs on the same vectorized convolution code as the
/// forward pass (the unfolded form needs a matmul with all taps side by side
/// and a scatter-add of the columns). Returns null when not applicable.
static Value buildConvInputGradient(OpBuilder &b, linalg::LinalgOp op,
                                    Value g) {
  auto conv = dyn_cast<linalg::Conv2DNhwcHwcfOp>(op.getOperation());
  if (!conv)
    return {};
  Value input = conv.getInputs()[0], filter = conv.getInputs()[1];
  auto filterType = cast<RankedTensorType>(filter.getType());
  Type element = filterType.getElementType();
  if (!filterType.hasStaticShape() ||
      getElementTypeOrSelf(input.getType()) != element ||
      getElementTypeOrSelf(g.getType()) != element ||
      !llvm::all_of(conv.getStrides().getValues<int64_t>(),
                    [](int64_t stride) { return stride == 1; }))
    return {};
  SmallVector<int64_t> dilations =
      llvm::to_vector(conv.getDilations().getValues<int64_t>());
  Location loc = op.getLoc();
  MLIRContext *context = b.getContext();
  int64_t kh = filterType.getDimSize(0), kw = filterType.getDimSize(1);
  int64_t c = filterType.getDimSize(2), f = filterType.getDimSize(3);

  // Wf[i, j, f, c] = W[KH-1-i, KW-1-j, c, f].
  AffineExpr i, j, fo, co;
  bindDims(context, i, j, fo, co);
  AffineMap flip =
      AffineMap::get(4, 0, {kh - 1 - i, kw - 1 - j, co, fo}, context);
  Value flippedInit =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{kh, kw, f, c}, element);
  Value flipped = createGeneric(
      b, loc, filter, flip, flippedInit, b.getMultiDimIdentityMap(4),
      SmallVector<bool>(4, false),
      [](OpBuilder &, Location, ValueRange args) -> Value { return args[0]; });

  int64_t padH = dilations[0] * (kh - 1), padW = dilations[1] * (kw - 1);
  SmallVector<OpFoldResult> pad = {b.getIndexAttr(0), b.getIndexAttr(padH),
                                   b.getIndexAttr(padW), b.getIndexAttr(0)};
  Value zero = createFloatConstant(b, loc, element, 0.0);
  Value padded =
      tensor::PadOp::create(b, loc, Type(), g, pad, pad, zero).getResult();
  Value init = createZerosLike(b, loc, input);
  return linalg::Conv2DNhwcHwcfOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{padded, flipped},
             ValueRange{init}, conv.getStrides(), conv.getDilations())
      .getResult(0);
}

/// The contractions `op`'s gradient rule built (the ops from after `before`
/// up to `end`) accumulate as `op` does: they get its `quantx.accumulate`.
static void inheritAccumulation(linalg::LinalgOp op, Block *block,
                                Operation *before, Block::iterator end) {
  auto *dialect = op->getContext()->getLoadedDialect<QuantxDialect>();
  if (!dialect)
    return; // Nothing can carry the attribute.
  auto helper = dialect->getAccumulateAttrHelper();
  AccumulationAttr accumulation = helper.getAttr(op);
  if (!accumulation)
    return;
  Block::iterator begin =
      before ? std::next(before->getIterator()) : block->begin();
  for (Operation &created : llvm::make_range(begin, end))
    if (auto contraction = dyn_cast<linalg::LinalgOp>(created))
      if (getAccumulatedTerm(contraction))
        helper.setAttr(contraction, accumulation);
}

template <typename OpTy>
struct LinalgGradientModel
    : GradientOpInterface::ExternalModel<LinalgGradientModel<OpTy>, OpTy> {
  LogicalResult buildGradients(Operation *operation, OpBuilder &b,
                               ValueRange resultGradients,
                               ArrayRef<bool> requiresGradient,
                               SmallVectorImpl<Value> &operandGradients) const {
    Block *block = b.getInsertionBlock();
    Block::iterator end = b.getInsertionPoint();
    Operation *before = end == block->begin() ? nullptr : &*std::prev(end);
    auto op = cast<linalg::LinalgOp>(operation);
    if (failed(buildRule(op, b, resultGradients, requiresGradient,
                         operandGradients)))
      return failure();
    inheritAccumulation(op, block, before, end);
    return success();
  }

private:
  static LogicalResult buildRule(linalg::LinalgOp op, OpBuilder &b,
                                 ValueRange resultGradients,
                                 ArrayRef<bool> requiresGradient,
                                 SmallVectorImpl<Value> &operandGradients) {
    operandGradients.assign(op->getNumOperands(), Value());
    if (!op.hasPureTensorSemantics())
      return op->emitError("can only differentiate linalg ops on tensors");
    if (op.getBlock()->getNumArguments() != op->getNumOperands())
      return op->emitError("cannot differentiate this op: its body does not "
                           "take one argument per operand; generalize it "
                           "first (linalg-generalize-named-ops)");
    if (isPlainMatmul(op)) {
      buildMatmulGradients(b, op, resultGradients[0], requiresGradient,
                           operandGradients);
      return success();
    }

    Location loc = op.getLoc();
    SmallVector<std::optional<Reduction>> reductions(op.getNumDpsInits());
    if (op.getNumReductionLoops() > 0)
      for (unsigned j = 0; j < op.getNumDpsInits(); ++j) {
        FailureOr<Reduction> reduction = matchReduction(op, j);
        if (failed(reduction))
          return failure();
        reductions[j] = *reduction;
      }

    SmallVector<bool> required(requiresGradient);
    if (required[0] && isDifferentiableType(op->getOperand(0).getType()))
      if (Value dx = buildConvInputGradient(b, op, resultGradients[0])) {
        operandGradients[0] = dx;
        required[0] = false;
      }
    for (OpOperand &operand : op->getOpOperands()) {
      unsigned index = operand.getOperandNumber();
      if (!required[index] || !isDifferentiableType(operand.get().getType()))
        continue;
      if (op.isDpsInput(&operand)) {
        if (!reachesFloatYield(op, op.getMatchingBlockArgument(&operand)))
          continue;
        FailureOr<Value> grad =
            buildOperandGradient(b, op, operand, resultGradients, reductions);
        if (failed(grad))
          return failure();
        operandGradients[index] = *grad;
        continue;
      }
      // An output: its initial value reaches the result through the
      // accumulator argument of the body.
      unsigned j = index - op.getNumDpsInputs();
      BlockArgument acc = op.getMatchingBlockArgument(&operand);
      Value g = resultGradients[j];
      if (!reductions[j]) {
        if (acc.use_empty())
          continue;
        FailureOr<Value> grad =
            buildOperandGradient(b, op, operand, resultGradients, reductions);
        if (failed(grad))
          return failure();
        operandGradients[index] = *grad;
        continue;
      }
      switch (reductions[j]->combiner) {
      case Combiner::None:
      case Combiner::Sum:
        operandGradients[index] = g;
        break;
      case Combiner::Max:
      case Combiner::Min: {
        // The initial value receives the gradient where it stayed the
        // extremum.
        operandGradients[index] = createElementwise(
            b, loc, {operand.get(), op->getResult(j), g},
            [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
              Value kept = arith::CmpFOp::create(
                  nb, nloc, arith::CmpFPredicate::OEQ, args[0], args[1]);
              Value zero =
                  createFloatConstant(nb, nloc, args[2].getType(), 0.0);
              return arith::SelectOp::create(nb, nloc, kept, args[2], zero);
            });
        break;
      }
      }
    }
    return success();
  }
};

template <typename... Ops>
static void attachLinalgModels(MLIRContext *context) {
  (Ops::template attachInterface<LinalgGradientModel<Ops>>(*context), ...);
}

} // namespace

namespace mlir::quantx {
void registerLinalgGradientModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, linalg::LinalgDialect *) {
    attachLinalgModels<
#define GET_OP_LIST
#include "mlir/Dialect/Linalg/IR/LinalgStructuredOps.cpp.inc"
        >(context);
  });
}
} // namespace mlir::quantx
