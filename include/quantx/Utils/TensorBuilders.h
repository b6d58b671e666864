//===- TensorBuilders.h - small builders of tensor IR -----------*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Builders of the tensor IR that gradient rules, lowerings and code
// generation share: constants, filled tensors and elementwise or reducing
// linalg.generic ops. They know nothing of quantx ops or of gradients.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_UTILS_TENSORBUILDERS_H
#define QUANTX_UTILS_TENSORBUILDERS_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir {
class AffineMap;

namespace quantx {

/// A float constant of `type` (a float scalar type, or a statically shaped
/// tensor type, as a splat).
Value createFloatConstant(OpBuilder &b, Location loc, Type type, double value);

/// A tensor of `sizes` and `elementType` filled with `value` (tensor.empty
/// and linalg.fill).
Value createFilled(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                   Type elementType, double value);

/// A value of the type and shape of `like` filled with `value` (tensor.empty
/// and linalg.fill for tensors, dynamic sizes taken from `like`).
Value createFilledLike(OpBuilder &b, Location loc, Value like, double value);

/// Zeros shaped like `like`.
inline Value createZerosLike(OpBuilder &b, Location loc, Value like) {
  return createFilledLike(b, loc, like, 0.0);
}

/// An uninitialized tensor shaped like `like` (tensor.empty).
Value createEmptyLike(OpBuilder &b, Location loc, Value like);

/// Body of a generic built by the helpers below: gets the scalar block
/// arguments of the inputs (and of the output last) and returns the value to
/// yield.
using ScalarBodyBuilder =
    llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic with one output `init`: `inputMaps` and `outputMap`
/// index the iteration space, whose loops are parallel except where
/// `reductionLoops` is set.
Value createGeneric(OpBuilder &b, Location loc, ValueRange inputs,
                    ArrayRef<AffineMap> inputMaps, Value init,
                    AffineMap outputMap, ArrayRef<bool> reductionLoops,
                    ScalarBodyBuilder body);

/// An elementwise op over `inputs` (all of the shape of the first), whose
/// result has the first input's shape and `elementType` (the first input's
/// element type when null). Scalars are combined directly.
Value createElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                        ScalarBodyBuilder body, Type elementType = {});

/// max(init, max |value|) over every element of the ranked float tensor
/// `value`, as a 0-d tensor (`init`'s); NaN propagates (arith.maximumf).
Value createMaxAbs(OpBuilder &b, Location loc, Value value, Value init);

/// `lhs + rhs` elementwise (tensors or scalars).
Value createAdd(OpBuilder &b, Location loc, Value lhs, Value rhs);

/// True when `value` is known to be all zeros: a float zero constant (scalar
/// or splat) or a linalg.fill of one, as createZerosLike builds.
bool isKnownZero(Value value);

} // namespace quantx
} // namespace mlir

#endif // QUANTX_UTILS_TENSORBUILDERS_H
