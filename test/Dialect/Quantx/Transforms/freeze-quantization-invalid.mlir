// RUN: quantx-opt %s --quantx-freeze-quantization --split-input-file --verify-diagnostics

// A weight without a value: the model has not been trained.
ml_program.global private mutable @w : tensor<2x2xf32>
func.func @forward(%x: tensor<?x2xf32>) -> tensor<2x2xf32> {
  // expected-note @+1 {{evaluating this}}
  %w = ml_program.global_load @w : tensor<2x2xf32>
  %s = arith.constant dense<0.5> : tensor<f32>
  // expected-error @+1 {{quantx-freeze-quantization: cannot evaluate the weights of this quantizer: @w has no value (train the model first)}}
  %wq = quantx.scaled_fake_quant %w, %s to !quantx.fixed<i4:f32, ?> : tensor<2x2xf32>, tensor<f32>
  return %wq : tensor<2x2xf32>
}

// -----

// An observer that has seen no data still holds its initial infinities.
ml_program.global private mutable @lo(dense<0x7F800000> : tensor<f32>) : tensor<f32> {quantx.buffer}
func.func @forward(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-note @+1 {{evaluating this}}
  %lo = ml_program.global_load @lo : tensor<f32>
  // expected-error @+1 {{cannot evaluate the scale of this quantizer: @lo holds a value that is not finite (an observer that has seen no data: train the model first)}}
  %xq = quantx.scaled_fake_quant %x, %lo to !quantx.fixed<u8:f32, ?> : tensor<?x2xf32>, tensor<f32>
  return %xq : tensor<?x2xf32>
}

// -----

// A scale computed from the model's input (as an LSQ step that was never
// initialized computes its first value from the batch).
// expected-note @+1 {{evaluating this}}
func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %init = arith.constant dense<0.0> : tensor<f32>
  %s = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]}
      ins(%x : tensor<4xf32>) outs(%init : tensor<f32>) {
  ^bb0(%v: f32, %a: f32):
    %m = arith.maximumf %a, %v : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  // expected-error @+1 {{cannot evaluate the scale of this quantizer: it depends on an argument of the function (the model's input)}}
  %xq = quantx.scaled_fake_quant %x, %s to !quantx.fixed<u8:f32, ?> : tensor<4xf32>, tensor<f32>
  return %xq : tensor<4xf32>
}

// -----

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = arith.constant dense<0.0> : tensor<f32>
  // expected-error @+1 {{quantx-freeze-quantization: a scale of this quantizer is 0.000000e+00, not positive and finite}}
  %xq = quantx.scaled_fake_quant %x, %s to !quantx.fixed<u8:f32, ?> : tensor<4xf32>, tensor<f32>
  return %xq : tensor<4xf32>
}

// -----

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = arith.constant dense<0.5> : tensor<f32>
  // expected-error @+1 {{quantx-freeze-quantization: only quantizers with exact arithmetic have a static equivalent}}
  %xq = quantx.scaled_fake_quant %x, %s to !quantx.fixed<u8:f32, ?> arithmetic<pytorch> : tensor<4xf32>, tensor<f32>
  return %xq : tensor<4xf32>
}

// -----

// expected-error @+1 {{quantx-freeze-quantization: the module has no quantx.scaled_fake_quant to freeze}}
module {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
