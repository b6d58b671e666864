//===- QuantxDialect.td - quantx dialect definition --------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The quantx dialect and the base classes of its operations, types and
// attributes.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_DIALECT_QUANTX_IR_QUANTXDIALECT_TD
#define QUANTX_DIALECT_QUANTX_IR_QUANTXDIALECT_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"

def Quantx_Dialect : Dialect {
  let name = "quantx";
  let cppNamespace = "::mlir::quantx";
  let summary = "Quantized number formats and the operations between them";
  let description = [{
    The quantx dialect models the number formats of quantized neural
    networks and the conversions between them:

    * `!quantx.fixed`: uniform fixed point (1 to 32 bits, signed or unsigned,
      optionally narrowed, with scales and zero points per tensor or per
      channel), in the syntax of the upstream `!quant.uniform`;
    * `!quantx.float`: custom floating point (exponent and mantissa widths,
      exponent bias, radix 2 or 4, special values, overflow, sign, subnormal
      and zero options);
    * `!quantx.binary` and `!quantx.ternary`: {-1, +1} and {-1, 0, +1} with
      optional scales.

    Every format implements `FormatTypeInterface`, through which passes query
    storage widths and ranges and encode or decode values, so a pass is
    written once for all formats. Encoding follows the quantx Numerics
    library exactly; `docs/Formats.md` states the rules.

    Builtin dense attributes cannot hold quantized elements, so a quantized
    constant is an integer constant of the storage type behind
    `quantx.storage_cast`.

    The dialect also owns the training contract: the discardable attributes
    by which a model and its generated training step tell the caller (the
    runner) what each global and argument is. The dialect verifies them
    (training_c1 to training_c13 in `docs/Spec.md`).

    * `quantx.param = @global` on a function argument: a trained parameter,
      read from and written back to the `ml_program.global` it names (a
      ranked float tensor).
    * `quantx.state = "velocity" | "adam_m" | "adam_v" | "adam_step"` on a
      function argument: optimizer state, zero at the start of training;
      per-parameter state also carries the parameter's `quantx.param`.
    * `quantx.hyper = "learning_rate"` on a function argument: a
      hyperparameter the caller supplies at each step (a float scalar
      tensor).
    * `quantx.init = "he_normal" | "xavier_uniform" | "fan_in_uniform" |
      "zeros" | "ones"` on a
      mutable `ml_program.global`: how a parameter without a value is
      initialized.
    * `quantx.buffer` (unit) on a mutable `ml_program.global`: model state
      that is not trained by gradients (batch-norm running statistics,
      observer ranges). The training-step builder does not make it a
      parameter; the model reads it, and may store its new value
      (`ml_program.global_store`), which the training step returns.
    * `quantx.weight_decay = L` (a float) on a parameter's
      `ml_program.global`: the L2 coefficient of this parameter, in place of
      the training step's `weight-decay` (0 for LSQ step sizes, PACT's
      `pact-decay` for its clipping levels).
    * `quantx.clip = array<f64: LO, HI>` on a parameter's
      `ml_program.global`: after each update the training step clamps the
      parameter to [LO, HI] (BinaryConnect's real-valued weights).
    * `quantx.model_state = @global` on a function argument: the current
      value of the `quantx.buffer` global it names (a ranked float tensor),
      which the caller keeps between calls.
    * `quantx.loss_scale = S` (a float) on the module: the training step
      multiplies the loss's gradient by the static loss scale `S` and
      divides the parameters' gradients by it, and skips a step whose
      gradients are not finite (quantx-mixed-precision's
      `loss-scale=static:S`).
    * `quantx.dynamic_loss_scale = array<f64: INIT, INTERVAL>` on the
      module: dynamic loss scaling, starting at `INIT`, halved (and the
      step skipped) on a non-finite gradient, doubled after `INTERVAL`
      clean steps; the scale and the step counts are the training step's
      `loss_scale`, `good_steps` and `skipped_steps` state.
    * `quantx.master = !quantx.float<...>` on a parameter's
      `ml_program.global`: the optimizer keeps the parameter in that format:
      the training step rounds each updated value onto it (nearest even),
      after clipping (quantx-mixed-precision's `master=`).
    * `quantx.gradient_rounding` (unit) on a `quantx.fake_quant`: it rounds
      a gradient (quantx.round_gradient's rule makes it), and the training
      step counts what it flushes to zero or overflows.
    * `quantx.stat = "gradient_nonzero" | "gradient_underflow" |
      "gradient_overflow"` on a training step's result (an i64 scalar
      tensor): over the step's rounded gradients, the values that were
      nonzero before rounding, those of them rounded to zero, and the finite
      ones rounded to an infinity or NaN.
    * `quantx.accumulate = #quantx.accumulation<FORMAT, chunk = N>` on a
      contraction (a `linalg` op with reduction loops whose body adds a
      term into its accumulator): its sums are taken in FORMAT in chunks
      of N terms (quantx-mixed-precision's `accumulate=`; the contraction
      gradient rules give it to the contractions of the gradient;
      `quantx-expand-accumulation` expands it).

    ```mlir
    ml_program.global private mutable @w : tensor<4x3xf32>
        {quantx.init = "xavier_uniform"}
    func.func @forward_train_step(
        %w: tensor<4x3xf32> {quantx.param = @w},
        %v: tensor<4x3xf32> {quantx.param = @w, quantx.state = "velocity"},
        %x: tensor<8x4xf32>, %labels: tensor<8xi32>,
        %lr: tensor<f32> {quantx.hyper = "learning_rate"}) -> ...
    ```
  }];
  let discardableAttrs = (ins
    "::mlir::FlatSymbolRefAttr":$param,
    "::mlir::StringAttr":$state,
    "::mlir::StringAttr":$hyper,
    "::mlir::StringAttr":$init,
    "::mlir::UnitAttr":$buffer,
    "::mlir::FlatSymbolRefAttr":$model_state,
    "::mlir::FloatAttr":$weight_decay,
    "::mlir::DenseF64ArrayAttr":$clip,
    "::mlir::FloatAttr":$loss_scale,
    "::mlir::DenseF64ArrayAttr":$dynamic_loss_scale,
    "::mlir::UnitAttr":$gradient_rounding,
    "::mlir::StringAttr":$stat,
    "::mlir::TypeAttr":$master,
    "::mlir::quantx::AccumulationAttr":$accumulate
  );
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let dependentDialects = ["::mlir::arith::ArithDialect"];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
  private:
    void registerTypes();
    void registerAttributes();
  public:
  }];
}

class Quantx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Quantx_Dialect, mnemonic, traits>;

class Quantx_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<Quantx_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

class Quantx_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Quantx_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

#endif // QUANTX_DIALECT_QUANTX_IR_QUANTXDIALECT_TD
