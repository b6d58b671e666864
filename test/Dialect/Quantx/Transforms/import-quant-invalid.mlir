// RUN: quantx-opt %s --quantx-import-quant --split-input-file --verify-diagnostics

// A uniform type without a valid !quantx.fixed equivalent is a located
// error, not an invalid type.
func.func @zero_point(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.5:300>> {
  // expected-error @+1 {{'quant.qcast' op cannot import '!quant.uniform<i8:f32, 5.000000e-01:300>': zero point 300 is outside the storage range [-128, 127]}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:300>>
  return %q : tensor<4x!quant.uniform<i8:f32, 0.5:300>>
}

// -----

// Only in a function type.
// expected-error @+1 {{'func.func' op cannot import '!quant.uniform<u8:f32:0, {1.000000e+00:3,2.000000e+00:256}>': channel 1: zero point 256 is outside the storage range [0, 255]}}
func.func private @signature(tensor<2x!quant.uniform<u8:f32:0, {1.0:3, 2.0:256}>>)
