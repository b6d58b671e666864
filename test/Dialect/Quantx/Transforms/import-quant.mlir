// RUN: quantx-opt %s --quantx-import-quant --split-input-file | FileCheck %s
// RUN: quantx-opt %s --quantx-import-quant --quantx-export-quant --split-input-file | FileCheck %s --check-prefix=ROUNDTRIP

// CHECK-LABEL: func.func @casts
//  CHECK-SAME:   (%[[X:.*]]: tensor<4xf32>) -> tensor<4xf32>
//       CHECK:   %[[Q:.*]] = quantx.quantize %[[X]] : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5:3>>
//       CHECK:   %[[S:.*]] = quantx.storage_cast %[[Q]] : tensor<4x!quantx.fixed<i8:f32, 0.5:3>> to tensor<4xi8>
//       CHECK:   %[[R:.*]] = quantx.storage_cast %[[S]] : tensor<4xi8> to tensor<4x!quantx.fixed<i8:f32, 0.5:3>>
//       CHECK:   %[[D:.*]] = quantx.dequantize %[[R]] : tensor<4x!quantx.fixed<i8:f32, 0.5:3>> to tensor<4xf32>
//       CHECK:   return %[[D]]
// ROUNDTRIP-LABEL: func.func @casts
//       ROUNDTRIP:   quant.qcast %{{.*}} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>
//       ROUNDTRIP:   quant.scast %{{.*}} : tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>> to tensor<4xi8>
//       ROUNDTRIP:   quant.scast %{{.*}} : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>>
//       ROUNDTRIP:   quant.dcast %{{.*}} : tensor<4x!quant.uniform<i8:f32, 5.000000e-01:3>> to tensor<4xf32>
func.func @casts(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:3>>
  %s = quant.scast %q : tensor<4x!quant.uniform<i8:f32, 0.5:3>> to tensor<4xi8>
  %r = quant.scast %s : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 0.5:3>>
  %d = quant.dcast %r : tensor<4x!quant.uniform<i8:f32, 0.5:3>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Types convert everywhere: signatures, block arguments, nested regions,
// unsigned and narrow storage, per-axis parameters, other expressed types.
// CHECK-LABEL: func.func @signatures
//  CHECK-SAME:   (%{{.*}}: tensor<2x3x!quantx.fixed<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>, %{{.*}}: !quantx.fixed<i8<-127:127>:f16, 2.0>)
//  CHECK-SAME:   -> tensor<2x3x!quantx.fixed<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>
//       CHECK:   scf.execute_region -> tensor<2x3x!quantx.fixed<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>
//   CHECK-NOT:   !quant.uniform
// ROUNDTRIP-LABEL: func.func @signatures
//  ROUNDTRIP-SAME:   tensor<2x3x!quant.uniform<u8:f32:1, {1.000000e-01:128,2.000000e-01:3,3.000000e-01}>>
//  ROUNDTRIP-SAME:   !quant.uniform<i8<-127:127>:f16, 2.000000e+00>
func.func @signatures(%q: tensor<2x3x!quant.uniform<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>,
                      %n: !quant.uniform<i8<-127:127>:f16, 2.0>)
    -> tensor<2x3x!quant.uniform<u8:f32:1, {0.1:128, 0.2:3, 0.3}>> {
  %r = scf.execute_region -> tensor<2x3x!quant.uniform<u8:f32:1, {0.1:128, 0.2:3, 0.3}>> {
    scf.yield %q : tensor<2x3x!quant.uniform<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>
  }
  return %r : tensor<2x3x!quant.uniform<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>
}

// -----

// Sub-channel quantization has no quantx equivalent: it and its casts stay.
// CHECK-LABEL: func.func @sub_channel_stays
//       CHECK:   quant.qcast %{{.*}} : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}
func.func @sub_channel_stays(%x: tensor<2x4xf32>) -> tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{2.0:10, 3.0:20}, {4.0:30, 5.0:40}}>> {
  %q = quant.qcast %x : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{2.0:10, 3.0:20}, {4.0:30, 5.0:40}}>>
  return %q : tensor<2x4x!quant.uniform<i8:f32:{0:1, 1:2}, {{2.0:10, 3.0:20}, {4.0:30, 5.0:40}}>>
}
