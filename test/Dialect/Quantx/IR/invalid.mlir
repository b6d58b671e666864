// RUN: quantx-opt %s --split-input-file --verify-diagnostics

// quantize_c1: shapes match.
func.func @quantize_shape_mismatch(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected input and result shapes to match, got 'tensor<4xf32>' and 'tensor<5x!quantx.fixed<i8:f32, 0.5>>'}}
  %0 = quantx.quantize %x : tensor<4xf32> to tensor<5x!quantx.fixed<i8:f32, 0.5>>
  return
}

// -----

func.func @quantize_scalar_to_tensor(%x: f32) {
  // expected-error @+1 {{expected input and result to be both scalars or both tensors}}
  %0 = quantx.quantize %x : f32 to tensor<1x!quantx.fixed<i8:f32, 0.5>>
  return
}

// -----

// quantize_c2: the expressed type is the input element type.
func.func @quantize_expressed_mismatch(%x: tensor<4xf16>) {
  // expected-error @+1 {{float element type 'f16' does not match the format's expressed type 'f32'}}
  %0 = quantx.quantize %x : tensor<4xf16> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
  return
}

// -----

func.func @quantize_to_float(%x: tensor<4xf32>) {
  // expected-error @+1 {{result #0 must be quantized scalar or tensor of quantized values}}
  %0 = quantx.quantize %x : tensor<4xf32> to tensor<4xf16>
  return
}

// -----

func.func @quantize_from_integer(%x: tensor<4xi32>) {
  // expected-error @+1 {{operand #0 must be float scalar or tensor of floats}}
  %0 = quantx.quantize %x : tensor<4xi32> to tensor<4x!quantx.float<e4m3>>
  return
}

// -----

// quantize_c3: per-channel formats fit the shape.
func.func @quantize_axis_out_of_range(%x: tensor<4xf32>) {
  // expected-error @+1 {{quantized dimension 1 is out of range for a value of rank 1}}
  %0 = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32:1, {0.5, 0.5}>>
  return
}

// -----

func.func @quantize_channel_count(%x: tensor<3x2xf32>) {
  // expected-error @+1 {{quantized dimension 0 has size 3 but the format has 2 channels}}
  %0 = quantx.quantize %x : tensor<3x2xf32> to tensor<3x2x!quantx.ternary<f32:0, {0.5, 0.2}>>
  return
}

// -----

func.func @quantize_scalar_per_channel(%x: f32) {
  // expected-error @+1 {{quantized dimension 0 is out of range for a value of rank 0}}
  %0 = quantx.quantize %x : f32 to !quantx.binary<f32:0, {0.5}>
  return
}

// -----

func.func @quantize_bad_rounding(%x: f32) {
  // expected-error @+2 {{expected ::mlir::quantx::RoundingMode to be one of: nearest_even, nearest_away, toward_zero, stochastic}}
  // expected-error @+1 {{failed to parse Quantx_RoundingModeAttr parameter 'value'}}
  %0 = quantx.quantize %x rounding<nearest> : f32 to !quantx.float<e4m3>
  return
}

// -----

// dequantize_c1..c3.
func.func @dequantize_shape_mismatch(%q: tensor<4x!quantx.float<e4m3>>) {
  // expected-error @+1 {{expected input and result shapes to match}}
  %0 = quantx.dequantize %q : tensor<4x!quantx.float<e4m3>> to tensor<2x2xf32>
  return
}

// -----

func.func @dequantize_expressed_mismatch(%q: !quantx.binary<f32>) {
  // expected-error @+1 {{float element type 'bf16' does not match the format's expressed type 'f32'}}
  %0 = quantx.dequantize %q : !quantx.binary<f32> to bf16
  return
}

// -----

func.func @dequantize_channel_count(%q: tensor<2x5x!quantx.fixed<i8:f32:1, {0.5, 0.5}>>) {
  // expected-error @+1 {{quantized dimension 1 has size 5 but the format has 2 channels}}
  %0 = quantx.dequantize %q : tensor<2x5x!quantx.fixed<i8:f32:1, {0.5, 0.5}>> to tensor<2x5xf32>
  return
}

// -----

// requantize_c1..c2.
func.func @requantize_shape_mismatch(%q: tensor<4x!quantx.float<e4m3>>) {
  // expected-error @+1 {{expected input and result shapes to match}}
  %0 = quantx.requantize %q : tensor<4x!quantx.float<e4m3>> to tensor<3x!quantx.float<e5m2>>
  return
}

// -----

func.func @requantize_result_channels(%q: tensor<3x!quantx.float<e4m3>>) {
  // expected-error @+1 {{quantized dimension 0 has size 3 but the format has 2 channels}}
  %0 = quantx.requantize %q : tensor<3x!quantx.float<e4m3>> to tensor<3x!quantx.fixed<i8:f32:0, {1.0, 2.0}>>
  return
}

// -----

func.func @requantize_to_float(%q: tensor<3x!quantx.float<e4m3>>) {
  // expected-error @+1 {{result #0 must be quantized scalar or tensor of quantized values}}
  %0 = quantx.requantize %q : tensor<3x!quantx.float<e4m3>> to tensor<3xf32>
  return
}

// -----

// storage_cast_c1: one side quantized, the other its storage integer.
func.func @storage_cast_wrong_width(%i: tensor<2xi16>) {
  // expected-error @+1 {{expected storage element type 'i8' for format '!quantx.fixed<i8:f32, 0.5>', got 'i16'}}
  %0 = quantx.storage_cast %i : tensor<2xi16> to tensor<2x!quantx.fixed<i8:f32, 0.5>>
  return
}

// -----

func.func @storage_cast_binary_width(%q: !quantx.binary<f32>) {
  // expected-error @+1 {{expected storage element type 'i1'}}
  %0 = quantx.storage_cast %q : !quantx.binary<f32> to i8
  return
}

// -----

func.func @storage_cast_both_integer(%i: i8) {
  // expected-error @+1 {{expected exactly one of input and result to be quantized, got 'i8' and 'i8'}}
  %0 = quantx.storage_cast %i : i8 to i8
  return
}

// -----

func.func @storage_cast_both_quantized(%q: !quantx.float<e4m3>) {
  // expected-error @+1 {{expected exactly one of input and result to be quantized}}
  %0 = quantx.storage_cast %q : !quantx.float<e4m3> to !quantx.float<e5m2>
  return
}

// -----

func.func @storage_cast_float(%f: f8E4M3) {
  // expected-error @+1 {{'quantx.storage_cast' op operand #0 must be quantized or signless integer scalar or tensor, but got 'f8E4M3'}}
  %0 = quantx.storage_cast %f : f8E4M3 to !quantx.float<e4m3>
  return
}

// -----

// storage_cast_c2: shapes match.
func.func @storage_cast_shape(%i: tensor<3xi8>) {
  // expected-error @+1 {{expected input and result shapes to match}}
  %0 = quantx.storage_cast %i : tensor<3xi8> to tensor<4x!quantx.float<e4m3>>
  return
}

// -----

// fake_quant_c1..c3.
func.func @fake_quant_expressed_mismatch(%x: tensor<4xf16>) {
  // expected-error @+1 {{float element type 'f16' does not match the format's expressed type 'f32'}}
  %0 = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.5> : tensor<4xf16>
  return
}

// -----

func.func @fake_quant_channel_count(%x: tensor<4x3xf32>) {
  // expected-error @+1 {{quantized dimension 1 has size 3 but the format has 2 channels}}
  %0 = quantx.fake_quant %x to !quantx.fixed<i8:f32:1, {0.5, 0.25}> : tensor<4x3xf32>
  return
}

// -----

func.func @fake_quant_not_a_format(%x: tensor<4xf32>) {
  // expected-error @+1 {{attribute 'format' failed to satisfy constraint: type attribute of quantized format}}
  %0 = quantx.fake_quant %x to f16 : tensor<4xf32>
  return
}

// -----

func.func @fake_quant_integer(%x: tensor<4xi8>) {
  // expected-error @+1 {{operand #0 must be float scalar or tensor of floats}}
  %0 = quantx.fake_quant %x to !quantx.float<e4m3> : tensor<4xi8>
  return
}

// -----

func.func @seed_without_stochastic(%x: f32) {
  // expected-error @+1 {{'seed' applies only to stochastic rounding}}
  %0 = quantx.quantize %x seed 3 : f32 to !quantx.float<e4m3>
  return
}

// -----

func.func @fake_quant_seed_without_stochastic(%x: f32) {
  // expected-error @+1 {{'seed' applies only to stochastic rounding}}
  %0 = quantx.fake_quant %x to !quantx.float<e4m3> rounding<toward_zero> seed 3 : f32
  return
}

// -----

func.func @requantize_seed_without_stochastic(%q: !quantx.float<e4m3>) {
  // expected-error @+1 {{'seed' applies only to stochastic rounding}}
  %0 = quantx.requantize %q seed 1 : !quantx.float<e4m3> to !quantx.float<e5m2>
  return
}

// -----

// softmax_cross_entropy_c1: logits are [batch, classes].
func.func @loss_logits_rank(%l: tensor<4xf32>, %y: tensor<4xi32>) -> tensor<f32> {
  // expected-error @+1 {{'quantx.softmax_cross_entropy' op logits must have rank 2 ([batch, classes]), got 'tensor<4xf32>'}}
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4xf32>, tensor<4xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// softmax_cross_entropy_c1: labels are [batch].
func.func @loss_labels_rank(%l: tensor<4x3xf32>, %y: tensor<4x1xi32>) -> tensor<f32> {
  // expected-error @+1 {{'quantx.softmax_cross_entropy' op labels must have rank 1 ([batch]), got 'tensor<4x1xi32>'}}
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<4x1xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// softmax_cross_entropy_c1: the batches agree.
func.func @loss_batch(%l: tensor<4x3xf32>, %y: tensor<5xi32>) -> tensor<f32> {
  // expected-error @+1 {{'quantx.softmax_cross_entropy' op batch of logits (4) and labels (5) differ}}
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<5xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// softmax_cross_entropy_c2: the loss has the logits' element type.
func.func @loss_type(%l: tensor<4x3xf32>, %y: tensor<4xi32>) -> tensor<f64> {
  // expected-error @+1 {{'quantx.softmax_cross_entropy' op loss element type must be the logits' element type 'f32'}}
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<4xi32> -> tensor<f64>
  return %0 : tensor<f64>
}

// -----

func.func @loss_float_labels(%l: tensor<4x3xf32>, %y: tensor<4xf32>) -> tensor<f32> {
  // expected-error @+1 {{operand #1 must be ranked tensor of signless integer values}}
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<4xf32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// quantize_c3: a per-channel format needs a static quantized dimension (a
// runtime size could differ from the channel count).
func.func @per_channel_dynamic(%x: tensor<?x4xf32>) -> tensor<?x4x!quantx.fixed<i4:f32:0, {0.5, 0.25}>> {
  // expected-error @+1 {{'quantx.quantize' op quantized dimension 0 must have a static size (the format has 2 channels), got a dynamic one}}
  %q = quantx.quantize %x : tensor<?x4xf32> to tensor<?x4x!quantx.fixed<i4:f32:0, {0.5, 0.25}>>
  return %q : tensor<?x4x!quantx.fixed<i4:f32:0, {0.5, 0.25}>>
}

// -----

func.func @fake_quant_per_channel_dynamic(%x: tensor<4x?xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{'quantx.fake_quant' op quantized dimension 1 must have a static size (the format has 2 channels), got a dynamic one}}
  %f = quantx.fake_quant %x to !quantx.binary<f32:1, {0.5, 0.25}> : tensor<4x?xf32>
  return %f : tensor<4x?xf32>
}

// -----

// quantize_c4: a !quant.uniform format meets the fixed-point constraints
// (upstream accepts a zero point outside the storage range).
func.func @uniform_zero_point(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quantx.fake_quant' op format '!quant.uniform<i8:f32, 5.000000e-01:300>': zero point 300 is outside the storage range [-128, 127]}}
  %f = quantx.fake_quant %x to !quant.uniform<i8:f32, 0.5:300> : tensor<4xf32>
  return %f : tensor<4xf32>
}

// -----

func.func @uniform_per_axis_zero_point(%x: tensor<2xf32>) -> tensor<2x!quant.uniform<u8:f32:0, {0.5:3, 0.25:-1}>> {
  // expected-error @+1 {{'quantx.quantize' op format '!quant.uniform<u8:f32:0, {5.000000e-01:3,2.500000e-01:-1}>': channel 1: zero point -1 is outside the storage range [0, 255]}}
  %q = quantx.quantize %x : tensor<2xf32> to tensor<2x!quant.uniform<u8:f32:0, {0.5:3, 0.25:-1}>>
  return %q : tensor<2x!quant.uniform<u8:f32:0, {0.5:3, 0.25:-1}>>
}

// -----

func.func @uniform_dequantize(%q: tensor<2x!quant.uniform<i4:f32, 0.5:9>>) -> tensor<2xf32> {
  // expected-error @+1 {{'quantx.dequantize' op format '!quant.uniform<i4:f32, 5.000000e-01:9>': zero point 9 is outside the storage range [-8, 7]}}
  %x = quantx.dequantize %q : tensor<2x!quant.uniform<i4:f32, 0.5:9>> to tensor<2xf32>
  return %x : tensor<2xf32>
}

// -----

// quantize_c5: framework arithmetic needs an affine format, f32 values and
// nearest-even rounding.
func.func @arithmetic_float_format(%x: tensor<4xf32>) -> tensor<4x!quantx.float<e4m3>> {
  // expected-error @+1 {{'quantx.quantize' op arithmetic<onnx> needs an affine format (fixed point, ternary or !quant.uniform), got '!quantx.float<e4m3>'}}
  %q = quantx.quantize %x arithmetic<onnx> : tensor<4xf32> to tensor<4x!quantx.float<e4m3>>
  return %q : tensor<4x!quantx.float<e4m3>>
}

// -----

func.func @arithmetic_binary(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quantx.fake_quant' op arithmetic<pytorch> needs an affine format (fixed point, ternary or !quant.uniform), got '!quantx.binary<f32>'}}
  %f = quantx.fake_quant %x to !quantx.binary<f32> arithmetic<pytorch> : tensor<4xf32>
  return %f : tensor<4xf32>
}

// -----

func.func @arithmetic_f16(%x: tensor<4xf16>) -> tensor<4x!quantx.fixed<i8:f16, 0.5>> {
  // expected-error @+1 {{'quantx.quantize' op arithmetic<pytorch> computes in f32, got 'tensor<4xf16>'}}
  %q = quantx.quantize %x arithmetic<pytorch> : tensor<4xf16> to tensor<4x!quantx.fixed<i8:f16, 0.5>>
  return %q : tensor<4x!quantx.fixed<i8:f16, 0.5>>
}

// -----

func.func @arithmetic_dequantize_f64(%q: tensor<4x!quantx.fixed<i8:f64, 0.5>>) -> tensor<4xf64> {
  // expected-error @+1 {{'quantx.dequantize' op arithmetic<onnx> computes in f32, got 'tensor<4xf64>'}}
  %x = quantx.dequantize %q arithmetic<onnx> : tensor<4x!quantx.fixed<i8:f64, 0.5>> to tensor<4xf64>
  return %x : tensor<4xf64>
}

// -----

func.func @arithmetic_rounding(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'quantx.fake_quant' op arithmetic<onnx> rounds to nearest even, got rounding<stochastic>}}
  %f = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.5> rounding<stochastic> arithmetic<onnx> : tensor<4xf32>
  return %f : tensor<4xf32>
}

// -----

// softmax_cross_entropy_c1: labels are 2- to 64-bit class indices (i1 would
// read true as -1; wider integers would be truncated to 64 bits).
func.func @loss_bool_labels(%l: tensor<4x3xf32>, %y: tensor<4xi1>) -> tensor<f32> {
  // expected-error @+1 {{'quantx.softmax_cross_entropy' op labels must be integers of 2 to 64 bits, got 'tensor<4xi1>'}}
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<4xi1> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @loss_wide_labels(%l: tensor<4x3xf32>, %y: tensor<4xi128>) -> tensor<f32> {
  // expected-error @+1 {{'quantx.softmax_cross_entropy' op labels must be integers of 2 to 64 bits, got 'tensor<4xi128>'}}
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<4xi128> -> tensor<f32>
  return %0 : tensor<f32>
}
