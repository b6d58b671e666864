//===- LinalgWindowAutodiffImpl.cpp - windowed linalg gradients -----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Gradients of linalg ops whose indexing maps sum loops, as convolutions and
// pooling read their input through `oh * stride + kh * dilation`: an input
// element is read by several iterations, so such a map cannot be the output
// map of a gradient generic. Two constructions, both over the body gradient
// of LinalgAutodiffImpl.cpp: per window point, and unfolding (im2col).
//
//===----------------------------------------------------------------------===//

#include "LinalgAutodiffUtils.h"

#include "quantx/Autodiff/GradientExternalModels.h"
#include "quantx/Interfaces/GradientOpInterface.h"
#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Analysis/FlatLinearValueConstraints.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/AffineMap.h"
#include "llvm/ADT/SmallBitVector.h"

#include <limits>

using namespace mlir;
using namespace mlir::quantx;
using namespace mlir::quantx::detail;

namespace {

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
// added into the slice of the operand's gradient. Pooling and depthwise
// convolutions take this path (each point is elementwise over strided
// slices), as do maps that read a loop twice and cannot be unfolded.

/// An affine expression as `sum_d coefficients[d] * d + constant`.
struct LinearForm {
  SmallVector<int64_t> coefficients;
  int64_t constant = 0;
};

/// `expr` as a linear form of the loops, through upstream's affine
/// flattening; nothing for expressions with symbols, divisions or modulos
/// (which would need local variables).
static std::optional<LinearForm> getLinearForm(AffineExpr expr,
                                               unsigned numDims) {
  bool hasSymbols = false;
  expr.walk([&](AffineExpr sub) { hasSymbols |= isa<AffineSymbolExpr>(sub); });
  if (hasSymbols || !expr.isPureAffine())
    return std::nullopt;
  SmallVector<int64_t> flattened;
  if (failed(getFlattenedAffineExpr(expr, numDims, /*numSymbols=*/0,
                                    &flattened)) ||
      flattened.size() != numDims + 1)
    return std::nullopt;
  LinearForm form;
  form.coefficients.assign(flattened.begin(), flattened.begin() + numDims);
  form.constant = flattened.back();
  return form;
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
buildPointwiseGradient(OpBuilder &b, linalg::LinalgOp op,
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
    sub.fixedLoops.assign(point.begin(), point.end());
    sub.loopNumbers.assign(newLoop.begin(), newLoop.end());
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

/// Bound on the elements of one unfolded tensor (256 MiB of f32).
constexpr int64_t kMaxUnfoldedElements = int64_t(1) << 26;

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
  Value init = tensor::EmptyOp::create(b, loc, sizes, element);
  return createGeneric(
      b, loc, value, inputMap, init, b.getMultiDimIdentityMap(loops.size()),
      SmallVector<bool>(loops.size(), false),
      [](OpBuilder &, Location, ValueRange args) -> Value { return args[0]; });
}

/// The order of the unfolded tensor's dimensions: the loops the target
/// indexes, then the others, or the reverse; within each group, iteration
/// order (the contraction reads each group in one order everywhere). The
/// gather copies `source` (read through `map`) into that order: whichever
/// order makes its innermost loop of more than one iteration read the
/// source contiguously, over more elements, is taken (for a convolution's
/// filter gradient, the input's channels innermost, or its columns when it
/// has one channel); on a tie, the target's loops first, which the
/// contraction reads without transposing.
static SmallVector<unsigned> orderUnfoldedLoops(ArrayRef<unsigned> loops,
                                                ArrayRef<unsigned> targetLoops,
                                                AffineMap map,
                                                ArrayRef<int64_t> loopSizes,
                                                ShapedType source) {
  SmallVector<unsigned> targetFirst, othersFirst;
  for (bool indexedByTarget : {true, false})
    for (unsigned d : loops)
      if (llvm::is_contained(targetLoops, d) == indexedByTarget)
        targetFirst.push_back(d);
  for (bool indexedByTarget : {false, true})
    for (unsigned d : loops)
      if (llvm::is_contained(targetLoops, d) == indexedByTarget)
        othersFirst.push_back(d);
  // Each loop's stride in the source, row-major; unknown past a dynamic
  // trailing size.
  SmallVector<std::optional<int64_t>> strides(map.getNumDims());
  std::optional<int64_t> stride = 1;
  for (int64_t i = map.getNumResults() - 1; i >= 0; --i) {
    LinearForm form = *getLinearForm(map.getResult(i), map.getNumDims());
    for (auto [d, c] : llvm::enumerate(form.coefficients))
      if (c != 0 && stride)
        strides[d] = c * *stride;
    int64_t size = source.getDimSize(i);
    stride = stride && !ShapedType::isDynamic(size)
                 ? std::optional<int64_t>(*stride * size)
                 : std::nullopt;
  }
  // (contiguous, extent) of an order's innermost loop of extent above 1.
  auto score = [&](ArrayRef<unsigned> order) {
    for (unsigned d : llvm::reverse(order)) {
      if (loopSizes[d] == 1)
        continue;
      bool contiguous = strides[d] == 1;
      int64_t extent = ShapedType::isDynamic(loopSizes[d]) ? 0 : loopSizes[d];
      return std::make_pair(contiguous, extent);
    }
    return std::make_pair(false, int64_t(0));
  };
  return score(othersFirst) > score(targetFirst) ? othersFirst : targetFirst;
}

/// The gradient of operand `target` by unfolding (see above); std::nullopt
/// when a map reads a loop twice or an unfolded tensor would be too large.
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
    operandLoops.push_back(orderUnfoldedLoops(
        *loops, *targetLoops, map, op.getStaticLoopRanges(),
        cast<ShapedType>(operands.values[operandLoops.size()].getType())));
  }

  // An unfolded tensor repeats each element once per window point (nine
  // times for a 3x3 filter); past kMaxUnfoldedElements, counting static
  // sizes, the per-point form, which needs no such buffer, is used instead.
  SmallVector<int64_t> staticSizes = op.getStaticLoopRanges();
  auto tooLarge = [&](ArrayRef<unsigned> loops) {
    int64_t count = 1;
    for (unsigned d : loops) {
      if (ShapedType::isDynamic(staticSizes[d]) || staticSizes[d] == 0)
        continue;
      if (count > kMaxUnfoldedElements / staticSizes[d])
        return true;
      count *= staticSizes[d];
    }
    return false;
  };
  if (!targetMap.isProjectedPermutation() && tooLarge(*targetLoops))
    return std::nullopt;
  for (const std::optional<SmallVector<unsigned>> &loops : operandLoops)
    if (loops && tooLarge(*loops))
      return std::nullopt;

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
      createFilled(b, loc, colSizes, element, 0.0), reductions);
  if (failed(columns))
    return columns;

  // Fold back: in each sum of the target's map, every loop but the one of
  // largest extent is a window loop; the others are the target's free loops.
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

} // namespace

FailureOr<Value> mlir::quantx::detail::buildWindowedGradient(
    OpBuilder &b, linalg::LinalgOp op, const BodyOperands &operands,
    unsigned target, ArrayRef<std::optional<Reduction>> reductions) {
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
            buildUnfoldedGradient(b, op, operands, target, reductions))
      return *unfolded;
  return buildPointwiseGradient(b, op, operands, target, *windowLoops,
                                reductions);
}
