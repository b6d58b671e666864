// RUN: quantx-opt %s --split-input-file --verify-diagnostics

func.func @fixed_format(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{gradients are rounded onto a !quantx.float format, got '!quantx.fixed<i8:f32, 0.5>'}}
  %y = quantx.round_gradient %x to !quantx.fixed<i8:f32, 0.5> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @step_without_stochastic(%x: tensor<4xf32>, %s: tensor<f32>) -> tensor<4xf32> {
  // expected-error @+1 {{'step' applies only to stochastic rounding}}
  %y = quantx.round_gradient %x to !quantx.float<e5m2> step %s : tensor<f32> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @seed_without_stochastic(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'seed' applies only to stochastic rounding}}
  %y = quantx.round_gradient %x to !quantx.float<e5m2> seed 1 : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @fake_quant_step_nearest(%x: tensor<4xf32>, %s: tensor<i32>) -> tensor<4xf32> {
  // expected-error @+1 {{'step' applies only to stochastic rounding}}
  %y = quantx.fake_quant %x to !quantx.float<e5m2> step %s : tensor<i32> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @step_not_scalar(%x: tensor<4xf32>, %s: tensor<2xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{operand #1 must be 0-d tensor of a signless integer or float (a step counter)}}
  %y = quantx.round_gradient %x to !quantx.float<e5m2> rounding<stochastic> step %s : tensor<2xf32> : tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

func.func @unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %y = "quantx.round_gradient"(%x) {format = !quantx.float<e5m2>, operandSegmentSizes = array<i32: 1, 0>} : (tensor<*xf32>) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

func.func @type_mismatch(%x: tensor<4xf32>) -> tensor<4xf16> {
  // expected-error @+1 {{failed to verify that all of {input, result} have same type}}
  %y = "quantx.round_gradient"(%x) {format = !quantx.float<e5m2>, operandSegmentSizes = array<i32: 1, 0>} : (tensor<4xf32>) -> tensor<4xf16>
  return %y : tensor<4xf16>
}
