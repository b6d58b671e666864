//===- QuantInterop.cpp - FormatTypeInterface for !quant.uniform ----------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// External models of FormatTypeInterface on the upstream quant dialect's
// uniform types (per tensor and per axis). With them, quantx operations and
// passes work on `!quant.uniform` values directly; their numerics are those
// of `!quantx.fixed` with the same parameters.
//
//===----------------------------------------------------------------------===//

#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"

#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/DialectRegistry.h"

using namespace mlir;
using namespace mlir::quantx;
namespace num = ::quantx::numerics;

namespace {

/// The parts of the model common to both uniform types; `ConcreteType`
/// provides getScaleAndZeroPoint(channel).
template <typename Model, typename ConcreteType>
struct UniformModelBase
    : FormatTypeInterface::ExternalModel<Model, ConcreteType> {
  static num::FixedPointFormat getFixedFormat(ConcreteType type) {
    return {type.getStorageTypeIntegralWidth(), type.isSigned(),
            type.getStorageTypeMin(), type.getStorageTypeMax()};
  }
  unsigned getStorageWidth(Type type) const {
    return cast<ConcreteType>(type).getStorageTypeIntegralWidth();
  }
  bool isStorageSigned(Type type) const {
    return cast<ConcreteType>(type).isSigned();
  }
  IntegerType getStorageType(Type type) const {
    return IntegerType::get(type.getContext(), getStorageWidth(type));
  }
  FloatType getExpressedFloatType(Type type) const {
    return dyn_cast<FloatType>(cast<ConcreteType>(type).getExpressedType());
  }
  int64_t encode(Type type, double value, num::RoundingMode mode,
                 uint32_t randomBits, int64_t channel) const {
    auto [scale, zeroPoint] =
        Model::getScaleAndZeroPoint(cast<ConcreteType>(type), channel);
    return getFixedFormat(cast<ConcreteType>(type))
        .encode(value, scale, zeroPoint, mode, randomBits);
  }
  double decode(Type type, int64_t code, int64_t channel) const {
    auto [scale, zeroPoint] =
        Model::getScaleAndZeroPoint(cast<ConcreteType>(type), channel);
    return num::FixedPointFormat::decode(code, scale, zeroPoint);
  }
  std::optional<std::pair<double, int64_t>>
  getAffineParams(Type type, int64_t channel) const {
    return Model::getScaleAndZeroPoint(cast<ConcreteType>(type), channel);
  }
  std::pair<int64_t, int64_t> getCodeRange(Type type) const {
    auto concrete = cast<ConcreteType>(type);
    return {concrete.getStorageTypeMin(), concrete.getStorageTypeMax()};
  }
  /// Upstream accepts what quantx's fixed-point formats do not (zero points
  /// outside the storage range, storage wider than 32 bits): check every
  /// parameter as !quantx.fixed would.
  LogicalResult
  verifyFormat(Type type, function_ref<InFlightDiagnostic()> emitError) const {
    auto concrete = cast<ConcreteType>(type);
    num::FixedPointFormat format = getFixedFormat(concrete);
    if (std::optional<std::string> message = format.verify())
      return emitError() << "format " << type << ": " << *message;
    if (!isa<FloatType>(concrete.getExpressedType()))
      return emitError() << "format " << type
                         << ": expected a float expressed type";
    int64_t channels = Model::getNumChannelsOf(concrete);
    for (int64_t channel = 0; channel < channels; ++channel) {
      auto [scale, zeroPoint] = Model::getScaleAndZeroPoint(concrete, channel);
      if (std::optional<std::string> message =
              format.verifyParams(scale, zeroPoint)) {
        InFlightDiagnostic diag = emitError() << "format " << type << ": ";
        if (channels > 1)
          diag << "channel " << channel << ": ";
        return diag << *message;
      }
    }
    return success();
  }
  num::FormatDescription getDescription(Type type) const {
    auto concrete = cast<ConcreteType>(type);
    num::FormatDescription description;
    description.kind = num::FormatDescription::Kind::Fixed;
    description.fixed = getFixedFormat(concrete);
    int64_t channels = Model::getNumChannelsOf(concrete);
    for (int64_t channel = 0; channel < channels; ++channel) {
      auto [scale, zeroPoint] = Model::getScaleAndZeroPoint(concrete, channel);
      description.scales.push_back(scale);
      description.zeroPoints.push_back(zeroPoint);
    }
    description.axis = static_cast<const Model *>(this)->getChannelAxis(type);
    return description;
  }
  std::pair<double, double> getRepresentableRange(Type type,
                                                  int64_t channel) const {
    auto concrete = cast<ConcreteType>(type);
    return {decode(type, concrete.getStorageTypeMin(), channel),
            decode(type, concrete.getStorageTypeMax(), channel)};
  }
};

struct UniformModel
    : UniformModelBase<UniformModel, quant::UniformQuantizedType> {
  static std::pair<double, int64_t>
  getScaleAndZeroPoint(quant::UniformQuantizedType type, int64_t) {
    return {type.getScale(), type.getZeroPoint()};
  }
  static int64_t getNumChannelsOf(quant::UniformQuantizedType) { return 1; }
  std::optional<int32_t> getChannelAxis(Type) const { return std::nullopt; }
  int64_t getNumChannels(Type) const { return 1; }
};

struct UniformPerAxisModel
    : UniformModelBase<UniformPerAxisModel,
                       quant::UniformQuantizedPerAxisType> {
  static std::pair<double, int64_t>
  getScaleAndZeroPoint(quant::UniformQuantizedPerAxisType type,
                       int64_t channel) {
    return {type.getScales()[channel], type.getZeroPoints()[channel]};
  }
  static int64_t getNumChannelsOf(quant::UniformQuantizedPerAxisType type) {
    return type.getScales().size();
  }
  std::optional<int32_t> getChannelAxis(Type type) const {
    return cast<quant::UniformQuantizedPerAxisType>(type)
        .getQuantizedDimension();
  }
  int64_t getNumChannels(Type type) const {
    return cast<quant::UniformQuantizedPerAxisType>(type).getScales().size();
  }
};

} // namespace

void mlir::quantx::registerQuantInterfaceExternalModels(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, quant::QuantDialect *) {
    quant::UniformQuantizedType::attachInterface<UniformModel>(*context);
    quant::UniformQuantizedPerAxisType::attachInterface<UniformPerAxisModel>(
        *context);
  });
}
