// RUN: quantx-opt %s --split-input-file --quantx-insert-fake-quant --verify-diagnostics

// Neither operand comes from a parameter.
func.func @forward(%x: tensor<2x4xf32>, %w: tensor<4x3xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @+1 {{neither operand of this contraction is loaded from a parameter (a mutable float ml_program.global): which one holds the weights is unknown}}
  %m = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %m : tensor<2x3xf32>
}

// -----

// A convolution whose filter is an argument.
func.func @forward(%x: tensor<1x4x4x1xf32>, %k: tensor<3x3x1x2xf32>) -> tensor<1x2x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  // expected-error @+1 {{the filter of this convolution is not loaded from a parameter (a mutable float ml_program.global), so it cannot be quantized as weights}}
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %k : tensor<1x4x4x1xf32>, tensor<3x3x1x2xf32>) outs(%f : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %c : tensor<1x2x2x2xf32>
}

// -----

// No contraction at all.
// expected-error @+1 {{quantx-insert-fake-quant: no layer was quantized: no function has a contraction to quantize (linalg.matmul, batch_matmul, conv_2d_nhwc_hwcf, depthwise_conv_2d_nhwc_hwc, a contraction linalg.generic) that could be}}
module {
  func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    return %x : tensor<2x4xf32>
  }
}


// -----

// Quantizing twice.
ml_program.global private mutable @w : tensor<4x3xf32>
func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %s = arith.constant dense<0.1> : tensor<f32>
  %w = ml_program.global_load @w : tensor<4x3xf32>
  %q = quantx.scaled_fake_quant %w, %s to !quantx.fixed<i8:f32, ?> : tensor<4x3xf32>, tensor<f32>
  %e = tensor.empty() : tensor<2x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @+1 {{this layer is already quantized (an operand comes from quantx.scaled_fake_quant): the model has been through quantx-insert-fake-quant}}
  %m = linalg.matmul ins(%x, %q : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %m : tensor<2x3xf32>
}

// -----

// A layer without elements.
ml_program.global private mutable @w : tensor<4x0xf32>
func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x0xf32> {
  %zero = arith.constant 0.0 : f32
  %w = ml_program.global_load @w : tensor<4x0xf32>
  %e = tensor.empty() : tensor<2x0xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x0xf32>) -> tensor<2x0xf32>
  // expected-error @+1 {{an operand of this contraction has no elements (a dimension of size 0): there is nothing to quantize}}
  %m = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x0xf32>) outs(%f : tensor<2x0xf32>) -> tensor<2x0xf32>
  return %m : tensor<2x0xf32>
}
