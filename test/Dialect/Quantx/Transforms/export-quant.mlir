// RUN: quantx-opt %s --quantx-export-quant --split-input-file | FileCheck %s
// RUN: quantx-opt %s --quantx-export-quant --quantx-import-quant --split-input-file | FileCheck %s --check-prefix=ROUNDTRIP

// CHECK-LABEL: func.func @casts
//  CHECK-SAME:   (%[[X:.*]]: tensor<4xf32>) -> tensor<4xf32>
//       CHECK:   %[[Q:.*]] = quant.qcast %[[X]] : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>>
//       CHECK:   %[[S:.*]] = quant.scast %[[Q]] : tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>> to tensor<4xi8>
//       CHECK:   %[[R:.*]] = quant.scast %[[S]] : tensor<4xi8> to tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>>
//       CHECK:   %[[D:.*]] = quant.dcast %[[R]] : tensor<4x!quant.uniform<u8:f32, 1.000000e-01:128>> to tensor<4xf32>
//       CHECK:   return %[[D]]
// ROUNDTRIP-LABEL: func.func @casts
//       ROUNDTRIP:   quantx.quantize %{{.*}} : tensor<4xf32> to tensor<4x!quantx.fixed<u8:f32, 0.1:128>>
//       ROUNDTRIP:   quantx.storage_cast %{{.*}} : tensor<4x!quantx.fixed<u8:f32, 0.1:128>> to tensor<4xi8>
//       ROUNDTRIP:   quantx.storage_cast %{{.*}} : tensor<4xi8> to tensor<4x!quantx.fixed<u8:f32, 0.1:128>>
//       ROUNDTRIP:   quantx.dequantize %{{.*}} : tensor<4x!quantx.fixed<u8:f32, 0.1:128>> to tensor<4xf32>
func.func @casts(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<u8:f32, 0.1:128>>
  %s = quantx.storage_cast %q : tensor<4x!quantx.fixed<u8:f32, 0.1:128>> to tensor<4xi8>
  %r = quantx.storage_cast %s : tensor<4xi8> to tensor<4x!quantx.fixed<u8:f32, 0.1:128>>
  %d = quantx.dequantize %r : tensor<4x!quantx.fixed<u8:f32, 0.1:128>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// What quant cannot say stays quantx: a non-default rounding, fake_quant
// (its format attribute converts), custom floats, binary, ternary. Per-axis
// and narrow types convert.
// CHECK-LABEL: func.func @partial
//  CHECK-SAME:   tensor<3x2x!quant.uniform<i4<-7:7>:f32:0, {5.000000e-01,2.500000e-01:1,1.250000e-01}>>
//       CHECK:   quantx.quantize %{{.*}} rounding<stochastic> : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01>>
//       CHECK:   quantx.fake_quant %{{.*}} to !quant.uniform<i8:f32, 5.000000e-01> : tensor<4xf32>
//       CHECK:   quantx.quantize %{{.*}} : tensor<4xf32> to tensor<4x!quantx.float<e4m3>>
//       CHECK:   quantx.quantize %{{.*}} : tensor<4xf32> to tensor<4x!quantx.ternary<f32, 0.5>>
// ROUNDTRIP-LABEL: func.func @partial
//  ROUNDTRIP-SAME:   tensor<3x2x!quantx.fixed<i4<-7:7>:f32:0, {0.5, 0.25:1, 0.125}>>
//       ROUNDTRIP:   quantx.quantize %{{.*}} rounding<stochastic> : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
//       ROUNDTRIP:   quantx.fake_quant %{{.*}} to !quantx.fixed<i8:f32, 0.5> : tensor<4xf32>
//       ROUNDTRIP:   quantx.quantize %{{.*}} : tensor<4xf32> to tensor<4x!quantx.float<e4m3>>
//       ROUNDTRIP:   quantx.quantize %{{.*}} : tensor<4xf32> to tensor<4x!quantx.ternary<f32, 0.5>>
func.func @partial(%x: tensor<4xf32>, %w: tensor<3x2x!quantx.fixed<i4<-7:7>:f32:0, {0.5, 0.25:1, 0.125}>>)
    -> (tensor<4x!quantx.fixed<i8:f32, 0.5>>, tensor<4xf32>, tensor<4x!quantx.float<e4m3>>, tensor<4x!quantx.ternary<f32, 0.5>>) {
  %0 = quantx.quantize %x rounding<stochastic> : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
  %1 = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.5> : tensor<4xf32>
  %2 = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.float<e4m3>>
  %3 = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.ternary<f32, 0.5>>
  return %0, %1, %2, %3 : tensor<4x!quantx.fixed<i8:f32, 0.5>>, tensor<4xf32>, tensor<4x!quantx.float<e4m3>>, tensor<4x!quantx.ternary<f32, 0.5>>
}
