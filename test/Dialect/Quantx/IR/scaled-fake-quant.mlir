// RUN: quantx-opt %s | FileCheck %s
// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --mlir-print-op-generic | quantx-opt | FileCheck %s

// CHECK-LABEL: func.func @forms
func.func @forms(%x: tensor<4x3xf32>, %s: tensor<f32>, %sc: tensor<3xf32>, %z: tensor<f32>) {
  // CHECK: quantx.scaled_fake_quant %arg0, %arg1 to !quantx.fixed<i8:f32, ?> : tensor<4x3xf32>, tensor<f32>
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i8:f32, ?> : tensor<4x3xf32>, tensor<f32>
  // CHECK: quantx.scaled_fake_quant %arg0, %arg1 zero_point %arg3 : tensor<f32> to !quantx.fixed<u4:f32, ?> gradient<lsq> grad_scale 2.500000e-01 arithmetic<pytorch> : tensor<4x3xf32>, tensor<f32>
  %1 = quantx.scaled_fake_quant %x, %s zero_point %z : tensor<f32> to !quantx.fixed<u4:f32, ?> gradient<lsq> grad_scale 0.25 arithmetic<pytorch> : tensor<4x3xf32>, tensor<f32>
  // CHECK: quantx.scaled_fake_quant %arg0, %arg2 to !quantx.fixed<i2<-1:1>:f32, ?> axis 1 : tensor<4x3xf32>, tensor<3xf32>
  %2 = quantx.scaled_fake_quant %x, %sc to !quantx.fixed<i2<-1:1>:f32, ?> axis 1 : tensor<4x3xf32>, tensor<3xf32>
  // CHECK: quantx.scaled_fake_quant %arg0, %arg2 to !quantx.binary<f32> axis 1 gradient<identity> : tensor<4x3xf32>, tensor<3xf32>
  %3 = quantx.scaled_fake_quant %x, %sc to !quantx.binary<f32> axis 1 gradient<identity> : tensor<4x3xf32>, tensor<3xf32>
  // CHECK: quantx.scaled_fake_quant %arg0, %arg2 threshold %arg2 : tensor<3xf32> to !quantx.ternary<f32> axis 1 : tensor<4x3xf32>, tensor<3xf32>
  %4 = quantx.scaled_fake_quant %x, %sc threshold %sc : tensor<3xf32> to !quantx.ternary<f32> axis 1 : tensor<4x3xf32>, tensor<3xf32>
  return
}

// A dynamic batch and a dynamic channel count.
// CHECK-LABEL: func.func @dynamic
// CHECK: quantx.scaled_fake_quant %arg0, %arg1 to !quantx.fixed<i4:f32, ?> axis 1 : tensor<?x?xf32>, tensor<?xf32>
func.func @dynamic(%x: tensor<?x?xf32>, %s: tensor<?xf32>) -> tensor<?x?xf32> {
  %0 = quantx.scaled_fake_quant %x, %s to !quantx.fixed<i4:f32, ?> axis 1 : tensor<?x?xf32>, tensor<?xf32>
  return %0 : tensor<?x?xf32>
}
