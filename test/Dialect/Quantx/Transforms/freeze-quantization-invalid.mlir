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
  // expected-error @+1 {{cannot evaluate the scale of this quantizer: @lo holds a value that is not finite (NaN or infinity; an observer that has seen no data holds infinities: train the model first)}}
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

// A negative batch-norm scale cannot fold into a full-range grid (the
// negated code -(-2) is not a code): the batch norm stays, with a remark.
ml_program.global private mutable @k(dense<[[0.5], [-1.0]]> : tensor<2x1xf32>) : tensor<2x1xf32>
func.func @forward(%x: tensor<3x2xf32>) -> tensor<3x1xf32> {
  %zero = arith.constant 0.0 : f32
  %k = ml_program.global_load @k : tensor<2x1xf32>
  %s = arith.constant dense<0.5> : tensor<f32>
  %kq = quantx.scaled_fake_quant %k, %s to !quantx.fixed<i2:f32, ?> gradient<lsq> : tensor<2x1xf32>, tensor<f32>
  %e = tensor.empty() : tensor<3x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x1xf32>) -> tensor<3x1xf32>
  %c = linalg.matmul ins(%x, %kq : tensor<3x2xf32>, tensor<2x1xf32>) outs(%f : tensor<3x1xf32>) -> tensor<3x1xf32>
  %g = arith.constant dense<[-1.0]> : tensor<1xf32>
  %b = arith.constant dense<[0.0]> : tensor<1xf32>
  %v = arith.constant dense<[1.0]> : tensor<1xf32>
  // expected-remark @+1 {{quantx-freeze-quantization: this batch norm stays: a channel's scale is negative and the weights' grid is not symmetric}}
  %y, %nm, %nv = quantx.batch_norm %c, %g, %b, %b, %v : tensor<3x1xf32>, tensor<1xf32>
  return %y : tensor<3x1xf32>
}

// -----

func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = arith.constant dense<0.5> : tensor<f32>
  %zp = arith.constant dense<0x7FC00000> : tensor<f32>
  // expected-error @+1 {{quantx-freeze-quantization: a zero point of this quantizer is nan, not finite}}
  %xq = quantx.scaled_fake_quant %x, %s zero_point %zp : tensor<f32> to !quantx.fixed<u8:f32, ?> : tensor<4xf32>, tensor<f32>
  return %xq : tensor<4xf32>
}

// -----

func.func @forward(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %s = arith.constant dense<0.5> : tensor<2xf32>
  // expected-error @+1 {{quantx-freeze-quantization: a per-channel quantizer along dimension 0, which is dynamic, has no static format}}
  %xq = quantx.scaled_fake_quant %x, %s to !quantx.fixed<u8:f32, ?> axis 0 : tensor<?x4xf32>, tensor<2xf32>
  return %xq : tensor<?x4xf32>
}

// -----

// The evaluator computes in f32: other precisions are refused, not rounded.
func.func @forward(%x: tensor<4xf64>) -> tensor<4xf64> {
  %s = arith.constant dense<0.1> : tensor<f64>
  // expected-error @+1 {{quantx-freeze-quantization: only f32 quantizers are frozen (scales are evaluated in f32), got 'f64'}}
  %xq = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f64, ?> : tensor<4xf64>, tensor<f64>
  return %xq : tensor<4xf64>
}

// -----

// The quantizer sees what the model stored, not the global's saved value.
ml_program.global private mutable @w(dense<1.0> : tensor<2xf32>) : tensor<2xf32>
func.func @forward(%x: tensor<4xf32>) -> tensor<2xf32> {
  %two = arith.constant dense<2.0> : tensor<2xf32>
  ml_program.global_store @w = %two : tensor<2xf32>
  // expected-note @+1 {{evaluating this}}
  %w = ml_program.global_load @w : tensor<2xf32>
  %s = arith.constant dense<0.5> : tensor<f32>
  // expected-error @+1 {{cannot evaluate the weights of this quantizer: the model stores into @w before it loads it here, so its saved value is not what the quantizer sees}}
  %wq = quantx.scaled_fake_quant %w, %s to !quantx.fixed<i8:f32, ?> : tensor<2xf32>, tensor<f32>
  return %wq : tensor<2xf32>
}

// -----

// A TWN threshold on activations: the static ternary format rounds at half
// its scale (0.25 here), not at 0.1.
func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = arith.constant dense<0.5> : tensor<f32>
  %t = arith.constant dense<0.1> : tensor<f32>
  // expected-error @+1 {{quantx-freeze-quantization: a ternary quantizer with a threshold of its own freezes only on weights with a value (the static ternary format rounds at half its scale)}}
  %xq = quantx.scaled_fake_quant %x, %s threshold %t : tensor<f32> to !quantx.ternary<f32> : tensor<4xf32>, tensor<f32>
  return %xq : tensor<4xf32>
}

// -----

// expected-error @+1 {{quantx-freeze-quantization: the module has no quantx.scaled_fake_quant to freeze}}
module {
  func.func @forward(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
