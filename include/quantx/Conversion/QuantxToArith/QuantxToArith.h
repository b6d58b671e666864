//===- QuantxToArith.h - lower quantx to arith, math and linalg -*- C++ -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The lowering of quantx conversions to arith/math integer and float code
// (elementwise linalg.generic on tensors), bit-identical to the Numerics
// library. The scalar builders are public so that kernels fusing quantized
// arithmetic can emit the same encode and decode sequences.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_CONVERSION_QUANTXTOARITH_QUANTXTOARITH_H
#define QUANTX_CONVERSION_QUANTXTOARITH_QUANTXTOARITH_H

#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"

#include "mlir/IR/Builders.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::quantx {

/// Converts every quantized element type (any FormatTypeInterface type) to
/// its signless storage integer, inside tensors too; other types are kept.
class QuantxStorageTypeConverter : public TypeConverter {
public:
  QuantxStorageTypeConverter();
};

/// The scale and zero point of one channel as SSA values (f64 and i64);
/// null where the format has none.
struct ChannelParams {
  Value scale;
  Value zeroPoint;
};

/// Emits the encoding of the float scalar `value` into `format`: the storage
/// integer, bit-identical to FormatTypeInterface::encode, or, with a
/// framework `arithmetic` (an affine format, an f32 value, nearest-even
/// rounding), to ::quantx::numerics::encodeAffine. `randomBits` (i32) is
/// required for stochastic rounding only.
Value buildEncode(OpBuilder &builder, Location loc, FormatTypeInterface format,
                  Value value, const ChannelParams &params,
                  RoundingMode rounding, Value randomBits,
                  Arithmetic arithmetic = Arithmetic::exact);

/// Emits the decoding of the storage integer `code` of `format` into
/// `resultType`: FormatTypeInterface::decode, rounded to nearest even, or,
/// with a framework `arithmetic` (into f32), ::quantx::numerics::decodeAffine
/// (`doubleScale`: PyTorch's per-channel dequantize).
Value buildDecode(OpBuilder &builder, Location loc, FormatTypeInterface format,
                  Value code, const ChannelParams &params, FloatType resultType,
                  Arithmetic arithmetic = Arithmetic::exact,
                  bool doubleScale = false);

/// Emits splitMix64(seed, counter) for i64 `seed` and `counter`: an i64.
Value buildSplitMix64(OpBuilder &builder, Location loc, Value seed,
                      Value counter);

/// Emits counterRandomBits(seed, counter) for an i64 `seed` and `counter`:
/// an i32.
Value buildRandomBits(OpBuilder &builder, Location loc, Value seed,
                      Value counter);

/// Adds the patterns lowering quantx operations (and giving every other
/// operation storage types in place of quantized ones).
/// The integer arithmetic of quantx.rescale and quantx.unpack (part of the
/// patterns below).
void populateIntegerOpLoweringPatterns(const TypeConverter &typeConverter,
                                       RewritePatternSet &patterns);

/// quantx.pack_signs and quantx.binary_matmul as linalg generics (part of
/// the patterns below).
void populateBinaryOpLoweringPatterns(const TypeConverter &typeConverter,
                                      RewritePatternSet &patterns);

void populateQuantxToArithConversionPatterns(const TypeConverter &typeConverter,
                                             RewritePatternSet &patterns);

} // namespace mlir::quantx

#endif // QUANTX_CONVERSION_QUANTXTOARITH_QUANTXTOARITH_H
