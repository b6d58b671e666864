// RUN: quantx-opt %s --split-input-file --verify-diagnostics

// scaled_fake_quant_c1: the format has no scale of its own.
func.func @static_scale(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{the format's scale is an operand: write it as !quantx.fixed<...:f32, ?>, got '!quantx.fixed<i8:f32, 0.5>'}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, 0.5> : tensor<4xf32>, tensor<f32>
  return
}

// -----

func.func @scaled_binary(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{the format's scale is an operand: write it as !quantx.binary<f32>, got '!quantx.binary<f32, 0.5>'}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.binary<f32, 0.5> : tensor<4xf32>, tensor<f32>
  return
}

// -----

func.func @float_format(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{expected a fixed-point format with a run-time scale (!quantx.fixed<...:f32, ?>), !quantx.binary or !quantx.ternary, got '!quantx.float<e4m3>'}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.float<e4m3> : tensor<4xf32>, tensor<f32>
  return
}

// -----

func.func @expressed_type(%x: tensor<4xf16>, %s: tensor<f16>) {
  // expected-error @+1 {{the format's expressed type 'f32' is not the input's 'f16'}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> : tensor<4xf16>, tensor<f16>
  return
}

// -----

// scaled_fake_quant_c2: the scale's shape.
func.func @scale_element(%x: tensor<4xf32>, %s: tensor<f64>) {
  // expected-error @+1 {{the scale's element type must be the input's 'f32', got 'f64'}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> : tensor<4xf32>, tensor<f64>
  return
}

// -----

func.func @per_tensor_rank(%x: tensor<4x3xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{a per-tensor scale is a 0-d tensor, got 'tensor<3xf32>' (per channel: give the axis)}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> : tensor<4x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @axis_range(%x: tensor<4x3xf32>, %s: tensor<3xf32>) {
  // expected-error @+1 {{axis 2 is not a dimension of the input 'tensor<4x3xf32>'}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> axis 2 : tensor<4x3xf32>, tensor<3xf32>
  return
}

// -----

func.func @channel_count(%x: tensor<4x3xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{input dimension 1 has 3 channels but the scale has 4}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> axis 1 : tensor<4x3xf32>, tensor<4xf32>
  return
}

// -----

func.func @per_channel_rank(%x: tensor<4x3xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{a per-channel scale is a 1-d tensor, got 'tensor<f32>'}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> axis 1 : tensor<4x3xf32>, tensor<f32>
  return
}

// -----

func.func @zero_point_type(%x: tensor<4x3xf32>, %s: tensor<3xf32>, %z: tensor<f32>) {
  // expected-error @+1 {{the zero point and threshold have the scale's type 'tensor<3xf32>', got 'tensor<f32>'}}
  %0 = quantx.scaled_fake_quant %x, %s zero_point %z : tensor<f32> to !quantx.fixed<i8:f32, ?> axis 1 : tensor<4x3xf32>, tensor<3xf32>
  return
}

// -----

// scaled_fake_quant_c3.
func.func @binary_zero_point(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{a zero point belongs to a fixed-point format}}
  %0 = quantx.scaled_fake_quant %x, %s zero_point %s : tensor<f32> to !quantx.binary<f32> : tensor<4xf32>, tensor<f32>
  return
}

// -----

func.func @fixed_threshold(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{a threshold belongs to a ternary format}}
  %0 = quantx.scaled_fake_quant %x, %s threshold %s : tensor<f32> to !quantx.fixed<i8:f32, ?> : tensor<4xf32>, tensor<f32>
  return
}

// -----

// scaled_fake_quant_c4.
func.func @lsq_binary(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{gradient<lsq> learns a fixed-point step size; '!quantx.binary<f32>' has none}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.binary<f32> gradient<lsq> : tensor<4xf32>, tensor<f32>
  return
}

// -----

func.func @grad_scale_without_lsq(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{grad_scale applies only to gradient<lsq>}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> grad_scale 0.5 : tensor<4xf32>, tensor<f32>
  return
}

// -----

func.func @grad_scale_negative(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{grad_scale must be positive and finite, got -5.000000e-01}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> gradient<lsq> grad_scale -0.5 : tensor<4xf32>, tensor<f32>
  return
}

// -----

func.func @lsq_no_positive_code(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{the default LSQ gradient scale 1 / sqrt(n qmax) needs a positive largest code; '!quantx.fixed<i1:f32, ?>' has 0: give grad_scale}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i1:f32, ?> gradient<lsq> : tensor<4xf32>, tensor<f32>
  return
}

// -----

// scaled_fake_quant_c5.
func.func @onnx(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{arithmetic<onnx> is not offered (ONNX has no run-time-scale fake quantization)}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> arithmetic<onnx> : tensor<4xf32>, tensor<f32>
  return
}

// -----

func.func @pytorch_binary(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{arithmetic<pytorch> computes fixed point in f32, got '!quantx.binary<f32>' on 'f32'}}
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.binary<f32> arithmetic<pytorch> : tensor<4xf32>, tensor<f32>
  return
}

// -----

// fixed_c6: other ops take no run-time-scale format.
func.func @quantize_runtime(%x: tensor<4xf32>) {
  // expected-error @+1 {{format '!quantx.fixed<i8:f32, ?>' has a run-time scale (?): only quantx.scaled_fake_quant takes it}}
  %0 = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, ?>>
  return
}

// -----

func.func @fake_quant_runtime(%x: tensor<4xf32>) {
  // expected-error @+1 {{format '!quantx.fixed<i8:f32, ?>' has a run-time scale (?): only quantx.scaled_fake_quant takes it}}
  %0 = quantx.fake_quant %x to !quantx.fixed<i8:f32, ?> : tensor<4xf32>
  return
}

// -----

// fixed_c6: a run-time scale is per tensor.
// expected-error @+1 {{a quantized dimension needs a braced list of per-channel parameters}}
func.func @per_channel_runtime(%x: tensor<4x!quantx.fixed<i8:f32:0, ?>>) {
  return
}
