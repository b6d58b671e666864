// RUN: quantx-opt %s --split-input-file --verify-diagnostics --canonicalize | FileCheck %s

// quantx operations accept the upstream !quant.uniform types (through the
// FormatTypeInterface external models) and fold them with the same numerics
// as !quantx.fixed.

// CHECK-LABEL: func.func @ops_on_quant_types
//       CHECK:   quantx.fake_quant %{{.*}} to !quant.uniform<i8:f32, 5.000000e-01:3> rounding<toward_zero> : tensor<4xf32>
//       CHECK:   quantx.requantize %{{.*}} : tensor<2x3x!quant.uniform<u8:f32:1, {1.000000e-01:128,2.000000e-01:3,3.000000e-01}>> to tensor<2x3x!quantx.float<e4m3>>
func.func @ops_on_quant_types(%x: tensor<4xf32>, %q: tensor<2x3x!quant.uniform<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>)
    -> (tensor<4xf32>, tensor<2x3x!quantx.float<e4m3>>) {
  %0 = quantx.fake_quant %x to !quant.uniform<i8:f32, 0.5:3> rounding<toward_zero> : tensor<4xf32>
  %1 = quantx.requantize %q : tensor<2x3x!quant.uniform<u8:f32:1, {0.1:128, 0.2:3, 0.3}>> to tensor<2x3x!quantx.float<e4m3>>
  return %0, %1 : tensor<4xf32>, tensor<2x3x!quantx.float<e4m3>>
}

// -----

// round(x / 0.5) + 3 on a narrow range [-7, 7]: 0.6 -> 4, 100 -> 7.
// CHECK-LABEL: func.func @fold_quant_type
//       CHECK:   arith.constant dense<[4, 7]> : tensor<2xi8>
func.func @fold_quant_type() -> tensor<2x!quant.uniform<i8<-7:7>:f32, 0.5:3>> {
  %c = arith.constant dense<[0.3, 100.0]> : tensor<2xf32>
  %q = quantx.quantize %c : tensor<2xf32> to tensor<2x!quant.uniform<i8<-7:7>:f32, 0.5:3>>
  return %q : tensor<2x!quant.uniform<i8<-7:7>:f32, 0.5:3>>
}

// -----

func.func @quant_channel_count(%x: tensor<2x2xf32>) {
  // expected-error @+1 {{quantized dimension 1 has size 2 but the format has 3 channels}}
  %0 = quantx.quantize %x : tensor<2x2xf32> to tensor<2x2x!quant.uniform<u8:f32:1, {0.1, 0.2, 0.3}>>
  return
}
