//===- LinalgGradients.cpp - gradient rules of linalg structured ops ------===//
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
// Maps that sum loops (convolutions, pooling) are split into window points,
// each a sub-problem over strided slices (see "Window decomposition").
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

#include "quantx/Dialect/Quantx/IR/GradientOpInterface.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallBitVector.h"

#include <limits>

using namespace mlir;
using namespace mlir::quantx;

namespace {

enum class Combiner { None, Sum, Max, Min };

/// How one result of a reducing op combines its accumulator.
struct Reduction {
  Combiner combiner = Combiner::None;
  /// The combined term (`e` in `acc + e`); the accumulator itself when the
  /// body yields it unchanged.
  Value term;
};

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

/// The values a gradient generic reads, in the order of the forward body's
/// arguments followed by the result gradients: the forward inputs, the
/// accumulator values (the init for elementwise outputs, the result for
/// reductions, whose combiner the gradient does not recompute), the result
/// gradients; with their indexing maps over `numLoops` loops.
struct BodyOperands {
  SmallVector<Value> values;
  SmallVector<AffineMap> maps;
  unsigned numLoops;
};

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
  for (unsigned j = 0; j < numOutputs; ++j) {
    operands.values.push_back(resultGradients[j]);
    operands.maps.push_back(op.getMatchingIndexingMap(op.getDpsInitOperand(j)));
  }
  return operands;
}

/// Builds `init + d(results)/d(operand)` for operand number `target` of `op`
/// as a generic over `operands` (see BodyOperands) whose output map is
/// `targetMap`, a projected permutation: the body is recomputed and its
/// scalar rules run backwards; loops `targetMap` does not index reduce.
static FailureOr<Value>
buildBodyGradient(OpBuilder &b, linalg::LinalgOp op,
                  const BodyOperands &operands, unsigned target,
                  AffineMap targetMap, Value init,
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
        for (Operation &bodyOp : forward->without_terminator())
          cloned.push_back(nb.clone(bodyOp, mapping));

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
          if (!any)
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

//===----------------------------------------------------------------------===//
// Window decomposition
//===----------------------------------------------------------------------===//
//
// Convolutions and pooling read their input through sums of loops, as in
// `(n, oh, ow, kh, kw, c, f) -> (n, oh * 2 + kh, ow * 2 + kw, c)`, so an
// input element receives gradient from several iterations and the map cannot
// be an output map. The rule fixes the window loops (in each sum, every loop
// but the one of largest extent) to each of their values in turn: the maps
// then read strided slices (`oh * 2 + 1` is rows 1, 3, 5, ... of the input)
// through projected permutations of the remaining loops, so the sub-problem
// is an ordinary generic over slices of every operand, and its gradient is
// added into the slice of the operand's gradient. For a 3x3 convolution these
// are nine contractions of the output gradient with one filter tap each,
// which the matmul code generation handles.

/// An affine expression as `sum_d coefficients[d] * d + constant`.
struct LinearForm {
  SmallVector<int64_t> coefficients;
  int64_t constant = 0;
};

static std::optional<LinearForm> getLinearForm(AffineExpr expr,
                                               unsigned numDims) {
  LinearForm form;
  form.coefficients.assign(numDims, 0);
  if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
    form.coefficients[dim.getPosition()] = 1;
    return form;
  }
  if (auto constant = dyn_cast<AffineConstantExpr>(expr)) {
    form.constant = constant.getValue();
    return form;
  }
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return std::nullopt;
  std::optional<LinearForm> lhs = getLinearForm(binary.getLHS(), numDims);
  std::optional<LinearForm> rhs = getLinearForm(binary.getRHS(), numDims);
  if (!lhs || !rhs)
    return std::nullopt;
  if (expr.getKind() == AffineExprKind::Add) {
    for (unsigned d = 0; d < numDims; ++d)
      lhs->coefficients[d] += rhs->coefficients[d];
    lhs->constant += rhs->constant;
    return lhs;
  }
  if (expr.getKind() != AffineExprKind::Mul)
    return std::nullopt;
  if (llvm::any_of(lhs->coefficients, [](int64_t c) { return c != 0; }))
    std::swap(lhs, rhs);
  if (llvm::any_of(lhs->coefficients, [](int64_t c) { return c != 0; }))
    return std::nullopt;
  for (int64_t &c : rhs->coefficients)
    c *= lhs->constant;
  rhs->constant *= lhs->constant;
  return rhs;
}

/// The window loops of `op` (see above), with their static sizes. Fails with
/// an error when a map is not linear in the loops, has a negative
/// coefficient, or a window loop has a dynamic size.
static FailureOr<SmallVector<std::pair<unsigned, int64_t>>>
findWindowLoops(linalg::LinalgOp op) {
  unsigned numLoops = op.getNumLoops();
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  llvm::SmallBitVector window(numLoops);
  for (AffineMap map : op.getIndexingMapsArray()) {
    for (AffineExpr expr : map.getResults()) {
      std::optional<LinearForm> form = getLinearForm(expr, numLoops);
      if (!form || map.getNumSymbols() != 0)
        return op->emitError("cannot differentiate: indexing map ")
               << AffineMapAttr::get(map)
               << " is not a sum of loops with constant factors";
      SmallVector<unsigned> loops;
      for (unsigned d = 0; d < numLoops; ++d) {
        if (form->coefficients[d] < 0)
          return op->emitError("cannot differentiate: indexing map ")
                 << AffineMapAttr::get(map) << " has a negative factor";
        if (form->coefficients[d] > 0)
          loops.push_back(d);
      }
      if (loops.size() < 2)
        continue;
      // Keep the loop of largest extent (dynamic counts as largest).
      auto extent = [&](unsigned d) {
        return ShapedType::isDynamic(sizes[d])
                   ? std::numeric_limits<int64_t>::max()
                   : sizes[d];
      };
      unsigned kept = *llvm::max_element(
          loops, [&](unsigned a, unsigned b) { return extent(a) < extent(b); });
      for (unsigned d : loops)
        if (d != kept)
          window.set(d);
    }
  }
  SmallVector<std::pair<unsigned, int64_t>> loops;
  int64_t count = 1;
  for (unsigned d : window.set_bits()) {
    if (ShapedType::isDynamic(sizes[d]))
      return op->emitError("cannot differentiate: window loop #")
             << d << " has a dynamic size";
    loops.push_back({d, sizes[d]});
    count *= sizes[d];
  }
  constexpr int64_t kMaxWindowPoints = 4096;
  if (count > kMaxWindowPoints)
    return op->emitError("cannot differentiate: the window has ")
           << count << " points, more than " << kMaxWindowPoints;
  return loops;
}

/// How an operand is read once the window loops are fixed: a slice of it
/// (dimensions read at one point are dropped) indexed by `map` over the
/// remaining loops.
struct OperandSlice {
  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<int64_t> shape;
  AffineMap map;
};

/// The slice of an operand read through `map` when loop `d` is fixed to
/// `point[d]` (for window loops; -1 for the others, which are renumbered by
/// `newLoop`). `loopSizes` are the sizes of all loops.
static FailureOr<OperandSlice>
sliceForPoint(OpBuilder &b, linalg::LinalgOp op, AffineMap map,
              ArrayRef<int64_t> point, ArrayRef<unsigned> newLoop,
              unsigned numNewLoops, ArrayRef<OpFoldResult> loopSizes) {
  OperandSlice slice;
  SmallVector<AffineExpr> results;
  for (AffineExpr expr : map.getResults()) {
    LinearForm form = *getLinearForm(expr, map.getNumDims());
    int64_t offset = form.constant;
    std::optional<unsigned> free;
    for (auto [d, c] : llvm::enumerate(form.coefficients)) {
      if (c == 0)
        continue;
      if (point[d] >= 0) {
        offset += c * point[d];
        continue;
      }
      if (free)
        return op->emitError("cannot differentiate: indexing map ")
               << AffineMapAttr::get(map) << " sums two non-window loops";
      free = d;
    }
    slice.offsets.push_back(b.getIndexAttr(offset));
    if (!free) {
      slice.sizes.push_back(b.getIndexAttr(1));
      slice.strides.push_back(b.getIndexAttr(1));
      continue;
    }
    slice.sizes.push_back(loopSizes[*free]);
    slice.strides.push_back(b.getIndexAttr(form.coefficients[*free]));
    std::optional<int64_t> size = getConstantIntValue(loopSizes[*free]);
    slice.shape.push_back(size ? *size : ShapedType::kDynamic);
    results.push_back(b.getAffineDimExpr(newLoop[*free]));
  }
  slice.map = AffineMap::get(numNewLoops, 0, results, b.getContext());
  if (!slice.map.isProjectedPermutation())
    return op->emitError("cannot differentiate: indexing map ")
           << AffineMapAttr::get(map)
           << " reads a diagonal once the window is fixed";
  return slice;
}

static Value extractSlice(OpBuilder &b, Location loc, Value value,
                          const OperandSlice &slice) {
  auto type = cast<RankedTensorType>(value.getType());
  auto sliceType = RankedTensorType::get(slice.shape, type.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, sliceType, value, slice.offsets,
                                        slice.sizes, slice.strides);
}

/// The gradient of operand `target` of an op whose maps are not all
/// projected permutations: the sum over the window points of the gradients
/// of the sliced sub-problems (see above).
static FailureOr<Value>
buildWindowedGradient(OpBuilder &b, linalg::LinalgOp op,
                      const BodyOperands &operands, unsigned target,
                      ArrayRef<std::pair<unsigned, int64_t>> windowLoops,
                      ArrayRef<std::optional<Reduction>> reductions) {
  Location loc = op.getLoc();
  unsigned numLoops = op.getNumLoops();
  SmallVector<OpFoldResult> loopSizes;
  for (Range range : op.createLoopRanges(b, loc))
    loopSizes.push_back(range.size);
  SmallVector<int64_t> point(numLoops, -1);
  for (auto [d, size] : windowLoops)
    point[d] = 0;
  SmallVector<unsigned> newLoop(numLoops, 0);
  unsigned numNewLoops = 0;
  for (unsigned d = 0; d < numLoops; ++d)
    if (point[d] < 0)
      newLoop[d] = numNewLoops++;

  Value targetValue = op->getOperand(target);
  AffineMap targetMap = op.getMatchingIndexingMap(&op->getOpOperand(target));
  Value gradient = createZerosLike(b, loc, targetValue);
  while (true) {
    BodyOperands sub;
    sub.numLoops = numNewLoops;
    for (auto [value, map] : llvm::zip(operands.values, operands.maps)) {
      FailureOr<OperandSlice> slice =
          sliceForPoint(b, op, map, point, newLoop, numNewLoops, loopSizes);
      if (failed(slice))
        return failure();
      sub.values.push_back(extractSlice(b, loc, value, *slice));
      sub.maps.push_back(slice->map);
    }
    FailureOr<OperandSlice> targetSlice =
        sliceForPoint(b, op, targetMap, point, newLoop, numNewLoops, loopSizes);
    if (failed(targetSlice))
      return failure();
    Value init = extractSlice(b, loc, gradient, *targetSlice);
    FailureOr<Value> contribution = buildBodyGradient(
        b, op, sub, target, targetSlice->map, init, reductions);
    if (failed(contribution))
      return failure();
    gradient = tensor::InsertSliceOp::create(
        b, loc, *contribution, gradient, targetSlice->offsets,
        targetSlice->sizes, targetSlice->strides);

    // Next window point, last loop fastest.
    int k = static_cast<int>(windowLoops.size()) - 1;
    for (; k >= 0 && point[windowLoops[k].first] + 1 == windowLoops[k].second;
         --k)
      point[windowLoops[k].first] = 0;
    if (k < 0)
      break;
    ++point[windowLoops[k].first];
  }
  return gradient;
}

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
  FailureOr<SmallVector<std::pair<unsigned, int64_t>>> windowLoops =
      findWindowLoops(op);
  if (failed(windowLoops))
    return failure();
  return buildWindowedGradient(b, op, operands, index, *windowLoops,
                               reductions);
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

template <typename OpTy>
struct LinalgGradientModel
    : GradientOpInterface::ExternalModel<LinalgGradientModel<OpTy>, OpTy> {
  LogicalResult buildGradients(Operation *operation, OpBuilder &b,
                               ValueRange resultGradients,
                               ArrayRef<bool> requiresGradient,
                               SmallVectorImpl<Value> &operandGradients) const {
    auto op = cast<linalg::LinalgOp>(operation);
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

    for (OpOperand &operand : op->getOpOperands()) {
      unsigned index = operand.getOperandNumber();
      if (!requiresGradient[index] ||
          !isDifferentiableType(operand.get().getType()))
        continue;
      if (op.isDpsInput(&operand)) {
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
