//===- InsertFakeQuant.cpp - quantizers for quantization-aware training ---===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each contraction's weight operand (the one loaded from a parameter
// global) and activation operand go through quantx.scaled_fake_quant, with
// scales computed from the weights at every step (max|w|, SAWB, TWN,
// XNOR-Net), observed (moving min/max) or learned (PACT, LSQ).
//
//===----------------------------------------------------------------------===//

#include "Layers.h"

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/Transforms/Cleanup.h"
#include "quantx/Dialect/Quantx/Transforms/Passes.h"
#include "quantx/Utils/TensorBuilders.h"

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
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <limits>

namespace mlir::quantx {
#define GEN_PASS_DEF_INSERTFAKEQUANTPASS
#include "quantx/Dialect/Quantx/Transforms/Passes.h.inc"
} // namespace mlir::quantx

using namespace mlir;
using namespace mlir::quantx;

namespace {

enum class WeightScheme { None, Ste, Sawb, Lsq, Binary, Xnor, Twn };
enum class ActivationScheme { None, Ste, Pact, Lsq, Sign };

/// SAWB's clipping coefficients per weight width (narrow grid).
struct SawbCoefficients {
  int64_t bits;
  double c1, c2;
};
constexpr SawbCoefficients kSawbCoefficients[] = {
#include "SawbCoefficients.inc"
};

/// The smallest positive normal value of `type`: the floor of a scale.
double getSmallestScale(Type type) {
  return APFloat::getSmallestNormalized(
             cast<FloatType>(type).getFloatSemantics())
      .convertToDouble();
}

/// Bounds that keep a learned scale of element type `type` positive and
/// finite (quantx.clip).
DenseF64ArrayAttr getPositiveRange(OpBuilder &b, Type type) {
  const llvm::fltSemantics &semantics =
      cast<FloatType>(type).getFloatSemantics();
  return b.getDenseF64ArrayAttr(
      {APFloat::getSmallestNormalized(semantics).convertToDouble(),
       APFloat::getLargest(semantics).convertToDouble()});
}

/// A contraction and which of its inputs holds the weights.
struct Layer {
  linalg::LinalgOp op;
  unsigned weightIndex;
  unsigned activationIndex;
  /// The weights' output-channel dimension: indexed by a parallel loop of
  /// the output (the last such one), if any.
  std::optional<int64_t> channelDim;
  /// Left float (best effort, with a remark).
  bool skipped = false;
};

std::optional<int64_t> getOutputChannelDim(linalg::LinalgOp op,
                                           unsigned inputIndex) {
  AffineMap map = op.getMatchingIndexingMap(op.getDpsInputOperand(inputIndex));
  AffineMap output = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int64_t r = map.getNumResults() - 1; r >= 0; --r) {
    auto dim = dyn_cast<AffineDimExpr>(map.getResult(r));
    if (!dim || iterators[dim.getPosition()] != utils::IteratorType::parallel)
      continue;
    if (output.isFunctionOfDim(dim.getPosition()))
      return r;
  }
  return std::nullopt;
}

/// How one layer is quantized.
struct LayerPlan {
  WeightScheme weights;
  ActivationScheme activations;
  int64_t weightBits, activationBits;
};

struct InsertFakeQuantPass
    : mlir::quantx::impl::InsertFakeQuantPassBase<InsertFakeQuantPass> {
  using Base::Base;
  void runOnOperation() override;

private:
  LogicalResult parseOptions(WeightScheme &w, ActivationScheme &a);
  FailureOr<Layer> classify(linalg::LinalgOp op);
  Value quantizeWeights(OpBuilder &b, Location loc, Value w,
                        std::optional<int64_t> axis, const LayerPlan &plan);
  Value quantizeActivations(OpBuilder &b, Location loc, Value x,
                            const LayerPlan &plan, SymbolTable &symbols);
  Value observeAndQuantize(OpBuilder &b, Location loc, Value x,
                           const LayerPlan &plan);
  /// LSQ's learned step for `data` (per index of `axis`, or one): a new
  /// parameter that the first training step sets to 2 mean|data| /
  /// sqrt(qp) (the LSQ paper's initialization) and later steps learn.
  Value learnedStep(OpBuilder &b, Location loc, Value data,
                    std::optional<int64_t> axis, int64_t qp, StringRef name);
  /// A new global of the module (its name made unique).
  ml_program::GlobalOp addGlobal(Location loc, StringRef name,
                                 RankedTensorType type, double value,
                                 bool modelState);
  SymbolTable *symbols = nullptr;
  /// The function being quantized, and its "LSQ steps are initialized"
  /// flags (model state, one per element type, created with the first
  /// learned step of that type).
  func::FuncOp function;
  llvm::MapVector<Type, ml_program::GlobalOp> lsqReady;
};

LogicalResult InsertFakeQuantPass::parseOptions(WeightScheme &w,
                                                ActivationScheme &a) {
  ModuleOp module = getOperation();
  auto fail = [&](const Twine &message) {
    module.emitError("quantx-insert-fake-quant: ") << message;
    return failure();
  };
  std::optional<WeightScheme> weightScheme =
      llvm::StringSwitch<std::optional<WeightScheme>>(weights)
          .Case("none", WeightScheme::None)
          .Case("ste", WeightScheme::Ste)
          .Case("sawb", WeightScheme::Sawb)
          .Case("lsq", WeightScheme::Lsq)
          .Case("binary", WeightScheme::Binary)
          .Case("xnor", WeightScheme::Xnor)
          .Case("twn", WeightScheme::Twn)
          .Default(std::nullopt);
  if (!weightScheme)
    return fail("unknown weights scheme '" + weights +
                "' (expected none, ste, sawb, lsq, binary, xnor or twn)");
  w = *weightScheme;
  std::optional<ActivationScheme> activationScheme =
      llvm::StringSwitch<std::optional<ActivationScheme>>(activations)
          .Case("none", ActivationScheme::None)
          .Case("ste", ActivationScheme::Ste)
          .Case("pact", ActivationScheme::Pact)
          .Case("lsq", ActivationScheme::Lsq)
          .Case("sign", ActivationScheme::Sign)
          .Default(std::nullopt);
  if (!activationScheme)
    return fail("unknown activations scheme '" + activations +
                "' (expected none, ste, pact, lsq or sign)");
  a = *activationScheme;

  auto inBits = [](int64_t bits) { return bits >= 1 && bits <= 16; };
  if (!inBits(weightBits))
    return fail("weight-bits must be in 1..16, got " + Twine(weightBits));
  if (!inBits(activationBits))
    return fail("activation-bits must be in 1..16, got " +
                Twine(activationBits));
  if (firstLastBits != 0 && (firstLastBits < 2 || firstLastBits > 16))
    return fail("first-last-bits must be 0 or in 2..16, got " +
                Twine(firstLastBits));
  // A width given explicitly must agree with the scheme.
  if ((w == WeightScheme::Binary || w == WeightScheme::Xnor) &&
      weightBits.hasValue() && weightBits != 1)
    return fail("weights=" + weights +
                " has 1 bit, got weight-bits=" + Twine(weightBits));
  if (w == WeightScheme::Twn && weightBits.hasValue() && weightBits != 2)
    return fail("weights=twn has 2 bits (three levels), got weight-bits=" +
                Twine(weightBits));
  if ((w == WeightScheme::Ste || w == WeightScheme::Lsq) && weightBits < 2)
    return fail("weights=" + weights +
                " needs at least 2 bits (a signed grid around zero); for 1 "
                "bit use weights=binary");
  if (w == WeightScheme::Sawb &&
      llvm::none_of(kSawbCoefficients, [&](const SawbCoefficients &c) {
        return c.bits == weightBits;
      }))
    return fail("weights=sawb has coefficients for 2..8 bits (docs/QAT.md), "
                "got weight-bits=" +
                Twine(weightBits));
  if (a == ActivationScheme::Lsq && activationBits < 2)
    return fail("activations=lsq needs at least 2 bits; for 1 bit use "
                "activations=sign");
  if (a == ActivationScheme::Sign && activationBits.hasValue() &&
      activationBits != 1)
    return fail("activations=sign has 1 bit, got activation-bits=" +
                Twine(activationBits));
  // Checked as the f32 it becomes (1e-320 is 0, 1e39 infinite).
  auto init = static_cast<float>(pactInit);
  if (!(init > 0) || !std::isfinite(init))
    return fail("pact-init must be positive and finite as an f32, got " +
                std::to_string(static_cast<double>(pactInit)));
  if (!(pactDecay >= 0) || !std::isfinite(static_cast<float>(pactDecay)))
    return fail("pact-decay must be >= 0 and finite, got " +
                std::to_string(static_cast<double>(pactDecay)));
  return success();
}

FailureOr<Layer> InsertFakeQuantPass::classify(linalg::LinalgOp op) {
  // An error, or with best-effort a remark and the layer stays float.
  auto cannot = [&](const Twine &why) -> FailureOr<Layer> {
    if (bestEffort) {
      op->emitRemark("quantx-insert-fake-quant: this layer stays float: ")
          << why;
      return Layer{op, 0, 0, std::nullopt, /*skipped=*/true};
    }
    op->emitError(why);
    return failure();
  };
  if (op.getNumDpsInputs() != 2)
    return cannot("a contraction with " + Twine(op.getNumDpsInputs()) +
                  " inputs has no weight and activation operands");
  Value lhs = op.getDpsInputOperand(0)->get();
  Value rhs = op.getDpsInputOperand(1)->get();
  for (Value operand : {lhs, rhs}) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return cannot("an operand of this contraction is not a ranked float "
                    "tensor");
    if (llvm::is_contained(type.getShape(), 0))
      return cannot("an operand of this contraction has no elements (a "
                    "dimension of size 0): there is nothing to quantize");
  }
  if (lhs.getDefiningOp<ScaledFakeQuantOp>() ||
      rhs.getDefiningOp<ScaledFakeQuantOp>())
    return cannot("this layer is already quantized (an operand comes from "
                  "quantx.scaled_fake_quant): the model has been through "
                  "quantx-insert-fake-quant");
  // Convolutions: the filter is the weight operand.
  if (isa<linalg::Conv2DNhwcHwcfOp, linalg::DepthwiseConv2DNhwcHwcOp>(op)) {
    if (!isParameterLoad(rhs))
      return cannot("the filter of this convolution is not loaded from a "
                    "parameter (a mutable float ml_program.global), so it "
                    "cannot be quantized as weights");
    return Layer{op, 1, 0, getOutputChannelDim(op, 1)};
  }
  if (isParameterLoad(rhs))
    return Layer{op, 1, 0, getOutputChannelDim(op, 1)};
  if (isParameterLoad(lhs))
    return Layer{op, 0, 1, getOutputChannelDim(op, 0)};
  return cannot("neither operand of this contraction is loaded from a "
                "parameter (a mutable float ml_program.global): which one "
                "holds the weights is unknown");
}

/// The sign of a ReLU output is +1 everywhere: where a binarized layer's
/// input is an elementwise generic ending in max(v, 0), reached through
/// reshapes, transposes, padding and max pooling (which commute with the
/// clip) and used only there, the ReLU becomes hard-tanh (clip to
/// [-1, 1]), as BNNs are built.
void replaceReluByHardTanh(Value x) {
  while (x.hasOneUse()) {
    Operation *producer = x.getDefiningOp();
    if (!isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
                         tensor::PadOp, linalg::TransposeOp,
                         linalg::PoolingNhwcMaxOp>(producer))
      break;
    x = producer->getOperand(0);
  }
  auto generic = x.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic->getNumResults() != 1 || !x.hasOneUse() ||
      generic.getNumReductionLoops() != 0)
    return;
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  Operation *relu = yield.getOperand(0).getDefiningOp();
  if (!isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(relu))
    return;
  unsigned zeroSide;
  if (matchPattern(relu->getOperand(1), m_AnyZeroFloat()))
    zeroSide = 1;
  else if (matchPattern(relu->getOperand(0), m_AnyZeroFloat()))
    zeroSide = 0;
  else
    return;
  Value v = relu->getOperand(1 - zeroSide);
  OpBuilder b(relu);
  Location loc = relu->getLoc();
  Type element = v.getType();
  Value low = arith::MaximumFOp::create(
      b, loc, v, createFloatConstant(b, loc, element, -1.0));
  Value clipped = arith::MinimumFOp::create(
      b, loc, low, createFloatConstant(b, loc, element, 1.0));
  yield->setOperand(0, clipped);
  if (relu->use_empty())
    relu->erase();
  generic.emitRemark("replaced the ReLU before a binarized layer by "
                     "hard-tanh (clip to [-1, 1]): the sign of a ReLU output "
                     "is +1 everywhere");
}

/// Whether every element of `x` is known to be >= 0: a ReLU (or PACT's
/// clip) reached through reshapes, transposes, max pooling and padding with
/// a non-negative constant.
bool isKnownNonNegative(Value x) {
  while (Operation *producer = x.getDefiningOp()) {
    if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tensor::CastOp,
            linalg::TransposeOp, linalg::PoolingNhwcMaxOp>(producer)) {
      x = producer->getOperand(0);
      continue;
    }
    if (auto pad = dyn_cast<tensor::PadOp>(producer)) {
      Value padding = pad.getConstantPaddingValue();
      FloatAttr value;
      if (!padding || !matchPattern(padding, m_Constant(&value)) ||
          !(value.getValueAsDouble() >= 0))
        return false;
      x = pad.getSource();
      continue;
    }
    break;
  }
  auto generic = x.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic->getNumResults() != 1)
    return false;
  auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
  Operation *last = yield.getOperand(0).getDefiningOp();
  // PACT: min(max(v, 0), alpha) with alpha > 0.
  if (isa_and_nonnull<arith::MinimumFOp, arith::MinNumFOp>(last))
    last = last->getOperand(0).getDefiningOp();
  return isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(last) &&
         (matchPattern(last->getOperand(0), m_AnyZeroFloat()) ||
          matchPattern(last->getOperand(1), m_AnyZeroFloat()));
}

/// A 0-d or [C] tensor filled with `value`.
Value createParams(OpBuilder &b, Location loc, int64_t channels, Type element,
                   double value) {
  SmallVector<OpFoldResult> sizes;
  if (channels >= 0)
    sizes.push_back(b.getIndexAttr(channels));
  return createFilled(b, loc, sizes, element, value);
}

/// Reduces w over every dimension but `axis` (or over all of them).
Value reduceWeights(
    OpBuilder &b, Location loc, Value w, std::optional<int64_t> axis,
    double init, ValueRange extra,
    function_ref<Value(OpBuilder &, Location, Value, Value, ValueRange)>
        combine) {
  auto type = cast<RankedTensorType>(w.getType());
  int64_t rank = type.getRank();
  MLIRContext *context = b.getContext();
  AffineMap full = AffineMap::getMultiDimIdentityMap(rank, context);
  AffineMap out =
      axis ? AffineMap::get(rank, 0, getAffineDimExpr(*axis, context))
           : AffineMap::get(rank, 0, {}, context);
  SmallVector<bool> reductions(rank, true);
  if (axis)
    reductions[*axis] = false;
  SmallVector<Value> inputs = {w};
  SmallVector<AffineMap> maps = {full};
  for (Value value : extra) {
    inputs.push_back(value);
    maps.push_back(out);
  }
  Value acc = createParams(b, loc, axis ? type.getDimSize(*axis) : -1,
                           type.getElementType(), init);
  return createGeneric(b, loc, inputs, maps, acc, out, reductions,
                       [&](OpBuilder &nb, Location nloc, ValueRange args) {
                         return combine(nb, nloc, args[0], args.back(),
                                        args.drop_front().drop_back());
                       });
}

Value InsertFakeQuantPass::quantizeWeights(OpBuilder &b, Location loc, Value w,
                                           std::optional<int64_t> axis,
                                           const LayerPlan &plan) {
  auto type = cast<RankedTensorType>(w.getType());
  Type element = type.getElementType();
  int64_t channels = axis ? type.getDimSize(*axis) : 1;
  double perScale = static_cast<double>(type.getNumElements()) /
                    static_cast<double>(std::max<int64_t>(channels, 1));
  auto cst = [&](OpBuilder &nb, Location nloc, double value) {
    return createFloatConstant(nb, nloc, element, value);
  };
  auto absOf = [](OpBuilder &nb, Location nloc, Value v) -> Value {
    return math::AbsFOp::create(nb, nloc, v);
  };
  auto sumAbs = [&](OpBuilder &nb, Location nloc, Value v, Value acc,
                    ValueRange) -> Value {
    return arith::AddFOp::create(nb, nloc, acc, absOf(nb, nloc, v));
  };
  auto scaleBy = [&](Value params, double factor) {
    return createElementwise(
        b, loc, {params}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::MulFOp::create(nb, nloc, args[0], cst(nb, nloc, factor))
              .getResult();
        });
  };
  auto quantize = [&](Value scale, Value threshold, Type format,
                      QuantGradient gradient,
                      FloatAttr gradScale = FloatAttr()) -> Value {
    auto op = ScaledFakeQuantOp::create(
        b, loc, w.getType(), w, scale, /*zero_point=*/Value(), threshold,
        TypeAttr::get(format),
        axis ? b.getI64IntegerAttr(*axis) : IntegerAttr(),
        QuantGradientAttr::get(b.getContext(), gradient), gradScale,
        ArithmeticAttr::get(b.getContext(), Arithmetic::exact));
    return op.getResult();
  };
  auto maxAbsOf = [&]() {
    return reduceWeights(
        b, loc, w, axis, 0.0, {},
        [&](OpBuilder &nb, Location nloc, Value v, Value acc, ValueRange) {
          return arith::MaximumFOp::create(nb, nloc, acc, absOf(nb, nloc, v))
              .getResult();
        });
  };
  // The narrow signed grid [-qmax, qmax] of symmetric weights.
  auto narrowGrid = [&](int64_t bits) {
    int64_t qmax = (int64_t(1) << (bits - 1)) - 1;
    return FixedType::get(b.getContext(), bits, /*isSigned=*/true, -qmax, qmax,
                          cast<FloatType>(element), -1, ArrayRef<double>{},
                          ArrayRef<int64_t>{});
  };
  // Real-valued weights behind a sign stay in [-1, 1] (BinaryConnect).
  auto clipLatentWeights = [&]() {
    auto load = w.getDefiningOp<ml_program::GlobalLoadOp>();
    auto global = symbols->lookup<ml_program::GlobalOp>(
        load.getGlobal().getLeafReference());
    b.getContext()
        ->getLoadedDialect<QuantxDialect>()
        ->getClipAttrHelper()
        .setAttr(global, b.getDenseF64ArrayAttr({-1.0, 1.0}));
  };
  auto f = cast<FloatType>(element);
  switch (plan.weights) {
  case WeightScheme::None:
    return w;
  case WeightScheme::Ste: {
    // max|w| / (2^(b-1) - 1) on a narrow signed grid; an all-zero channel
    // gets a tiny scale instead of 0.
    int64_t qmax = (int64_t(1) << (plan.weightBits - 1)) - 1;
    Value scale = createElementwise(
        b, loc, {maxAbsOf()},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value floor = arith::MaximumFOp::create(
              nb, nloc, args[0], cst(nb, nloc, getSmallestScale(element)));
          return arith::DivFOp::create(nb, nloc, floor,
                                       cst(nb, nloc, double(qmax)))
              .getResult();
        });
    return quantize(scale, Value(), narrowGrid(plan.weightBits),
                    QuantGradient::ste);
  }
  case WeightScheme::Sawb: {
    // alpha = c1 sqrt(E[w^2]) - c2 E|w| (SAWB), at most max|w| (the linear
    // rule overshoots light-tailed channels at 4 bits and more) and
    // positive; the narrow grid with scale alpha / qmax.
    const SawbCoefficients *c =
        llvm::find_if(kSawbCoefficients, [&](const SawbCoefficients &entry) {
          return entry.bits == plan.weightBits;
        });
    int64_t qmax = (int64_t(1) << (plan.weightBits - 1)) - 1;
    Value sumSquares = reduceWeights(
        b, loc, w, axis, 0.0, {},
        [&](OpBuilder &nb, Location nloc, Value v, Value acc, ValueRange) {
          return arith::AddFOp::create(nb, nloc, acc,
                                       arith::MulFOp::create(nb, nloc, v, v))
              .getResult();
        });
    Value totalAbs = reduceWeights(b, loc, w, axis, 0.0, {}, sumAbs);
    Value scale = createElementwise(
        b, loc, {sumSquares, totalAbs, maxAbsOf()},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value meanSquare = arith::MulFOp::create(
              nb, nloc, args[0], cst(nb, nloc, 1.0 / perScale));
          Value meanAbs = arith::MulFOp::create(
              nb, nloc, args[1], cst(nb, nloc, c->c2 / perScale));
          Value rms = math::SqrtOp::create(nb, nloc, meanSquare);
          Value alpha = arith::SubFOp::create(
              nb, nloc,
              arith::MulFOp::create(nb, nloc, rms, cst(nb, nloc, c->c1)),
              meanAbs);
          Value capped = arith::MinimumFOp::create(nb, nloc, alpha, args[2]);
          Value positive = arith::MaximumFOp::create(
              nb, nloc, capped, cst(nb, nloc, getSmallestScale(element)));
          return arith::DivFOp::create(nb, nloc, positive,
                                       cst(nb, nloc, double(qmax)))
              .getResult();
        });
    return quantize(scale, Value(), narrowGrid(plan.weightBits),
                    QuantGradient::ste);
  }
  case WeightScheme::Lsq: {
    // A learned step on the full signed grid [-2^(b-1), 2^(b-1) - 1];
    // gradient scale 1 / sqrt(n qp), n the weights per step.
    int64_t qn = int64_t(1) << (plan.weightBits - 1), qp = qn - 1;
    Value step = learnedStep(b, loc, w, axis, qp, "lsq_weight_step");
    auto format = FixedType::get(b.getContext(), plan.weightBits,
                                 /*isSigned=*/true, -qn, qp, f, -1,
                                 ArrayRef<double>{}, ArrayRef<int64_t>{});
    return quantize(step, Value(), format, QuantGradient::lsq,
                    b.getF64FloatAttr(1.0 / std::sqrt(perScale * double(qp))));
  }
  case WeightScheme::Binary:
  case WeightScheme::Xnor: {
    // sign(w) mean|w|.
    clipLatentWeights();
    Value mean = scaleBy(reduceWeights(b, loc, w, axis, 0.0, {}, sumAbs),
                         1.0 / perScale);
    auto format = BinaryType::get(b.getContext(), f, -1, ArrayRef<double>{});
    return quantize(mean, Value(), format, QuantGradient::identity);
  }
  case WeightScheme::Twn: {
    // delta = 0.7 mean|w|; alpha = mean of |w| over |w| > delta.
    Value delta = scaleBy(reduceWeights(b, loc, w, axis, 0.0, {}, sumAbs),
                          0.7 / perScale);
    auto above = [&](OpBuilder &nb, Location nloc, Value v, Value d) {
      return arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGT,
                                   absOf(nb, nloc, v), d);
    };
    Value sumAbove = reduceWeights(
        b, loc, w, axis, 0.0, {delta},
        [&](OpBuilder &nb, Location nloc, Value v, Value acc,
            ValueRange extra) {
          Value term =
              arith::SelectOp::create(nb, nloc, above(nb, nloc, v, extra[0]),
                                      absOf(nb, nloc, v), cst(nb, nloc, 0.0));
          return arith::AddFOp::create(nb, nloc, acc, term).getResult();
        });
    Value countAbove = reduceWeights(
        b, loc, w, axis, 0.0, {delta},
        [&](OpBuilder &nb, Location nloc, Value v, Value acc,
            ValueRange extra) {
          Value term =
              arith::SelectOp::create(nb, nloc, above(nb, nloc, v, extra[0]),
                                      cst(nb, nloc, 1.0), cst(nb, nloc, 0.0));
          return arith::AddFOp::create(nb, nloc, acc, term).getResult();
        });
    Value alpha = createElementwise(
        b, loc, {sumAbove, countAbove},
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value count =
              arith::MaximumFOp::create(nb, nloc, args[1], cst(nb, nloc, 1.0));
          return arith::DivFOp::create(nb, nloc, args[0], count).getResult();
        });
    auto format = TernaryType::get(b.getContext(), f, -1, ArrayRef<double>{});
    return quantize(alpha, delta, format, QuantGradient::identity);
  }
  }
  llvm_unreachable("unknown weight scheme");
}

Value InsertFakeQuantPass::quantizeActivations(OpBuilder &b, Location loc,
                                               Value x, const LayerPlan &plan,
                                               SymbolTable &symbols) {
  auto type = cast<RankedTensorType>(x.getType());
  Type element = type.getElementType();
  auto f = cast<FloatType>(element);
  auto scalarType = RankedTensorType::get({}, element);
  auto quantize = [&](Value input, Value scale, Type format) -> Value {
    return ScaledFakeQuantOp::create(
               b, loc, x.getType(), input, scale, Value(), Value(),
               TypeAttr::get(format), IntegerAttr(),
               QuantGradientAttr::get(b.getContext(), QuantGradient::ste),
               FloatAttr(),
               ArithmeticAttr::get(b.getContext(), Arithmetic::exact))
        .getResult();
  };
  switch (plan.activations) {
  case ActivationScheme::None:
    return x;
  case ActivationScheme::Sign: {
    // sign(x) with the hard-tanh straight-through gradient: scale 1.
    replaceReluByHardTanh(x);
    Value one = createFloatConstant(b, loc, scalarType, 1.0);
    return quantize(x, one,
                    BinaryType::get(b.getContext(), f, -1, ArrayRef<double>{}));
  }
  case ActivationScheme::Ste:
    return observeAndQuantize(b, loc, x, plan);
  case ActivationScheme::Lsq: {
    // A learned step on [0, 2^b - 1] where x is known non-negative, else on
    // [-2^(b-1), 2^(b-1) - 1]; gradient scale 1 / sqrt(n qp), n the
    // features of one sample (the LSQ paper's), when they are static.
    bool nonNegative = isKnownNonNegative(x);
    int64_t bits = plan.activationBits;
    int64_t qn = nonNegative ? 0 : int64_t(1) << (bits - 1);
    int64_t qp = nonNegative ? (int64_t(1) << bits) - 1 : qn - 1;
    Value step = learnedStep(b, loc, x, std::nullopt, qp, "lsq_act_step");
    auto format = FixedType::get(b.getContext(), bits, !nonNegative, -qn, qp, f,
                                 -1, ArrayRef<double>{}, ArrayRef<int64_t>{});
    // One sample's features: the static dimensions when only the batch is
    // dynamic (wherever a transpose put it), all but the first when the
    // shape is static.
    FloatAttr gradScale;
    int64_t dynamicDims =
        llvm::count_if(type.getShape(), ShapedType::isDynamic);
    if (type.getRank() > 0 && dynamicDims <= 1) {
      double features = 1;
      for (auto [d, size] : llvm::enumerate(type.getShape()))
        if (!ShapedType::isDynamic(size) && (dynamicDims == 1 || d > 0))
          features *= static_cast<double>(size);
      gradScale = b.getF64FloatAttr(1.0 / std::sqrt(features * double(qp)));
    }
    return ScaledFakeQuantOp::create(
               b, loc, x.getType(), x, step, Value(), Value(),
               TypeAttr::get(format), IntegerAttr(),
               QuantGradientAttr::get(b.getContext(), QuantGradient::lsq),
               gradScale,
               ArithmeticAttr::get(b.getContext(), Arithmetic::exact))
        .getResult();
  }
  case ActivationScheme::Pact: {
    // alpha: a new parameter of the model, with its own L2 (pact-decay),
    // kept positive.
    ml_program::GlobalOp global =
        addGlobal(loc, "pact_alpha", scalarType, pactInit, false);
    auto *dialect = b.getContext()->getLoadedDialect<QuantxDialect>();
    dialect->getWeightDecayAttrHelper().setAttr(global,
                                                b.getF64FloatAttr(pactDecay));
    dialect->getClipAttrHelper().setAttr(global, getPositiveRange(b, element));
    Value alpha = ml_program::GlobalLoadOp::create(
        b, loc, scalarType, FlatSymbolRefAttr::get(global));
    // clip(x, 0, alpha): the minimum passes alpha's gradient where
    // x >= alpha (PACT).
    int64_t rank = type.getRank();
    MLIRContext *context = b.getContext();
    AffineMap full = AffineMap::getMultiDimIdentityMap(rank, context);
    AffineMap scalar = AffineMap::get(rank, 0, {}, context);
    Value clipped = createGeneric(
        b, loc, {x, alpha}, {full, scalar}, createEmptyLike(b, loc, x), full,
        SmallVector<bool>(rank, false),
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value low = arith::MaximumFOp::create(
              nb, nloc, args[0], createFloatConstant(nb, nloc, element, 0.0));
          return arith::MinimumFOp::create(nb, nloc, low, args[1]).getResult();
        });
    int64_t levels = (int64_t(1) << plan.activationBits) - 1;
    Value scale = createElementwise(
        b, loc, {alpha}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::DivFOp::create(
                     nb, nloc, args[0],
                     createFloatConstant(nb, nloc, element, double(levels)))
              .getResult();
        });
    auto format = FixedType::get(b.getContext(), plan.activationBits,
                                 /*isSigned=*/false, 0, levels, f, -1,
                                 ArrayRef<double>{}, ArrayRef<int64_t>{});
    return quantize(clipped, scale, format);
  }
  }
  llvm_unreachable("unknown activation scheme");
}

ml_program::GlobalOp InsertFakeQuantPass::addGlobal(Location loc,
                                                    StringRef name,
                                                    RankedTensorType type,
                                                    double value,
                                                    bool modelState) {
  return addTrainingGlobal(getOperation(), *symbols, loc, name, type, value,
                           modelState);
}

Value InsertFakeQuantPass::learnedStep(OpBuilder &b, Location loc, Value data,
                                       std::optional<int64_t> axis, int64_t qp,
                                       StringRef name) {
  auto type = cast<RankedTensorType>(data.getType());
  Type element = type.getElementType();
  MLIRContext *context = b.getContext();
  auto *dialect = context->getLoadedDialect<QuantxDialect>();
  SmallVector<int64_t> shape;
  if (axis)
    shape.push_back(type.getDimSize(*axis));
  auto stepType = RankedTensorType::get(shape, element);
  auto scalarType = RankedTensorType::get({}, element);
  // The parameter (its value is replaced on the first step), with no
  // weight decay and kept positive.
  ml_program::GlobalOp global = addGlobal(loc, name, stepType, 1.0, false);
  dialect->getWeightDecayAttrHelper().setAttr(global, b.getF64FloatAttr(0.0));
  dialect->getClipAttrHelper().setAttr(global, getPositiveRange(b, element));
  ml_program::GlobalOp &flag = lsqReady[element];
  if (!flag) {
    OpBuilder::InsertionGuard guard(b);
    flag = addGlobal(loc, "lsq_initialized", scalarType, 0.0, true);
  }
  Value stored = ml_program::GlobalLoadOp::create(
      b, loc, stepType, FlatSymbolRefAttr::get(global));
  Value ready = ml_program::GlobalLoadOp::create(b, loc, scalarType,
                                                 FlatSymbolRefAttr::get(flag));

  // 2 mean|data| / sqrt(qp) per step, from the data, computed only while
  // the steps are not initialized (no gradient).
  Value notReady = arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::ULE,
      tensor::ExtractOp::create(b, loc, ready, ValueRange()),
      createFloatConstant(b, loc, element, 0.5));
  auto branch = scf::IfOp::create(b, loc, TypeRange{stepType}, notReady,
                                  /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&branch.getElseRegion().front());
    scf::YieldOp::create(b, loc, stored);
    b.setInsertionPointToStart(&branch.getThenRegion().front());
    Value sumAbs = reduceWeights(
        b, loc, data, axis, 0.0, {},
        [&](OpBuilder &nb, Location nloc, Value v, Value acc, ValueRange) {
          return arith::AddFOp::create(nb, nloc, acc,
                                       math::AbsFOp::create(nb, nloc, v))
              .getResult();
        });
    Value count;
    if (type.hasStaticShape()) {
      count = createFloatConstant(
          b, loc, element,
          static_cast<double>(type.getNumElements() /
                              (axis ? type.getDimSize(*axis) : 1)));
    } else {
      Value elements = arith::ConstantIndexOp::create(b, loc, 1);
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (!axis || d != *axis)
          elements = arith::MulIOp::create(
              b, loc, elements, tensor::DimOp::create(b, loc, data, d));
      count = arith::UIToFPOp::create(
          b, loc, element,
          arith::IndexCastUIOp::create(b, loc, b.getI64Type(), elements));
    }
    Value fromData = createElementwise(
        b, loc, {sumAbs}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value mean = arith::DivFOp::create(nb, nloc, args[0], count);
          Value step = arith::MulFOp::create(
              nb, nloc, mean,
              createFloatConstant(nb, nloc, element,
                                  2.0 / std::sqrt(double(qp))));
          return arith::MaximumFOp::create(
                     nb, nloc, step,
                     createFloatConstant(nb, nloc, element,
                                         getSmallestScale(element)))
              .getResult();
        });
    scf::YieldOp::create(b, loc, fromData);
  }
  Value initial =
      StopGradientOp::create(b, loc, branch.getResult(0)).getResult();
  int64_t rank = stepType.getRank();
  AffineMap full = AffineMap::getMultiDimIdentityMap(rank, context);
  AffineMap scalar = AffineMap::get(rank, 0, {}, context);
  Value step = createGeneric(
      b, loc, {ready, stored, initial}, {scalar, full, full},
      createEmptyLike(b, loc, stored), full, SmallVector<bool>(rank, false),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value done =
            arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGT, args[0],
                                  createFloatConstant(nb, nloc, element, 0.5));
        return arith::SelectOp::create(nb, nloc, done, args[1], args[2])
            .getResult();
      });
  ml_program::GlobalStoreOp::create(b, loc, FlatSymbolRefAttr::get(global),
                                    step);
  return step;
}

/// PyTorch's MovingAverageMinMaxObserver and affine fake quantization: the
/// batch's min and max move the stored range by `averaging` (the first
/// batch sets it); in training the updated range is used and stored, in
/// inference the stored one (quantx.mode_select). The range always includes
/// 0; the grid is unsigned with a zero point.
Value InsertFakeQuantPass::observeAndQuantize(OpBuilder &b, Location loc,
                                              Value x, const LayerPlan &plan) {
  constexpr double averaging = 0.01;
  auto type = cast<RankedTensorType>(x.getType());
  Type element = type.getElementType();
  auto f = cast<FloatType>(element);
  auto scalarType = RankedTensorType::get({}, element);
  double inf = std::numeric_limits<double>::infinity();
  // The stored range starts empty (+inf, -inf): the first batch sets it.
  ml_program::GlobalOp loGlobal =
      addGlobal(loc, "act_min", scalarType, inf, true);
  ml_program::GlobalOp hiGlobal =
      addGlobal(loc, "act_max", scalarType, -inf, true);
  Value loStored = ml_program::GlobalLoadOp::create(
      b, loc, scalarType, FlatSymbolRefAttr::get(loGlobal));
  Value hiStored = ml_program::GlobalLoadOp::create(
      b, loc, scalarType, FlatSymbolRefAttr::get(hiGlobal));
  int64_t rank = type.getRank();
  MLIRContext *context = b.getContext();
  AffineMap full = AffineMap::getMultiDimIdentityMap(rank, context);
  AffineMap scalar = AffineMap::get(rank, 0, {}, context);
  auto reduce = [&](double init, bool isMax) {
    return createGeneric(
        b, loc, {x}, {full}, createFilled(b, loc, {}, element, init), scalar,
        SmallVector<bool>(rank, true),
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          if (isMax)
            return arith::MaximumFOp::create(nb, nloc, args[1], args[0]);
          return arith::MinimumFOp::create(nb, nloc, args[1], args[0]);
        });
  };
  Value batchLo = reduce(inf, false), batchHi = reduce(-inf, true);
  auto update = [&](Value stored, Value batch) {
    return createElementwise(
        b, loc, {stored, batch},
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          auto cst = [&](double v) {
            return createFloatConstant(nb, nloc, element, v);
          };
          Value moved = arith::AddFOp::create(
              nb, nloc,
              arith::MulFOp::create(nb, nloc, args[0], cst(1 - averaging)),
              arith::MulFOp::create(nb, nloc, args[1], cst(averaging)));
          Value empty = arith::CmpFOp::create(
              nb, nloc, arith::CmpFPredicate::OEQ,
              math::AbsFOp::create(nb, nloc, args[0]), cst(inf));
          return arith::SelectOp::create(nb, nloc, empty, args[1], moved);
        });
  };
  Value lo = ModeSelectOp::create(b, loc, update(loStored, batchLo), loStored)
                 .getResult();
  Value hi = ModeSelectOp::create(b, loc, update(hiStored, batchHi), hiStored)
                 .getResult();
  ml_program::GlobalStoreOp::create(b, loc, FlatSymbolRefAttr::get(loGlobal),
                                    lo);
  ml_program::GlobalStoreOp::create(b, loc, FlatSymbolRefAttr::get(hiGlobal),
                                    hi);
  // scale = (max(hi, 0) - min(lo, 0)) / qmax, zero point -min(lo, 0) / scale.
  int64_t qmax = (int64_t(1) << plan.activationBits) - 1;
  Value scale = createElementwise(
      b, loc, {lo, hi}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        auto cst = [&](double v) {
          return createFloatConstant(nb, nloc, element, v);
        };
        Value low = arith::MinimumFOp::create(nb, nloc, args[0], cst(0.0));
        Value high = arith::MaximumFOp::create(nb, nloc, args[1], cst(0.0));
        Value span = arith::SubFOp::create(nb, nloc, high, low);
        Value step = arith::DivFOp::create(nb, nloc, span, cst(double(qmax)));
        return arith::MaximumFOp::create(
            nb, nloc, step, cst(std::numeric_limits<float>::epsilon()));
      });
  Value zeroPoint = createElementwise(
      b, loc, {lo, scale}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value low = arith::MinimumFOp::create(
            nb, nloc, args[0], createFloatConstant(nb, nloc, element, 0.0));
        Value negated = arith::NegFOp::create(nb, nloc, low);
        return arith::DivFOp::create(nb, nloc, negated, args[1]).getResult();
      });
  auto format = FixedType::get(context, plan.activationBits,
                               /*isSigned=*/false, 0, qmax, f, -1,
                               ArrayRef<double>{}, ArrayRef<int64_t>{});
  return ScaledFakeQuantOp::create(
             b, loc, x.getType(), x, scale, zeroPoint, Value(),
             TypeAttr::get(format), IntegerAttr(),
             QuantGradientAttr::get(context, QuantGradient::ste), FloatAttr(),
             ArithmeticAttr::get(context, Arithmetic::exact))
      .getResult();
}

void InsertFakeQuantPass::runOnOperation() {
  ModuleOp module = getOperation();
  WeightScheme weightScheme;
  ActivationScheme activationScheme;
  if (failed(parseOptions(weightScheme, activationScheme)))
    return signalPassFailure();
  SymbolTable symbolTable(module);
  symbols = &symbolTable;
  bool quantizedAny = false;
  for (auto candidate : llvm::to_vector(module.getOps<func::FuncOp>())) {
    if (candidate.isExternal())
      continue;
    function = candidate;
    lsqReady.clear();
    SmallVector<linalg::LinalgOp> contractions = collectContractions(function);
    if (contractions.empty())
      continue;
    SmallVector<Layer> layers;
    for (linalg::LinalgOp op : contractions) {
      FailureOr<Layer> layer = classify(op);
      if (failed(layer))
        return signalPassFailure();
      layers.push_back(*layer);
    }
    for (auto [k, layer] : llvm::enumerate(layers)) {
      if (layer.skipped)
        continue;
      LayerPlan plan{weightScheme, activationScheme, weightBits,
                     activationBits};
      bool edge = k == 0 || k + 1 == layers.size();
      if (edge && firstLastBits > 0) {
        if (plan.weights != WeightScheme::None)
          plan.weights = WeightScheme::Ste;
        // Sign activations have no N-bit form: observed ranges instead. So
        // does the first layer's input, the model's: a learned clip or step
        // there would need the gradient with respect to the model's input
        // (a whole extra backward convolution) for one scalar.
        if (plan.activations == ActivationScheme::Sign ||
            (k == 0 && plan.activations != ActivationScheme::None))
          plan.activations = ActivationScheme::Ste;
        plan.weightBits = plan.activationBits = firstLastBits;
      }
      OpBuilder b(layer.op);
      Location loc = layer.op.getLoc();
      Value w = layer.op.getDpsInputOperand(layer.weightIndex)->get();
      Value x = layer.op.getDpsInputOperand(layer.activationIndex)->get();
      std::optional<int64_t> axis;
      if (perChannel && plan.weights != WeightScheme::None) {
        if (!layer.channelDim) {
          StringRef why = "per-channel weights: the weight operand has no "
                          "output-channel dimension (no dimension indexed by "
                          "a parallel loop of the output); use "
                          "per-channel=false";
          if (!bestEffort) {
            layer.op->emitError(why);
            return signalPassFailure();
          }
          layer.op->emitRemark("quantx-insert-fake-quant: this layer stays "
                               "float: ")
              << why;
          continue;
        }
        axis = layer.channelDim;
      }
      Value qw = quantizeWeights(b, loc, w, axis, plan);
      Value qx = quantizeActivations(b, loc, x, plan, symbolTable);
      layer.op->setOperand(layer.weightIndex, qw);
      layer.op->setOperand(layer.activationIndex, qx);
      quantizedAny = true;
    }
    // Every learned step of the function is initialized after one step.
    for (auto &[element, flag] : lsqReady)
      for (Block &block : function.getBody()) {
        Operation *terminator = block.getTerminator();
        if (!isa<func::ReturnOp>(terminator))
          continue;
        OpBuilder b(terminator);
        Location loc = function.getLoc();
        Value one = createFloatConstant(b, loc, flag.getType(), 1.0);
        ml_program::GlobalStoreOp::create(b, loc, FlatSymbolRefAttr::get(flag),
                                          one);
      }
  }
  if (!quantizedAny) {
    module.emitError("quantx-insert-fake-quant: no layer was quantized: no "
                     "function has a contraction to quantize (linalg.matmul, "
                     "batch_matmul, conv_2d_nhwc_hwcf, "
                     "depthwise_conv_2d_nhwc_hwc, a contraction "
                     "linalg.generic) that could be");
    return signalPassFailure();
  }
}

} // namespace
