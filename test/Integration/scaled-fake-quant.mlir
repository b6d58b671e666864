// quantx.scaled_fake_quant JIT-run on small tensors whose results are
// worked out by hand: binary (sign(0) = +1) and ternary (rounding, and
// TWN's threshold) with a run-time scale, per tensor and per channel, and
// their straight-through and identity gradients. (Fixed point against
// PyTorch: test/Interop/pytorch-qat-oracle.test.)
// RUN: quantx-opt %s --quantx-differentiate -o %t.mlir 2> /dev/null
// RUN: quantx-runner run %t.mlir -e binary_grad --input %S/Inputs/sfq_x6.npy --input %S/Inputs/sfq_s075.npy --input %S/Inputs/sfq_dy6.npy | FileCheck %s --check-prefix=BINARY
// RUN: quantx-runner run %t.mlir -e ternary_grad --input %S/Inputs/sfq_x3x2.npy --input %S/Inputs/sfq_s2.npy --input %S/Inputs/sfq_ones3x2.npy | FileCheck %s --check-prefix=TERNARY
// RUN: quantx-runner run %t.mlir -e twn_grad --input %S/Inputs/sfq_x6.npy --input %S/Inputs/sfq_s075.npy --input %S/Inputs/sfq_t03.npy --input %S/Inputs/sfq_dy6.npy | FileCheck %s --check-prefix=TWN
// RUN: quantx-runner run %t.mlir -e identity_grad --input %S/Inputs/sfq_x6.npy --input %S/Inputs/sfq_s075.npy --input %S/Inputs/sfq_dy6.npy | FileCheck %s --check-prefix=IDENTITY

func.func @binary(%x: tensor<6xf32>, %s: tensor<f32>) -> tensor<6xf32> {
  %y = quantx.scaled_fake_quant %x, %s to !quantx.binary<f32> : tensor<6xf32>, tensor<f32>
  return %y : tensor<6xf32>
}

// Per channel along dimension 1: scales 0.5 and 2.
func.func @ternary(%x: tensor<3x2xf32>, %s: tensor<2xf32>) -> tensor<3x2xf32> {
  %y = quantx.scaled_fake_quant %x, %s to !quantx.ternary<f32> axis 1 : tensor<3x2xf32>, tensor<2xf32>
  return %y : tensor<3x2xf32>
}

func.func @twn(%x: tensor<6xf32>, %s: tensor<f32>, %t: tensor<f32>) -> tensor<6xf32> {
  %y = quantx.scaled_fake_quant %x, %s threshold %t : tensor<f32> to !quantx.ternary<f32> : tensor<6xf32>, tensor<f32>
  return %y : tensor<6xf32>
}

func.func @identity(%x: tensor<6xf32>, %s: tensor<f32>) -> tensor<6xf32> {
  %y = quantx.scaled_fake_quant %x, %s to !quantx.binary<f32> gradient<identity> : tensor<6xf32>, tensor<f32>
  return %y : tensor<6xf32>
}

// Binary: -s below zero, +s from zero up (-0.0 included); the STE passes
// the gradient where |x| <= s.
// (x = [-1.5, -0.25, -0.0, 0.0, 0.5, 2.0], s = 0.75, dy = [1, ..., 6].)
// BINARY: result #0: tensor<6xf32> = [-0.75, -0.75, 0.75, 0.75, 0.75, 0.75]
// BINARY: result #1: tensor<6xf32> = [0, 2, 3, 4, 5, 0]
// BINARY: result #2: tensor<f32> = 0
// Ternary per channel: round(x / s) clamped to [-1, 1] (0.25 / 0.5 is a tie:
// even, 0); the STE passes where |x| <= s of the channel.
// (x = [[0.2, 0.9], [0.25, -1.0], [-0.3, 5.0]], s = [0.5, 2], dy = 1.)
// TERNARY: result #0: tensor<3x2xf32> = {{\[}}[0, 0], [0, 0], [-0.5, 2]]
// TERNARY: result #1: tensor<3x2xf32> = {{\[}}[1, 1], [1, 1], [1, 0]]
// TWN with threshold 0.3: the sign where |x| > 0.3, else 0, times s.
// TWN: result #0: tensor<6xf32> = [-0.75, 0, 0, 0, 0.75, 0.75]
// TWN: result #1: tensor<6xf32> = [0, 2, 3, 4, 5, 0]
// Identity: the gradient passes everywhere.
// IDENTITY: result #0: tensor<6xf32> = [-0.75, -0.75, 0.75, 0.75, 0.75, 0.75]
// IDENTITY: result #1: tensor<6xf32> = [1, 2, 3, 4, 5, 6]
