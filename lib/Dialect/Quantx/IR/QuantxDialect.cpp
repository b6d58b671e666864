//===- QuantxDialect.cpp - quantx dialect ---------------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxDialect.h"
#include "quantx/Dialect/Quantx/IR/Accumulation.h"
#include "quantx/Dialect/Quantx/IR/QuantxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::quantx;

#include "quantx/Dialect/Quantx/IR/QuantxOpsDialect.cpp.inc"

#include "quantx/Dialect/Quantx/IR/QuantxEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "quantx/Dialect/Quantx/IR/QuantxAttrs.cpp.inc"

void QuantxDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "quantx/Dialect/Quantx/IR/QuantxAttrs.cpp.inc"
      >();
}

void QuantxDialect::initialize() {
  registerTypes();
  registerAttributes();
  addOperations<
#define GET_OP_LIST
#include "quantx/Dialect/Quantx/IR/QuantxOps.cpp.inc"
      >();
}

Operation *QuantxDialect::materializeConstant(OpBuilder &builder,
                                              Attribute value, Type type,
                                              Location loc) {
  // Folders produce float or storage-integer constants only.
  return arith::ConstantOp::materialize(builder, value, type, loc);
}

//===----------------------------------------------------------------------===//
// The training contract
//===----------------------------------------------------------------------===//

/// Checks that `attr` is a string naming a case of an enum.
template <typename EnumT>
static LogicalResult verifyEnumString(
    function_ref<InFlightDiagnostic()> emitError, NamedAttribute attr,
    std::optional<EnumT> (*symbolize)(StringRef), StringRef expected) {
  auto string = dyn_cast<StringAttr>(attr.getValue());
  if (!string || !symbolize(string.getValue()))
    return emitError() << "'" << attr.getName().getValue()
                       << "' must be one of " << expected << ", got "
                       << attr.getValue();
  return success();
}

LogicalResult QuantxDialect::verifyOperationAttribute(Operation *op,
                                                      NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto emitError = [&] { return op->emitOpError(); };
  if (name == InitAttrHelper::getNameStr() ||
      name == BufferAttrHelper::getNameStr()) {
    auto global = dyn_cast<ml_program::GlobalOp>(op);
    if (!global || !global.getIsMutable())
      return op->emitError("'")
             << name << "' belongs on a mutable ml_program.global";
    if (name == BufferAttrHelper::getNameStr()) {
      if (!isa<UnitAttr>(attr.getValue()))
        return emitError() << "'" << name << "' is a unit attribute";
      return success();
    }
    return verifyEnumString<Initializer>(
        emitError, attr, symbolizeInitializer,
        "\"he_normal\", \"xavier_uniform\", \"fan_in_uniform\", \"zeros\" "
        "or \"ones\"");
  }
  if (name == MasterAttrHelper::getNameStr()) {
    auto global = dyn_cast<ml_program::GlobalOp>(op);
    if (!global || !global.getIsMutable() ||
        global->hasAttr(BufferAttrHelper::getNameStr()))
      return op->emitError("'")
             << name << "' belongs on a parameter (a mutable "
             << "ml_program.global that is not quantx.buffer)";
    auto type = dyn_cast<TypeAttr>(attr.getValue());
    if (!type || !isa<FloatFormatType>(type.getValue()))
      return emitError() << "'" << name
                         << "' must be a !quantx.float format, got "
                         << attr.getValue();
    return success();
  }
  if (name == WeightDecayAttrHelper::getNameStr() ||
      name == ClipAttrHelper::getNameStr()) {
    auto global = dyn_cast<ml_program::GlobalOp>(op);
    if (!global || !global.getIsMutable() ||
        global->hasAttr(BufferAttrHelper::getNameStr()))
      return op->emitError("'")
             << name << "' belongs on a parameter (a mutable "
             << "ml_program.global that is not quantx.buffer)";
    // Both attributes act in the parameter's own type: their values must
    // stay finite there.
    auto shaped = dyn_cast<ShapedType>(global.getType());
    auto element =
        shaped ? dyn_cast<FloatType>(shaped.getElementType()) : FloatType();
    auto rounded = [&](double value) {
      APFloat v(value);
      if (element) {
        bool lost;
        v.convert(element.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                  &lost);
      }
      return v;
    };
    if (name == WeightDecayAttrHelper::getNameStr()) {
      auto decay = dyn_cast<FloatAttr>(attr.getValue());
      if (!decay || !(decay.getValueAsDouble() >= 0) ||
          !rounded(decay.getValueAsDouble()).isFinite())
        return emitError() << "'" << name
                           << "' must be a float >= 0, finite in the "
                              "parameter's type, got "
                           << attr.getValue();
      return success();
    }
    auto bounds = dyn_cast<DenseF64ArrayAttr>(attr.getValue());
    if (!bounds || bounds.size() != 2 || !std::isfinite(bounds[0]) ||
        !std::isfinite(bounds[1]) || !(bounds[0] < bounds[1]))
      return emitError() << "'" << name
                         << "' must be array<f64: LO, HI> with finite "
                            "LO < HI, got "
                         << attr.getValue();
    if (element) {
      APFloat low = rounded(bounds[0]), high = rounded(bounds[1]);
      if (!low.isFinite() || !high.isFinite() ||
          low.compare(high) != APFloat::cmpLessThan)
        return emitError() << "'" << name << "' bounds " << attr.getValue()
                           << " are not finite with LO < HI in the "
                              "parameter's type "
                           << element;
    }
    return success();
  }
  if (name == LossScaleAttrHelper::getNameStr() ||
      name == DynamicLossScaleAttrHelper::getNameStr()) {
    if (!isa<ModuleOp>(op))
      return op->emitError("'") << name << "' belongs on the module";
    // The scale multiplies f32 gradients: it must be a positive normal f32.
    auto isScale = [](double value) {
      auto f = static_cast<float>(value);
      return std::isfinite(f) && f >= std::numeric_limits<float>::min();
    };
    if (name == LossScaleAttrHelper::getNameStr()) {
      auto scale = dyn_cast<FloatAttr>(attr.getValue());
      if (!scale || !isScale(scale.getValueAsDouble()))
        return emitError() << "'" << name
                           << "' must be a positive finite (normal f32) "
                              "float, got "
                           << attr.getValue();
      if (op->hasAttr(DynamicLossScaleAttrHelper::getNameStr()))
        return emitError() << "has both a static and a dynamic loss scale";
      return success();
    }
    auto values = dyn_cast<DenseF64ArrayAttr>(attr.getValue());
    if (!values || values.size() != 2 || !isScale(values[0]) ||
        !(values[1] >= 1 && values[1] <= (1 << 24)) ||
        values[1] != std::floor(values[1]))
      return emitError() << "'" << name
                         << "' must be array<f64: INIT, INTERVAL> with INIT a "
                            "positive finite (normal f32) scale and INTERVAL "
                            "an integer in [1, 2^24], got "
                         << attr.getValue();
    return success();
  }
  if (name == AccumulateAttrHelper::getNameStr()) {
    auto contraction = dyn_cast<linalg::LinalgOp>(op);
    if (!contraction || !getAccumulatedTerm(contraction))
      return op->emitError("'")
             << name << "' belongs on a contraction: a linalg op on "
             << "tensors with reduction loops whose body yields the sum of "
             << "its float accumulator and one term";
    auto accumulation = dyn_cast<AccumulationAttr>(attr.getValue());
    if (!accumulation)
      return emitError() << "'" << name
                         << "' must be a #quantx.accumulation, got "
                         << attr.getValue();
    Value term = getAccumulatedTerm(contraction);
    return verifyAccumulation(emitError, accumulation,
                              cast<FloatType>(term.getType()));
  }
  if (name == GradientRoundingAttrHelper::getNameStr()) {
    auto rounding = dyn_cast<FakeQuantOp>(op);
    if (!rounding || !isa<FloatFormatType>(rounding.getFormat()))
      return op->emitError("'")
             << name << "' belongs on a quantx.fake_quant onto a "
             << "!quantx.float (a gradient's rounding)";
    if (!isa<UnitAttr>(attr.getValue()))
      return emitError() << "'" << name << "' is a unit attribute";
    return success();
  }
  if (name == StatAttrHelper::getNameStr())
    return op->emitError("'") << name << "' belongs on a function result";
  if (name == ParamAttrHelper::getNameStr() ||
      name == ModelStateAttrHelper::getNameStr() ||
      name == StateAttrHelper::getNameStr() ||
      name == HyperAttrHelper::getNameStr())
    return op->emitError("'") << name << "' belongs on a function argument";
  return op->emitError("unknown quantx attribute '") << name << "'";
}

LogicalResult QuantxDialect::verifyRegionResultAttribute(Operation *op,
                                                         unsigned regionIndex,
                                                         unsigned resultIndex,
                                                         NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (name != StatAttrHelper::getNameStr())
    return op->emitError("'") << name << "' does not belong on a result";
  if (!function || regionIndex != 0)
    return op->emitError("'") << name << "' belongs on a function result";
  Type type = function.getResultTypes()[resultIndex];
  auto emitError = [&] {
    return op->emitOpError() << "result #" << resultIndex << ": ";
  };
  // An i64 scalar tensor (or memref once bufferized); lowered functions
  // carry the attribute on unchecked.
  auto shaped = dyn_cast<ShapedType>(type);
  bool lowered = !shaped && !type.isIntOrIndexOrFloat();
  if (!lowered && !(shaped && shaped.hasRank() && shaped.getRank() == 0 &&
                    shaped.getElementType().isInteger(64)))
    return emitError() << "a statistic must be an i64 scalar tensor, got "
                       << type;
  return verifyEnumString<StepStatistic>(
      emitError, attr, symbolizeStepStatistic,
      "\"gradient_nonzero\", \"gradient_underflow\" or "
      "\"gradient_overflow\"");
}

LogicalResult QuantxDialect::verifyRegionArgAttribute(Operation *op,
                                                      unsigned regionIndex,
                                                      unsigned argIndex,
                                                      NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto function = dyn_cast<FunctionOpInterface>(op);
  if (!function || regionIndex != 0)
    return op->emitError("'") << name << "' belongs on a function argument";
  Type type = function.getArgumentTypes()[argIndex];
  auto emitError = [&] {
    return op->emitOpError() << "argument #" << argIndex << ": ";
  };
  // Tensors, or memrefs once bufferized; lowered functions (LLVM types)
  // carry the attributes on through their wrappers unchecked.
  auto shaped = dyn_cast<ShapedType>(type);
  bool lowered = !shaped && !type.isIntOrIndexOrFloat();
  bool floatTensor = lowered || (shaped && shaped.hasRank() &&
                                 isa<FloatType>(shaped.getElementType()));
  if (name == ParamAttrHelper::getNameStr() ||
      name == ModelStateAttrHelper::getNameStr()) {
    auto ref = dyn_cast<FlatSymbolRefAttr>(attr.getValue());
    if (!ref)
      return emitError() << "'" << name << "' must name a global (@name), got "
                         << attr.getValue();
    if (!floatTensor)
      return emitError() << (name == ParamAttrHelper::getNameStr()
                                 ? "a parameter"
                                 : "model state")
                         << " must be a ranked float tensor, got " << type;
    return success();
  }
  if (name == StateAttrHelper::getNameStr()) {
    if (!floatTensor)
      return emitError() << "optimizer state must be a ranked float tensor, "
                            "got "
                         << type;
    return verifyEnumString<OptimizerState>(
        emitError, attr, symbolizeOptimizerState,
        "\"velocity\", \"adam_m\", \"adam_v\", \"adam_step\", "
        "\"loss_scale\", \"good_steps\" or \"skipped_steps\"");
  }
  if (name == HyperAttrHelper::getNameStr()) {
    if (!floatTensor || (shaped && shaped.getRank() != 0))
      return emitError() << "a hyperparameter must be a float scalar tensor, "
                            "got "
                         << type;
    return verifyEnumString<Hyperparameter>(
        emitError, attr, symbolizeHyperparameter, "\"learning_rate\"");
  }
  if (name == StatAttrHelper::getNameStr())
    return emitError() << "'" << name << "' belongs on a function result";
  if (name == LossScaleAttrHelper::getNameStr() ||
      name == DynamicLossScaleAttrHelper::getNameStr())
    return emitError() << "'" << name << "' belongs on the module";
  if (name == GradientRoundingAttrHelper::getNameStr())
    return emitError() << "'" << name << "' belongs on a quantx.fake_quant";
  if (name == InitAttrHelper::getNameStr() ||
      name == BufferAttrHelper::getNameStr() ||
      name == MasterAttrHelper::getNameStr() ||
      name == WeightDecayAttrHelper::getNameStr() ||
      name == ClipAttrHelper::getNameStr())
    return emitError() << "'" << name
                       << "' belongs on a mutable ml_program.global";
  return emitError() << "unknown quantx attribute '" << name << "'";
}
