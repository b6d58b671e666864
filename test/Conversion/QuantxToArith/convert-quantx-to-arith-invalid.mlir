// RUN: quantx-opt %s --convert-quantx-to-arith --split-input-file --verify-diagnostics

func.func @unranked(%x: tensor<*xf32>) -> tensor<*x!quantx.fixed<i8:f32, 0.5>> {
  // expected-error @+1 {{'quantx.quantize' op cannot be lowered on unranked tensors}}
  %q = quantx.quantize %x : tensor<*xf32> to tensor<*x!quantx.fixed<i8:f32, 0.5>>
  return %q : tensor<*x!quantx.fixed<i8:f32, 0.5>>
}
