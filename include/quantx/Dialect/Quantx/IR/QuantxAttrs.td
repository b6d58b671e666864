//===- QuantxAttrs.td - quantx attributes ------------------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Attributes of the quantx dialect: the rounding mode of conversions, the
// training contract's enums and a contraction's accumulation precision.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_QUANTXATTRS_TD
#define QUANTX_DIALECT_QUANTX_IR_QUANTXATTRS_TD

include "quantx/Dialect/Quantx/IR/QuantxDialect.td"
include "mlir/IR/EnumAttr.td"

def Quantx_RoundingMode : I32EnumAttr<"RoundingMode",
    "how a value between two representable neighbours is rounded", [
      I32EnumAttrCase<"nearest_even", 0>,
      I32EnumAttrCase<"nearest_away", 1>,
      I32EnumAttrCase<"toward_zero", 2>,
      I32EnumAttrCase<"stochastic", 3>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_RoundingModeAttr : EnumAttr<Quantx_Dialect, Quantx_RoundingMode,
                                       "rounding"> {
  let summary = "rounding mode of a quantizing conversion";
  let description = [{
    * `nearest_even` (default): the nearest representable value; ties to
      the even significand (IEEE roundTiesToEven).
    * `nearest_away`: the nearest value; ties away from zero.
    * `toward_zero`: the neighbour of smaller magnitude.
    * `stochastic`: the neighbour of larger magnitude with probability equal
      to the distance from the smaller one, in units of their gap. Element i
      (in row-major order) draws its 32 random bits from a counter-based
      generator as `counterRandomBits(seed, i)` (SplitMix64; the operation's
      `seed` attribute, 0 when absent), so runs are reproducible and the
      lowered code matches the Numerics library. Stochastic operations are
      not constant-folded.
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Quantx_QuantGradient : I32EnumAttr<"QuantGradient",
    "the gradient a quantizer passes back", [
      I32EnumAttrCase<"ste", 0>,
      I32EnumAttrCase<"identity", 1>,
      I32EnumAttrCase<"lsq", 2>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_QuantGradientAttr : EnumAttr<Quantx_Dialect, Quantx_QuantGradient,
                                        "gradient"> {
  let summary = "the gradient rule of quantx.scaled_fake_quant";
  let description = [{
    * `ste` (default): the straight-through estimator: the output gradient
      passes to the input where the input is not clipped (fixed point: the
      rounded code before clamping lies in the storage range; binary and
      ternary: `|x| <= scale`), and is 0 elsewhere; the scale, zero point
      and threshold get none.
    * `identity`: the output gradient passes to the input everywhere
      (BinaryConnect's estimator); the parameters get none.
    * `lsq`: learned step size (fixed point): the input gradient of `ste`,
      and gradients for the scale (`round(x/s) - x/s` where the input is not
      clipped, `qmin - zp` or `qmax - zp` where it is) and the zero point
      (`0` and `-s`), summed per scale and multiplied by the gradient
      scale, as `torch._fake_quantize_learnable_per_tensor_affine`.
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Quantx_RescaleRounding : I32EnumAttr<"RescaleRounding",
    "the integer requantization convention of quantx.rescale", [
      I32EnumAttrCase<"float_scale", 0, "float">,
      I32EnumAttrCase<"single_round", 1>,
      I32EnumAttrCase<"double_round", 2>,
      I32EnumAttrCase<"gemmlowp", 3>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_RescaleRoundingAttr : EnumAttr<Quantx_Dialect,
    Quantx_RescaleRounding, "rescale_rounding"> {
  let summary = "the requantization convention of quantx.rescale";
  let description = [{
    `float` (ONNX, onnxruntime), `single_round` and `double_round` (TOSA
    rescale), `gemmlowp` (TFLite); see `quantx.rescale`.
  }];
  let assemblyFormat = "`<` $value `>`";
}

def Quantx_Arithmetic : I32EnumAttr<"Arithmetic",
    "whose float arithmetic an affine conversion reproduces", [
      I32EnumAttrCase<"exact", 0>,
      I32EnumAttrCase<"onnx", 1>,
      I32EnumAttrCase<"pytorch", 2>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_ArithmeticAttr : EnumAttr<Quantx_Dialect, Quantx_Arithmetic,
                                     "arithmetic"> {
  let summary = "float arithmetic of a conversion with a scale and zero point";
  let description = [{
    quantx divides by the scale exactly and rounds once; other frameworks
    compute in float32 and get a different code a few times in a thousand.
    For affine formats (fixed point, ternary, `!quant.uniform`) on float32
    values, `onnx` and `pytorch` reproduce their arithmetic bit for bit
    (`s` is the scale rounded to float32, `rne` rounding to nearest even,
    every operation in float32 unless marked, no fused multiply-add):

    * `exact` (default): `q = clamp(round(x / scale) + zp)` with the
      quotient exact (double precision, one rounding).
    * `onnx` (QuantizeLinear / DequantizeLinear):
      `q = clamp(rne(x / s) + zp)`, `y = (float(q) - float(zp)) * s`.
    * `pytorch` (1.13 CPU quantize_per_tensor / per_channel, dequantize,
      fake_quantize_*_affine): `q = clamp(float(zp) + rne(x * (1 / s)))`,
      the reciprocal rounded to float32 first; `y = s * float(q - zp)`,
      except that `dequantize` of a per-channel format computes
      `y = float(double(float(q) - float(zp)) * scale)` with the scale in
      double precision, as PyTorch's per-channel dequantize does.

    NaN encodes to the zero point and infinities saturate in every mode:
    the frameworks' own results there are undefined behaviour or differ
    between their implementations.
  }];
  let assemblyFormat = "`<` $value `>`";
}

//===----------------------------------------------------------------------===//
// The training contract
//===----------------------------------------------------------------------===//
//
// The words of the discardable attributes that connect a training step with
// whoever calls it (QuantxDialect.td's discardableAttrs); the dialect
// verifies them.

def Quantx_Optimizer : I32EnumAttr<"Optimizer",
    "the update rule of a training step", [
      I32EnumAttrCase<"sgd", 0>,
      I32EnumAttrCase<"momentum", 1>,
      I32EnumAttrCase<"adam", 2>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_OptimizerState : I32EnumAttr<"OptimizerState",
    "what an optimizer-state argument of a training step holds (quantx.state)", [
      I32EnumAttrCase<"velocity", 0>,
      I32EnumAttrCase<"adam_m", 1>,
      I32EnumAttrCase<"adam_v", 2>,
      I32EnumAttrCase<"adam_step", 3>,
      I32EnumAttrCase<"loss_scale", 4>,
      I32EnumAttrCase<"good_steps", 5>,
      I32EnumAttrCase<"skipped_steps", 6>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_StepStatistic : I32EnumAttr<"StepStatistic",
    "a count a training step returns about its gradients (quantx.stat)", [
      I32EnumAttrCase<"gradient_nonzero", 0>,
      I32EnumAttrCase<"gradient_underflow", 1>,
      I32EnumAttrCase<"gradient_overflow", 2>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_Hyperparameter : I32EnumAttr<"Hyperparameter",
    "a hyperparameter a training step takes as an argument (quantx.hyper)", [
      I32EnumAttrCase<"learning_rate", 0>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_Initializer : I32EnumAttr<"Initializer",
    "how a parameter without a value starts training (quantx.init)", [
      I32EnumAttrCase<"he_normal", 0>,
      I32EnumAttrCase<"xavier_uniform", 1>,
      I32EnumAttrCase<"zeros", 2>,
      I32EnumAttrCase<"ones", 3>,
      I32EnumAttrCase<"fan_in_uniform", 4>
    ]> {
  let cppNamespace = "::mlir::quantx";
  let genSpecializedAttr = 0;
}

def Quantx_AccumulationAttr : AttrDef<Quantx_Dialect, "Accumulation"> {
  let mnemonic = "accumulation";
  let summary = "the precision in which a contraction adds its products";
  let description = [{
    Carried by a contraction (a `linalg` op whose body adds a product into
    its accumulator) as the discardable attribute `quantx.accumulate`:
    `quantx-expand-accumulation` (run by `convert-quantx-to-arith`) makes it
    add its terms as hardware accumulating in `format` would. Each term
    (product) is rounded onto `format`; the terms of each output element
    are taken in the loops' order (the reduction loops' row-major order) in
    chunks of `chunk` consecutive terms; within a chunk every addition is
    rounded onto `format` (nearest even); the chunk sums are added in the
    accumulator's type, as chunk-based accumulation in 8-bit training adds
    them into a wider total. `format` is signed with a zero; the
    contraction accumulates in f32 or f64, which holds every value of
    `format` exactly (verified with the discardable attribute).

    Example:

    ```mlir
    %c = linalg.matmul {quantx.accumulate =
             #quantx.accumulation<!quantx.float<e5m10>, chunk = 64>}
           ins(%a, %b : tensor<4x256xf32>, tensor<256x8xf32>)
           outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
    ```
  }];
  let parameters = (ins "::mlir::Type":$format, "int64_t":$chunk);
  let assemblyFormat = "`<` $format `,` `chunk` `=` $chunk `>`";
  let genVerifyDecl = 1;
}

#endif // QUANTX_DIALECT_QUANTX_IR_QUANTXATTRS_TD
