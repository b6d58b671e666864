//===- Passes.td - quantx dialect passes -------------------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Passes over quantx IR that stay in the dialect: interoperation with the
// upstream quant dialect, batch-norm folding.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_TRANSFORMS_PASSES_TD
#define QUANTX_DIALECT_QUANTX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def ImportQuantPass : Pass<"quantx-import-quant"> {
  let summary = "Convert upstream quant types and casts to quantx";
  let description = [{
    Replaces every `!quant.uniform` type (per tensor and per axis, including
    narrow storage ranges) by the `!quantx.fixed` type with the same
    parameters, wherever it appears (values, block arguments, function types,
    attributes), and `quant.qcast`, `quant.dcast`, `quant.scast` by
    `quantx.quantize`, `quantx.dequantize`, `quantx.storage_cast`.

    Types quantx cannot represent (sub-channel quantization, calibrated and
    "any" quantized types, non-integer storage) are left as they are, together
    with the casts that use them. `quantx-export-quant` undoes this pass
    exactly.

    Before:

    ```mlir
    func.func @f(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5:3>> {
      %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:3>>
      return %q : tensor<4x!quant.uniform<i8:f32, 0.5:3>>
    }
    ```

    After:

    ```mlir
    func.func @f(%x: tensor<4xf32>) -> tensor<4x!quantx.fixed<i8:f32, 0.5:3>> {
      %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5:3>>
      return %q : tensor<4x!quantx.fixed<i8:f32, 0.5:3>>
    }
    ```
  }];
  let dependentDialects = ["::mlir::quantx::QuantxDialect"];
}

def ExportQuantPass : Pass<"quantx-export-quant"> {
  let summary = "Convert quantx fixed-point types and casts to upstream quant";
  let description = [{
    The inverse of `quantx-import-quant`: replaces every `!quantx.fixed` type
    that `!quant.uniform` can express (per tensor or per axis) by that type,
    and `quantx.quantize` (with the default `nearest_even` rounding),
    `quantx.dequantize` and `quantx.storage_cast` on such types by
    `quant.qcast`, `quant.dcast` and `quant.scast`.

    Nothing is lost: custom-float, binary and ternary formats, and casts
    with a non-default rounding mode, stay quantx (quantx operations accept
    `!quant.uniform` values), so `quantx-import-quant` restores the input
    exactly.

    Before:

    ```mlir
    %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<u8:f32, 0.1:128>>
    ```

    After:

    ```mlir
    %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 0.1:128>>
    ```
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
}

def FoldBinaryPass : Pass<"quantx-fold-binary", "::mlir::ModuleOp"> {
  let summary = "Fold binarized and ternarized matmuls and convolutions "
                "(BNN, TWN layers) into popcount products";
  let description = [{
    A trained QAT model (`-o` of `quantx-runner train`) is frozen first
    (`quantx-freeze-quantization`), as `quantx-ptq` does, which runs this
    pass before `quantx-quantize`. A frozen binary layer is a
    `linalg.matmul` (or `linalg.conv_2d_nhwc_hwcf`) of sign activations, `quantx.fake_quant` to a per-tensor
    `!quantx.binary`, by constant binary weight codes behind
    `quantx.storage_cast` and `quantx.dequantize` (per output channel
    scales or one), accumulating into zeros. Both sides are +-1 times a
    scale, so the product is an exact integer dot product times the two
    scales: the pass packs the weights now (`ceil(K / 64)` words per output
    channel, `quantx::numerics::packSignCodes`), packs the activations at
    run time (`quantx.pack_signs`), multiplies with
    `quantx.binary_matmul` (`K - 2 popcount(a xor w)`) and scales the
    integer result once, in f64 rounded to the matmul's f32. A
    convolution's rows are the windows of its input (any strides and
    dilations; im2col as a gather generic and a collapse), its filter's
    first three dimensions flattened into K, and the product expanded back
    to NHWC; QAT binarizes the padded input, so padded zeros are +1 there
    already and need no correction.

    The float matmul it replaces sums K products in f32, rounding as it
    goes; the folded layer rounds only its final value, so outputs may
    differ in their last bits and predictions follow the exact value.

    Ternary layers fold the same way: ternary weights (TWN; codes -1, 0,
    1) are packed now into two bit planes (`quantx::numerics::packTernaryCodes`:
    signs, nonzero mask), ternary activations are quantized at run time
    (`quantx.quantize`, as the fake quantizer rounds) and packed by
    `quantx.pack_ternary`, and the product is `quantx.ternary_matmul`
    (`popcount(m) - 2 popcount(m & (s xor s))` per word, a binary side's
    mask every value), for any pairing with at least one ternary side.

    Left alone, with a remark: a matmul whose activations are binary or
    ternary but whose weights are not constant binary or ternary codes
    (or are ternary codes outside {-1, 0, 1}), one with stochastic
    rounding, per-channel activation scales, transposed or swapped
    operands, an accumulator other than +0 or K of 2^24 or more (the
    integer result must convert to f32 exactly), and other contractions
    (a batch matmul) with binary or ternary operands.

    With `float-activations` (the default), a layer with binary or ternary
    weights and f32 activations that are not binary or ternary
    (BinaryConnect; TWN with float activations) folds too: its weights
    are packed the same way and the product is `quantx.sign_matmul`, a sum
    of `x` or `-x` (nothing for a zero weight) per weight bit in
    increasing K, without a multiply, scaled once per output channel in
    f64 rounded to f32. The float layer multiplies each activation by
    `+-scale` and sums those, so outputs differ in their last bits (the
    same size of difference as between two summation orders); a NaN or
    infinite activation times a zero ternary weight gives NaN in the float
    layer and is skipped by the fold; and near the ends of the f32 range
    the unscaled sum can overflow where the scaled products do not (or
    the reverse, with a scale above 1), and a product can underflow to a
    zero of another sign. A layer whose scale is infinite or zero in f32
    (once the layer converts it) is left alone.

    Before:

    ```mlir
    %s = quantx.fake_quant %x to !quantx.binary<f32, 1.0> : tensor<?x64xf32>
    %q = quantx.storage_cast %codes : tensor<64x10xi1> to tensor<64x10x!quantx.binary<f32:1, {...}>>
    %w = quantx.dequantize %q : tensor<64x10x!quantx.binary<f32:1, {...}>> to tensor<64x10xf32>
    %y = linalg.matmul ins(%s, %w : ...) outs(%zeros : tensor<?x10xf32>) -> tensor<?x10xf32>
    ```

    After:

    ```mlir
    %a = quantx.pack_signs %x : tensor<?x64xf32> to tensor<?x1xi64>
    %d = quantx.binary_matmul %a, %packed k 64 : tensor<?x1xi64>, tensor<10x1xi64> -> tensor<?x10xi32>
    %y = linalg.generic ... // f32(f64(d) * scale[n])
    ```

    Between binary layers only signs matter. Whatever flows into a
    `quantx.pack_signs` through max pooling, constant padding, reshapes,
    slices and window gathers, which all commute with taking signs, is
    carried as `i8` values -1 and +1 from where it is made (a padded `c`
    becomes the sign of `c`; a max of signs is the sign of the max), so
    those ops move bytes instead of floats. With `thresholds` (the
    default), when the values are a per-channel float epilogue of a
    `quantx.binary_matmul` (its scale, a batch norm's shift, a hard-tanh:
    elementwise generics of `sitofp`, `extf`, `truncf`, `negf`, `addf`,
    `subf`, `mulf`, `divf` and the float min/max ops, with per-channel or
    scalar constants), the sign of each channel is decided by comparing
    the integer dot product with a threshold found at compile time: each
    of those operations is monotone in the dot product when its constant
    is finite (and nonzero for a product or quotient), so the sign changes
    once in `[-K, K]`, and a binary search that evaluates the epilogue
    with the run time's rounding finds where. The float epilogue is then
    not computed for the next layer; results are unchanged. An epilogue
    of other ops keeps its floats, with a remark.

    With `pack-pixels` (the default), signs that max pooling or a window
    gather moves (through padding, slices and reshapes that keep each
    pixel's channels together) are packed where they are made, each
    pixel's C channels a field of C bits (C of 8, 16 or 32: one word;
    a multiple of 64: C / 64 words): max pooling becomes the OR of the
    window's fields (the max of -1 and +1 values is +1 when any is), a
    padded sign becomes a field of that sign, the gather moves fields,
    and the next layer's row is the fields concatenated C bits at a time
    into its words. Results are unchanged.
  }];
  let options = [
    Option<"floatActivations", "float-activations", "bool",
           /*default=*/"true",
           "Fold layers with binary or ternary weights and float "
           "activations (BinaryConnect) into quantx.sign_matmul">,
    Option<"thresholds", "thresholds", "bool", /*default=*/"true",
           "Decide the signs a binary layer passes to the next one by "
           "integer thresholds on its dot products">,
    Option<"packPixels", "pack-pixels", "bool", /*default=*/"true",
           "Pack each pixel's channels where the signs are made, so that "
           "max pooling and window gathers move bits (C of 8, 16 or 32, or a "
           "multiple of 64)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FoldBatchNormPass : Pass<"quantx-fold-batch-norm"> {
  let summary = "Fold inference-mode batch norms into the preceding matmul "
                "or convolution";
  let description = [{
    An inference-mode `quantx.batch_norm` (without `training`) whose input
    is the only use of a matmul or convolution result computes
    `(x W - mean) s + beta` with `s = gamma / sqrt(var + epsilon)` per
    output channel: the pass rewrites it as `x (W s) + (beta - mean s)`, the
    channel scale applied to the weights (along their last dimension, the
    output channel) and the shift added as a bias. The new running
    statistics of the folded op are its running statistics, as in
    inference. The scaling is emitted as `linalg.generic`s on the weights,
    so the pass applies whether the weights are constants, globals or
    arguments; the quantization passes then see one contraction per layer.

    Folded producers, each accumulating into a zero-filled tensor:
    `linalg.matmul` (default maps) and `linalg.batch_matmul` (weights are
    the second operand), `linalg.conv_2d_nhwc_hwcf` and
    `linalg.depthwise_conv_2d_nhwc_hwc` (weights are the filter). Any other
    batch norm stays as it is, with a remark saying why (its input comes
    from something else, the contraction's result has other uses or
    accumulates into a nonzero tensor, or it is in training mode).

    Before:

    ```mlir
    %c = linalg.conv_2d_nhwc_hwcf ins(%x, %k : ...) outs(%zeros : ...) -> tensor<?x28x28x16xf32>
    %y, %nm, %nv = quantx.batch_norm %c, %g, %b, %m, %v : tensor<?x28x28x16xf32>, tensor<16xf32>
    ```

    After (in outline):

    ```mlir
    %s = gamma / sqrt(var + epsilon)                        // linalg.generic on [16]
    %ks = linalg.generic ins(%k, %s) ... { k * s }          // [3, 3, 1, 16]
    %c = linalg.conv_2d_nhwc_hwcf ins(%x, %ks : ...) outs(%zeros : ...)
    %y = linalg.generic ins(%c, %shift) ... { c + shift }   // beta - mean * s
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FreezeQuantizationPass
    : Pass<"quantx-freeze-quantization", "::mlir::ModuleOp"> {
  let summary = "Turn a trained QAT model's quantizers into static formats";
  let description = [{
    A trained QAT model (quantx-insert-fake-quant, then `quantx-runner train
    -o`) computes each `quantx.scaled_fake_quant`'s scale, zero point and
    threshold from globals that now hold values: weights, learned step
    sizes and clips, observed ranges. The pass evaluates these computations
    as the inference function does (`quantx.mode_select` takes its
    inference operand; a learned step its learned value) with an
    interpreter over constants in f32 arithmetic, and replaces

    - each weight quantizer (its input a parameter with a value) by the
      quantized weights: the codes as a storage constant (sub-byte codes in
      their own integer type), `quantx.storage_cast` to the static format
      (`!quantx.fixed<...>` with the scales and zero points per channel,
      `!quantx.binary<...>`, `!quantx.ternary<...>`) and
      `quantx.dequantize`;
    - every other quantizer by `quantx.fake_quant` to the static format
      (observed ranges become a scale and a zero point).

    The codes are the quantizer's own: `clamp(round_even(w / s) + zp)`
    (the exact quotient), `w >= 0` for binary, TWN's threshold for ternary.
    Scales recomputed from the weights (max|w|, SAWB, TWN, XNOR-Net) are
    evaluated in sequence order, so their last bits may differ from the
    training step's vectorized sums.

    Then what only the quantizers used goes: the stores that updated their
    state (observers, LSQ steps and their flag), the computations behind
    them, and the globals nothing reads any more (the float weights, the
    steps, the observed ranges). The result is an inference model whose
    formats are visible in the IR, which the integer and bit-packed
    pipelines take.

    With `fold-batch-norm` (the default), an inference `quantx.batch_norm`
    whose input is the only use of a matmul or convolution with frozen
    weights is folded into the weights' per-channel scales: with
    `k = gamma / sqrt(var + epsilon)`, channel `c`'s scale becomes
    `s |k[c]|` (the codes stay, negated where `k[c] < 0`, which symmetric
    grids allow) and the batch norm a bias `beta - mean k` added to the
    contraction's result. A batch norm that cannot fold (a zero point, an
    asymmetric grid with a negative `k`, another producer) stays, with a
    remark.

    Errors, located at the quantizer: a parameter it needs has no value
    (the model has not been trained), a scale that is not positive and
    finite, a computation outside what the interpreter evaluates (values
    from the model's input, dynamic shapes), `arithmetic<pytorch>`, a
    quantizer that is not f32, a per-channel quantizer along a dynamic
    dimension, a ternary activation quantizer with a threshold of its own
    (the static ternary format rounds at half its scale), a NaN zero point.
  }];
  let options = [
    Option<"foldBatchNorms", "fold-batch-norm", "bool", "true",
           "Fold inference batch norms after frozen weights into their "
           "per-channel scales">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::quantx::QuantxDialect",
  ];
}

def QuantizePass : Pass<"quantx-quantize", "::mlir::ModuleOp"> {
  let summary = "Turn a model with static formats into an integer graph";
  let description = [{
    Takes a calibrated model (`quantx-runner calibrate`: `quantx.fake_quant`
    to static formats on the operands of every contraction) or a QAT model
    (frozen first by `quantx-freeze-quantization` when it still has
    run-time scales) and computes its quantized layers on integers:

    - every weight `quantx.fake_quant` of a parameter with a value becomes
      its codes, a constant in the format's storage type (any format: fixed
      point, float formats, binary, ternary), behind `quantx.storage_cast`
      and `quantx.dequantize`;
    - each `linalg.matmul` (default maps) and `linalg.conv_2d_nhwc_hwcf`
      whose input is quantized per tensor in fixed point and whose weights
      are fixed-point codes with zero point 0 (per tensor or per output
      channel, the weights' last dimension) becomes
      `linalg.quantized_matmul` / `linalg.conv_2d_nhwc_hwcf_q` on the codes
      with both zero points, accumulating in i32, or i64 where
      `K * max|a - zp_a| * max|w - zp_w|` (plus the bias) could exceed
      int32. Unsigned activation formats run as the signed format with the
      zero point moved by `2^(N-1)` (the same values; upstream's ops
      sign-extend their operands);
    - the activation the next layer quantizes, when it is the accumulator
      through a per-channel constant bias, ReLU and clips to constant
      bounds of at least 0 (elementwise `linalg.generic`s: ReLU6, a trained
      PACT clip) and layout ops (`tensor.collapse_shape`,
      `tensor.expand_shape`, zero `tensor.pad`, `linalg.pooling_nhwc_max`),
      becomes: the accumulator plus the bias rounded to the accumulator's
      grid refined by `k` fraction bits (`acc 2^k + round(b 2^k / (s_a
      s_w[c]))`, `k` the most of `bias-fraction-bits` that the
      accumulator's range and the multipliers' fixed-point form allow, 0
      giving TFLite's and ONNX's int32 bias), `quantx.rescale`d by
      `s_a s_w[c] / (s_out 2^k)` to the activation's codes with ReLU and
      the clip (its bound's code) in the clamp,
      and the layout ops on the codes (padding with the zero point's code).
      Otherwise the activation is quantized from its float value
      (`quantx.quantize`).

    Codes of 1 to 7 bits (int4 and int6 weights, binary and ternary codes) are
    stored packed, several per byte, behind `quantx.unpack` (the layout is
    the op's), unless `pack-sub-byte=false`.

    The rescale convention is `rescale` (default `single_round`, the TOSA
    fixed-point form; `double_round`, `gemmlowp` (TFLite) or `float`
    (ONNX)). The integer model differs from its simulated twin only where
    the bias rounds (to `2^-k` of the accumulator's step) and where the
    rescale rounds the product of the scales instead of each; predictions
    agree on nearly every input (docs/PTQ.md).

    A layer that cannot be computed on integers (float formats, a transposed
    matmul, per-channel zero points on the weights, other contraction ops)
    stays float with a remark; its weights are still stored as codes.

    Errors, located at the layer: a contraction neither of whose operands
    has a format (the model was not calibrated), an unknown `rescale`, a
    requantization multiplier without a fixed-point form.
  }];
  let options = [
    Option<"rescale", "rescale", "std::string", "\"single_round\"",
           "Requantization convention: single_round, double_round, gemmlowp, "
           "float">,
    Option<"biasFractionBits", "bias-fraction-bits", "int64_t", "16",
           "Most fraction bits a bias gets below its accumulator's grid "
           "(0: on the grid, as TFLite and ONNX store it)">,
    Option<"packSubByte", "pack-sub-byte", "bool", "true",
           "Store codes of 1 to 7 bits packed into bytes (quantx.unpack)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::quantx::QuantxDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def InsertFakeQuantPass : Pass<"quantx-insert-fake-quant", "::mlir::ModuleOp"> {
  let summary = "Quantize the operands of every contraction for "
                "quantization-aware training";
  let description = [{
    Wraps the operands of every `linalg.matmul`, `linalg.batch_matmul`,
    `linalg.conv_2d_nhwc_hwcf`, `linalg.depthwise_conv_2d_nhwc_hwc` and
    contraction `linalg.generic` (a multiply-accumulate over reduction
    loops, as upstream's contraction interface recognizes it) of every
    function in `quantx.scaled_fake_quant` (`docs/QAT.md`). The weight
    operand is the one loaded from a mutable float `ml_program.global` (a
    parameter); the other is the activation. Scales computed from the
    weights are recomputed at every step and pass no gradient; learned
    parameters (PACT's clipping levels, LSQ's step sizes) become new
    parameter globals of the model, which `quantx-runner train` trains and
    `-o` saves.

    Weight schemes (`weights=`), with one scale per output channel (the
    weights' last dimension) unless `per-channel=false`:
    - `ste`: a signed narrow grid `[-(2^(b-1)-1), 2^(b-1)-1]`, scale
      `max|w| / (2^(b-1)-1)`; straight-through gradient.
    - `sawb`: the same grid with the clip `alpha = c1 sqrt(E[w^2]) -
      c2 E|w|` (at most `max|w|`), `c1, c2` per width (2..8 bits) from
      `quantx-sawb-fit`; straight-through gradient.
    - `lsq`: a learned step `s` on the full signed grid
      `[-2^(b-1), 2^(b-1)-1]` (`gradient<lsq>`, gradient scale
      `1 / sqrt(n qp)` with `n` the weights per step); a new parameter
      without weight decay, kept positive.
    - `binary` (BinaryConnect) and `xnor` (XNOR-Net): `sign(w)` times
      `mean|w|`; the gradient passes straight through (`identity`); the
      real-valued weights get `quantx.clip = [-1, 1]`.
    - `twn`: ternary weights, threshold `0.7 mean|w|`, scale the mean of
      `|w|` over the weights above it; `identity` gradient.
    - `none`.

    Activation schemes (`activations=`):
    - `ste` (default): affine quantization on an unsigned grid over the
      observed range (always including 0), with a zero point, as PyTorch's
      `MovingAverageMinMaxObserver` and `FakeQuantize`: two new model-state
      globals (`quantx.buffer`) keep the range; in training the batch's
      min and max move it by 0.01 (the first batch sets it) and the updated
      range is used and stored (`quantx.mode_select`), in inference the
      stored range is used. Straight-through gradient.
    - `pact`: `clip(x, 0, alpha)` quantized on `[0, alpha]` with `2^b - 1`
      steps; `alpha` is a new parameter (`pact-init`, L2 `pact-decay`
      instead of the step's weight decay, kept positive); its gradient is
      the output gradient where `x >= alpha`, the input's the
      straight-through one inside the clip.
    - `lsq`: a learned step per tensor on `[0, 2^b - 1]` where the input is
      known to be non-negative (a ReLU or PACT clip, through reshapes,
      transposes, max pooling and zero padding), else on
      `[-2^(b-1), 2^(b-1)-1]`; gradient scale `1 / sqrt(n qp)` with `n` the
      features of one sample (the static dimensions when only the batch is
      dynamic).
    - `sign`: `sign(x)` in {-1, +1} with the hard-tanh straight-through
      gradient (1 where `|x| <= 1`), for `xnor` networks.
    - `none`.

    LSQ steps start from the data, as the LSQ paper prescribes: each is
    stored by the model (`ml_program.global_store`), as
    `select(initialized, s, 2 mean|x| / sqrt(qp))` with the data's term
    behind `quantx.stop_gradient`, and a model-state flag
    (`@lsq_initialized`, `quantx.buffer`) becomes 1 after the first
    training step, so the first step initializes every step size from its
    weights or its batch, and the optimizer continues from there.

    `first-last-bits=N` (default 8) keeps the first and the last
    contraction of each function at N bits: `ste` weights; the first
    layer's input (the model's) with observed ranges (`ste`), since a
    learned clip or step there would need the gradient with respect to the
    model's input, a whole extra backward convolution, for one scalar; the
    last layer's input with the chosen `ste`, `pact` or `lsq` (`ste` in
    place of `sign`). 0 quantizes them like the rest.

    Errors, located at the module or the layer: an unknown scheme, a bit
    width outside 1..16 or one that contradicts the scheme (`binary`,
    `xnor`, `sign` are 1 bit, `twn` 2; `ste` and `lsq` need 2; `sawb` has
    coefficients for 2..8), a layer whose weight operand is not loaded from
    a parameter global or that is already quantized, per-channel weights
    without an output-channel dimension, a module where no layer is
    quantized. With `best-effort`, a layer that cannot be quantized stays
    float and the pass says so in a remark instead.
  }];
  let options = [
    Option<"weights", "weights", "std::string", "\"ste\"",
           "Weight quantizer: none, ste, sawb, lsq, binary, xnor, twn">,
    Option<"activations", "activations", "std::string", "\"ste\"",
           "Activation quantizer: none, ste, pact, lsq, sign">,
    Option<"weightBits", "weight-bits", "int64_t", "8",
           "Bits of quantized weights (1..16)">,
    Option<"activationBits", "activation-bits", "int64_t", "8",
           "Bits of quantized activations (1..16)">,
    Option<"perChannel", "per-channel", "bool", "true",
           "One weight scale per output channel (else one per tensor)">,
    Option<"firstLastBits", "first-last-bits", "int64_t", "8",
           "Bits of the first and last layer (0: like the others)">,
    Option<"pactInit", "pact-init", "double", "6.0",
           "Initial PACT clipping level">,
    Option<"bestEffort", "best-effort", "bool", "false",
           "Leave a layer that cannot be quantized in float, with a remark, "
           "instead of failing">,
    Option<"pactDecay", "pact-decay", "double", "0.0",
           "L2 coefficient of the PACT clipping levels (in place of the "
           "training step's weight decay)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::ml_program::MLProgramDialect",
    "::mlir::quantx::QuantxDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def ExpandAccumulationPass : Pass<"quantx-expand-accumulation"> {
  let summary = "Expand the contractions that accumulate in a low-precision "
                "float into chunked, rounded sums";
  let description = [{
    Every contraction carrying `quantx.accumulate =
    #quantx.accumulation<FORMAT, chunk = N>` (a `linalg` op with reduction
    loops whose body adds a term into its accumulator: `linalg.matmul`, a
    convolution, a contraction `linalg.generic`; quantx-mixed-precision's
    `accumulate=` and the gradient rules of these ops set it) becomes a
    `linalg.generic` that adds its terms as hardware accumulating in FORMAT
    would: each term rounded onto FORMAT, the terms of each output element
    taken in the loops' order (the reduction loops' row-major order) in
    chunks of N, every addition within a chunk rounded onto FORMAT
    (`quantx.fake_quant` on scalars, nearest even), and the chunk sums added
    into a total in the result's type. An elementwise op adds the last
    chunk to the total.

    `convert-quantx-to-arith` runs this expansion first, so no accumulation
    is ever left unsimulated; the pass exists on its own for tests and to
    look at the expanded IR.

    The expanded code rounds every addition: it runs as scalar loops over
    the reduction (vectorized only across output elements), many times
    slower than the contraction it replaces (`docs/FloatTraining.md` gives
    the measured cost).

    Reduction loops of dynamic size (a weight gradient summing over a
    dynamic batch) are counted with their sizes computed before the op. The
    chunk's running sum and the total are kept in the contraction's
    accumulator type, f32 or f64 (the attribute's verifier requires it, and
    that the type holds every value of FORMAT exactly).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MixedPrecisionPass : Pass<"quantx-mixed-precision", "::mlir::ModuleOp"> {
  let summary = "Train in low-precision floats: round the tensors and "
                "gradients of every contraction onto float formats";
  let description = [{
    Simulates training in a low-precision float format (fp16, bf16, FP8,
    4-bit floats) on any CPU: every tensor the option names is rounded onto
    its format exactly (the Numerics library's encoders, through
    convert-quantx-to-arith), so that the model trains as it would on
    hardware with that arithmetic (`docs/FloatTraining.md`). It applies to
    the forward model before `quantx-make-train-step`, so the backward pass
    the differentiation generates rounds the gradients it computes.

    For each contraction of each function (`linalg.matmul`, `batch_matmul`,
    `conv_2d_nhwc_hwcf`, `depthwise_conv_2d_nhwc_hwc`, a contraction
    `linalg.generic`):
    - `forward=FORMAT`: both inputs (weights and activations) go through
      `quantx.fake_quant` onto FORMAT, with `forward-rounding`; the
      gradient passes straight through inside the format's range.
    - `backward=FORMAT`: the weights (the inputs computed from parameters
      alone) and the result go through `quantx.round_gradient` onto FORMAT,
      with `backward-rounding`: the gradient reaching the contraction from
      above (the output gradient the backward matmuls or convolutions read)
      and the gradient of its weights are rounded. With
      `gradient-scale=per-layer`, each of these tensors is divided by a
      scale chosen at every step so that its largest magnitude lands at
      the top of FORMAT's range, rounded, and multiplied back (4-bit
      training's per-layer gradient scaling). Infinite and NaN gradients
      pass unchanged. Each gradient is rounded once: an activation's
      gradient where it reaches the output of the layer that made it, not
      again at the input of the next layer (between the two, only
      elementwise layers and reshapes). `weight-gradients=FORMAT|f32` gives
      the weights' gradients a format of their own (`f32`: not rounded), and
      `first-last-backward=FORMAT|f32` every gradient of each function's
      first and last contraction, as 4-bit training keeps the first and last
      layers and the weight gradients in higher precision.

    - `accumulate=FORMAT` (default `f32`: the sums as they are) with
      `chunk=N` (default 64): the contraction gets `quantx.accumulate =
      #quantx.accumulation<FORMAT, chunk = N>`, which the contraction
      gradient rules pass to the contractions of its gradient (the backward
      matmuls and convolutions accumulate as the forward one does) and
      `quantx-expand-accumulation` expands before lowering: every product
      and every addition within a chunk of N terms rounded onto FORMAT
      (nearest even), the chunk sums added in f32, as chunk-based
      accumulation in 8-bit training. Rounding every addition is costly
      (scalar loops over the reduction).

    FORMAT is `f16` (`!quantx.float<e5m10>`), `bf16` (`e8m7`) or the body of
    any `!quantx.float` (`e4m3`, `e5m2`, `"e3m0, radix = 4"`: a body with
    options is quoted). `rounding` (`nearest` or `stochastic`) sets both
    directions; `forward-rounding` and `backward-rounding` override it.
    Stochastic rounding draws independent bits at every site (seeds
    `seed`, `seed + 1`, ... in program order) and at every training step:
    the pass adds a model-state counter (`@rounding_step`, `quantx.buffer`,
    f32, counting modulo 2^24) that each step increments and every
    stochastic rounding reads.

    `master=FORMAT` (default `f32`: unchanged) keeps every parameter the
    model reads in FORMAT: the training step rounds each updated parameter
    onto it (nearest even, `quantx.master` on the parameter's global), so
    that updates smaller than half the format's spacing are lost, as with
    fp16 master weights. The optimizer's state stays f32.

    Loss scaling (`loss-scale`), carried to `quantx-make-train-step` by
    module attributes (`quantx.loss_scale`, `quantx.dynamic_loss_scale`):
    the step multiplies the loss's gradient by the scale `S`, so that small
    gradients stay above the backward format's smallest value, divides the
    parameters' gradients by `S` before the update, and skips the update
    (parameters and optimizer state unchanged) when a gradient is infinite
    or NaN. `static:S` keeps `S`; `dynamic` starts at `loss-scale-init`
    (2^16), halves `S` at every skipped step and doubles it after
    `loss-scale-growth-interval` (2000) clean steps in a row (as PyTorch's
    `GradScaler`). `quantx-runner train` reports the scale and the skipped
    steps at every epoch.

    Errors, located at the module or the layer: an unknown or malformed
    format, rounding or gradient scale, a `chunk` below 1 (or given
    without `accumulate`), none of `forward`, `backward`, `accumulate`,
    `master` and `loss-scale`, a static loss scale that is not a positive finite
    number, a `loss-scale-init` that is not a positive finite number, a
    `loss-scale-growth-interval` outside 1..2^24 (and either without
    `loss-scale=dynamic`), `forward-rounding` without `forward` (or
    `backward-rounding` without `backward`), a seed outside 0..2^62, a
    module already through the pass or already holding a training step,
    `gradient-scale=per-layer`, `weight-gradients` or
    `first-last-backward` without `backward`, a contraction whose
    operands are not ranked float tensors or are already quantized
    (`forward` on the output of a quantizer: QAT's formats decide the
    forward tensors), a module without a contraction.
  }];
  let options = [
    Option<"forward", "forward", "std::string", "\"\"",
           "Format of the contractions' inputs: f16, bf16 or a "
           "!quantx.float body (none when empty)">,
    Option<"backward", "backward", "std::string", "\"\"",
           "Format of the contractions' gradients (activation and weight "
           "gradients, and the output gradient they read)">,
    Option<"rounding", "rounding", "std::string", "\"nearest\"",
           "Rounding of both directions: nearest (ties to even) or "
           "stochastic">,
    Option<"forwardRounding", "forward-rounding", "std::string", "\"\"",
           "Rounding of the forward tensors (default: rounding)">,
    Option<"backwardRounding", "backward-rounding", "std::string", "\"\"",
           "Rounding of the gradients (default: rounding)">,
    Option<"gradientScale", "gradient-scale", "std::string", "\"none\"",
           "none, or per-layer: each gradient tensor scaled so its largest "
           "magnitude is the format's largest value before rounding">,
    Option<"seed", "seed", "int64_t", "1",
           "Seed of the first stochastic rounding (the next ones count up)">,
    Option<"weightGradients", "weight-gradients", "std::string", "\"\"",
           "Format of the weights' gradients: f32 (not rounded), f16, bf16 "
           "or a !quantx.float body (default: backward)">,
    Option<"firstLastBackward", "first-last-backward", "std::string", "\"\"",
           "Format of every gradient of each function's first and last "
           "contraction: f32 (not rounded) or a format (default: backward)">,
    Option<"accumulate", "accumulate", "std::string", "\"f32\"",
           "Precision of the contractions' sums, forward and backward: f32 "
           "(as they are), f16, bf16 or a !quantx.float body">,
    Option<"chunk", "chunk", "int64_t", "64",
           "Terms per chunk of accumulate=FORMAT (chunk sums add in f32)">,
    Option<"master", "master", "std::string", "\"f32\"",
           "Format the optimizer keeps the parameters in: f32 (as they are), "
           "f16, bf16 or a !quantx.float body">,
    Option<"lossScale", "loss-scale", "std::string", "\"none\"",
           "none, static:S (a fixed scale) or dynamic">,
    Option<"lossScaleInit", "loss-scale-init", "double", "65536.0",
           "First scale of loss-scale=dynamic">,
    Option<"lossScaleGrowthInterval", "loss-scale-growth-interval", "int64_t",
           "2000",
           "Clean steps after which loss-scale=dynamic doubles the scale">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::ml_program::MLProgramDialect",
    "::mlir::quantx::QuantxDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // QUANTX_DIALECT_QUANTX_TRANSFORMS_PASSES_TD
