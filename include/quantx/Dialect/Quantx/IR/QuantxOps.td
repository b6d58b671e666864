//===- QuantxOps.td - quantx operations --------------------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The core conversions between float values, quantized values and their
// storage integers.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_QUANTXOPS_TD
#define QUANTX_DIALECT_QUANTX_IR_QUANTXOPS_TD

include "quantx/Dialect/Quantx/IR/QuantxTypes.td"
include "quantx/Dialect/Quantx/IR/QuantxAttrs.td"
include "quantx/Dialect/Quantx/IR/QuantxInterfaces.td"
include "quantx/Interfaces/GradientOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Quantx_AnyFormat : Type<
    CPred<"::llvm::isa<::mlir::quantx::FormatTypeInterface>($_self)">,
    "quantized format", "::mlir::quantx::FormatTypeInterface">;

def Quantx_QuantizedLike : TypeConstraint<Or<[
    Quantx_AnyFormat.predicate, TensorOf<[Quantx_AnyFormat]>.predicate]>,
    "quantized scalar or tensor of quantized values">;

def Quantx_FloatScalarOrTensor : TypeConstraint<Or<[
    AnyFloat.predicate, TensorOf<[AnyFloat]>.predicate]>,
    "float scalar or tensor of floats">;

def Quantx_IntegerScalarOrTensor : TypeConstraint<Or<[
    AnySignlessInteger.predicate,
    TensorOf<[AnySignlessInteger]>.predicate]>,
    "signless integer or tensor of signless integers">;

def Quantx_QuantizedOrStorage : TypeConstraint<Or<[
    Quantx_QuantizedLike.predicate, Quantx_IntegerScalarOrTensor.predicate]>,
    "quantized or signless integer scalar or tensor">;

def Quantx_StepCounter : Type<Or<[
    TensorRankOf<[AnySignlessInteger], [0]>.predicate,
    TensorRankOf<[AnyFloat], [0]>.predicate]>,
    "0-d tensor of a signless integer or float (a step counter)",
    "::mlir::RankedTensorType">;

def Quantx_RoundingAttr : DefaultValuedAttr<Quantx_RoundingModeAttr,
    "::mlir::quantx::RoundingMode::nearest_even">;

def Quantx_ArithmeticAttrDefault : DefaultValuedAttr<Quantx_ArithmeticAttr,
    "::mlir::quantx::Arithmetic::exact">;

def Quantx_QuantGradientAttrDefault : DefaultValuedAttr<
    Quantx_QuantGradientAttr, "::mlir::quantx::QuantGradient::ste">;

//===----------------------------------------------------------------------===//
// Conversions between floats and quantized values
//===----------------------------------------------------------------------===//

/// Conversions from one representation to another, shape preserved. The
/// verifier checks what relates the two element types.
class Quantx_ConversionOp<string mnemonic, list<Trait> traits = []>
    : Quantx_Op<mnemonic, !listconcat(traits, [Pure])> {
  let hasVerifier = 1;
}

def Quantx_QuantizeOp : Quantx_ConversionOp<"quantize"> {
  let summary = "round float values onto a quantized format";
  let description = [{
    Encodes each element of `input` into the format of the result's element
    type, rounding by `rounding` (default `nearest_even`). Per-channel formats
    use the scale and zero point of the element's coordinate along the
    quantized dimension.

    | input          | result                     | rule                       |
    |----------------|----------------------------|----------------------------|
    | `f`            | `!quantx.fmt`              | scalar                     |
    | `tensor<S x f>`| `tensor<S x !quantx.fmt>`  | same shape                 |

    Constraints: quantize_c1: shapes match; quantize_c2: when the format has
    an expressed type (fixed, binary, ternary) it equals the input element
    type; quantize_c3: a per-channel format's quantized dimension is a
    dimension of the shape and its size equals the number of channels.

    `quantize` of a constant folds (by canonicalization) to a storage
    constant behind `quantx.storage_cast`, except with stochastic rounding.

    Example:

    `arithmetic` (affine formats on f32, nearest-even rounding) reproduces
    the float32 arithmetic of ONNX or PyTorch bit for bit (quantize_c5;
    see `#quantx.arithmetic`).

    ```mlir
    %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
    %r = quantx.quantize %x rounding<toward_zero> : f32 to !quantx.float<e4m3>
    %p = quantx.quantize %x arithmetic<pytorch> : tensor<4xf32> to tensor<4x!quantx.fixed<u8:f32, 0.1:3>>
    ```
  }];
  let arguments = (ins Quantx_FloatScalarOrTensor:$input,
                       Quantx_RoundingAttr:$rounding,
                       OptionalAttr<I64Attr>:$seed,
                       Quantx_ArithmeticAttrDefault:$arithmetic);
  let results = (outs Quantx_QuantizedLike:$result);
  let assemblyFormat = [{
    $input (`rounding` `` $rounding^)? (`seed` $seed^)?
    (`arithmetic` `` $arithmetic^)? attr-dict `:`
    type($input) `to` type($result)
  }];
  let hasCanonicalizer = 1;
}

def Quantx_DequantizeOp : Quantx_ConversionOp<"dequantize"> {
  let summary = "read quantized values as floats";
  let description = [{
    Decodes each element of `input` and converts it to the result's float
    type (rounding to nearest even when the decoded value is not exact in
    that type). NaN and infinity codes give NaN and infinity.

    Constraints: dequantize_c1: shapes match; dequantize_c2: when the format
    has an expressed type it equals the result element type; dequantize_c3:
    per-channel shapes as for `quantize`; dequantize_c4: the format is valid
    whatever dialect defines it.

    `arithmetic` (affine formats into f32) reproduces the float32
    arithmetic of ONNX or PyTorch (dequantize_c5; see `#quantx.arithmetic`).

    `dequantize(quantize(x))` is a real rounding and is never folded away;
    `dequantize` of a storage constant folds to a float constant.

    Example:

    ```mlir
    %x = quantx.dequantize %q : tensor<4x!quantx.fixed<i8:f32, 0.5>> to tensor<4xf32>
    %y = quantx.dequantize %q arithmetic<onnx> : tensor<4x!quantx.fixed<i8:f32, 0.5>> to tensor<4xf32>
    ```
  }];
  let arguments = (ins Quantx_QuantizedLike:$input,
                       Quantx_ArithmeticAttrDefault:$arithmetic);
  let results = (outs Quantx_FloatScalarOrTensor:$result);
  let assemblyFormat = [{
    $input (`arithmetic` `` $arithmetic^)? attr-dict `:` type($input) `to`
    type($result)
  }];
  let hasFolder = 1;
}

def Quantx_RequantizeOp : Quantx_ConversionOp<"requantize"> {
  let summary = "convert quantized values to another format";
  let description = [{
    Decodes each element of `input` and encodes the value into the result's
    format, rounding by `rounding`: exactly `quantize(dequantize(x))` through
    f64, without an intermediate float type.

    Constraints: requantize_c1: shapes match; requantize_c2: per-channel
    shapes as for `quantize`, on both sides.

    `requantize` of a storage constant folds by canonicalization, except
    with stochastic rounding.

    Example:

    ```mlir
    %r = quantx.requantize %q : tensor<8x!quantx.fixed<i32:f32, 0.001>> to tensor<8x!quantx.fixed<i8:f32, 0.1>>
    ```
  }];
  let arguments = (ins Quantx_QuantizedLike:$input,
                       Quantx_RoundingAttr:$rounding,
                       OptionalAttr<I64Attr>:$seed);
  let results = (outs Quantx_QuantizedLike:$result);
  let assemblyFormat = [{
    $input (`rounding` `` $rounding^)? (`seed` $seed^)? attr-dict `:`
    type($input) `to` type($result)
  }];
  let hasCanonicalizer = 1;
}

def Quantx_RescaleOp : Quantx_Op<"rescale", [Pure, SameOperandsAndResultShape]> {
  let summary = "requantize integers: a multiplier, zero points and a clamp";
  let description = [{
    Maps each integer of `input` (an accumulator, read as a signed integer
    of its width) to an output code by one of the integer runtimes'
    conventions, exactly. With `x' = x - input_zero_point`:

    | `rounding` | convention | result before the clamp |
    |---|---|---|
    | `float` | ONNX QLinearMatMul (onnxruntime) | `round_half_even(f32(x') * scale) + output_zero_point`, one f32 multiplication |
    | `single_round` | TOSA rescale, SINGLE_ROUND | `(x' * multiplier + 2^(shift-1)) >> shift + output_zero_point` (exact, arithmetic shift: ties toward +inf) |
    | `double_round` | TOSA rescale, DOUBLE_ROUND | as `single_round`, with `2^30` added (`x' >= 0`) or subtracted to the rounding term when `shift > 31` |
    | `gemmlowp` | TFLite `MultiplyByQuantizedMultiplier` | `RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x' << max(31 - shift, 0), multiplier), max(shift - 31, 0)) + output_zero_point` in int32: the high multiplication rounds ties toward +inf, the division by a power of two away from zero; the input and the shifted input saturate |

    then clamped to `[output_min, output_max]` and stored in the result's
    width (two's complement: an unsigned range such as `[0, 255]` is stored
    in `i8` bits). In the fixed-point conventions the real multiplier is
    `multiplier * 2^-shift`. `scale` (for `float`), `multiplier` and `shift`
    (for the others) hold one value, or one per index of dimension `axis`.
    The reference is `quantx::numerics::rescale`; the lowering is tested
    bit for bit against it.

    Constraints: rescale_c1: `float` has `scale` (positive, finite) and no
    `multiplier` or `shift`; the others have `multiplier` (positive) and
    `shift` (in [1, 62]) of the same length and no `scale`; rescale_c2: one
    value, or `axis` names a static dimension with as many values;
    rescale_c3: `output_min <= output_max`, both representable in the
    result's width as signed or as unsigned integers; rescale_c4: input and
    result are integers of at most 64 bits, of the same shape (dynamic
    dimensions in the same places).

    Nothing overflows before the clamp: `x'` is exact, the fixed-point
    products are computed in 128 bits where 64 could overflow; `float`
    saturates `x'` and the rounded product to int64, `gemmlowp` saturates
    to int32 as TFLite does.

    Example:

    ```mlir
    // An int32 accumulator to u8 codes with zero point 3, two channels.
    %y = quantx.rescale %acc rounding<single_round> multiplier [1518500250, 1073741824]
        shift [38, 37] axis 1 zero_points (0, 3) clamp [0, 255]
        : tensor<4x2xi32> to tensor<4x2xi8>
    %z = quantx.rescale %acc rounding<float> scale [0.0123] zero_points (0, -128)
        clamp [-128, 127] : tensor<4x2xi32> to tensor<4x2xi8>
    ```
  }];
  let arguments = (ins Quantx_IntegerScalarOrTensor:$input,
                       Quantx_RescaleRoundingAttr:$rounding,
                       OptionalAttr<DenseF32ArrayAttr>:$scale,
                       OptionalAttr<DenseI32ArrayAttr>:$multiplier,
                       OptionalAttr<DenseI32ArrayAttr>:$shift,
                       OptionalAttr<I64Attr>:$axis,
                       I64Attr:$input_zero_point,
                       I64Attr:$output_zero_point,
                       I64Attr:$output_min,
                       I64Attr:$output_max);
  let results = (outs Quantx_IntegerScalarOrTensor:$result);
  let assemblyFormat = [{
    $input `rounding` `` $rounding (`scale` $scale^)? (`multiplier` $multiplier^)?
    (`shift` $shift^)? (`axis` $axis^)? `zero_points` ` ` `(` $input_zero_point
    `,` $output_zero_point `)` `clamp` ` ` `[` $output_min `,` $output_max `]`
    attr-dict `:` type($input) `to` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The parameters of index `channel` along `axis` (0 when per tensor).
    ::quantx::numerics::RescaleParams getParams(int64_t channel);
    /// Values per parameter: 1, or the size of dimension `axis`.
    int64_t getNumChannels();
  }];
}

def Quantx_UnpackOp : Quantx_Op<"unpack", [Pure]> {
  let summary = "sub-byte codes stored several per byte";
  let description = [{
    Reads codes of 1 to 7 bits packed into bytes: element `i` of the result
    (in row-major order) is bits `[i w, i w + w)` of the bytes read as one
    little-endian bit string, bit `b` being bit `b mod 8` of byte
    `floor(b / 8)` of `input` (two int4 codes per byte, low nibble first;
    3-, 5-, 6- and 7-bit codes may straddle two bytes). The result holds
    the bits; a format's `storage_cast` reads them as signed or unsigned
    codes. `quantx-quantize` stores sub-byte weights this way; the lowering
    reads the bytes in the kernel (`quantx::numerics::unpackCode` is the
    reference).

    Constraints: unpack_c1: the input is a 1-D static tensor of i8 with
    `ceil(N w / 8)` elements for a result of N elements; unpack_c2: the
    result is statically shaped with integer elements of 1 to 7 bits.

    Example:

    ```mlir
    %packed = arith.constant dense<[33, -2]> : tensor<2xi8>
    %codes = quantx.unpack %packed : tensor<2xi8> to tensor<2x2xi4>   // [[1, 2], [-2, -1]]
    %six = quantx.unpack %bytes : tensor<3xi8> to tensor<4xi6>         // 24 bits, 4 codes
    ```
  }];
  let arguments = (ins RankedTensorOf<[I8]>:$input);
  let results = (outs RankedTensorOf<[AnySignlessInteger]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Quantx_PackSignsOp : Quantx_Op<"pack_signs", [Pure]> {
  let summary = "signs of numbers, 64 per i64 word, for XNOR-popcount";
  let description = [{
    Binarizes the last dimension of `input` and packs it into 64-bit words:
    bit `j` of word `w` of a row is 1 when element `64 w + j` is +1 in the
    binary format (`x >= 0`, -0 and NaN included, as
    `quantx::numerics::BinaryFormat::encode` rounds deterministically) and
    0 when it is -1. Bits past the row's length are 0. The other dimensions
    are kept; they may be dynamic. The input is f16, bf16, f32 or f64, or
    a signless integer of 8, 16, 32 or 64 bits read as signed (`x >= 0`
    is +1): `quantx-fold-binary` carries signs between binary layers as
    `i8` values -1 and +1.

    Constraints: pack_signs_c1: the input's last dimension K is static and
    at least 1; pack_signs_c2: the result has the input's other dimensions
    and `ceil(K / 64)` words in its last one.

    Example:

    ```mlir
    %bits = quantx.pack_signs %x : tensor<?x100xf32> to tensor<?x2xi64>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F16, BF16, F32, F64, I8, I16, I32,
                                       I64]>:$input);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Quantx_BinaryMatmulOp : Quantx_Op<"binary_matmul", [Pure]> {
  let summary = "XNOR-popcount product of sign-packed rows";
  let description = [{
    The product of two matrices of +-1 values stored one bit each as
    `quantx.pack_signs` packs them: `lhs` holds M rows and `rhs` N rows
    (the weights transposed) of `k` values in `ceil(k / 64)` words.
    Element (m, n) of the result is the exact dot product of row m of
    `lhs` and row n of `rhs`,

    `k - 2 * sum_w popcount(lhs[m, w] xor rhs[n, w])`,

    since equal bits multiply to +1 and different ones to -1. Bits past `k`
    must be 0 in both operands (as `pack_signs` leaves them), so they never
    differ.

    Constraints: binary_matmul_c1: `k` is at least 1 and at most 2^31 - 1
    (the i32 result holds k); binary_matmul_c2:
    both operands have `ceil(k / 64)` words per row; binary_matmul_c3: the
    result is M x N.

    Example:

    ```mlir
    %d = quantx.binary_matmul %a, %w k 100 : tensor<?x2xi64>, tensor<10x2xi64> -> tensor<?x10xi32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I64]>:$lhs, RankedTensorOf<[I64]>:$rhs,
                       I64Attr:$k);
  let results = (outs RankedTensorOf<[I32]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `k` $k attr-dict `:` type($lhs) `,` type($rhs) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Quantx_PackTernaryOp : Quantx_Op<"pack_ternary", [Pure]> {
  let summary = "ternary codes in two bit planes, for popcount products";
  let description = [{
    Packs the last dimension of `input`, ternary codes (signless integers
    read as signed: a positive code is +1, zero is 0, a negative code -1;
    the storage of `!quantx.ternary` holds -1, 0 and 1), into two planes
    of 64-bit words: plane 0 has bit `j` of word `w` set when element
    `64 w + j` is +1, plane 1 when it is nonzero. A row of K values takes
    `ceil(K / 64)` words per plane; bits past K are 0 in both. The other
    dimensions are kept; they may be dynamic.

    Constraints: pack_ternary_c1: the input's last dimension K is static and
    at least 1; pack_ternary_c2: the result has the input's other
    dimensions, then 2 planes, then `ceil(K / 64)` words.

    Example:

    ```mlir
    %t = quantx.pack_ternary %codes : tensor<?x100xi8> to tensor<?x2x2xi64>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I<2>, I8, I16, I32, I64]>:$input);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasVerifier = 1;
}

def Quantx_TernaryMatmulOp : Quantx_Op<"ternary_matmul", [Pure]> {
  let summary = "popcount product of ternary (and binary) bit planes";
  let description = [{
    The product of two matrices of values in {-1, 0, +1}: `lhs` holds M
    rows and `rhs` N rows (the weights transposed) of `k` values, each
    either ternary, packed by `quantx.pack_ternary` (M x 2 x W: signs, then
    the nonzero mask), or binary, packed by `quantx.pack_signs` (M x W: its
    mask is every value). At least one side is ternary (two binary sides
    are `quantx.binary_matmul`). With `m = mask_lhs & mask_rhs` per word,
    element (m, n) of the result is the exact dot product

    `sum_w popcount(m) - 2 * popcount(m & (signs_lhs xor signs_rhs))`,

    since a zero on either side contributes nothing and equal signs +1.
    Bits past `k` must be 0 in a ternary operand's mask (as `pack_ternary`
    leaves them), so they never count.

    Constraints: ternary_matmul_c1: `k` is at least 1 and at most
    2^31 - 1; ternary_matmul_c2: each operand is M x W (binary) or
    M x 2 x W (ternary) with `W = ceil(k / 64)`, and at least one is
    ternary; ternary_matmul_c3: the result is M x N.

    Example:

    ```mlir
    %d = quantx.ternary_matmul %a, %w k 100 : tensor<?x2xi64>, tensor<10x2x2xi64> -> tensor<?x10xi32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[I64]>:$lhs, RankedTensorOf<[I64]>:$rhs,
                       I64Attr:$k);
  let results = (outs RankedTensorOf<[I32]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs `k` $k attr-dict `:` type($lhs) `,` type($rhs) `->`
    type($result)
  }];
  let hasVerifier = 1;
}

def Quantx_SignMatmulOp : Quantx_Op<"sign_matmul", [Pure]> {
  let summary = "float rows times packed binary or ternary weights, by "
                "additions and subtractions";
  let description = [{
    The product of float activations and weights in {-1, +1} or
    {-1, 0, +1} stored as bits (BinaryConnect and TWN layers with float
    activations): `lhs` holds M rows of K floats, `rhs` N rows (the
    weights transposed) of K values packed by `quantx.pack_signs` (N x W,
    bit 1 for +1) or `quantx.pack_ternary` (N x 2 x W: signs, then the
    nonzero mask), `W = ceil(K / 64)`. No value is multiplied: element
    (m, n) of the result is

    `(((+0 + t_0) + t_1) + ...) + t_(K-1)`, with `t_k` = `lhs[m, k]` where
    weight k of row n is +1, `-lhs[m, k]` where it is -1 and +0 where it
    is 0,

    each addition rounded to f32, in increasing k. The order is part of
    the result: every lowering (the generic loops and the vector kernel of
    `quantx-lower-binary-matmuls`) gives these exact bits, but for a NaN
    result, which is a NaN of unspecified sign and payload (as IEEE 754
    leaves them). Bits past K are ignored.

    Constraints: sign_matmul_c1: `lhs` is M x K f32 with K static and at
    least 1; sign_matmul_c2: `rhs` is N x W (binary) or N x 2 x W
    (ternary) with `W = ceil(K / 64)`; sign_matmul_c3: the result is M x N
    f32.

    Example:

    ```mlir
    %y = quantx.sign_matmul %x, %w : tensor<?x100xf32>, tensor<10x2xi64> -> tensor<?x10xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$lhs, RankedTensorOf<[I64]>:$rhs);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Quantx_StorageCastOp : Quantx_ConversionOp<"storage_cast"> {
  let summary = "reinterpret quantized values as their storage integers";
  let description = [{
    Converts between a quantized value and the signless integer that holds
    its code, in either direction, without changing any bit. Float formats
    store their bit pattern; binary formats store 1 for +1 and 0 for -1;
    ternary and fixed formats store the integer code.

    Constraints: storage_cast_c1: exactly one side is quantized, the other is
    a signless integer of the format's storage width; storage_cast_c2:
    shapes match.

    A pair of opposite casts folds away.

    Example:

    ```mlir
    %c = arith.constant dense<[1, -3]> : tensor<2xi8>
    %q = quantx.storage_cast %c : tensor<2xi8> to tensor<2x!quantx.fixed<i8:f32, 0.5>>
    ```
  }];
  let arguments = (ins Quantx_QuantizedOrStorage:$input);
  let results = (outs Quantx_QuantizedOrStorage:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

def Quantx_FakeQuantOp : Quantx_Op<"fake_quant",
    [Pure, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<Quantx_GradientOpInterface>]> {
  let summary = "round float values onto a format's grid and back";
  let description = [{
    Returns `dequantize(quantize(input, format))` in the float type of
    `input`: each element is encoded into `format` with `rounding` and
    decoded again. Its gradient is the straight-through estimator: 1 where
    the input lies inside the format's representable range, 0 outside.

    Constraints: fake_quant_c1: input and result have the same float type;
    fake_quant_c2: `format` implements the format interface and, when it has
    an expressed type, that type equals the element type; fake_quant_c3:
    per-channel shapes as for `quantize`.

    Folds on constants (deterministic rounding) and
    `fake_quant(fake_quant(x, f), f)` to `fake_quant(x, f)` for nearest
    rounding, which is idempotent.

    Example:

    ```mlir
    %0 = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.05> : tensor<16xf32>
    %1 = quantx.fake_quant %x to !quantx.float<e4m3> rounding<stochastic> : tensor<16xf32>
    %2 = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.05> arithmetic<pytorch> : tensor<16xf32>
    ```

    `arithmetic` reproduces ONNX's (QuantizeLinear then DequantizeLinear)
    or PyTorch's (`fake_quantize_*_affine`) float32 arithmetic
    (fake_quant_c5; see `#quantx.arithmetic`).

    With stochastic rounding, `step` (a 0-d tensor holding a non-negative
    integer, as an integer read unsigned or an integral float; a float
    step is clamped to [0, 2^63], NaN read as 0: a training step counter)
    makes the draws differ from step to step: element `i` draws
    `counterRandomBits(stepSeed(seed, step), i)` instead of
    `counterRandomBits(seed, i)` (fake_quant_c6: `step` only with
    stochastic rounding). Without it, every evaluation draws the same bits.

    ```mlir
    %2 = quantx.fake_quant %x to !quantx.float<e5m2> rounding<stochastic>
        seed 3 step %n : tensor<f32> : tensor<16xf32>
    ```
  }];
  let arguments = (ins Quantx_FloatScalarOrTensor:$input,
                       Optional<Quantx_StepCounter>:$step,
                       TypeAttrOf<Quantx_AnyFormat>:$format,
                       Quantx_RoundingAttr:$rounding,
                       OptionalAttr<I64Attr>:$seed,
                       Quantx_ArithmeticAttrDefault:$arithmetic);
  let results = (outs Quantx_FloatScalarOrTensor:$result);
  let assemblyFormat = [{
    $input `to` $format (`rounding` `` $rounding^)? (`seed` $seed^)?
    (`step` $step^ `:` type($step))?
    (`arithmetic` `` $arithmetic^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Quantx_RoundGradientOp : Quantx_Op<"round_gradient",
    [Pure, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<Quantx_GradientOpInterface>]> {
  let summary = "the identity, whose gradient is rounded onto a float format";
  let description = [{
    Returns `input` unchanged. Its gradient is the incoming gradient `g`
    rounded onto `format` (a `!quantx.float`) and back, with `rounding`,
    `seed` and `step` as `quantx.fake_quant` draws them: the gradients of a
    training step computed in a low-precision float. quantx-mixed-precision
    puts it on the operands and results of contractions, so that the
    backward pass the differentiation generates rounds the activation and
    weight gradients. A gradient element that is infinite or NaN passes
    unchanged, also where the format has no such value (it would become
    zero or finite there): an overflow is never hidden from loss scaling.

    With `scaled` (per-layer gradient scaling, as in 4-bit training), the
    gradient is first divided by `s = max|g| / F`, with `F` the format's
    largest finite value, so that the tensor's largest magnitude lands at
    the top of the format's range, and multiplied by `s` after rounding:
    `s * fake_quant(clamp(g / s, -F, F))` in the element type (the clamp only
    removes the division's rounding error above `F`). When `max|g|` is 0 or
    not finite, or `s` is not a normal number of the element type, `s = 1`.

    The forward identity is kept until differentiation (it carries the
    gradient's format); convert-quantx-to-arith replaces it by its input.

    Constraints: round_gradient_c1: `format` is a `!quantx.float`, and
    `step` and `seed` only with stochastic rounding.

    Example:

    ```mlir
    %y = quantx.round_gradient %x to !quantx.float<e5m2> : tensor<64x128xf32>
    %z = quantx.round_gradient %x to !quantx.float<e3m0, radix = 4> scaled
        : tensor<64x128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       Optional<Quantx_StepCounter>:$step,
                       TypeAttrOf<Quantx_AnyFormat>:$format,
                       Quantx_RoundingAttr:$rounding,
                       OptionalAttr<I64Attr>:$seed,
                       UnitAttr:$scaled);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `to` $format (`rounding` `` $rounding^)? (`seed` $seed^)?
    (`step` $step^ `:` type($step))? (`scaled` $scaled^)? attr-dict `:`
    type($input)
  }];
  let hasVerifier = 1;
}

def Quantx_ScaledFakeQuantOp : Quantx_Op<"scaled_fake_quant",
    [Pure, AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<Quantx_GradientOpInterface>]> {
  let summary = "fake quantization with a run-time scale (quantization-aware "
                "training)";
  let description = [{
    Rounds `input` onto the grid of `format` whose scale (and zero point)
    are the values of operands, and back: the quantizer of quantization-
    aware training, where scales are learned (LSQ, PACT) or computed from
    the data at each step (max|w|, SAWB, TWN, XNOR-Net, observed ranges).
    `scale` is a 0-d tensor (per tensor) or, with `axis = d`, a 1-d tensor
    with one scale per index of dimension `d` of the input (per channel);
    `zero_point` and `threshold` have the scale's type.

    - `!quantx.fixed<iN:f32, ?>` (or `uN`, narrow ranges): with `zp` the
      zero point rounded to nearest even and clamped to the storage range
      `[qmin, qmax]` (0 without `zero_point`),
      `q = clamp(round_even(x / s) + zp, qmin, qmax)`, `y = (q - zp) s`.
      `arithmetic<pytorch>` computes `x * (1 / s)` in f32, as PyTorch's
      `fake_quantize_*_affine` do; the default, `exact`, rounds the exact
      quotient.
    - `!quantx.binary<f32>` (no scale of its own): `y = s` where `x >= 0`
      or `x` is NaN (sign(0) = +1, as the binary format encodes), `-s`
      elsewhere.
    - `!quantx.ternary<f32>` (no scale of its own):
      `y = s clamp(round_even(x / s), -1, 1)`; with `threshold` `t`,
      `y = s` where `x > t`, `-s` where `x < -t`, 0 elsewhere (TWN).

    `gradient` selects the backward rule (`#quantx.gradient`): `ste`
    (default), `identity` or `lsq` (fixed point only). With `lsq`,
    `grad_scale` multiplies the scale's and zero point's gradients; without
    it, `1 / sqrt(n qmax)` with `n` the number of input elements per scale,
    as the LSQ paper prescribes.

    Constraints: scaled_fake_quant_c1: `format` is `!quantx.fixed<..., ?>`
    with the input's element type as expressed type, or a `!quantx.binary`
    or `!quantx.ternary` without scales of the input's element type;
    scaled_fake_quant_c2: `scale` (and `zero_point`, `threshold`) is a
    tensor of the input's element type, 0-d without `axis`, 1-d with it,
    its size the size of input dimension `axis` when both are static;
    scaled_fake_quant_c3: `zero_point` only with fixed point, `threshold`
    only with ternary; scaled_fake_quant_c4: `lsq` only with fixed point
    (and, without `grad_scale`, a largest code of at least 1),
    `grad_scale` only with `lsq` and positive; scaled_fake_quant_c5:
    `arithmetic<pytorch>` only with fixed point and f32 (`onnx` is not
    offered).

    Lowered by convert-quantx-to-arith with the encoders of the static
    formats (`docs/Formats.md`).

    Example:

    ```mlir
    // LSQ activations: a learned step size, unsigned 4-bit grid.
    %a = quantx.scaled_fake_quant %x, %s to !quantx.fixed<u4:f32, ?>
        gradient<lsq> : tensor<64x128xf32>, tensor<f32>
    // Per-output-channel 8-bit weights, scale max|w| / 127 per column.
    %w8 = quantx.scaled_fake_quant %w, %sw to !quantx.fixed<i8:f32, ?>
        axis 1 : tensor<784x128xf32>, tensor<128xf32>
    // Ternary weights with TWN's threshold.
    %wt = quantx.scaled_fake_quant %w, %alpha threshold %delta : tensor<128xf32>
        to !quantx.ternary<f32> axis 1 : tensor<784x128xf32>, tensor<128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       RankedTensorOf<[AnyFloat]>:$scale,
                       Optional<RankedTensorOf<[AnyFloat]>>:$zero_point,
                       Optional<RankedTensorOf<[AnyFloat]>>:$threshold,
                       TypeAttrOf<Quantx_AnyFormat>:$format,
                       OptionalAttr<I64Attr>:$axis,
                       Quantx_QuantGradientAttrDefault:$gradient,
                       OptionalAttr<F64Attr>:$grad_scale,
                       Quantx_ArithmeticAttrDefault:$arithmetic);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $scale (`zero_point` $zero_point^ `:` type($zero_point))?
    (`threshold` $threshold^ `:` type($threshold))? `to` $format (`axis` $axis^)? (`gradient` `` $gradient^)?
    (`grad_scale` $grad_scale^)? (`arithmetic` `` $arithmetic^)? attr-dict
    `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The storage range of a fixed-point format, or [-1, 1] (the codes of
    /// binary and ternary).
    std::pair<int64_t, int64_t> getCodeRange();
    bool isFixedPoint();
    bool isBinary();
  }];
}

//===----------------------------------------------------------------------===//
// Losses
//===----------------------------------------------------------------------===//

def Quantx_SoftmaxCrossEntropyOp : Quantx_Op<"softmax_cross_entropy",
    [Pure, DeclareOpInterfaceMethods<Quantx_GradientOpInterface>]> {
  let summary = "mean softmax cross-entropy of logits against class labels";
  let description = [{
    For `logits` of shape `[N, C]` and integer `labels` of shape `[N]` (class
    indices in `[0, C)`), returns the mean over the batch of
    `-log(softmax(logits[n])[labels[n]])` as a 0-d tensor, computed stably
    as `logsumexp(logits[n]) - logits[n, labels[n]]`.

    Its gradient with respect to the logits is
    `(softmax(logits) - onehot(labels)) / N`; labels get none.

    Bad labels give NaN, never a finite loss: a label outside `[0, C)`
    makes the loss (and that row's gradient) NaN, and so does a label count
    that differs from the batch when dynamic shapes hide it from the
    verifier (no label is read out of bounds). The runner stops training on
    a NaN loss with an error.

    Constraints: softmax_cross_entropy_c1: `logits` is a rank-2 float
    tensor, `labels` a rank-1 integer tensor with the same first dimension
    (when both are static); softmax_cross_entropy_c2: the result is a 0-d
    tensor of the logits' element type.

    Lowered to linalg by convert-quantx-to-arith.

    Example:

    ```mlir
    %loss = quantx.softmax_cross_entropy %logits, %labels
        : tensor<64x10xf32>, tensor<64xi32> -> tensor<f32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$logits,
                       RankedTensorOf<[AnySignlessInteger]>:$labels);
  let results = (outs 0DTensorOf<[AnyFloat]>:$loss);
  let assemblyFormat = [{
    $logits `,` $labels attr-dict `:` type($logits) `,` type($labels)
    `->` type($loss)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Builds the loss from linalg ops at the builder's insertion point.
    ::mlir::Value decompose(::mlir::OpBuilder &builder);
  }];
}

//===----------------------------------------------------------------------===//
// Training and inference
//===----------------------------------------------------------------------===//

def Quantx_ModeSelectOp : Quantx_Op<"mode_select",
    [Pure, AllTypesMatch<["training_value", "inference_value", "result"]>,
     DeclareOpInterfaceMethods<Quantx_GradientOpInterface>]> {
  let summary = "a value in training, another in inference";
  let description = [{
    Returns `training_value` when the op has `training`, else
    `inference_value`. A model is written once, without `training`
    (inference); `quantx-make-train-step` sets `training` on every
    `quantx.mode_select` (and `quantx.batch_norm`) of the training step it
    builds. Observers use it: in training an activation quantizer uses (and
    the model stores) the range updated with the batch, in inference the
    stored range. The gradient reaches the selected operand only.

    The op does not fold (the choice belongs to the function it ends up
    in); convert-quantx-to-arith replaces it by the selected operand.

    Example:

    ```mlir
    %lo = quantx.mode_select %updated, %stored : tensor<f32>
    ml_program.global_store @act_lo = %lo : tensor<f32>
    ```
  }];
  let arguments = (ins AnyType:$training_value, AnyType:$inference_value,
                       UnitAttr:$training);
  let results = (outs AnyType:$result);
  let assemblyFormat = [{
    $training_value `,` $inference_value (`training` $training^)? attr-dict
    `:` type($result)
  }];
  let extraClassDeclaration = [{
    /// The operand this op returns.
    ::mlir::Value getSelected() {
      return getTraining() ? getTrainingValue() : getInferenceValue();
    }
  }];
}

def Quantx_StopGradientOp : Quantx_Op<"stop_gradient",
    [Pure, AllTypesMatch<["input", "result"]>,
     DeclareOpInterfaceMethods<Quantx_GradientOpInterface>]> {
  let summary = "the identity, through which no gradient flows";
  let description = [{
    Returns `input` unchanged; its gradient is zero (PyTorch's `detach`,
    TensorFlow's `stop_gradient`). quantx-insert-fake-quant uses it where a
    value computed from the data initializes a learned parameter (the first
    LSQ step size): the initial value is not a function the loss is
    differentiated through.

    The op does not fold away before differentiation (it would lose its
    meaning); convert-quantx-to-arith replaces it by its operand.

    Example:

    ```mlir
    %init = quantx.stop_gradient %from_data : tensor<f32>
    ```
  }];
  let arguments = (ins AnyType:$input);
  let results = (outs AnyType:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

//===----------------------------------------------------------------------===//
// Normalization
//===----------------------------------------------------------------------===//

def Quantx_BatchNormOp : Quantx_Op<"batch_norm",
    [Pure, AllTypesMatch<["input", "output"]>,
     AllTypesMatch<["scale", "offset", "running_mean", "running_var",
                    "new_mean", "new_var"]>,
     DeclareOpInterfaceMethods<Quantx_GradientOpInterface>]> {
  let summary = "batch normalization over the last (feature) dimension";
  let description = [{
    Normalizes `input` (`[N, C]`, `[N, H, W, C]`, ...: features last) per
    feature `c`, then scales and shifts it:
    `output = (input - mean[c]) / sqrt(var[c] + epsilon) * scale[c] +
    offset[c]`.

    Without `training` (inference), `mean` and `var` are `running_mean` and
    `running_var`, and `new_mean`/`new_var` return them unchanged. With
    `training`, `mean` and `var` are the statistics of this batch over every
    dimension but the last (`M` elements per feature; the variance divides
    by `M`), and the running statistics move towards them:
    `new_mean = (1 - momentum) running_mean + momentum mean`,
    `new_var = (1 - momentum) running_var + momentum var M / (M - 1)`
    (the unbiased variance), as `torch.nn.BatchNorm` does.

    A model writes the op once, without `training`, and stores `new_mean`
    and `new_var` into its `quantx.buffer` globals:
    `quantx-make-train-step` sets `training` in the step it builds and turns
    the stores into results of the step, and the prediction function uses
    the running statistics. The gradient covers every operand and result
    (batch statistics included in training).

    Constraints: batch_norm_c1: `input` has rank 2 or more and a float
    element type; batch_norm_c2: `scale`, `offset`, `running_mean` and
    `running_var` are rank-1 tensors of the input's element type and of its
    feature count; batch_norm_c3: `epsilon` is positive and finite,
    `momentum` lies in [0, 1]; batch_norm_c4: in training, a batch whose
    static shape has one element per feature is an error (its variance is
    undefined; with dynamic shapes `new_var` becomes infinite or NaN).

    Canonicalization folds a `tensor.cast` that erases static sizes of the
    input into the op (so a training step's static batch reaches its
    code), except where that would break batch_norm_c4.

    Lowered to linalg by convert-quantx-to-arith.

    Example:

    ```mlir
    %y, %mean, %var = quantx.batch_norm %x, %gamma, %beta, %rm, %rv
        {epsilon = 1.0e-05 : f64, momentum = 0.1 : f64}
        : tensor<?x28x28x16xf32>, tensor<16xf32>
    ml_program.global_store @bn1_mean = %mean : tensor<16xf32>
    ml_program.global_store @bn1_var = %var : tensor<16xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input,
                       RankedTensorOf<[AnyFloat]>:$scale,
                       RankedTensorOf<[AnyFloat]>:$offset,
                       RankedTensorOf<[AnyFloat]>:$running_mean,
                       RankedTensorOf<[AnyFloat]>:$running_var,
                       DefaultValuedAttr<F64Attr, "1e-5">:$epsilon,
                       DefaultValuedAttr<F64Attr, "0.1">:$momentum,
                       UnitAttr:$training);
  let results = (outs RankedTensorOf<[AnyFloat]>:$output,
                      RankedTensorOf<[AnyFloat]>:$new_mean,
                      RankedTensorOf<[AnyFloat]>:$new_var);
  let assemblyFormat = [{
    $input `,` $scale `,` $offset `,` $running_mean `,` $running_var
    (`training` $training^)? attr-dict `:` type($input) `,` type($scale)
  }];
  let hasVerifier = 1;
  let hasCanonicalizer = 1;
  let extraClassDeclaration = [{
    /// Builds the output and the new running statistics from linalg ops at
    /// the builder's insertion point.
    ::llvm::SmallVector<::mlir::Value, 3> decompose(::mlir::OpBuilder &builder);
  }];
}

#endif // QUANTX_DIALECT_QUANTX_IR_QUANTXOPS_TD
