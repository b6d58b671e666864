// RUN: quantx-opt %s --split-input-file --verify-diagnostics

// expected-error @+1 {{'quantx.init' must be one of "he_normal", "xavier_uniform", "fan_in_uniform", "zeros" or "ones", got "glorot"}}
ml_program.global private mutable @w : tensor<4x3xf32> {quantx.init = "glorot"}

// -----

// expected-error @+1 {{'quantx.init' belongs on a mutable ml_program.global}}
ml_program.global private @w(dense<1.0> : tensor<3xf32>) : tensor<3xf32> {quantx.init = "zeros"}

// -----

// expected-error @+1 {{'quantx.buffer' is a unit attribute}}
ml_program.global private mutable @m : tensor<3xf32> {quantx.buffer = 1 : i32}

// -----

// expected-error @+1 {{'quantx.param' belongs on a function argument}}
ml_program.global private mutable @m : tensor<3xf32> {quantx.param = @m}

// -----

// expected-error @+1 {{unknown quantx attribute 'quantx.parm'}}
ml_program.global private mutable @m : tensor<3xf32> {quantx.parm = @m}

// -----

// expected-error @+1 {{argument #0: 'quantx.param' must name a global (@name), got "w"}}
func.func @f(%w: tensor<3xf32> {quantx.param = "w"}) {
  return
}

// -----

// expected-error @+1 {{argument #0: a parameter must be a ranked float tensor, got 'tensor<3xi32>'}}
func.func @f(%w: tensor<3xi32> {quantx.param = @w}) {
  return
}

// -----

// expected-error @+1 {{argument #0: a parameter must be a ranked float tensor, got 'f32'}}
func.func @f(%w: f32 {quantx.param = @w}) {
  return
}

// -----

// expected-error @+1 {{argument #0: 'quantx.state' must be one of "velocity", "adam_m", "adam_v", "adam_step", "loss_scale", "good_steps" or "skipped_steps", got "rms"}}
func.func @f(%v: tensor<3xf32> {quantx.state = "rms"}) {
  return
}

// -----

// expected-error @+1 {{argument #1: a hyperparameter must be a float scalar tensor, got 'tensor<2xf32>'}}
func.func @f(%x: tensor<3xf32>, %lr: tensor<2xf32> {quantx.hyper = "learning_rate"}) {
  return
}

// -----

// expected-error @+1 {{argument #0: 'quantx.hyper' must be one of "learning_rate", got "momentum"}}
func.func @f(%m: tensor<f32> {quantx.hyper = "momentum"}) {
  return
}

// -----

// expected-error @+1 {{argument #0: 'quantx.init' belongs on a mutable ml_program.global}}
func.func @f(%w: tensor<3xf32> {quantx.init = "zeros"}) {
  return
}

// -----

// expected-error @+1 {{'quantx.weight_decay' must be a float >= 0, finite in the parameter's type, got -1.000000e+00 : f64}}
ml_program.global private mutable @s : tensor<f32> {quantx.weight_decay = -1.0 : f64}

// -----

// expected-error @+1 {{'quantx.weight_decay' belongs on a parameter (a mutable ml_program.global that is not quantx.buffer)}}
ml_program.global private mutable @m : tensor<f32> {quantx.buffer, quantx.weight_decay = 0.0 : f64}

// -----

// expected-error @+1 {{'quantx.clip' must be array<f64: LO, HI> with finite LO < HI, got array<f64: 1.000000e+00, -1.000000e+00>}}
ml_program.global private mutable @w : tensor<3xf32> {quantx.clip = array<f64: 1.0, -1.0>}

// -----

// expected-error @+1 {{'quantx.clip' must be array<f64: LO, HI> with finite LO < HI, got array<f64: -1.000000e+00>}}
ml_program.global private mutable @w : tensor<3xf32> {quantx.clip = array<f64: -1.0>}

// -----

// expected-error @+1 {{'quantx.clip' belongs on a parameter (a mutable ml_program.global that is not quantx.buffer)}}
ml_program.global private @w(dense<0.0> : tensor<3xf32>) : tensor<3xf32> {quantx.clip = array<f64: -1.0, 1.0>}

// -----

// expected-error @+1 {{'quantx.clip' belongs on a mutable ml_program.global}}
func.func @f(%w: tensor<3xf32> {quantx.clip = array<f64: -1.0, 1.0>}) {
  return
}

// -----

// The clamp happens in the parameter's type, where these bounds overflow.
// expected-error @+1 {{'quantx.clip' bounds array<f64: 1.000000e+300, 1.000000e+301> are not finite with LO < HI in the parameter's type 'f32'}}
ml_program.global private mutable @w : tensor<3xf32> {quantx.clip = array<f64: 1.0e300, 1.0e301>}

// -----

// 1e300 is finite as an f64 but not in the parameter's f32.
// expected-error @+1 {{'quantx.weight_decay' must be a float >= 0, finite in the parameter's type, got 1.000000e+300 : f64}}
ml_program.global private mutable @w : tensor<3xf32> {quantx.weight_decay = 1.0e300 : f64}

// -----

// expected-error @+1 {{'quantx.loss_scale' belongs on the module}}
ml_program.global private mutable @w : tensor<3xf32> {quantx.loss_scale = 1024.0 : f64}

// -----

// 1e39 overflows the f32 gradients it scales.
// expected-error @+1 {{'quantx.loss_scale' must be a positive finite (normal f32) float, got 9.9999999999999994E+38 : f64}}
module attributes {quantx.loss_scale = 1.0e39 : f64} {
}

// -----

// expected-error @+1 {{'quantx.loss_scale' must be a positive finite (normal f32) float, got -2.000000e+00 : f64}}
module attributes {quantx.loss_scale = -2.0 : f64} {
}

// -----

// expected-error @+1 {{has both a static and a dynamic loss scale}}
module attributes {quantx.loss_scale = 2.0 : f64, quantx.dynamic_loss_scale = array<f64: 65536.0, 2000.0>} {
}

// -----

// expected-error @+1 {{'quantx.dynamic_loss_scale' must be array<f64: INIT, INTERVAL> with INIT a positive finite (normal f32) scale and INTERVAL an integer in [1, 2^24], got array<f64: 6.553600e+04, 2.500000e+00>}}
module attributes {quantx.dynamic_loss_scale = array<f64: 65536.0, 2.5>} {
}

// -----

// expected-error @+1 {{'quantx.dynamic_loss_scale' must be array<f64: INIT, INTERVAL>}}
module attributes {quantx.dynamic_loss_scale = array<f64: 0.0, 2000.0>} {
}

// -----

// expected-error @+1 {{'quantx.gradient_rounding' belongs on a quantx.fake_quant}}
ml_program.global private mutable @w : tensor<3xf32> {quantx.gradient_rounding}

// -----

// expected-error @+1 {{'quantx.stat' belongs on a function result}}
func.func @f(%x: tensor<i64> {quantx.stat = "gradient_underflow"}) {
  return
}

// -----

// expected-error @+1 {{result #0: a statistic must be an i64 scalar tensor, got 'tensor<f32>'}}
func.func @f(%x: tensor<f32>) -> (tensor<f32> {quantx.stat = "gradient_underflow"}) {
  return %x : tensor<f32>
}

// -----

// expected-error @+1 {{result #0: 'quantx.stat' must be one of "gradient_nonzero", "gradient_underflow" or "gradient_overflow", got "lost"}}
func.func @f(%x: tensor<i64>) -> (tensor<i64> {quantx.stat = "lost"}) {
  return %x : tensor<i64>
}

// -----

// expected-error @+1 {{'quantx.master' belongs on a parameter (a mutable ml_program.global that is not quantx.buffer)}}
ml_program.global private mutable @m : tensor<3xf32> {quantx.buffer, quantx.master = !quantx.float<e5m10>}

// -----

// expected-error @+1 {{'quantx.master' must be a !quantx.float format, got !quantx.fixed<i8:f32, 0.5>}}
ml_program.global private mutable @w : tensor<3xf32> {quantx.master = !quantx.fixed<i8:f32, 0.5>}

// -----

func.func @fixed(%x: tensor<3xf32>) -> tensor<3xf32> {
  // expected-error @+1 {{'quantx.gradient_rounding' belongs on a quantx.fake_quant onto a !quantx.float (a gradient's rounding)}}
  %r = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.5> {quantx.gradient_rounding} : tensor<3xf32>
  return %r : tensor<3xf32>
}
