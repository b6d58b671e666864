//===- FreezeQuantization.cpp - QAT quantizers into static formats --------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A trained QAT model computes each quantizer's scale (zero point,
// threshold) from globals that now hold values: weights, learned steps and
// clips, observed ranges. The pass evaluates those computations as the
// inference function would (quantx.mode_select picks its inference operand)
// with a small interpreter over constants, in the element type's
// arithmetic, and replaces
// - a weight quantizer (its input a parameter with a value) by the codes
//   as a storage constant, quantx.storage_cast to the static format and
//   quantx.dequantize;
// - any other quantizer by quantx.fake_quant to the static format.
// What only the quantizers read (the stores that update their state, the
// globals behind them, the float weights) is then removed.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Cleanup.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::quantx {
#define GEN_PASS_DEF_FREEZEQUANTIZATIONPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// A constant tensor (or scalar: rank 0) in f32; booleans are 0 and 1.
struct Constant {
  SmallVector<int64_t> shape;
  std::vector<float> data;

  int64_t linearIndex(ArrayRef<int64_t> index) const {
    int64_t linear = 0;
    for (auto [i, size] : llvm::zip_equal(index, shape))
      linear = linear * size + i;
    return linear;
  }
};

/// Evaluates values computed from constants and valued globals, with f32
/// arithmetic, failing with a located reason on anything else.
class Evaluator {
public:
  explicit Evaluator(SymbolTable &symbols) : symbols(symbols) {}

  FailureOr<Constant> evaluate(Value value);
  /// The globals read while evaluating.
  const llvm::SetVector<ml_program::GlobalOp> &getGlobalsRead() const {
    return globalsRead;
  }
  /// Why the last evaluation failed, and where.
  StringRef getReason() const { return reason; }
  Location getWhere() const { return where; }

private:
  FailureOr<Constant> evaluateOp(Operation *op, unsigned resultIndex);
  FailureOr<Constant> evaluateGeneric(linalg::GenericOp op);
  FailureOr<float> evaluateScalar(Operation *op, ArrayRef<float> operands);
  LogicalResult fail(Operation *op, const Twine &why) {
    reason = why.str();
    where = op->getLoc();
    return failure();
  }

  SymbolTable &symbols;
  DenseMap<Value, Constant> cache;
  llvm::SetVector<ml_program::GlobalOp> globalsRead;
  std::string reason;
  Location where = UnknownLoc::get(symbols.getOp()->getContext());
};

FailureOr<Constant> fromAttr(ElementsAttr attr) {
  Constant c;
  auto type = cast<ShapedType>(attr.getType());
  c.shape.assign(type.getShape().begin(), type.getShape().end());
  Type element = type.getElementType();
  if (isa<FloatType>(element)) {
    for (APFloat v : attr.getValues<APFloat>()) {
      bool lost;
      v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
      c.data.push_back(v.convertToFloat());
    }
    return c;
  }
  if (isa<IntegerType, IndexType>(element)) {
    for (APInt v : attr.getValues<APInt>())
      c.data.push_back(static_cast<float>(
          element.isInteger(1) ? v.getZExtValue() : v.getSExtValue()));
    return c;
  }
  return failure();
}

FailureOr<Constant> Evaluator::evaluate(Value value) {
  auto it = cache.find(value);
  if (it != cache.end())
    return it->second;
  FailureOr<Constant> result;
  if (auto arg = dyn_cast<BlockArgument>(value))
    return fail(arg.getParentRegion()->getParentOp(),
                "it depends on an argument of the function (the model's "
                "input)");
  result = evaluateOp(value.getDefiningOp(),
                      cast<OpResult>(value).getResultNumber());
  if (succeeded(result))
    cache[value] = *result;
  return result;
}

FailureOr<Constant> Evaluator::evaluateOp(Operation *op, unsigned index) {
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    if (auto elements = dyn_cast<ElementsAttr>(constant.getValue()))
      return fromAttr(elements);
    if (auto f = dyn_cast<FloatAttr>(constant.getValue()))
      return Constant{{}, {static_cast<float>(f.getValueAsDouble())}};
    if (auto i = dyn_cast<IntegerAttr>(constant.getValue()))
      return Constant{{}, {static_cast<float>(i.getInt())}};
    return fail(op, "an unsupported constant");
  }
  if (auto load = dyn_cast<ml_program::GlobalLoadOp>(op)) {
    auto global = symbols.lookup<ml_program::GlobalOp>(
        load.getGlobal().getLeafReference());
    auto value = global ? dyn_cast_or_null<ElementsAttr>(global.getValueAttr())
                        : ElementsAttr();
    if (!value)
      return fail(op, "@" + load.getGlobal().getLeafReference().getValue() +
                          " has no value (train the model first)");
    for (Operation *before = load->getPrevNode(); before;
         before = before->getPrevNode())
      if (auto store = dyn_cast<ml_program::GlobalStoreOp>(before))
        if (store.getGlobal() == load.getGlobal())
          return fail(op, "the model stores into @" + global.getSymName() +
                              " before it loads it here, so its saved value "
                              "is not what the quantizer sees");
    globalsRead.insert(global);
    FailureOr<Constant> c = fromAttr(value);
    if (failed(c))
      return fail(op, "@" + global.getSymName() + " is not a float tensor");
    if (llvm::any_of(c->data, [](float v) { return !std::isfinite(v); }))
      return fail(op, "@" + global.getSymName() +
                          " holds a value that is not finite (NaN or "
                          "infinity; an observer that has seen no data holds "
                          "infinities: train the model first)");
    return c;
  }
  if (auto select = dyn_cast<ModeSelectOp>(op))
    return evaluate(select.getSelected());
  if (auto stop = dyn_cast<StopGradientOp>(op))
    return evaluate(stop.getInput());
  if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
    if (!empty.getType().hasStaticShape())
      return fail(op, "a dynamic shape");
    Constant c;
    c.shape.assign(empty.getType().getShape().begin(),
                   empty.getType().getShape().end());
    c.data.assign(empty.getType().getNumElements(), 0.0f);
    return c;
  }
  if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    FailureOr<Constant> value = evaluate(fill.getInputs()[0]);
    FailureOr<Constant> into = evaluate(fill.getOutputs()[0]);
    if (failed(value) || failed(into))
      return failure();
    std::fill(into->data.begin(), into->data.end(), value->data[0]);
    return into;
  }
  if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
    FailureOr<Constant> tensor = evaluate(extract.getTensor());
    if (failed(tensor))
      return failure();
    SmallVector<int64_t> position;
    for (Value i : extract.getIndices()) {
      FailureOr<Constant> c = evaluate(i);
      if (failed(c))
        return failure();
      position.push_back(static_cast<int64_t>(c->data[0]));
    }
    return Constant{{}, {tensor->data[tensor->linearIndex(position)]}};
  }
  if (auto branch = dyn_cast<scf::IfOp>(op)) {
    FailureOr<Constant> condition = evaluate(branch.getCondition());
    if (failed(condition))
      return failure();
    Region &taken = condition->data[0] != 0.0f ? branch.getThenRegion()
                                               : branch.getElseRegion();
    if (taken.empty())
      return fail(op, "an scf.if without the branch taken");
    auto yield = cast<scf::YieldOp>(taken.front().getTerminator());
    return evaluate(yield.getOperand(index));
  }
  if (auto dim = dyn_cast<tensor::DimOp>(op)) {
    auto type = cast<RankedTensorType>(dim.getSource().getType());
    std::optional<int64_t> d = dim.getConstantIndex();
    if (!d || type.isDynamicDim(*d))
      return fail(op, "a dynamic dimension");
    return Constant{{}, {static_cast<float>(type.getDimSize(*d))}};
  }
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return evaluateGeneric(generic);
  // Scalar arithmetic outside generics (element counts, conditions).
  if (op->getNumResults() == 1 &&
      op->getResult(0).getType().isIntOrIndexOrFloat()) {
    SmallVector<float> operands;
    for (Value operand : op->getOperands()) {
      FailureOr<Constant> c = evaluate(operand);
      if (failed(c))
        return failure();
      if (!c->shape.empty())
        return fail(op, "a scalar op on a tensor");
      operands.push_back(c->data[0]);
    }
    FailureOr<float> result = evaluateScalar(op, operands);
    if (failed(result))
      return failure();
    return Constant{{}, {*result}};
  }
  return fail(op, "'" + op->getName().getStringRef() + "' is not supported");
}

FailureOr<float> Evaluator::evaluateScalar(Operation *op, ArrayRef<float> a) {
  using P = arith::CmpFPredicate;
  if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
    float x = a[0], y = a[1];
    bool unordered = std::isnan(x) || std::isnan(y);
    bool result;
    switch (cmp.getPredicate()) {
    case P::OEQ:
      result = !unordered && x == y;
      break;
    case P::ONE:
      result = !unordered && x != y;
      break;
    case P::OGT:
      result = !unordered && x > y;
      break;
    case P::OGE:
      result = !unordered && x >= y;
      break;
    case P::OLT:
      result = !unordered && x < y;
      break;
    case P::OLE:
      result = !unordered && x <= y;
      break;
    case P::UEQ:
      result = unordered || x == y;
      break;
    case P::UNE:
      result = unordered || x != y;
      break;
    case P::UGT:
      result = unordered || x > y;
      break;
    case P::UGE:
      result = unordered || x >= y;
      break;
    case P::ULT:
      result = unordered || x < y;
      break;
    case P::ULE:
      result = unordered || x <= y;
      break;
    default:
      return fail(op, "an unsupported comparison");
    }
    return result ? 1.0f : 0.0f;
  }
  return TypeSwitch<Operation *, FailureOr<float>>(op)
      .Case([&](arith::AddFOp) { return a[0] + a[1]; })
      .Case([&](arith::SubFOp) { return a[0] - a[1]; })
      .Case([&](arith::MulFOp) { return a[0] * a[1]; })
      .Case([&](arith::DivFOp) { return a[0] / a[1]; })
      .Case([&](arith::NegFOp) { return -a[0]; })
      .Case([&](arith::MaximumFOp) {
        return std::isnan(a[0]) || std::isnan(a[1])
                   ? NAN
                   : (a[0] == a[1] ? (std::signbit(a[0]) ? a[1] : a[0])
                                   : std::max(a[0], a[1]));
      })
      .Case([&](arith::MinimumFOp) {
        return std::isnan(a[0]) || std::isnan(a[1])
                   ? NAN
                   : (a[0] == a[1] ? (std::signbit(a[0]) ? a[0] : a[1])
                                   : std::min(a[0], a[1]));
      })
      .Case([&](arith::MaxNumFOp) { return std::fmax(a[0], a[1]); })
      .Case([&](arith::MinNumFOp) { return std::fmin(a[0], a[1]); })
      .Case([&](arith::SelectOp) { return a[0] != 0.0f ? a[1] : a[2]; })
      .Case([&](math::AbsFOp) { return std::fabs(a[0]); })
      .Case([&](math::SqrtOp) { return std::sqrt(a[0]); })
      .Case([&](arith::MulIOp) { return a[0] * a[1]; })
      .Case<arith::IndexCastOp, arith::IndexCastUIOp, arith::UIToFPOp,
            arith::SIToFPOp>([&](Operation *) { return a[0]; })
      .Case([&](arith::ConstantOp constant) -> FailureOr<float> {
        if (auto f = dyn_cast<FloatAttr>(constant.getValue()))
          return static_cast<float>(f.getValueAsDouble());
        if (auto i = dyn_cast<IntegerAttr>(constant.getValue()))
          return static_cast<float>(i.getInt());
        return fail(op, "an unsupported constant");
      })
      .Default([&](Operation *) -> FailureOr<float> {
        return fail(op,
                    "'" + op->getName().getStringRef() + "' is not supported");
      });
}

FailureOr<Constant> Evaluator::evaluateGeneric(linalg::GenericOp op) {
  if (op.getNumDpsInits() != 1 || op->getNumResults() != 1)
    return fail(op, "a generic with several results");
  SmallVector<Constant> inputs;
  for (Value input : op.getDpsInputs()) {
    FailureOr<Constant> c = evaluate(input);
    if (failed(c))
      return failure();
    inputs.push_back(std::move(*c));
  }
  FailureOr<Constant> output = evaluate(op.getDpsInits()[0]);
  if (failed(output))
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return fail(op, "a dynamic shape");
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  Block &body = *op.getBody();
  // Values from outside the body.
  DenseMap<Value, float> outside;
  for (Operation &inner : body.without_terminator())
    for (Value operand : inner.getOperands())
      if (operand.getParentRegion() != &op.getRegion() &&
          !outside.count(operand)) {
        FailureOr<Constant> c = evaluate(operand);
        if (failed(c) || !c->shape.empty())
          return fail(op, "a generic body that captures a tensor");
        outside[operand] = c->data[0];
      }
  int64_t total = 1;
  for (int64_t r : ranges)
    total *= r;
  SmallVector<int64_t> point(ranges.size(), 0);
  DenseMap<Value, float> scalars;
  for (int64_t step = 0; step < total; ++step) {
    scalars.clear();
    for (auto [i, input] : llvm::enumerate(inputs))
      scalars[body.getArgument(i)] =
          input.data[input.linearIndex(maps[i].compose(point))];
    int64_t outIndex = output->linearIndex(maps.back().compose(point));
    scalars[body.getArgument(inputs.size())] = output->data[outIndex];
    for (Operation &inner : body.without_terminator()) {
      SmallVector<float> operands;
      for (Value operand : inner.getOperands()) {
        auto found = scalars.find(operand);
        operands.push_back(found != scalars.end() ? found->second
                                                  : outside.lookup(operand));
      }
      FailureOr<float> result = evaluateScalar(&inner, operands);
      if (failed(result))
        return failure();
      scalars[inner.getResult(0)] = *result;
    }
    Value yielded = body.getTerminator()->getOperand(0);
    auto found = scalars.find(yielded);
    output->data[outIndex] =
        found != scalars.end() ? found->second : outside.lookup(yielded);
    // Next point, the last loop fastest.
    for (int64_t d = static_cast<int64_t>(point.size()) - 1; d >= 0; --d) {
      if (++point[d] < ranges[d])
        break;
      point[d] = 0;
    }
  }
  return output;
}

struct FreezeQuantizationPass
    : mlir::quantx::impl::FreezeQuantizationPassBase<FreezeQuantizationPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult freeze(ScaledFakeQuantOp op, Evaluator &evaluator,
                       SymbolTable &symbols);
  /// Folds an inference batch norm after a contraction with frozen weights
  /// into their per-channel scales; false (and a remark) where it cannot.
  bool foldBatchNorm(BatchNormOp norm, Evaluator &evaluator);
};

/// The static format of `op` with the evaluated scales and zero points.
Type getStaticFormat(ScaledFakeQuantOp op, const Constant &scale,
                     const Constant *zeroPoint) {
  MLIRContext *context = op.getContext();
  int32_t axis = op.getAxis() ? static_cast<int32_t>(*op.getAxis()) : -1;
  SmallVector<double> scales(scale.data.begin(), scale.data.end());
  Type format = op.getFormat();
  if (auto fixed = dyn_cast<FixedType>(format)) {
    auto [qmin, qmax] = op.getCodeRange();
    SmallVector<int64_t> zeroPoints;
    for (size_t c = 0; c < scales.size(); ++c) {
      double zp = zeroPoint ? std::nearbyint(zeroPoint->data[c]) : 0.0;
      zeroPoints.push_back(static_cast<int64_t>(std::clamp(
          zp, static_cast<double>(qmin), static_cast<double>(qmax))));
    }
    return FixedType::get(context, fixed.getWidth(), fixed.getIsSigned(),
                          fixed.getStorageMin(), fixed.getStorageMax(),
                          fixed.getExpressedType(), axis, scales, zeroPoints);
  }
  if (auto binary = dyn_cast<BinaryType>(format))
    return BinaryType::get(context, binary.getExpressedType(), axis, scales);
  auto ternary = cast<TernaryType>(format);
  return TernaryType::get(context, ternary.getExpressedType(), axis, scales);
}

LogicalResult FreezeQuantizationPass::freeze(ScaledFakeQuantOp op,
                                             Evaluator &evaluator,
                                             SymbolTable &symbols) {
  if (op.getArithmetic() != Arithmetic::exact)
    return op.emitError("quantx-freeze-quantization: only quantizers with "
                        "exact arithmetic have a static equivalent");
  auto inputType = cast<RankedTensorType>(op.getInput().getType());
  // The evaluator computes in f32, as the f32 model does; other precisions
  // would get codes and scales rounded differently.
  if (!inputType.getElementType().isF32())
    return op.emitError("quantx-freeze-quantization: only f32 quantizers are "
                        "frozen (scales are evaluated in f32), got ")
           << inputType.getElementType();
  if (std::optional<int64_t> axis = op.getAxis();
      axis && inputType.isDynamicDim(*axis))
    return op.emitError("quantx-freeze-quantization: a per-channel quantizer "
                        "along dimension ")
           << *axis << ", which is dynamic, has no static format";
  auto cannot = [&](StringRef what) {
    InFlightDiagnostic diag =
        op.emitError("quantx-freeze-quantization: cannot evaluate the ")
        << what << " of this quantizer: " << evaluator.getReason();
    diag.attachNote(evaluator.getWhere()) << "evaluating this";
    return diag;
  };
  FailureOr<Constant> scale = evaluator.evaluate(op.getScale());
  if (failed(scale))
    return cannot("scale");
  FailureOr<Constant> zeroPoint, threshold;
  if (op.getZeroPoint()) {
    zeroPoint = evaluator.evaluate(op.getZeroPoint());
    if (failed(zeroPoint))
      return cannot("zero point");
  }
  if (op.getThreshold()) {
    threshold = evaluator.evaluate(op.getThreshold());
    if (failed(threshold))
      return cannot("threshold");
  }
  for (float s : scale->data)
    if (!(s > 0) || !std::isfinite(s))
      return op.emitError("quantx-freeze-quantization: a scale of this "
                          "quantizer is ")
             << s << ", not positive and finite";
  if (op.getZeroPoint())
    for (float zp : zeroPoint->data)
      if (!std::isfinite(zp))
        return op.emitError("quantx-freeze-quantization: a zero point of "
                            "this quantizer is ")
               << zp << ", not finite";
  Type format =
      getStaticFormat(op, *scale, op.getZeroPoint() ? &*zeroPoint : nullptr);
  OpBuilder b(op);
  Location loc = op.getLoc();
  auto type = cast<RankedTensorType>(op.getInput().getType());

  // Weights with a value: constant codes.
  if (op.getInput().getDefiningOp<ml_program::GlobalLoadOp>()) {
    FailureOr<Constant> weights = evaluator.evaluate(op.getInput());
    if (failed(weights))
      return cannot("weights");
    std::optional<int64_t> axis = op.getAxis();
    int64_t rank = type.getRank();
    // Channel of each element: its index along the axis.
    int64_t inner = 1;
    if (axis)
      for (int64_t d = *axis + 1; d < rank; ++d)
        inner *= type.getDimSize(d);
    auto channelOf = [&](int64_t i) -> int64_t {
      return axis ? (i / inner) % type.getDimSize(*axis) : 0;
    };
    auto [qmin, qmax] = op.getCodeRange();
    auto formatInterface = cast<FormatTypeInterface>(format);
    IntegerType storage = formatInterface.getStorageType();
    SmallVector<APInt> codes;
    for (auto [i, w] : llvm::enumerate(weights->data)) {
      int64_t c = channelOf(static_cast<int64_t>(i));
      double s = scale->data[c];
      int64_t code;
      if (op.isBinary()) {
        code = w >= 0 || std::isnan(w) ? 1 : 0;
      } else if (op.getThreshold()) {
        double t = threshold->data[c];
        code = w > t ? 1 : (w < -t ? -1 : 0);
      } else {
        // round_even of the exact quotient (the quotient of two floats is
        // exact enough in double to decide ties) plus the zero point.
        double zp = 0;
        if (auto fixed = dyn_cast<FixedType>(format))
          zp = static_cast<double>(fixed.getZeroPoints()[c]);
        double q = std::nearbyint(static_cast<double>(w) / s) + zp;
        if (std::isnan(static_cast<double>(w)))
          q = zp;
        code = static_cast<int64_t>(std::clamp(q, static_cast<double>(qmin),
                                               static_cast<double>(qmax)));
      }
      codes.push_back(APInt(storage.getWidth(), static_cast<uint64_t>(code),
                            /*isSigned=*/true, /*implicitTrunc=*/true));
    }
    auto storageType = RankedTensorType::get(type.getShape(), storage);
    Value constant = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(storageType, codes));
    auto quantizedType = RankedTensorType::get(type.getShape(), format);
    Value quantized =
        StorageCastOp::create(b, loc, quantizedType, constant).getResult();
    Value dequantized =
        DequantizeOp::create(b, loc, type, quantized, Arithmetic::exact)
            .getResult();
    op.replaceAllUsesWith(dequantized);
    op.erase();
    return success();
  }
  // Activations: fake quantization with the static format, whose ternary
  // threshold is the scale's half: another threshold has no static form.
  if (op.getThreshold())
    return op.emitError("quantx-freeze-quantization: a ternary quantizer "
                        "with a threshold of its own freezes only on weights "
                        "with a value (the static ternary format rounds at "
                        "half its scale)");
  Value frozen =
      FakeQuantOp::create(
          b, loc, type, op.getInput(), /*step=*/Value(), TypeAttr::get(format),
          RoundingModeAttr::get(b.getContext(), RoundingMode::nearest_even),
          IntegerAttr(), ArithmeticAttr::get(b.getContext(), Arithmetic::exact))
          .getResult();
  op.replaceAllUsesWith(frozen);
  op.erase();
  return success();
}

/// BN(x W) = x (W k) + (beta - mean k) with k = gamma / sqrt(var + eps)
/// per output channel: with W = codes * s, the codes stay and the channel's
/// scale becomes s |k|, the codes of a channel with k < 0 negated (which a
/// symmetric grid allows).
bool FreezeQuantizationPass::foldBatchNorm(BatchNormOp norm,
                                           Evaluator &evaluator) {
  auto remark = [&](const Twine &why) {
    norm.emitRemark("quantx-freeze-quantization: this batch norm stays: ")
        << why;
    return false;
  };
  if (norm.getTraining())
    return remark("it is in training mode");
  auto contraction = norm.getInput().getDefiningOp<linalg::LinalgOp>();
  MLIRContext *context = norm.getContext();
  auto defaultMaps = [&](ArrayRef<AffineMap> maps) {
    return contraction.getIndexingMapsArray() == maps;
  };
  if (!contraction ||
      !(isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp>(
            contraction) ||
        (isa<linalg::MatmulOp>(contraction) &&
         defaultMaps(linalg::MatmulOp::getDefaultIndexingMaps(context))) ||
        (isa<linalg::BatchMatmulOp>(contraction) &&
         defaultMaps(linalg::BatchMatmulOp::getDefaultIndexingMaps(context)))))
    return remark("its input is not the result of a convolution or of a "
                  "matmul with the default (untransposed) operands");
  if (!norm.getInput().hasOneUse())
    return remark("the contraction's result has other uses");
  auto dequantize =
      contraction.getDpsInputOperand(1)->get().getDefiningOp<DequantizeOp>();
  auto storageCast = dequantize
                         ? dequantize.getInput().getDefiningOp<StorageCastOp>()
                         : StorageCastOp();
  DenseElementsAttr codes;
  if (!storageCast ||
      !matchPattern(storageCast.getInput(), m_Constant(&codes)) ||
      !dequantize->hasOneUse())
    return remark("the contraction's weights are not frozen codes");
  auto weightType = cast<RankedTensorType>(storageCast.getType());
  Type format = weightType.getElementType();
  int64_t rank = weightType.getRank();
  int64_t channels = weightType.getDimSize(rank - 1);
  std::optional<int32_t> axis =
      cast<FormatTypeInterface>(format).getChannelAxis();
  if (axis && *axis != rank - 1)
    return remark("the weights' scales are not per output channel");

  FailureOr<Constant> gamma = evaluator.evaluate(norm.getScale());
  FailureOr<Constant> beta = evaluator.evaluate(norm.getOffset());
  FailureOr<Constant> mean = evaluator.evaluate(norm.getRunningMean());
  FailureOr<Constant> var = evaluator.evaluate(norm.getRunningVar());
  if (failed(gamma) || failed(beta) || failed(mean) || failed(var))
    return remark("its parameters are not known: " + evaluator.getReason());
  // In f32, as the batch norm computes it (var + epsilon may round to 0).
  auto epsilon = static_cast<float>(norm.getEpsilon().convertToDouble());
  SmallVector<double> k(channels);
  for (int64_t c = 0; c < channels; ++c) {
    float spread = std::sqrt(var->data[c] + epsilon);
    k[c] = static_cast<double>(gamma->data[c] / spread);
    if (!(k[c] != 0) || !std::isfinite(k[c]))
      return remark("channel " + Twine(c) + " has a scale of 0 or not finite");
  }
  // The new format, and whether negating a channel's codes is exact.
  SmallVector<double> scales;
  auto scaleOf = [&](int64_t c, ArrayRef<double> old) {
    return old.empty() ? 1.0 : old[old.size() == 1 ? 0 : c];
  };
  bool symmetric;
  Type folded;
  if (auto fixed = dyn_cast<FixedType>(format)) {
    symmetric =
        fixed.getStorageMin() == -fixed.getStorageMax() &&
        llvm::all_of(fixed.getZeroPoints(), [](int64_t zp) { return zp == 0; });
    if (llvm::any_of(fixed.getZeroPoints(), [](int64_t zp) { return zp != 0; }))
      return remark("the weights have a zero point");
    for (int64_t c = 0; c < channels; ++c)
      scales.push_back(scaleOf(c, fixed.getScales()) * std::fabs(k[c]));
    folded = FixedType::get(context, fixed.getWidth(), fixed.getIsSigned(),
                            fixed.getStorageMin(), fixed.getStorageMax(),
                            fixed.getExpressedType(), rank - 1, scales,
                            SmallVector<int64_t>(channels, 0));
  } else if (isa<BinaryType, TernaryType>(format)) {
    // {-1, +1} and {-1, 0, +1} times a scale: symmetric.
    symmetric = true;
    auto foldSet = [&](auto set) {
      for (int64_t c = 0; c < channels; ++c)
        scales.push_back(set.getScale(c) * std::fabs(k[c]));
      return decltype(set)::get(context, set.getExpressedType(), rank - 1,
                                scales);
    };
    if (auto binary = dyn_cast<BinaryType>(format))
      folded = foldSet(binary);
    else
      folded = foldSet(cast<TernaryType>(format));
  } else {
    return remark("the weights' format has no scale to fold into");
  }
  bool negative = llvm::any_of(k, [](double v) { return v < 0; });
  if (negative && !symmetric)
    return remark("a channel's scale is negative and the weights' grid is "
                  "not symmetric");
  SmallVector<APInt> newCodes;
  for (auto [i, code] : llvm::enumerate(codes.getValues<APInt>())) {
    int64_t c = static_cast<int64_t>(i) % channels;
    if (k[c] >= 0) {
      newCodes.push_back(code);
    } else if (isa<BinaryType>(format)) {
      newCodes.push_back(~code);
    } else {
      newCodes.push_back(-code);
    }
  }
  for (double scale : scales)
    if (!(scale > 0) || !std::isfinite(scale))
      return remark("a folded scale is not positive and finite");

  Location loc = norm.getLoc();
  {
    OpBuilder before(contraction);
    Value constant = arith::ConstantOp::create(
        before, loc, DenseElementsAttr::get(codes.getType(), newCodes));
    auto foldedType = RankedTensorType::get(weightType.getShape(), folded);
    Value quantized =
        StorageCastOp::create(before, loc, foldedType, constant).getResult();
    Value weights = DequantizeOp::create(before, loc, dequantize.getType(),
                                         quantized, Arithmetic::exact)
                        .getResult();
    contraction->setOperand(1, weights);
  }
  OpBuilder b(norm);
  // The shift, per feature, added to the contraction's result.
  auto shiftType = RankedTensorType::get(
      {channels},
      cast<RankedTensorType>(norm.getOutput().getType()).getElementType());
  SmallVector<float> shift;
  for (int64_t c = 0; c < channels; ++c)
    shift.push_back(static_cast<float>(double(beta->data[c]) -
                                       double(mean->data[c]) * k[c]));
  Value shiftValue = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(shiftType, ArrayRef<float>(shift)));
  int64_t outRank =
      cast<RankedTensorType>(norm.getOutput().getType()).getRank();
  AffineMap full = AffineMap::getMultiDimIdentityMap(outRank, context);
  AffineMap feature =
      AffineMap::get(outRank, 0, getAffineDimExpr(outRank - 1, context));
  auto shifted = linalg::GenericOp::create(
      b, loc, TypeRange{norm.getOutput().getType()},
      ValueRange{norm.getInput(), shiftValue}, ValueRange{norm.getInput()},
      ArrayRef<AffineMap>{full, feature, full},
      SmallVector<utils::IteratorType>(outRank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value sum = arith::AddFOp::create(nb, nloc, args[0], args[1]);
        linalg::YieldOp::create(nb, nloc, sum);
      });
  norm.getOutput().replaceAllUsesWith(shifted.getResult(0));
  // The running statistics pass through in inference: their stores go.
  for (Value stat : {norm.getNewMean(), norm.getNewVar()})
    for (Operation *user : llvm::make_early_inc_range(stat.getUsers()))
      if (isa<ml_program::GlobalStoreOp>(user))
        user->erase();
  if (norm->use_empty())
    norm.erase();
  return true;
}

void FreezeQuantizationPass::runOnOperation() {
  ModuleOp module = getOperation();
  SymbolTable symbols(module);
  Evaluator evaluator(symbols);
  SmallVector<ScaledFakeQuantOp> quantizers;
  module.walk([&](ScaledFakeQuantOp op) { quantizers.push_back(op); });
  if (quantizers.empty()) {
    module.emitError("quantx-freeze-quantization: the module has no "
                     "quantx.scaled_fake_quant to freeze");
    return signalPassFailure();
  }
  for (ScaledFakeQuantOp op : quantizers)
    if (failed(freeze(op, evaluator, symbols)))
      return signalPassFailure();
  // Batch norms fold with an evaluator of their own: their statistics'
  // globals go only when they fold.
  llvm::SmallDenseSet<StringRef> foldedGlobals;
  if (foldBatchNorms) {
    SmallVector<BatchNormOp> norms;
    module.walk([&](BatchNormOp norm) { norms.push_back(norm); });
    for (BatchNormOp norm : norms) {
      Evaluator local(symbols);
      if (foldBatchNorm(norm, local))
        for (ml_program::GlobalOp global : local.getGlobalsRead())
          foldedGlobals.insert(global.getSymName());
    }
  }

  // The quantizers' state is now in their formats: stores into the
  // globals they read go, then whatever is dead, then globals nothing
  // reads.
  llvm::SmallDenseSet<StringRef> quantizerGlobals;
  for (ml_program::GlobalOp global : evaluator.getGlobalsRead())
    quantizerGlobals.insert(global.getSymName());
  module.walk([&](ml_program::GlobalStoreOp store) {
    if (quantizerGlobals.contains(store.getGlobal().getLeafReference()))
      store.erase();
  });
  // Dead code, without folding (which would turn the quantized weights
  // into float constants and hide their formats).
  eraseDeadOps(module);
  eraseUnusedGlobals(module, [&](ml_program::GlobalOp global) {
    return quantizerGlobals.contains(global.getSymName()) ||
           foldedGlobals.contains(global.getSymName());
  });
}

} // namespace
