//===- Passes.td - autodiff passes -------------------------*- tablegen -*-===//
//
// Part of the quantx project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Reverse-mode differentiation and the training-step builder on top of it.
//
//===----------------------------------------------------------------------===//

#ifndef QUANTX_AUTODIFF_PASSES_TD
#define QUANTX_AUTODIFF_PASSES_TD

include "mlir/Pass/PassBase.td"

def DifferentiatePass : Pass<"quantx-differentiate", "::mlir::ModuleOp"> {
  let summary = "Generate reverse-mode gradient functions";
  let description = [{
    For each selected function `@f` (one block, tensors and scalars in and
    out), adds `@f_grad` (the suffix is an option) that runs `@f` and then
    its backward pass:

    ```
    @f_grad(args..., cotangents...) -> (results..., gradients...)
    ```

    with one cotangent argument per float result (the gradient of the loss
    with respect to that result; pass 1.0 for a scalar loss) and one
    gradient per float argument. Each op between the arguments and the
    results contributes through its GradientOpInterface rule: arith and math
    float ops, every linalg structured op (elementwise bodies, and
    reductions by sum, max or min; named matmuls get transposed matmuls),
    tensor slicing, reshaping, padding, concatenation and casts,
    `quantx.fake_quant` (straight-through estimator) and
    `quantx.softmax_cross_entropy`. An op without a rule is an error at the
    op, naming it; nothing is silently treated as constant.

    Example:

    ```mlir
    func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
      %0 = arith.mulf %x, %x : tensor<4xf32>
      return %0 : tensor<4xf32>
    }
    // gains
    func.func @f_grad(%x: tensor<4xf32>, %dy: tensor<4xf32>)
        -> (tensor<4xf32>, tensor<4xf32>)   // (x * x, 2 * x * dy)
    ```
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "Functions to differentiate (default: every public function "
               "with a body)">,
    Option<"suffix", "suffix", "std::string", "\"_grad\"",
           "Suffix of the gradient functions' names">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def MakeTrainStepPass : Pass<"quantx-make-train-step", "::mlir::ModuleOp"> {
  let summary = "Build a training step and a prediction function from a "
                "forward model";
  let description = [{
    The model is a function `@model(%x) -> %logits` (`[N, ...]` inputs,
    `[N, C]` logits) that reads its parameters from mutable
    `ml_program.global`s of float tensors. Globals marked `quantx.buffer`
    are model state, not parameters (batch-norm running statistics): the
    model reads them and may store new values into them with
    `ml_program.global_store` at its top level. The model may also store
    into a parameter, once, at its top level: the stored value is what the
    step's optimizer updates (the gradient is still taken with respect to
    the parameter as loaded), which is how a quantizer initializes a
    learned step size from the data on the first step (loads after the
    store read the stored value). Storing into anything else is an error.
    A parameter's `quantx.weight_decay` replaces `weight-decay` for it, and
    `quantx.clip = array<f64: LO, HI>` clamps it after each update. The
    arguments of the generated functions carry the
    training contract's attributes (see the dialect's documentation). The
    pass adds:

    - `@model_predict(%params..., %buffers..., %x) -> %logits`: the model
      with its parameters (marked `quantx.param = @global`) and model state
      (marked `quantx.model_state = @global`) as arguments, for inference:
      its stores are dropped and `quantx.batch_norm` uses the running
      statistics;
    - `@model_train_step(%params..., %state..., %buffers..., %x, %labels)
         -> (%loss, %params..., %state..., %buffers...)`: the model in
      training mode (`quantx.batch_norm` and `quantx.mode_select` get
      `training`: batch statistics, updated observer ranges),
      the mean softmax cross-entropy of its logits against integer labels
      `[N]`, its gradient by reverse-mode differentiation (as
      quantx-differentiate), one optimizer update, and the model state as
      the model last stored it (unchanged where it stores none). State
      arguments (marked `quantx.state`) start at zero: the velocity of
      `momentum`, the two moments of `adam` and its step count.

    Updates (`g` includes the weight decay: `g + weight-decay * p`):
    `sgd`: `p -= lr g`; `momentum`: `v = momentum v + g; p -= lr v`;
    `adam`: `m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + epsilon)`.

    With `learning-rate-argument`, the step takes the learning rate as a
    last argument, a `tensor<f32>` (of the logits' element type) marked
    `quantx.hyper = "learning_rate"`, instead of the constant
    `learning-rate`, so that the caller can schedule it (the runner's
    `--lr-schedule`).

    With `frozen-statistics-step`, the pass also adds
    `@model_train_step_frozen_statistics`, the same step (same arguments
    and results) with `quantx.batch_norm` and `quantx.mode_select` left in
    inference mode: batch norms normalize with, and keep, their running
    statistics and observers use, and keep, their stored ranges, while the
    parameters train (`quantx-runner train --freeze-statistics-after`).

    With `batch-size`, a dynamic batch dimension becomes that static size
    and static shapes are propagated, so the matmul and convolution code
    generation applies. Parameters stay function arguments: the caller (the
    runner) owns their buffers, and the model's globals are left as they
    are, so a trained model is saved by giving the globals values.
  }];
  let options = [
    Option<"model", "model", "std::string", "\"forward\"",
           "The forward function">,
    Option<"optimizer", "optimizer", "::mlir::quantx::Optimizer",
           "::mlir::quantx::Optimizer::sgd", "The update rule",
           [{::llvm::cl::values(
             clEnumValN(::mlir::quantx::Optimizer::sgd, "sgd",
                        "p -= lr g"),
             clEnumValN(::mlir::quantx::Optimizer::momentum, "momentum",
                        "v = momentum v + g; p -= lr v"),
             clEnumValN(::mlir::quantx::Optimizer::adam, "adam",
                        "bias-corrected first and second moments"))}]>,
    Option<"learningRate", "learning-rate", "double", "0.01",
           "Learning rate">,
    Option<"learningRateArgument", "learning-rate-argument", "bool", "false",
           "Take the learning rate as a last tensor<f32> argument "
           "(quantx.hyper = \"learning_rate\") instead of learning-rate">,
    Option<"momentum", "momentum", "double", "0.9",
           "Momentum of the momentum optimizer">,
    Option<"beta1", "beta1", "double", "0.9", "Adam's first-moment decay">,
    Option<"beta2", "beta2", "double", "0.999",
           "Adam's second-moment decay">,
    Option<"epsilon", "epsilon", "double", "1e-8", "Adam's epsilon">,
    Option<"weightDecay", "weight-decay", "double", "0.0",
           "L2 weight decay added to the gradients">,
    Option<"batchSize", "batch-size", "int64_t", "0",
           "Static size for a dynamic batch dimension (0: leave it)">,
    Option<"frozenStatisticsStep", "frozen-statistics-step", "bool", "false",
           "Also build @model_train_step_frozen_statistics: the training "
           "step with batch norms and observers as in inference">,
    Option<"predictOnly", "predict-only", "bool", "false",
           "Build only @model_predict (evaluation: nothing is "
           "differentiated, so integer models qualify)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::quantx::QuantxDialect",
  ];
}

#endif // QUANTX_AUTODIFF_PASSES_TD
