// Bad options and models of quantx-mixed-precision: one located error each.
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=fp16" 2>&1 | FileCheck %s --check-prefix=FORMAT
// FORMAT: error: quantx-mixed-precision: forward='fp16' is not a float format (f16, bf16 or a !quantx.float body): expected a format such as e4m3, got 'fp16'
// RUN: not quantx-opt %s --quantx-mixed-precision='backward="e3m0, radix = 3"' 2>&1 | FileCheck %s --check-prefix=RADIX
// RADIX: error: quantx-mixed-precision: backward='e3m0, radix = 3' is not a float format (f16, bf16 or a !quantx.float body): radix must be 2 or 4, got 3
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=f16 rounding=up" 2>&1 | FileCheck %s --check-prefix=ROUNDING
// ROUNDING: error: quantx-mixed-precision: unknown rounding 'up' (expected nearest or stochastic)
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=f16 forward-rounding=nearest_even" 2>&1 | FileCheck %s --check-prefix=FWD-ROUNDING
// FWD-ROUNDING: error: quantx-mixed-precision: unknown forward-rounding 'nearest_even' (expected nearest or stochastic)
// RUN: not quantx-opt %s --quantx-mixed-precision="backward=f16 backward-rounding=x" 2>&1 | FileCheck %s --check-prefix=BWD-ROUNDING
// BWD-ROUNDING: error: quantx-mixed-precision: unknown backward-rounding 'x' (expected nearest or stochastic)
// RUN: not quantx-opt %s --quantx-mixed-precision="backward=f16 gradient-scale=per-tensor" 2>&1 | FileCheck %s --check-prefix=SCALE
// SCALE: error: quantx-mixed-precision: unknown gradient-scale 'per-tensor' (expected none or per-layer)
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=f16 gradient-scale=per-layer" 2>&1 | FileCheck %s --check-prefix=SCALE-FWD
// SCALE-FWD: error: quantx-mixed-precision: gradient-scale=per-layer scales the gradients: it needs backward=FORMAT
// RUN: not quantx-opt %s --quantx-mixed-precision 2>&1 | FileCheck %s --check-prefix=NOTHING
// NOTHING: error: quantx-mixed-precision: nothing to do: give forward=FORMAT, backward=FORMAT, accumulate=FORMAT, master=FORMAT, loss-scale or several of them
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=f16 seed=-1" 2>&1 | FileCheck %s --check-prefix=SEED
// SEED: error: quantx-mixed-precision: seed must be in 0..2^62, got -1
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=static:0" 2>&1 | FileCheck %s --check-prefix=STATIC0
// STATIC0: error: quantx-mixed-precision: loss-scale must be none, dynamic or static:S with S a positive finite number (a normal f32), got 'static:0'
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=static:inf" 2>&1 | FileCheck %s --check-prefix=STATIC-INF
// STATIC-INF: error: quantx-mixed-precision: loss-scale must be none, dynamic or static:S with S a positive finite number (a normal f32), got 'static:inf'
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=static:1e39" 2>&1 | FileCheck %s --check-prefix=STATIC-BIG
// STATIC-BIG: error: quantx-mixed-precision: loss-scale must be none, dynamic or static:S with S a positive finite number (a normal f32), got 'static:1e39'
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=static:two" 2>&1 | FileCheck %s --check-prefix=STATIC-WORD
// STATIC-WORD: error: quantx-mixed-precision: loss-scale must be none, dynamic or static:S with S a positive finite number (a normal f32), got 'static:two'
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=auto" 2>&1 | FileCheck %s --check-prefix=SCALE-KIND
// SCALE-KIND: error: quantx-mixed-precision: loss-scale must be none, dynamic or static:S with S a positive finite number (a normal f32), got 'auto'
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=dynamic loss-scale-init=-1" 2>&1 | FileCheck %s --check-prefix=INIT
// INIT: error: quantx-mixed-precision: loss-scale-init must be a positive finite number (a normal f32), got -1{{$}}
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=dynamic loss-scale-growth-interval=0" 2>&1 | FileCheck %s --check-prefix=INTERVAL
// INTERVAL: error: quantx-mixed-precision: loss-scale-growth-interval must be in 1..2^24, got 0
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=f16 loss-scale-init=8" 2>&1 | FileCheck %s --check-prefix=INIT-STATIC
// INIT-STATIC: error: quantx-mixed-precision: loss-scale-init and loss-scale-growth-interval apply to loss-scale=dynamic, got loss-scale=none
// RUN: not quantx-opt %s --quantx-mixed-precision="master=f64" 2>&1 | FileCheck %s --check-prefix=MASTER
// MASTER: error: quantx-mixed-precision: master='f64' is not a float format (f16, bf16 or a !quantx.float body): expected a format such as e4m3, got 'f64' (or f32)
// RUN: not quantx-opt %s --quantx-mixed-precision="forward-rounding=stochastic loss-scale=dynamic" 2>&1 | FileCheck %s --check-prefix=FWD-ONLY
// FWD-ONLY: error: quantx-mixed-precision: forward-rounding applies to forward=FORMAT, which is not given
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=none loss-scale-init=2" 2>&1 | FileCheck %s --check-prefix=INIT-NONE
// INIT-NONE: error: quantx-mixed-precision: loss-scale-init and loss-scale-growth-interval apply to loss-scale=dynamic, got loss-scale=none
// RUN: not quantx-opt %s --quantx-mixed-precision="loss-scale=dynamic loss-scale-init=1e39" 2>&1 | FileCheck %s --check-prefix=INIT-BIG
// INIT-BIG: error: quantx-mixed-precision: loss-scale-init must be a positive finite number (a normal f32), got 1e+39
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=e4m3 rounding=stochastic seed=9223372036854775806" 2>&1 | FileCheck %s --check-prefix=SEED-BIG
// SEED-BIG: error: quantx-mixed-precision: seed must be in 0..2^62, got 9223372036854775806
// The errors name the module's location and do not print it.
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=fp16" 2>&1 | FileCheck %s --check-prefix=ONE-LINE
// ONE-LINE-NOT: see current operation
// Once per model, on the forward model.
// RUN: not quantx-opt %s --split-input-file --quantx-mixed-precision="loss-scale=dynamic" --quantx-mixed-precision="forward=f16" 2>&1 | FileCheck %s --check-prefix=TWICE
// TWICE: error: quantx-mixed-precision: the module has been through quantx-mixed-precision already; give every option in one run
// RUN: not quantx-opt %S/mixed-precision.mlir --quantx-make-train-step --quantx-mixed-precision="forward=f16" 2>&1 | FileCheck %s --check-prefix=AFTER-STEP
// AFTER-STEP: error: quantx-mixed-precision: the module already has a training step (arguments marked quantx.param): run quantx-mixed-precision on the forward model, before quantx-make-train-step
// RUN: not quantx-opt %s --quantx-mixed-precision="bogus=1" 2>&1 | FileCheck %s --check-prefix=OPTION
// OPTION: no such option bogus
// RUN: not quantx-opt %s --quantx-mixed-precision="accumulate=fp8" 2>&1 | FileCheck %s --check-prefix=ACCUMULATE
// ACCUMULATE: error: quantx-mixed-precision: accumulate='fp8' is not a float format (f16, bf16 or a !quantx.float body): expected a format such as e4m3, got 'fp8' (or f32)
// RUN: not quantx-opt %s --quantx-mixed-precision='accumulate="e4m3, unsigned"' 2>&1 | FileCheck %s --check-prefix=ACC-UNSIGNED
// ACC-UNSIGNED: error: quantx-mixed-precision: accumulate=e4m3, unsigned: an accumulation format must be signed and hold zero, got '!quantx.float<e4m3, unsigned>'
// RUN: not quantx-opt %s --quantx-mixed-precision="accumulate=f16 chunk=0" 2>&1 | FileCheck %s --check-prefix=CHUNK0
// CHUNK0: error: quantx-mixed-precision: chunk must be at least 1 term, got 0
// RUN: not quantx-opt %s --quantx-mixed-precision="forward=f16 chunk=32" 2>&1 | FileCheck %s --check-prefix=CHUNK-ALONE
// CHUNK-ALONE: error: quantx-mixed-precision: chunk applies to accumulate=FORMAT with a format narrower than f32, which is not given
// RUN: not quantx-opt %s --split-input-file --quantx-mixed-precision="forward=f16 backward=e5m2" 2>&1 | FileCheck %s --check-prefix=MODEL

// MODEL: error: quantx-mixed-precision: no function has a contraction (linalg.matmul, batch_matmul, conv_2d_nhwc_hwcf, depthwise_conv_2d_nhwc_hwc, a contraction linalg.generic) to round
func.func @no_layers(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// -----

// QAT decides the forward tensors: forward= on a quantized operand is an
// error (backward= alone is accepted, see mixed-precision.mlir).
ml_program.global private mutable @w(dense<0.5> : tensor<4x3xf32>) : tensor<4x3xf32>
func.func @quantized(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %w = ml_program.global_load @w : tensor<4x3xf32>
  %qw = quantx.fake_quant %w to !quantx.float<e2m1> : tensor<4x3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // MODEL: [[@LINE+1]]:8: error: quantx-mixed-precision: an operand of this contraction is already quantized (its format decides the forward tensor); round only the gradients (backward=FORMAT without forward)
  %m = linalg.matmul ins(%x, %qw : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %m : tensor<2x3xf32>
}

// -----

func.func @integers(%x: tensor<2x4xi8>, %w: tensor<4x3xi8>) -> tensor<2x3xi32> {
  %zero = arith.constant 0 : i32
  %e = tensor.empty() : tensor<2x3xi32>
  %f = linalg.fill ins(%zero : i32) outs(%e : tensor<2x3xi32>) -> tensor<2x3xi32>
  // MODEL: [[@LINE+1]]:8: error: quantx-mixed-precision: an operand of this contraction is not a ranked float tensor
  %m = linalg.matmul ins(%x, %w : tensor<2x4xi8>, tensor<4x3xi8>) outs(%f : tensor<2x3xi32>) -> tensor<2x3xi32>
  return %m : tensor<2x3xi32>
}
