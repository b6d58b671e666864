// REQUIRES: quantx-jit
// RUN: quantx-runner run %s -e model --input %S/Inputs/x_2x3_f32.npy \
// RUN:   --input %S/Inputs/scalar_f32.npy --output %t.fake.npy \
// RUN:   --output %t.codes.npy --output %t.scaled.npy | FileCheck %s
// Read the written files back through a second model.
// RUN: quantx-runner run %s -e decode --input %t.codes.npy | FileCheck %s --check-prefix=BACK
// RUN: quantx-runner run %s -e identity --input %t.fake.npy | FileCheck %s --check-prefix=FAKE

// Tensors and scalars in, tensors (quantized ones as their codes) and
// scalars out.
// CHECK: result #0: tensor<?x3xf32> = {{\[}}[0.3125, -1.25, 96], [0.25, 0.001953125, nan]]
// CHECK: result #1: tensor<?x3x!quantx.fixed<i8:f32, 0.5>> = {{\[}}[1, -3, 127], [0, 0, 127]]
// CHECK: result #2: f32 = 9
func.func @model(%x: tensor<?x3xf32>, %s: f32)
    -> (tensor<?x3xf32>, tensor<?x3x!quantx.fixed<i8:f32, 0.5>>, f32) {
  %f = quantx.fake_quant %x to !quantx.float<e4m3, special = fn> : tensor<?x3xf32>
  %q = quantx.quantize %x : tensor<?x3xf32> to tensor<?x3x!quantx.fixed<i8:f32, 0.5>>
  %t = arith.mulf %s, %s : f32
  return %f, %q, %t : tensor<?x3xf32>, tensor<?x3x!quantx.fixed<i8:f32, 0.5>>, f32
}

// BACK: result #0: tensor<2x3xf32> = {{\[}}[0.5, -1.5, 63.5], [0, 0, 63.5]]
func.func @decode(%q: tensor<2x3x!quantx.fixed<i8:f32, 0.5>>) -> tensor<2x3xf32> {
  %d = quantx.dequantize %q : tensor<2x3x!quantx.fixed<i8:f32, 0.5>> to tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// FAKE: result #0: tensor<2x3xf32> = {{\[}}[0.3125, -1.25, 96], [0.25, 0.001953125, nan]]
func.func @identity(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
