//===- ModelSize.cpp - the bytes a model stores ---------------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Runtime/ModelSize.h"

#include "quantx/Dialect/Quantx/IR/QuantxOps.h"
#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/DenseSet.h"

using namespace mlir;
using namespace mlir::quantx;

namespace {

/// Bytes of one element as the compiled code stores it.
int64_t getElementBytes(Type element) {
  if (element.isIntOrFloat())
    return std::max<int64_t>(1, (element.getIntOrFloatBitWidth() + 7) / 8);
  if (auto format = dyn_cast<FormatTypeInterface>(element))
    return std::max<int64_t>(1, (format.getStorageWidth() + 7) / 8);
  return 8; // index
}

int64_t getValueBytes(ShapedType type, Attribute value) {
  if (!type.hasStaticShape())
    return 0;
  int64_t elements = type.getNumElements();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(value);
      dense && dense.isSplat())
    elements = 1;
  return elements * getElementBytes(type.getElementType());
}

int64_t getFormatBytes(Type type) {
  if (auto fixed = dyn_cast<FixedType>(type)) {
    int64_t zeroPointBytes = (fixed.getWidth() + 7) / 8;
    return 4 * static_cast<int64_t>(fixed.getScales().size()) +
           zeroPointBytes * static_cast<int64_t>(fixed.getZeroPoints().size());
  }
  if (isa<FloatFormatType>(type))
    return 1;
  if (auto format = dyn_cast<FormatTypeInterface>(type))
    return 4 * format.getNumChannels();
  return 0;
}

} // namespace

namespace quantx::runtime {
int64_t getModelBytes(ModuleOp module) {
  int64_t bytes = 0;
  for (auto global : module.getOps<ml_program::GlobalOp>())
    if (auto shaped = dyn_cast<ShapedType>(global.getType()))
      bytes += getValueBytes(shaped, global.getValue().value_or(Attribute()));
  llvm::DenseSet<Type> formats;
  auto noteFormat = [&](Type type) {
    Type element = getElementTypeOrSelf(type);
    if (isa<FormatTypeInterface>(element))
      formats.insert(element);
  };
  module.walk([&](Operation *op) {
    if (auto constant = dyn_cast<arith::ConstantOp>(op))
      if (auto shaped = dyn_cast<ShapedType>(constant.getType()))
        bytes += getValueBytes(shaped, constant.getValue());
    if (auto rescale = dyn_cast<RescaleOp>(op))
      bytes +=
          rescale.getNumChannels() *
              (rescale.getRounding() == RescaleRounding::float_scale ? 4 : 5) +
          8;
    for (Type type : op->getOperandTypes())
      noteFormat(type);
    for (Type type : op->getResultTypes())
      noteFormat(type);
    for (NamedAttribute attr : op->getAttrs())
      if (auto typeAttr = dyn_cast<TypeAttr>(attr.getValue()))
        noteFormat(typeAttr.getValue());
  });
  for (Type format : formats)
    bytes += getFormatBytes(format);
  return bytes;
}
} // namespace quantx::runtime
