//===- FormatLowering.cpp - scalar encode and decode in arith/math --------===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each builder here mirrors a function of the Numerics library operation by
// operation, in f64 and i64 arithmetic, so the generated code rounds exactly
// as constant folding does:
//   fixed point   FixedPointFormat::encode / decode   (Numerics/FixedPoint.cpp)
//   custom float  FloatFormat::encode / decode (Numerics/FloatFormat.cpp)
//   binary        BinaryFormat::encode / decode
//   random bits   counterRandomBits                   (Numerics/Random.h)
// A change to one side must be made to the other; the JIT tests compare them.
//
//===----------------------------------------------------------------------===//

#include "FormatLowering.h"

#include "quantx/Conversion/QuantxToArith/QuantxToArith.h"
#include "quantx/Dialect/Quantx/IR/QuantxTypes.h"
#include "quantx/Numerics/Random.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using namespace mlir::quantx;
namespace num = ::quantx::numerics;

//===----------------------------------------------------------------------===//
// FormatLowering
//===----------------------------------------------------------------------===//

FailureOr<FormatLowering> FormatLowering::get(FormatTypeInterface format) {
  // The format's parameters come from the interface, whatever type defines
  // it; ternary lowers as the fixed-point format it is.
  num::FormatDescription description = format.getDescription();
  FormatLowering result;
  result.axis = description.axis;
  result.scales.assign(description.scales.begin(), description.scales.end());
  result.zeroPoints.assign(description.zeroPoints.begin(),
                           description.zeroPoints.end());
  switch (description.kind) {
  case num::FormatDescription::Kind::Fixed:
  case num::FormatDescription::Kind::Ternary:
    result.kind = Kind::Fixed;
    result.fixed = description.fixed;
    break;
  case num::FormatDescription::Kind::Binary:
    result.kind = Kind::Binary;
    break;
  case num::FormatDescription::Kind::Float:
    result.kind = Kind::Float;
    result.floatFormat = description.floatFormat;
    break;
  }
  // A fixed-point format with a run-time scale (`?`) has none: its scale and
  // zero point arrive as values (quantx.scaled_fake_quant).
  bool runtimeScale = description.kind == num::FormatDescription::Kind::Fixed;
  if (result.kind != Kind::Float && result.scales.empty() && !runtimeScale)
    return failure();
  return result;
}

//===----------------------------------------------------------------------===//
// Small builders
//===----------------------------------------------------------------------===//

namespace {
/// Terse arith/math construction at one location.
struct Emitter {
  OpBuilder &b;
  Location loc;

  Type f64() { return b.getF64Type(); }
  Type i64() { return b.getI64Type(); }
  Value f(double value) {
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(value));
  }
  Value i(int64_t value) {
    return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
  }
  Value u(uint64_t value) { return i(static_cast<int64_t>(value)); }
  Value flag(bool value) {
    return arith::ConstantOp::create(b, loc, b.getBoolAttr(value));
  }
  Value cmpf(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  Value cmpi(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
  Value addf(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value subf(Value x, Value y) { return arith::SubFOp::create(b, loc, x, y); }
  Value mulf(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value divf(Value x, Value y) { return arith::DivFOp::create(b, loc, x, y); }
  Value addi(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value subi(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value muli(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value ori(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value xori(Value x, Value y) { return arith::XOrIOp::create(b, loc, x, y); }
  Value shli(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shrui(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value shrsi(Value x, Value y) { return arith::ShRSIOp::create(b, loc, x, y); }
  Value sitofp(Value x) { return arith::SIToFPOp::create(b, loc, f64(), x); }
  Value uitofp(Value x) { return arith::UIToFPOp::create(b, loc, f64(), x); }
  Value fptosi(Value x) { return arith::FPToSIOp::create(b, loc, i64(), x); }
  Value fptoui(Value x) { return arith::FPToUIOp::create(b, loc, i64(), x); }
  Value bitsOf(Value x) { return arith::BitcastOp::create(b, loc, i64(), x); }
  Value fromBits(Value x) { return arith::BitcastOp::create(b, loc, f64(), x); }

  /// 2^e for an i64 `e` in the normal f64 exponent range.
  Value pow2(Value e) { return fromBits(shli(addi(e, i(1023)), i(52))); }

  /// Widens a float scalar to f64 (exact).
  Value toF64(Value x) {
    if (x.getType().isF64())
      return x;
    return arith::ExtFOp::create(b, loc, f64(), x);
  }
  /// Rounds an f64 to `type` (nearest even). Defined after the float
  /// encoder, which it uses for 16-bit types.
  Value fromF64(Value x, FloatType type);
  /// Narrows an i64 code to the storage width.
  Value toStorage(Value code, unsigned width) {
    if (width == 64)
      return code;
    return arith::TruncIOp::create(b, loc, b.getIntegerType(width), code);
  }
  /// Widens a storage code to i64.
  Value fromStorage(Value code, bool isSigned) {
    if (code.getType().getIntOrFloatBitWidth() == 64)
      return code;
    if (isSigned)
      return arith::ExtSIOp::create(b, loc, i64(), code);
    return arith::ExtUIOp::create(b, loc, i64(), code);
  }
  /// randomBits * 2^-32 as f64.
  Value unitFromBits(Value randomBits) {
    return mulf(arith::UIToFPOp::create(b, loc, f64(), randomBits), f(0x1p-32));
  }

  /// Mirrors numerics::shouldRoundUp: take `hi` over `lo` for magnitude `a`.
  Value shouldRoundUp(Value a, Value lo, Value hi, Value loIsOdd,
                      RoundingMode mode, Value randomBits) {
    Value decision;
    switch (mode) {
    case RoundingMode::toward_zero:
      decision = flag(false);
      break;
    case RoundingMode::nearest_even:
    case RoundingMode::nearest_away: {
      Value mid = mulf(addf(lo, hi), f(0.5));
      Value tie = mode == RoundingMode::nearest_away ? flag(true) : loIsOdd;
      decision = select(cmpf(arith::CmpFPredicate::ONE, a, mid),
                        cmpf(arith::CmpFPredicate::OGT, a, mid), tie);
      break;
    }
    case RoundingMode::stochastic: {
      Value fraction = divf(subf(a, lo), subf(hi, lo));
      decision =
          cmpf(arith::CmpFPredicate::OGT, fraction, unitFromBits(randomBits));
      break;
    }
    }
    Value atOrBelow = cmpf(arith::CmpFPredicate::OLE, a, lo);
    Value atOrAbove = cmpf(arith::CmpFPredicate::OGE, a, hi);
    return select(atOrBelow, flag(false),
                  select(atOrAbove, flag(true), decision));
  }

  /// Mirrors numerics::roundToIntegral for finite or infinite `t`.
  Value roundToIntegral(Value t, RoundingMode mode, Value randomBits) {
    switch (mode) {
    case RoundingMode::nearest_even:
      return math::RoundEvenOp::create(b, loc, t);
    case RoundingMode::nearest_away:
      return math::RoundOp::create(b, loc, t);
    case RoundingMode::toward_zero:
      return math::TruncOp::create(b, loc, t);
    case RoundingMode::stochastic: {
      Value a = math::AbsFOp::create(b, loc, t);
      Value lo = math::FloorOp::create(b, loc, a);
      Value up = cmpf(arith::CmpFPredicate::OGT, subf(a, lo),
                      unitFromBits(randomBits));
      Value rounded = select(up, addf(lo, f(1.0)), lo);
      return math::CopySignOp::create(b, loc, rounded, t);
    }
    }
    llvm_unreachable("unknown rounding mode");
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// Fixed point and binary
//===----------------------------------------------------------------------===//

/// The code of the rounded f64 `q` (zero point included): clamped to the
/// storage range, the zero point when the input `x` is NaN.
static Value buildFixedCode(Emitter &e, const num::FixedPointFormat &format,
                            Value q, Value x, const ChannelParams &params) {
  Value lo = e.f(static_cast<double>(format.storageMin));
  Value hi = e.f(static_cast<double>(format.storageMax));
  q = e.select(e.cmpf(arith::CmpFPredicate::OGT, q, lo), q, lo);
  q = e.select(e.cmpf(arith::CmpFPredicate::OLT, q, hi), q, hi);
  // The clamped value is an integer of the storage range: through i32 when
  // that holds it, which vector code converts in one instruction (an f64 to
  // i64 vector conversion needs AVX-512DQ; AVX2 code would do it lane by
  // lane).
  Value code;
  if (format.storageMin >= std::numeric_limits<int32_t>::min() &&
      format.storageMax <= std::numeric_limits<int32_t>::max())
    code = arith::ExtSIOp::create(
        e.b, e.loc, e.i64(),
        arith::FPToSIOp::create(e.b, e.loc, e.b.getI32Type(), q));
  else
    code = e.fptosi(q);
  Value isNaN = e.cmpf(arith::CmpFPredicate::UNO, x, x);
  return e.select(isNaN, params.zeroPoint, code);
}

static Value buildFixedEncode(Emitter &e, const num::FixedPointFormat &format,
                              Value x, const ChannelParams &params,
                              RoundingMode mode, Value randomBits) {
  Value t = e.divf(x, params.scale);
  Value q = e.addf(e.roundToIntegral(t, mode, randomBits),
                   e.sitofp(params.zeroPoint));
  return buildFixedCode(e, format, q, x, params);
}

/// `storage` is the code as stored, `code` the same widened to i64.
static Value buildFixedDecode(Emitter &e, Value storage, Value code,
                              bool isSigned, const ChannelParams &params) {
  // Codes of at most 32 bits (31 unsigned) and a constant zero point of
  // at most 2^52 in magnitude: both are f64 integers and so is their
  // difference (below 2^53), so converting first and subtracting in f64
  // is exact, and an i32 converts in one vector instruction where an i64
  // does not (AVX2).
  APInt zeroPoint;
  unsigned width = storage.getType().getIntOrFloatBitWidth();
  if ((isSigned ? width <= 32 : width <= 31) &&
      matchPattern(params.zeroPoint, m_ConstantInt(&zeroPoint)) &&
      std::abs(zeroPoint.getSExtValue()) <= (int64_t(1) << 52)) {
    Value narrow =
        width == 32 ? storage
        : isSigned
            ? arith::ExtSIOp::create(e.b, e.loc, e.b.getI32Type(), storage)
                  .getResult()
            : arith::ExtUIOp::create(e.b, e.loc, e.b.getI32Type(), storage)
                  .getResult();
    Value converted = arith::SIToFPOp::create(e.b, e.loc, e.f64(), narrow);
    return e.mulf(arith::SubFOp::create(e.b, e.loc, converted,
                                        e.sitofp(params.zeroPoint)),
                  params.scale);
  }
  return e.mulf(e.sitofp(e.subi(code, params.zeroPoint)), params.scale);
}

/// ONNX's or PyTorch's float32 quantization (numerics::encodeAffine): `x`
/// is the f32 input; the clamp and the NaN rule are those of the exact path.
static Value buildFrameworkEncode(Emitter &e,
                                  const num::FixedPointFormat &format, Value x,
                                  const ChannelParams &params,
                                  Arithmetic arithmetic) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  Type f32 = b.getF32Type();
  Value scale = arith::TruncFOp::create(b, loc, f32, params.scale);
  Value zeroPoint = arith::SIToFPOp::create(b, loc, f32, params.zeroPoint);
  Value rounded;
  if (arithmetic == Arithmetic::pytorch) {
    Value one = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(1.0f));
    Value inverse = arith::DivFOp::create(b, loc, one, scale);
    Value product = arith::MulFOp::create(b, loc, x, inverse);
    rounded = arith::AddFOp::create(b, loc, zeroPoint,
                                    math::RoundEvenOp::create(b, loc, product));
  } else {
    Value quotient = arith::DivFOp::create(b, loc, x, scale);
    rounded = math::RoundEvenOp::create(b, loc, quotient);
  }
  Value q = e.toF64(rounded);
  if (arithmetic == Arithmetic::onnx)
    q = e.addf(q, e.sitofp(params.zeroPoint));
  return buildFixedCode(e, format, q, x, params);
}

/// ONNX's or PyTorch's float32 dequantization (numerics::decodeAffine) of
/// the sign-extended `code`, an f32.
static Value buildFrameworkDecode(Emitter &e, Value code,
                                  const ChannelParams &params,
                                  Arithmetic arithmetic, bool doubleScale) {
  OpBuilder &b = e.b;
  Location loc = e.loc;
  Type f32 = b.getF32Type();
  Value scale = arith::TruncFOp::create(b, loc, f32, params.scale);
  if (arithmetic == Arithmetic::pytorch && !doubleScale) {
    Value difference =
        arith::SIToFPOp::create(b, loc, f32, e.subi(code, params.zeroPoint));
    return arith::MulFOp::create(b, loc, scale, difference);
  }
  Value difference = arith::SubFOp::create(
      b, loc, arith::SIToFPOp::create(b, loc, f32, code),
      arith::SIToFPOp::create(b, loc, f32, params.zeroPoint));
  if (arithmetic == Arithmetic::onnx)
    return arith::MulFOp::create(b, loc, difference, scale);
  Value wide = e.mulf(e.toF64(difference), params.scale);
  return arith::TruncFOp::create(b, loc, f32, wide);
}

static Value buildBinaryEncode(Emitter &e, Value x, const ChannelParams &params,
                               RoundingMode mode, Value randomBits) {
  Value nonNegative = e.cmpf(arith::CmpFPredicate::UGE, x, e.f(0.0));
  if (mode != RoundingMode::stochastic)
    return nonNegative;
  Value p = e.mulf(e.addf(e.divf(x, params.scale), e.f(1.0)), e.f(0.5));
  p = arith::MinNumFOp::create(
      e.b, e.loc, arith::MaxNumFOp::create(e.b, e.loc, p, e.f(0)), e.f(1.0));
  Value up = e.cmpf(arith::CmpFPredicate::OGT, p, e.unitFromBits(randomBits));
  Value isNaN = e.cmpf(arith::CmpFPredicate::UNO, x, x);
  return e.select(isNaN, nonNegative, up);
}

//===----------------------------------------------------------------------===//
// Custom float
//===----------------------------------------------------------------------===//

/// Mirrors FloatFormat::encode (with FloatFormat::findNeighbours).
static Value buildFloatEncode(Emitter &e, const num::FloatFormat &format,
                              Value x, RoundingMode mode, Value randomBits) {
  using P = arith::CmpFPredicate;
  using I = arith::CmpIPredicate;
  const int64_t radixLog2 = format.getRadixLog2();
  const int64_t m = format.mantissaBits;
  const int64_t minBinade = format.getMinBinade();
  const uint64_t top = (uint64_t(2) << m) - 1;
  const uint64_t maxMagnitude = format.getMaxFiniteMagnitude();
  const uint64_t signBit = format.isSigned ? format.getSignBit() : 0;
  const double beyondMax = format.getMagnitudeValue(maxMagnitude + 1);
  // The codes of overflow and infinity, per sign, from the library itself.
  const uint64_t overflowPos = format.encode(beyondMax);
  const uint64_t overflowNeg = format.encode(-beyondMax);
  const uint64_t infPos = format.encode(INFINITY);
  const uint64_t infNeg = format.encode(-INFINITY);

  Value bits = e.bitsOf(x);
  Value negative = e.cmpi(I::slt, bits, e.i(0));
  Value sign = e.select(negative, e.u(signBit), e.u(0));
  Value isNaN = e.cmpf(P::UNO, x, x);
  Value a = math::AbsFOp::create(e.b, e.loc, x);
  Value isInf = e.cmpf(P::OEQ, a, e.f(INFINITY));
  Value beyond = e.cmpf(P::OGE, a, e.f(beyondMax));
  // Keep the grid arithmetic in range where its result is not used.
  Value safe = e.select(e.ori(beyond, isNaN), e.f(0.0), a);

  // The binade of a and the grid around it.
  Value k =
      e.subi(e.andi(e.shrui(e.bitsOf(safe), e.i(52)), e.i(0x7ff)), e.i(1023));
  Value binade = radixLog2 == 1 ? k : e.shrsi(k, e.i(1));
  Value clamped = arith::MaxSIOp::create(e.b, e.loc, binade, e.i(minBinade));
  Value spacing = e.subi(e.muli(clamped, e.i(radixLog2)), e.i(m));
  Value n = e.fptoui(e.mulf(safe, e.pow2(e.subi(e.i(0), spacing))));
  Value nLo = arith::MinUIOp::create(e.b, e.loc, n, e.u(top));
  Value step = e.pow2(spacing);
  Value lo = e.mulf(e.uitofp(nLo), step);
  Value hiTop = e.pow2(e.muli(e.addi(clamped, e.i(1)), e.i(radixLog2)));
  Value hiNext = e.mulf(e.uitofp(e.addi(nLo, e.i(1))), step);
  Value hi = e.select(e.cmpi(I::eq, nLo, e.u(top)), hiTop, hiNext);
  Value loMagnitude =
      e.addi(e.shli(e.subi(clamped, e.i(minBinade)), e.i(m)), nLo);
  if (!format.hasZero)
    loMagnitude = e.subi(loMagnitude, e.u(uint64_t(1) << m));
  Value hiMagnitude = e.addi(loMagnitude, e.i(1));
  Value loIsOdd = e.cmpi(I::ne, e.andi(nLo, e.i(1)), e.i(0));
  if (format.hasZero && !format.hasSubnormals) {
    // Flush to zero below the smallest normal binade.
    Value flush = e.cmpi(I::slt, binade, e.i(minBinade));
    lo = e.select(flush, e.f(0.0), lo);
    hi = e.select(flush, e.f(std::ldexp(1.0, radixLog2 * minBinade)), hi);
    loMagnitude = e.select(flush, e.i(0), loMagnitude);
    hiMagnitude = e.select(flush, e.u(uint64_t(1) << m), hiMagnitude);
    loIsOdd = e.select(flush, e.flag(false), loIsOdd);
  }

  Value up = e.shouldRoundUp(safe, lo, hi, loIsOdd, mode, randomBits);
  Value magnitude = e.select(up, hiMagnitude, loMagnitude);
  Value overflowCode = e.select(negative, e.u(overflowNeg), e.u(overflowPos));
  Value code = e.ori(sign, magnitude);
  if (format.special == num::SpecialValues::FNUZ)
    code = e.select(e.cmpi(I::eq, magnitude, e.i(0)), e.i(0), code);
  Value overflowed = e.andi(up, e.cmpi(I::ugt, hiMagnitude, e.u(maxMagnitude)));
  code = e.select(overflowed, overflowCode, code);
  if (!format.hasZero)
    code = e.select(e.cmpf(P::OLE, a, e.f(format.getMagnitudeValue(0))), sign,
                    code);
  Value beyondCode = mode == RoundingMode::toward_zero
                         ? e.ori(sign, e.u(maxMagnitude))
                         : overflowCode;
  code = e.select(beyond, beyondCode, code);
  code = e.select(isInf, e.select(negative, e.u(infNeg), e.u(infPos)), code);
  if (!format.isSigned)
    code = e.select(negative, e.i(0), code);

  // NaN: as FloatFormat::encodeNaN.
  Value nanCode;
  switch (format.special) {
  case num::SpecialValues::IEEE:
    if (m == 0) {
      nanCode = sign;
    } else {
      uint64_t exponentOnes = ((uint64_t(1) << format.exponentBits) - 1) << m;
      Value payload =
          e.shrui(e.andi(bits, e.u((uint64_t(1) << 51) - 1)), e.i(52 - m));
      nanCode = e.ori(e.ori(sign, e.u(exponentOnes | (uint64_t(1) << (m - 1)))),
                      payload);
    }
    break;
  case num::SpecialValues::FN:
    nanCode = e.ori(sign, e.u(format.getMagnitudeMask()));
    break;
  case num::SpecialValues::FNUZ:
    nanCode = e.u(format.getSignBit());
    break;
  case num::SpecialValues::None:
    nanCode = sign;
    break;
  }
  return e.select(isNaN, nanCode, code);
}

/// Mirrors FloatFormat::decode.
static Value buildFloatDecode(Emitter &e, const num::FloatFormat &format,
                              Value code) {
  using I = arith::CmpIPredicate;
  const int64_t radixLog2 = format.getRadixLog2();
  const int64_t m = format.mantissaBits;
  const uint64_t maxMagnitude = format.getMaxFiniteMagnitude();
  Value magnitude = e.andi(code, e.u(format.getMagnitudeMask()));
  Value negative =
      format.isSigned
          ? e.cmpi(I::ne, e.andi(code, e.u(format.getSignBit())), e.i(0))
          : e.flag(false);
  Value exponentField = e.shrui(magnitude, e.i(m));
  Value mantissaField = e.andi(magnitude, e.u((uint64_t(1) << m) - 1));
  Value fieldIsZero = e.cmpi(I::eq, exponentField, e.i(0));

  // (n / 2^M) * radix^(e' - bias) with n the significand as an integer.
  Value withImplicit = e.ori(mantissaField, e.u(uint64_t(1) << m));
  Value n = withImplicit, effective = exponentField;
  if (format.hasZero) {
    n = e.select(fieldIsZero, mantissaField, withImplicit);
    effective = e.select(fieldIsZero, e.i(1), exponentField);
  }
  Value value = e.mulf(
      e.mulf(e.uitofp(n), e.f(std::ldexp(1.0, -static_cast<int>(m)))),
      e.pow2(e.muli(e.subi(effective, e.i(format.bias)), e.i(radixLog2))));
  if (format.hasZero && !format.hasSubnormals)
    value = e.select(fieldIsZero, e.f(0.0), value);
  Value signedValue =
      e.select(negative, arith::NegFOp::create(e.b, e.loc, value), value);
  if (format.special == num::SpecialValues::FNUZ)
    signedValue = e.select(e.cmpf(arith::CmpFPredicate::OEQ, value, e.f(0.0)),
                           e.f(0.0), signedValue);

  Value isNaN, isInf;
  switch (format.special) {
  case num::SpecialValues::IEEE:
    isNaN = e.cmpi(I::ugt, magnitude, e.u(maxMagnitude + 1));
    isInf = e.cmpi(I::eq, magnitude, e.u(maxMagnitude + 1));
    break;
  case num::SpecialValues::FN:
    isNaN = e.cmpi(I::eq, magnitude, e.u(format.getMagnitudeMask()));
    break;
  case num::SpecialValues::FNUZ:
    isNaN = e.andi(negative, e.cmpi(I::eq, magnitude, e.i(0)));
    break;
  case num::SpecialValues::None:
    break;
  }
  Value result = signedValue;
  if (isInf) {
    Value inf = e.select(negative, e.f(-INFINITY), e.f(INFINITY));
    result = e.select(isInf, inf, result);
  }
  if (isNaN) {
    // An f64 NaN carrying the sign and the mantissa payload.
    uint64_t quietBit = uint64_t(1) << 51;
    Value nanBits = e.select(negative, e.u((uint64_t(0xfff) << 52)),
                             e.u(uint64_t(0x7ff) << 52));
    Value payload = format.special == num::SpecialValues::IEEE && m > 0
                        ? e.shli(mantissaField, e.i(52 - m))
                        : e.u(quietBit);
    Value fraction =
        e.select(e.cmpi(I::eq, payload, e.i(0)), e.u(quietBit), payload);
    result = e.select(isNaN, e.fromBits(e.ori(nanBits, fraction)), result);
  }
  return result;
}

Value Emitter::fromF64(Value x, FloatType type) {
  if (type.isF64())
    return x;
  if (type.getWidth() > 64)
    return arith::ExtFOp::create(b, loc, type, x);
  // LLVM lowers f64 -> f16/bf16 truncation to compiler-rt calls
  // (__truncdfhf2, __truncdfbf2) that a JIT process need not have, and going
  // through f32 would round twice. Round with the custom-float encoder
  // instead: IEEE e5m10 and e8m7 are f16 and bf16, and the encoder matches
  // APFloat bit for bit.
  if (type.isF16() || type.isBF16()) {
    num::FloatFormat format = type.isF16() ? num::FloatFormat::get(5, 10)
                                           : num::FloatFormat::get(8, 7);
    Value code =
        buildFloatEncode(*this, format, x, RoundingMode::nearest_even, Value());
    Value bits = arith::TruncIOp::create(b, loc, b.getI16Type(), code);
    return arith::BitcastOp::create(b, loc, type, bits);
  }
  return arith::TruncFOp::create(b, loc, type, x);
}

//===----------------------------------------------------------------------===//
// Public builders
//===----------------------------------------------------------------------===//

Value mlir::quantx::buildEncode(OpBuilder &builder, Location loc,
                                FormatTypeInterface format, Value value,
                                const ChannelParams &params,
                                RoundingMode rounding, Value randomBits,
                                Arithmetic arithmetic) {
  Emitter e{builder, loc};
  FailureOr<FormatLowering> lowering = FormatLowering::get(format);
  assert(succeeded(lowering) && "format without a lowering");
  Value x = e.toF64(value);
  Value code;
  switch (lowering->kind) {
  case FormatLowering::Kind::Fixed:
    code = arithmetic == Arithmetic::exact
               ? buildFixedEncode(e, lowering->fixed, x, params, rounding,
                                  randomBits)
               : buildFrameworkEncode(e, lowering->fixed, value, params,
                                      arithmetic);
    break;
  case FormatLowering::Kind::Binary:
    return buildBinaryEncode(e, x, params, rounding, randomBits);
  case FormatLowering::Kind::Float:
    code = buildFloatEncode(e, lowering->floatFormat, x, rounding, randomBits);
    break;
  }
  return e.toStorage(code, format.getStorageWidth());
}

Value mlir::quantx::buildDecode(OpBuilder &builder, Location loc,
                                FormatTypeInterface format, Value code,
                                const ChannelParams &params,
                                FloatType resultType, Arithmetic arithmetic,
                                bool doubleScale) {
  Emitter e{builder, loc};
  FailureOr<FormatLowering> lowering = FormatLowering::get(format);
  assert(succeeded(lowering) && "format without a lowering");
  Value value;
  switch (lowering->kind) {
  case FormatLowering::Kind::Fixed:
    if (arithmetic != Arithmetic::exact)
      return buildFrameworkDecode(e,
                                  e.fromStorage(code, lowering->fixed.isSigned),
                                  params, arithmetic, doubleScale);
    value =
        buildFixedDecode(e, code, e.fromStorage(code, lowering->fixed.isSigned),
                         lowering->fixed.isSigned, params);
    break;
  case FormatLowering::Kind::Binary: {
    Value negated = arith::NegFOp::create(builder, loc, params.scale);
    value = e.select(code, params.scale, negated);
    break;
  }
  case FormatLowering::Kind::Float:
    value = buildFloatDecode(e, lowering->floatFormat,
                             e.fromStorage(code, /*isSigned=*/false));
    break;
  }
  return e.fromF64(value, resultType);
}

Value mlir::quantx::buildSplitMix64(OpBuilder &builder, Location loc,
                                    Value seed, Value counter) {
  Emitter e{builder, loc};
  Value z =
      e.addi(seed, e.muli(e.addi(counter, e.i(1)), e.u(num::kGoldenGamma)));
  z = e.muli(e.xori(z, e.shrui(z, e.i(30))), e.u(num::kMixMultiplier1));
  z = e.muli(e.xori(z, e.shrui(z, e.i(27))), e.u(num::kMixMultiplier2));
  return e.xori(z, e.shrui(z, e.i(31)));
}

Value mlir::quantx::buildRandomBits(OpBuilder &builder, Location loc,
                                    Value seed, Value counter) {
  Emitter e{builder, loc};
  return arith::TruncIOp::create(
      builder, loc, builder.getI32Type(),
      e.shrui(buildSplitMix64(builder, loc, seed, counter), e.i(32)));
}

//===----------------------------------------------------------------------===//
// Rounding f32 onto a binary float format in the f32 bits
//===----------------------------------------------------------------------===//

/// The exponents of the smallest normal and largest finite binades of an
/// IEEE-like binary format (the top exponent field holds inf and NaN).
static std::pair<int64_t, int64_t>
getNormalExponentRange(const num::FloatFormat &format) {
  int64_t emin = 1 - format.bias;
  int64_t emax = (int64_t(1) << format.exponentBits) - 2 - format.bias;
  return {emin, emax};
}

bool mlir::quantx::canRoundInF32Bits(const num::FloatFormat &format) {
  if (format.radix != 2 || !format.isSigned || !format.hasSubnormals ||
      !format.hasZero || format.special != num::SpecialValues::IEEE ||
      format.mantissaBits < 1 || format.mantissaBits > 22 ||
      format.exponentBits < 1)
    return false;
  auto [emin, emax] = getNormalExponentRange(format);
  // Normal values normal in f32; the subnormal quantum 2^(emin - M) an f32
  // value.
  // The subnormal rounding constant 2^(emin + 23 - M) a finite f32.
  int64_t m = format.mantissaBits;
  return emin >= -126 && emax <= 127 && emin <= emax && emin - m >= -149 &&
         emin + 23 - m <= 127;
}

Value mlir::quantx::buildF32FloatRounding(OpBuilder &b, Location loc,
                                          const num::FloatFormat &format,
                                          Value x, Value randomBits) {
  Type i32 = b.getI32Type();
  auto constant = [&](uint32_t value) -> Value {
    return arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(static_cast<int32_t>(value)));
  };
  auto bitsOf = [](float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof(bits));
    return bits;
  };
  unsigned shift = 23 - format.mantissaBits;
  auto [emin, emax] = getNormalExponentRange(format);
  (void)emax;
  Value u = arith::BitcastOp::create(b, loc, i32, x);
  Value sign = arith::AndIOp::create(b, loc, u, constant(0x80000000u));
  Value a = arith::AndIOp::create(b, loc, u, constant(0x7FFFFFFFu));
  Value af = arith::BitcastOp::create(b, loc, b.getF32Type(), a);
  Value normal, subnormal;
  if (!randomBits) {
    // Normal binades: round the f32 significand to M bits, ties to even (a
    // carry moves into the exponent, as rounding up to the next binade
    // does).
    Value lsb = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, a, constant(shift)),
        constant(1));
    Value biased = arith::AddIOp::create(
        b, loc,
        arith::AddIOp::create(b, loc, a, constant((1u << (shift - 1)) - 1)),
        lsb);
    normal =
        arith::AndIOp::create(b, loc, biased, constant(~((1u << shift) - 1)));
    // Below the smallest normal value the format's quantum is 2^(emin - M):
    // adding and subtracting 2^(emin + 23 - M), whose f32 ulp that is,
    // rounds to a multiple of it, ties to even.
    Value magic = arith::ConstantOp::create(
        b, loc,
        b.getF32FloatAttr(std::ldexp(
            1.0f, static_cast<int>(emin + 23 - format.mantissaBits))));
    subnormal = arith::BitcastOp::create(
        b, loc, i32,
        arith::SubFOp::create(b, loc, arith::AddFOp::create(b, loc, af, magic),
                              magic));
  } else {
    // Normal binades: the discarded fraction is d / 2^shift (d the low
    // `shift` bits), and d / 2^shift > r / 2^32 exactly when
    // d > r >> (32 - shift); rounding up adds one unit of the kept bits (a
    // carry moves into the exponent).
    Value discarded =
        arith::AndIOp::create(b, loc, a, constant((1u << shift) - 1));
    Value threshold =
        arith::ShRUIOp::create(b, loc, randomBits, constant(32 - shift));
    Value up = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                     discarded, threshold);
    Value kept =
        arith::AndIOp::create(b, loc, a, constant(~((1u << shift) - 1)));
    normal = arith::AddIOp::create(
        b, loc, kept,
        arith::SelectOp::create(b, loc, up, constant(1u << shift),
                                constant(0)));
    // Below the smallest normal value, in f64 where every step is exact:
    // q = |x| / 2^(emin - M), up when q - floor(q) > r / 2^32.
    Type f64 = b.getF64Type();
    auto f64Constant = [&](double value) -> Value {
      return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(value));
    };
    int quantumExponent = static_cast<int>(emin - format.mantissaBits);
    Value q =
        arith::MulFOp::create(b, loc, arith::ExtFOp::create(b, loc, f64, af),
                              f64Constant(std::ldexp(1.0, -quantumExponent)));
    Value floor = math::FloorOp::create(b, loc, q);
    Value fraction = arith::SubFOp::create(b, loc, q, floor);
    Value draw = arith::MulFOp::create(
        b, loc, arith::UIToFPOp::create(b, loc, f64, randomBits),
        f64Constant(0x1p-32));
    Value roundsUp = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                           fraction, draw);
    Value steps = arith::AddFOp::create(
        b, loc, floor,
        arith::SelectOp::create(b, loc, roundsUp, f64Constant(1.0),
                                f64Constant(0.0)));
    subnormal = arith::BitcastOp::create(
        b, loc, i32,
        arith::TruncFOp::create(
            b, loc, b.getF32Type(),
            arith::MulFOp::create(
                b, loc, steps, f64Constant(std::ldexp(1.0, quantumExponent)))));
  }
  Value minNormal = constant(bitsOf(std::ldexp(1.0f, static_cast<int>(emin))));
  Value rounded = arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, a, minNormal),
      subnormal, normal);
  // Past the largest finite value (after rounding, as IEEE overflow is
  // decided; infinities included): infinity, or the largest value when the
  // format saturates.
  Value maxFinite = constant(bitsOf(static_cast<float>(format.getMaxFinite())));
  Value overflowValue = format.overflow == num::OverflowMode::Saturate
                            ? maxFinite
                            : constant(0x7F800000u);
  rounded = arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, rounded,
                            maxFinite),
      overflowValue, rounded);
  // NaN: quiet, keeping the payload bits the format's mantissa holds below
  // its quiet bit.
  uint32_t payloadMask = ((1u << (format.mantissaBits - 1)) - 1) << shift;
  Value nan = arith::OrIOp::create(
      b, loc, arith::AndIOp::create(b, loc, a, constant(payloadMask)),
      constant(0x7FC00000u));
  rounded = arith::SelectOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, a,
                            constant(0x7F800000u)),
      nan, rounded);
  return arith::BitcastOp::create(b, loc, b.getF32Type(),
                                  arith::OrIOp::create(b, loc, sign, rounded));
}
