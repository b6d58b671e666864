// REQUIRES: torch
// Freezing folds an inference batch norm into the frozen weights' scales
// (channel 1 with a negative scale: its codes are negated) and a shift:
// the frozen model computes what the QAT model computes, up to float
// rounding (a few ulps of values of order 1).
// RUN: quantx-runner run %s -e forward --input %S/Inputs/freeze_bn_x.npy --output %t.qat.npy
// RUN: quantx-opt %s --quantx-freeze-quantization -o %t.frozen.mlir
// RUN: FileCheck %s < %t.frozen.mlir
// CHECK-NOT: quantx.batch_norm
// RUN: quantx-runner run %t.frozen.mlir -e forward --input %S/Inputs/freeze_bn_x.npy --output %t.frozen.npy
// RUN: %torch_python -c "import numpy as n, sys; a, b = n.load('%t.qat.npy'), n.load('%t.frozen.npy'); d = abs(a - b).max(); print('max difference', d); sys.exit(0 if a.shape == b.shape and d <= 1e-6 * max(1.0, abs(a).max()) and abs(a).max() > 0.1 else 1)"
ml_program.global private mutable @k(dense<[[[[0.5, -0.5]], [[1.0, 0.25]]], [[[-1.0, 0.75]], [[0.0, -0.25]]]]> : tensor<2x2x1x2xf32>) : tensor<2x2x1x2xf32>
ml_program.global private mutable @g(dense<[2.0, -0.5]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @b(dense<[0.25, 1.0]> : tensor<2xf32>) : tensor<2xf32>
ml_program.global private mutable @m(dense<[0.5, -1.0]> : tensor<2xf32>) : tensor<2xf32> {quantx.buffer}
ml_program.global private mutable @v(dense<[3.0, 0.25]> : tensor<2xf32>) : tensor<2xf32> {quantx.buffer}
func.func @forward(%x: tensor<?x3x3x1xf32>) -> tensor<?x2x2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x3x3x1xf32>
  %k = ml_program.global_load @k : tensor<2x2x1x2xf32>
  %s = arith.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %kq = quantx.scaled_fake_quant %k, %s to !quantx.fixed<i2<-1:1>:f32, ?> axis 3 : tensor<2x2x1x2xf32>, tensor<2xf32>
  %e = tensor.empty(%n) : tensor<?x2x2x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  %c = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %kq : tensor<?x3x3x1xf32>, tensor<2x2x1x2xf32>) outs(%f : tensor<?x2x2x2xf32>) -> tensor<?x2x2x2xf32>
  %g = ml_program.global_load @g : tensor<2xf32>
  %b = ml_program.global_load @b : tensor<2xf32>
  %m = ml_program.global_load @m : tensor<2xf32>
  %v = ml_program.global_load @v : tensor<2xf32>
  %y, %nm, %nv = quantx.batch_norm %c, %g, %b, %m, %v {epsilon = 1.0e-5 : f64, momentum = 0.1 : f64} : tensor<?x2x2x2xf32>, tensor<2xf32>
  ml_program.global_store @m = %nm : tensor<2xf32>
  ml_program.global_store @v = %nv : tensor<2xf32>
  return %y : tensor<?x2x2x2xf32>
}
