//===- TensorBuilders.cpp - small builders of tensor IR -------------------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "quantx/Utils/TensorBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::quantx;

Value mlir::quantx::createFloatConstant(OpBuilder &b, Location loc, Type type,
                                        double value) {
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    auto element = cast<FloatType>(shaped.getElementType());
    return arith::ConstantOp::create(
        b, loc, type,
        DenseElementsAttr::get(shaped, b.getFloatAttr(element, value)));
  }
  return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, value));
}

Value mlir::quantx::createEmptyLike(OpBuilder &b, Location loc, Value like) {
  auto tensor = cast<RankedTensorType>(like.getType());
  return tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, like),
                                 tensor.getElementType());
}

Value mlir::quantx::createFilled(OpBuilder &b, Location loc,
                                 ArrayRef<OpFoldResult> sizes, Type elementType,
                                 double value) {
  Value scalar = createFloatConstant(b, loc, elementType, value);
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
  return linalg::FillOp::create(b, loc, scalar, empty).getResult(0);
}

Value mlir::quantx::createFilledLike(OpBuilder &b, Location loc, Value like,
                                     double value) {
  auto tensor = dyn_cast<RankedTensorType>(like.getType());
  if (!tensor)
    return createFloatConstant(b, loc, like.getType(), value);
  return createFilled(b, loc, tensor::getMixedSizes(b, loc, like),
                      tensor.getElementType(), value);
}

Value mlir::quantx::createGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                                  ArrayRef<AffineMap> inputMaps, Value init,
                                  AffineMap outputMap,
                                  ArrayRef<bool> reductionLoops,
                                  ScalarBodyBuilder body) {
  SmallVector<AffineMap> maps(inputMaps.begin(), inputMaps.end());
  maps.push_back(outputMap);
  SmallVector<utils::IteratorType> iterators;
  for (bool reduction : reductionLoops)
    iterators.push_back(reduction ? utils::IteratorType::reduction
                                  : utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), inputs, init, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args);
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value mlir::quantx::createElementwise(OpBuilder &b, Location loc,
                                      ValueRange inputs, ScalarBodyBuilder body,
                                      Type elementType) {
  Value first = inputs.front();
  auto tensor = dyn_cast<RankedTensorType>(first.getType());
  if (!tensor)
    return body(b, loc, inputs);
  if (!elementType)
    elementType = tensor.getElementType();
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, first), elementType);
  unsigned rank = tensor.getRank();
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<AffineMap> maps(inputs.size(), identity);
  SmallVector<bool> reductions(rank, false);
  return createGeneric(
      b, loc, inputs, maps, init, identity, reductions,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        return body(nested, nestedLoc, args.drop_back());
      });
}

Value mlir::quantx::createAdd(OpBuilder &b, Location loc, Value lhs,
                              Value rhs) {
  return createElementwise(
      b, loc, {lhs, rhs},
      [](OpBuilder &nested, Location nestedLoc, ValueRange args) -> Value {
        return arith::AddFOp::create(nested, nestedLoc, args[0], args[1]);
      });
}

bool mlir::quantx::isKnownZero(Value value) {
  if (auto fill = value.getDefiningOp<linalg::FillOp>())
    return matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
  return matchPattern(value, m_AnyZeroFloat());
}

Value mlir::quantx::createMaxAbs(OpBuilder &b, Location loc, Value value,
                                 Value init) {
  unsigned rank = cast<RankedTensorType>(value.getType()).getRank();
  return createGeneric(
      b, loc, {value}, {b.getMultiDimIdentityMap(rank)}, init,
      AffineMap::get(rank, 0, {}, b.getContext()),
      SmallVector<bool>(rank, true),
      [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        return arith::MaximumFOp::create(
            nb, nloc, math::AbsFOp::create(nb, nloc, args[0]), args[1]);
      });
}
