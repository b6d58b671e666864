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

#include <algorithm>
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

/// Of the loops summed in one map result, the one kept as a loop of the
/// sub-problems: the one of largest extent (a dynamic size counts as
/// largest); the others are window loops.
static unsigned pickKeptLoop(ArrayRef<unsigned> loops,
                             ArrayRef<int64_t> staticSizes) {
  auto extent = [&](unsigned d) {
    return ShapedType::isDynamic(staticSizes[d])
               ? std::numeric_limits<int64_t>::max()
               : staticSizes[d];
  };
  return *llvm::max_element(
      loops, [&](unsigned x, unsigned y) { return extent(x) < extent(y); });
}

/// Steps `point` to the next window point (the last window loop fastest);
/// false after the last one.
static bool advanceWindowPoint(MutableArrayRef<int64_t> point,
                               ArrayRef<std::pair<unsigned, int64_t>> loops) {
  for (auto [d, size] : llvm::reverse(loops)) {
    if (point[d] + 1 < size) {
      ++point[d];
      return true;
    }
    point[d] = 0;
  }
  return false;
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
      unsigned kept = pickKeptLoop(loops, sizes);
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

    if (!advanceWindowPoint(point, windowLoops))
      break;
  }
  return gradient;
}

//===----------------------------------------------------------------------===//
// Unfolding (im2col)
//===----------------------------------------------------------------------===//
//
// When no map reads a loop twice, the window points need not be separate
// problems. An input read through `oh + kh` is gathered into an unfolded
// tensor indexed by `oh` and `kh` separately (im2col), so that every map is
// a projected permutation; the gradient of an unfolded target is computed
// over the whole iteration space at once (for a convolution, one
// contraction, which becomes one matmul with all filter taps side by side)
// and then folded back: each window point adds its slice into the strided
// slice of the operand's gradient (col2im).

/// The loops `map` reads, in iteration order; none if one is read twice.
static std::optional<SmallVector<unsigned>> getUnfoldedLoops(AffineMap map) {
  llvm::SmallBitVector seen(map.getNumDims());
  for (AffineExpr expr : map.getResults()) {
    LinearForm form = *getLinearForm(expr, map.getNumDims());
    for (auto [d, c] : llvm::enumerate(form.coefficients)) {
      if (c == 0)
        continue;
      if (seen.test(d))
        return std::nullopt;
      seen.set(d);
    }
  }
  return llvm::to_vector(
      llvm::map_range(seen.set_bits(), [](unsigned d) { return d; }));
}

static AffineMap getLoopsMap(MLIRContext *context, unsigned numLoops,
                             ArrayRef<unsigned> loops) {
  SmallVector<AffineExpr> results;
  for (unsigned d : loops)
    results.push_back(getAffineDimExpr(d, context));
  return AffineMap::get(numLoops, 0, results, context);
}

static Value createFilledTensor(OpBuilder &b, Location loc,
                                ArrayRef<OpFoldResult> sizes, Type element,
                                std::optional<double> fill) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, element);
  if (!fill)
    return empty;
  Value value = createFloatConstant(b, loc, element, *fill);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

/// `value` read through `map`, gathered into a tensor indexed by `loops`.
static Value gatherUnfolded(OpBuilder &b, Location loc, Value value,
                            AffineMap map, ArrayRef<unsigned> loops,
                            ArrayRef<OpFoldResult> loopSizes) {
  SmallVector<AffineExpr> replacements(map.getNumDims(),
                                       b.getAffineConstantExpr(0));
  SmallVector<OpFoldResult> sizes;
  for (auto [i, d] : llvm::enumerate(loops)) {
    replacements[d] = b.getAffineDimExpr(i);
    sizes.push_back(loopSizes[d]);
  }
  AffineMap inputMap =
      map.replaceDimsAndSymbols(replacements, {}, loops.size(), 0);
  Type element = cast<RankedTensorType>(value.getType()).getElementType();
  Value init = createFilledTensor(b, loc, sizes, element, std::nullopt);
  return createGeneric(
      b, loc, value, inputMap, init, b.getMultiDimIdentityMap(loops.size()),
      SmallVector<bool>(loops.size(), false),
      [](OpBuilder &, Location, ValueRange args) -> Value { return args[0]; });
}

/// The gradient of operand `target` by unfolding (see above); std::nullopt
/// when a map reads a loop twice.
static std::optional<FailureOr<Value>>
buildUnfoldedGradient(OpBuilder &b, linalg::LinalgOp op,
                      const BodyOperands &operands, unsigned target,
                      ArrayRef<std::optional<Reduction>> reductions) {
  Location loc = op.getLoc();
  MLIRContext *context = b.getContext();
  unsigned numLoops = op.getNumLoops();
  AffineMap targetMap = op.getMatchingIndexingMap(&op->getOpOperand(target));
  std::optional<SmallVector<unsigned>> targetLoops =
      getUnfoldedLoops(targetMap);
  if (!targetLoops)
    return std::nullopt;
  SmallVector<std::optional<SmallVector<unsigned>>> operandLoops;
  for (AffineMap map : operands.maps) {
    if (map.isProjectedPermutation()) {
      operandLoops.push_back(std::nullopt);
      continue;
    }
    std::optional<SmallVector<unsigned>> loops = getUnfoldedLoops(map);
    if (!loops)
      return std::nullopt;
    // Loops the target indexes first: the gradient contraction then reads
    // the gathered tensor without transposing it.
    std::stable_partition(loops->begin(), loops->end(), [&](unsigned d) {
      return llvm::is_contained(*targetLoops, d);
    });
    operandLoops.push_back(std::move(*loops));
  }

  SmallVector<OpFoldResult> loopSizes;
  for (Range range : op.createLoopRanges(b, loc))
    loopSizes.push_back(range.size);
  BodyOperands unfolded;
  unfolded.numLoops = numLoops;
  for (auto [value, map, loops] :
       llvm::zip(operands.values, operands.maps, operandLoops)) {
    if (!loops) {
      unfolded.values.push_back(value);
      unfolded.maps.push_back(map);
      continue;
    }
    unfolded.values.push_back(
        gatherUnfolded(b, loc, value, map, *loops, loopSizes));
    unfolded.maps.push_back(getLoopsMap(context, numLoops, *loops));
  }

  Value targetValue = op->getOperand(target);
  if (targetMap.isProjectedPermutation())
    return buildBodyGradient(b, op, unfolded, target, targetMap,
                             createZerosLike(b, loc, targetValue), reductions);

  // The unfolded gradient, in iteration order.
  Type element = cast<RankedTensorType>(targetValue.getType()).getElementType();
  SmallVector<OpFoldResult> colSizes;
  for (unsigned d : *targetLoops)
    colSizes.push_back(loopSizes[d]);
  FailureOr<Value> columns = buildBodyGradient(
      b, op, unfolded, target, getLoopsMap(context, numLoops, *targetLoops),
      createFilledTensor(b, loc, colSizes, element, 0.0), reductions);
  if (failed(columns))
    return columns;

  // Fold back: in each sum of the target's map, every loop but the one of
  // largest extent is a window loop; the others are the target's free loops.
  SmallVector<int64_t> staticSizes = op.getStaticLoopRanges();
  SmallVector<std::pair<unsigned, int64_t>> windowLoops;
  SmallVector<unsigned> freeLoops; // in the target's dimension order
  for (AffineExpr expr : targetMap.getResults()) {
    LinearForm form = *getLinearForm(expr, numLoops);
    SmallVector<unsigned> loops;
    for (auto [d, c] : llvm::enumerate(form.coefficients))
      if (c != 0)
        loops.push_back(d);
    if (loops.empty())
      continue;
    unsigned kept = pickKeptLoop(loops, staticSizes);
    freeLoops.push_back(kept);
    for (unsigned d : loops)
      if (d != kept)
        windowLoops.push_back({d, staticSizes[d]});
  }
  llvm::sort(windowLoops);
  SmallVector<int64_t> point(numLoops, -1);
  for (auto [d, size] : windowLoops)
    point[d] = 0;
  SmallVector<unsigned> identity =
      llvm::to_vector(llvm::seq<unsigned>(0, numLoops));
  // The columns' slice at a point lists the free loops in iteration order;
  // the add reads it through this permutation of the target's order.
  SmallVector<AffineExpr> columnResults;
  SmallVector<int64_t> columnShape;
  for (unsigned d : *targetLoops) {
    if (point[d] >= 0)
      continue;
    columnResults.push_back(
        b.getAffineDimExpr(llvm::find(freeLoops, d) - freeLoops.begin()));
    std::optional<int64_t> size = getConstantIntValue(loopSizes[d]);
    columnShape.push_back(size ? *size : ShapedType::kDynamic);
  }
  AffineMap columnMap =
      AffineMap::get(freeLoops.size(), 0, columnResults, context);
  AffineMap sliceIdentity = b.getMultiDimIdentityMap(freeLoops.size());
  SmallVector<bool> parallel(freeLoops.size(), false);

  Value gradient = createZerosLike(b, loc, targetValue);
  while (true) {
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (unsigned d : *targetLoops) {
      bool window = point[d] >= 0;
      offsets.push_back(b.getIndexAttr(window ? point[d] : 0));
      sizes.push_back(window ? b.getIndexAttr(1) : loopSizes[d]);
      strides.push_back(b.getIndexAttr(1));
    }
    Value columnSlice = tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get(columnShape, element), *columns, offsets,
        sizes, strides);
    FailureOr<OperandSlice> targetSlice =
        sliceForPoint(b, op, targetMap, point, identity, numLoops, loopSizes);
    if (failed(targetSlice))
      return FailureOr<Value>(failure());
    Value accumulated = createGeneric(
        b, loc, columnSlice, columnMap,
        extractSlice(b, loc, gradient, *targetSlice), sliceIdentity, parallel,
        [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          return arith::AddFOp::create(nb, nloc, args[1], args[0]);
        });
    gradient = tensor::InsertSliceOp::create(
        b, loc, accumulated, gradient, targetSlice->offsets, targetSlice->sizes,
        targetSlice->strides);

    if (!advanceWindowPoint(point, windowLoops))
      break;
  }
  return FailureOr<Value>(gradient);
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
  // Unfolding pays when the op also reduces over loops outside the window
  // (the channels of a convolution): the gradient is then one large
  // contraction instead of one small one per window point. Pooling and
  // depthwise convolutions are elementwise per point: slicing is cheaper
  // than gathering.
  llvm::SmallBitVector windowed(op.getNumLoops());
  for (auto [d, size] : *windowLoops)
    windowed.set(d);
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr expr : map.getResults())
      if (!isa<AffineDimExpr>(expr))
        expr.walk([&](AffineExpr e) {
          if (auto dim = dyn_cast<AffineDimExpr>(e))
            windowed.set(dim.getPosition());
        });
  SmallVector<unsigned> reductionLoops;
  op.getReductionDims(reductionLoops);
  bool contracts = llvm::any_of(reductionLoops,
                                [&](unsigned d) { return !windowed.test(d); });
  if (contracts)
    if (std::optional<FailureOr<Value>> unfolded =
            buildUnfoldedGradient(b, op, operands, index, reductions))
      return *unfolded;
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
