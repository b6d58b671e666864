// RUN: quantx-opt %s --quantx-quantize --split-input-file --verify-diagnostics

// A model without formats: the layer says which.
func.func @float_model(%x: tensor<4x2xf32>, %w: tensor<2x2xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-error @+1 {{quantx-quantize: neither operand of this layer has a format (the input is not a quantx.fake_quant, the weights are no quantized codes): calibrate the model (quantx-runner calibrate) or freeze a QAT model first}}
  %m = linalg.matmul ins(%x, %w : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %m : tensor<4x2xf32>
}

// -----

// Layers without an integer form stay float, with a remark; their weights
// are codes all the same.
ml_program.global private mutable @w(dense<[[1.0, -2.0], [0.5, 4.0]]> : tensor<2x2xf32>) : tensor<2x2xf32>
func.func @float_layers(%x: tensor<4x2xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %w = ml_program.global_load @w : tensor<2x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %q8 = quantx.fake_quant %x to !quantx.float<e4m3> : tensor<4x2xf32>
  %w8 = quantx.fake_quant %w to !quantx.float<e4m3> : tensor<2x2xf32>
  // expected-remark @+1 {{quantx-quantize: this layer stays float: its input's format is not fixed point per tensor with nearest-even rounding on f32}}
  %a = linalg.matmul ins(%q8, %w8 : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %qx = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.5> : tensor<4x2xf32>
  // expected-remark @+1 {{quantx-quantize: this layer stays float: its weights are no fixed-point codes}}
  %b = linalg.matmul ins(%qx, %w8 : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %ones = arith.constant 1.0 : f32
  %g = linalg.fill ins(%ones : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %wz = quantx.fake_quant %w to !quantx.fixed<i8:f32, 0.5> : tensor<2x2xf32>
  // expected-remark @+1 {{quantx-quantize: this layer stays float: it does not accumulate into zeros}}
  %c = linalg.matmul ins(%qx, %wz : tensor<4x2xf32>, tensor<2x2xf32>) outs(%g : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %a, %b, %c : tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x2xf32>
}

// -----

// A multiplier beyond the fixed-point form (an accumulator scale 2^40 times
// the output's).
ml_program.global private mutable @w(dense<1.0> : tensor<2x2xf32>) : tensor<2x2xf32>
func.func @huge_multiplier(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %zero = arith.constant 0.0 : f32
  %w = ml_program.global_load @w : tensor<2x2xf32>
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %qx = quantx.fake_quant %x to !quantx.fixed<i8:f32, 1.0e6> : tensor<4x2xf32>
  %qw = quantx.fake_quant %w to !quantx.fixed<i8:f32, 1.0e6> : tensor<2x2xf32>
  %m = linalg.matmul ins(%qx, %qw : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-error @+1 {{quantx-quantize: the requantization multiplier 1.000000e+12 (accumulator scale 1.000000e+12 over the activation's scale 1.000000e+00) has no fixed-point form (multiplier * 2^-shift with shift in [1, 62]); use rescale=float}}
  %qm = quantx.fake_quant %m to !quantx.fixed<i8:f32, 1.0> : tensor<4x2xf32>
  %m2 = linalg.matmul ins(%qm, %qw : tensor<4x2xf32>, tensor<2x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %m2 : tensor<4x2xf32>
}
