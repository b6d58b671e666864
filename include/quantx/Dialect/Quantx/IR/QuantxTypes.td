//===- QuantxTypes.td - quantx format types ----------------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The four families of quantized formats. Each implements
// FormatTypeInterface through the Numerics library. The syntax of
// `!quantx.fixed` follows `!quant.uniform`; that of `!quantx.float` spells a
// format as `eXmY` plus options. Both are parsed by custom directives because
// ODS formats cannot express signedness prefixes (`i8`/`u8`), optional
// storage ranges, `scale:zero_point` lists or flag keywords.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_QUANTXTYPES_TD
#define QUANTX_DIALECT_QUANTX_IR_QUANTXTYPES_TD

include "quantx/Dialect/Quantx/IR/QuantxDialect.td"
include "quantx/Dialect/Quantx/IR/QuantxInterfaces.td"

//===----------------------------------------------------------------------===//
// FixedType
//===----------------------------------------------------------------------===//

// Scales: a ScaleList (QuantxTypes.h), hashed by the bits of its values.
class Quantx_ScalesParameter<string desc>
    : AttrOrTypeParameter<"::mlir::quantx::ScaleList", desc> {
  let allocator = [{
    $_dst = ::mlir::quantx::ScaleList(
        $_allocator.copyInto(::llvm::ArrayRef<double>($_self)));
  }];
  let cppStorageType = "::llvm::SmallVector<double>";
}

class Quantx_OptionalScalesParameter<string desc>
    : Quantx_ScalesParameter<desc> {
  let defaultValue = cppStorageType # "()";
  let comparator = "::llvm::ArrayRef<double>($_lhs) == "
                   "::llvm::ArrayRef<double>($_rhs)";
}

def Quantx_FixedType : Quantx_Type<"Fixed", "fixed",
    [DeclareTypeInterfaceMethods<Quantx_FormatTypeInterface,
        ["verifyFormat", "getExpressedFloatType", "getChannelAxis",
         "getNumChannels", "getCodeRange", "getAffineParams"]>]> {
  let summary = "uniform fixed point: storage integer, scale, zero point";
  let description = [{
    Syntax:

    ```
    fixed-type ::= `!quantx.fixed<` storage (`<` min `:` max `>`)? `:`
                   expressed-type (`:` axis)? `,` params `>`
    storage    ::= `i`N | `u`N            (signed or unsigned, 1 <= N <= 32)
    params     ::= scale (`:` zero-point)?
                 | `{` scale (`:` zero-point)? (`,` ...)* `}`   (per channel)
                 | `?`                                    (run-time scale)
    ```

    A format whose parameters are `?` has its scale and zero point given
    at run time, as operands of `quantx.scaled_fake_quant` (quantization-
    aware training learns or observes them); every other op rejects it
    (fixed_c6), and `quantx-freeze-quantization` replaces it by a format
    with the values.

    A stored integer `q` stands for `(q - zero_point) * scale`. Encoding
    computes `round(x / scale) + zero_point` under the rounding mode and
    clamps to `[min, max]`; NaN encodes to the zero point.

    Constraints (see docs/Spec.md):
    * fixed_c1: 1 <= N <= 32;
    * fixed_c2: every scale is finite and positive;
    * fixed_c3: every zero point lies in `[min, max]`;
    * fixed_c4: the range `[min, max]` lies within the N-bit range, min < max;
    * fixed_c5: a per-tensor format has one scale; a per-channel format has
      a quantized dimension and as many scales as that dimension has
      elements (checked where the type is used with a shape);
    * fixed_c6: a run-time-scale format (`?`) is per tensor, and only
      `quantx.scaled_fake_quant` takes it.

    Examples:

    ```mlir
    !quantx.fixed<i8:f32, 0.5>                 // signed 8 bit, zero point 0
    !quantx.fixed<u8:f32, 0.0235:128>          // unsigned, zero point 128
    !quantx.fixed<i2<-1:1>:f32, 3.0>           // the values {-3, 0, 3}
    !quantx.fixed<i4:f32:0, {0.1, 0.25:1}>     // per channel along dim 0
    !quantx.fixed<i4:f32, ?>                   // scale given at run time
    ```
  }];
  let parameters = (ins
    "unsigned":$width,
    "bool":$isSigned,
    "int64_t":$storageMin,
    "int64_t":$storageMax,
    "::mlir::FloatType":$expressedType,
    "int32_t":$quantizedDimension,
    Quantx_ScalesParameter<"scales">:$scales,
    ArrayRefParameter<"int64_t", "zero points">:$zeroPoints
  );
  let assemblyFormat = [{
    `<` custom<FixedStorage>($width, $isSigned, $storageMin, $storageMax)
    `` `:` `` $expressedType ``
    custom<FixedParams>($quantizedDimension, $scales, $zeroPoints) `>`
  }];
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilderWithInferredContext<(ins
        "unsigned":$width, "bool":$isSigned, "::mlir::FloatType":$expressed,
        "double":$scale, CArg<"int64_t", "0">:$zeroPoint), [{
      return $_get(expressed.getContext(), width, isSigned,
          ::quantx::numerics::FixedPointFormat::getIntegerMin(width, isSigned),
          ::quantx::numerics::FixedPointFormat::getIntegerMax(width, isSigned),
          expressed, -1, ::llvm::ArrayRef<double>(scale),
          ::llvm::ArrayRef<int64_t>(zeroPoint));
    }]>
  ];
  let extraClassDeclaration = [{
    /// The integer side of the format.
    ::quantx::numerics::FixedPointFormat getFormat() const {
      return {getWidth(), getIsSigned(), getStorageMin(), getStorageMax()};
    }
    bool isPerChannel() const { return getQuantizedDimension() >= 0; }
    /// True for `?` parameters: the scale and zero point are operands.
    bool hasRuntimeScale() const { return getScales().empty(); }
  }];
}

//===----------------------------------------------------------------------===//
// FloatFormatType
//===----------------------------------------------------------------------===//

def Quantx_FloatFormatType : Quantx_Type<"FloatFormat", "float",
    [DeclareTypeInterfaceMethods<Quantx_FormatTypeInterface>]> {
  let summary = "custom floating point: exponent, mantissa, bias, radix";
  let description = [{
    Syntax:

    ```
    float-type ::= `!quantx.float<` `e`E`m`M (`,` option)* `>`
    option     ::= `bias` `=` integer | `radix` `=` (`2` | `4`)
                 | `special` `=` (`ieee` | `fn` | `fnuz` | `none`)
                 | `overflow` `=` (`inf` | `sat`)
                 | `unsigned` | `nosubnormal` | `nozero`
    ```

    A code holds a sign bit (unless `unsigned`), E exponent bits and M
    mantissa bits. With exponent field e and mantissa field m, a normal code
    is `(1 + m / 2^M) * radix^(e - bias)` and a code with e = 0 is the
    subnormal `(m / 2^M) * radix^(1 - bias)`. Defaults: bias 2^(E-1) - 1,
    radix 2, IEEE special values (the all-ones exponent holds inf and NaN),
    overflow to inf, signed, with subnormals and zero.

    * `special = fn`: no inf; the all-ones magnitude is NaN.
    * `special = fnuz`: no inf, no negative zero; negative zero's code is NaN.
    * `special = none`: every code is finite.
    * `overflow = sat`: values beyond the range, infinities included,
      saturate to the largest finite value.
    * `nosubnormal`: the exponent field 0 holds only zero (flush to zero).
    * `nozero`: the exponent field 0 is a normal binade; there is no zero.

    Rounding is exact: to the nearest value, ties to the even significand,
    unless the operation asks for another mode. The formats that LLVM's
    APFloat also has encode bit for bit as APFloat does (see
    docs/Formats.md).

    Constraints (see docs/Spec.md): float_c1: 0 <= E <= 8, 0 <= M <= 23,
    E + M >= 1; float_c2: radix 2 or 4, radix 4 needs E >= 1; float_c3:
    `ieee` needs E >= 1, `fnuz` needs a sign and a zero; float_c4: the
    format has a finite nonzero value; float_c5: every value lies in the
    normal f64 range.

    Examples:

    ```mlir
    !quantx.float<e5m2>                          // OCP E5M2
    !quantx.float<e4m3, bias = 11>               // E4M3 with bias 11
    !quantx.float<e3m0, radix = 4>               // radix-4 FP4
    !quantx.float<e4m3, special = fn>            // OCP E4M3 (f8E4M3FN)
    !quantx.float<e2m1, special = none>          // OCP MX FP4 (f4E2M1FN)
    !quantx.float<e8m0, special = fn, unsigned, nozero>  // f8E8M0FNU
    ```
  }];
  let parameters = (ins
    "unsigned":$exponentBits,
    "unsigned":$mantissaBits,
    "int32_t":$bias,
    "unsigned":$radix,
    "::quantx::numerics::SpecialValues":$special,
    "::quantx::numerics::OverflowMode":$overflow,
    "bool":$isSigned,
    "bool":$hasSubnormals,
    "bool":$hasZero
  );
  let assemblyFormat = [{
    `<` custom<FloatFormat>($exponentBits, $mantissaBits, $bias, $radix,
                            $special, $overflow, $isSigned, $hasSubnormals,
                            $hasZero) `>`
  }];
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilder<(ins "const ::quantx::numerics::FloatFormat &":$format), [{
      return $_get($_ctxt, format.exponentBits, format.mantissaBits,
                   format.bias, format.radix, format.special, format.overflow,
                   format.isSigned, format.hasSubnormals, format.hasZero);
    }]>
  ];
  let extraClassDeclaration = [{
    /// The format as the Numerics library models it.
    ::quantx::numerics::FloatFormat getFormat() const;
  }];
}

//===----------------------------------------------------------------------===//
// BinaryType and TernaryType
//===----------------------------------------------------------------------===//

/// Formats whose codes stand for a fixed set of integers times an optional
/// scale (per tensor or per channel).
class Quantx_ScaledSetType<string name, string typeMnemonic>
    : Quantx_Type<name, typeMnemonic,
        [DeclareTypeInterfaceMethods<Quantx_FormatTypeInterface,
            ["getExpressedFloatType", "getChannelAxis", "getNumChannels",
             "getCodeRange", "getAffineParams"]>]> {
  let parameters = (ins
    "::mlir::FloatType":$expressedType,
    DefaultValuedParameter<"int32_t", "-1">:$quantizedDimension,
    Quantx_OptionalScalesParameter<"scales">:$scales
  );
  let assemblyFormat = [{
    `<` $expressedType `` custom<ScaleParams>($quantizedDimension, $scales)
    `>`
  }];
  let genVerifyDecl = 1;
  // What binary and ternary share; storage and encoding are their own.
  let extraClassDefinition = [{
    ::mlir::LogicalResult $cppClass::verify(
        ::llvm::function_ref<::mlir::InFlightDiagnostic()> emitError,
        ::mlir::FloatType expressedType, int32_t quantizedDimension,
        ::mlir::quantx::ScaleList scales) {
      return verifyScaledSetParams(emitError, expressedType,
                                   quantizedDimension, scales);
    }
    ::mlir::FloatType $cppClass::getExpressedFloatType() const {
      return getExpressedType();
    }
    std::optional<int32_t> $cppClass::getChannelAxis() const {
      if (isPerChannel())
        return getQuantizedDimension();
      return std::nullopt;
    }
    int64_t $cppClass::getNumChannels() const {
      return isPerChannel() ? getScales().size() : 1;
    }
    std::pair<double, double>
    $cppClass::getRepresentableRange(int64_t channel) const {
      return {-getScale(channel), getScale(channel)};
    }
    ::quantx::numerics::FormatDescription $cppClass::getDescription() const {
      return describeScaledSet(*this);
    }
  }];
  let extraClassDeclaration = [{
    bool isPerChannel() const { return getQuantizedDimension() >= 0; }
    /// The scale of channel `channel` (1.0 when the type has none).
    double getScale(int64_t channel) const {
      if (getScales().empty())
        return 1.0;
      return getScales()[isPerChannel() ? channel : 0];
    }
  }];
}

def Quantx_BinaryType : Quantx_ScaledSetType<"Binary", "binary"> {
  let summary = "binary format {-1, +1} with an optional scale";
  let description = [{
    Syntax: `!quantx.binary<` expressed-type (`:` axis)?
    (`,` scale | `,` `{` scale (`,` scale)* `}`)? `>`

    One storage bit: code 1 is `+scale`, code 0 is `-scale` (the convention
    of XNOR-popcount kernels). Deterministic rounding maps x >= 0 (and NaN)
    to +1 and x < 0 to -1; stochastic rounding picks +1 with probability
    `clamp((x / scale + 1) / 2, 0, 1)` (BinaryConnect). Without a scale the
    values are exactly -1 and +1.

    Constraints: binary_c1: every scale is finite and positive, and finite
    in the expressed type; binary_c2: a
    quantized dimension needs braces with one scale per channel.

    Examples:

    ```mlir
    !quantx.binary<f32>
    !quantx.binary<f32, 0.73>
    !quantx.binary<f32:1, {0.5, 0.25, 0.125}>
    ```
  }];
}

def Quantx_TernaryType : Quantx_ScaledSetType<"Ternary", "ternary"> {
  let summary = "ternary format {-1, 0, +1} with an optional scale";
  let description = [{
    Syntax: `!quantx.ternary<` expressed-type (`:` axis)?
    (`,` scale | `,` `{` scale (`,` scale)* `}`)? `>`

    Two signed storage bits holding -1, 0 or +1, standing for
    `{-scale, 0, +scale}`. Encoding is `clamp(round(x / scale), -1, 1)`:
    with nearest rounding the threshold is scale / 2 (choose the scale to
    place a TWN threshold). It is the narrow fixed-point format
    `i2<-1:1>` with zero point 0.

    Constraints: ternary_c1: every scale is finite and positive, and finite
    in the expressed type;
    ternary_c2: a quantized dimension needs braces with one scale per
    channel.

    Examples:

    ```mlir
    !quantx.ternary<f32>
    !quantx.ternary<f32, 0.05>
    !quantx.ternary<f32:0, {0.5, 0.2}>
    ```
  }];
}

#endif // QUANTX_DIALECT_QUANTX_IR_QUANTXTYPES_TD
