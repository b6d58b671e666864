// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --mlir-print-op-generic | quantx-opt | FileCheck %s

// CHECK-LABEL: func.func @quantize
//  CHECK-SAME:   (%[[X:.*]]: tensor<4xf32>, %[[S:.*]]: f16)
//       CHECK:   quantx.quantize %[[X]] : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
//       CHECK:   quantx.quantize %[[X]] rounding<toward_zero> : tensor<4xf32> to tensor<4x!quantx.float<e4m3>>
//       CHECK:   quantx.quantize %[[X]] rounding<nearest_away> : tensor<4xf32> to tensor<4x!quantx.binary<f32>>
//       CHECK:   quantx.quantize %[[X]] rounding<stochastic> seed -3 : tensor<4xf32> to tensor<4x!quantx.ternary<f32:0, {0.5, 0.5, 0.2, 0.1}>>
//       CHECK:   quantx.quantize %[[S]] : f16 to !quantx.float<e2m1, special = none>
func.func @quantize(%x: tensor<4xf32>, %s: f16) {
  %0 = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
  %1 = quantx.quantize %x rounding<toward_zero> : tensor<4xf32> to tensor<4x!quantx.float<e4m3>>
  %2 = quantx.quantize %x rounding<nearest_away> : tensor<4xf32> to tensor<4x!quantx.binary<f32>>
  %3 = quantx.quantize %x rounding<stochastic> seed -3 : tensor<4xf32> to tensor<4x!quantx.ternary<f32:0, {0.5, 0.5, 0.2, 0.1}>>
  // The default rounding written out is elided.
  %4 = quantx.quantize %s rounding<nearest_even> : f16 to !quantx.float<e2m1, special = none>
  return
}

// CHECK-LABEL: func.func @dequantize
//  CHECK-SAME:   (%[[Q:.*]]: tensor<?x3x!quantx.fixed<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>, %[[F:.*]]: !quantx.float<e5m2>)
//       CHECK:   quantx.dequantize %[[Q]] : tensor<?x3x!quantx.fixed<u8:f32:1, {0.1:128, 0.2:3, 0.3}>> to tensor<?x3xf32>
//       CHECK:   quantx.dequantize %[[F]] : !quantx.float<e5m2> to bf16
func.func @dequantize(%q: tensor<?x3x!quantx.fixed<u8:f32:1, {0.1:128, 0.2:3, 0.3}>>,
                      %f: !quantx.float<e5m2>) {
  %0 = quantx.dequantize %q : tensor<?x3x!quantx.fixed<u8:f32:1, {0.1:128, 0.2:3, 0.3}>> to tensor<?x3xf32>
  %1 = quantx.dequantize %f : !quantx.float<e5m2> to bf16
  return
}

// CHECK-LABEL: func.func @requantize
//  CHECK-SAME:   (%[[Q:.*]]: tensor<8x!quantx.fixed<i32:f32, 0.001>>)
//       CHECK:   quantx.requantize %[[Q]] : tensor<8x!quantx.fixed<i32:f32, 0.001>> to tensor<8x!quantx.fixed<i8:f32, 0.1>>
//       CHECK:   quantx.requantize %[[Q]] rounding<stochastic> : tensor<8x!quantx.fixed<i32:f32, 0.001>> to tensor<8x!quantx.float<e4m3, special = fn>>
func.func @requantize(%q: tensor<8x!quantx.fixed<i32:f32, 0.001>>) {
  %0 = quantx.requantize %q : tensor<8x!quantx.fixed<i32:f32, 0.001>> to tensor<8x!quantx.fixed<i8:f32, 0.1>>
  %1 = quantx.requantize %q rounding<stochastic> : tensor<8x!quantx.fixed<i32:f32, 0.001>> to tensor<8x!quantx.float<e4m3, special = fn>>
  return
}

// CHECK-LABEL: func.func @storage_cast
//  CHECK-SAME:   (%[[I:.*]]: tensor<2xi8>, %[[B:.*]]: tensor<64x!quantx.binary<f32>>, %[[T:.*]]: !quantx.ternary<f32>)
//       CHECK:   quantx.storage_cast %[[I]] : tensor<2xi8> to tensor<2x!quantx.fixed<i8:f32, 0.5>>
//       CHECK:   quantx.storage_cast %[[I]] : tensor<2xi8> to tensor<2x!quantx.float<e4m3, special = fn>>
//       CHECK:   quantx.storage_cast %[[B]] : tensor<64x!quantx.binary<f32>> to tensor<64xi1>
//       CHECK:   quantx.storage_cast %[[T]] : !quantx.ternary<f32> to i2
func.func @storage_cast(%i: tensor<2xi8>, %b: tensor<64x!quantx.binary<f32>>,
                        %t: !quantx.ternary<f32>) {
  %0 = quantx.storage_cast %i : tensor<2xi8> to tensor<2x!quantx.fixed<i8:f32, 0.5>>
  %1 = quantx.storage_cast %i : tensor<2xi8> to tensor<2x!quantx.float<e4m3, special = fn>>
  %2 = quantx.storage_cast %b : tensor<64x!quantx.binary<f32>> to tensor<64xi1>
  %3 = quantx.storage_cast %t : !quantx.ternary<f32> to i2
  return
}

// CHECK-LABEL: func.func @fake_quant
//  CHECK-SAME:   (%[[X:.*]]: tensor<16xf32>, %[[W:.*]]: tensor<2x3xf32>, %[[H:.*]]: f16)
//       CHECK:   quantx.fake_quant %[[X]] to !quantx.fixed<i8:f32, 0.05> : tensor<16xf32>
//       CHECK:   quantx.fake_quant %[[X]] to !quantx.float<e4m3> rounding<stochastic> seed 42 : tensor<16xf32>
//       CHECK:   quantx.fake_quant %[[W]] to !quantx.ternary<f32:0, {0.5, 0.2}> : tensor<2x3xf32>
//       CHECK:   quantx.fake_quant %[[H]] to !quantx.float<e3m0, radix = 4> rounding<toward_zero> : f16
func.func @fake_quant(%x: tensor<16xf32>, %w: tensor<2x3xf32>, %h: f16) {
  %0 = quantx.fake_quant %x to !quantx.fixed<i8:f32, 0.05> : tensor<16xf32>
  %1 = quantx.fake_quant %x to !quantx.float<e4m3> rounding<stochastic> seed 42 : tensor<16xf32>
  %2 = quantx.fake_quant %w to !quantx.ternary<f32:0, {0.5, 0.2}> : tensor<2x3xf32>
  %3 = quantx.fake_quant %h to !quantx.float<e3m0, radix = 4> rounding<toward_zero> : f16
  return
}

// CHECK-LABEL: func.func @softmax_cross_entropy
// CHECK: quantx.softmax_cross_entropy %{{.*}}, %{{.*}} : tensor<?x10xf32>, tensor<?xi64> -> tensor<f32>
func.func @softmax_cross_entropy(%logits: tensor<?x10xf32>, %labels: tensor<?xi64>) -> tensor<f32> {
  %0 = quantx.softmax_cross_entropy %logits, %labels : tensor<?x10xf32>, tensor<?xi64> -> tensor<f32>
  return %0 : tensor<f32>
}

// Framework arithmetic on affine formats; exact (the default) is not printed.
// CHECK-LABEL: func.func @arithmetic
//  CHECK-SAME:   (%[[X:.*]]: tensor<4xf32>, %[[Q:.*]]: tensor<4x!quant.uniform<u8:f32, 1.000000e-01:3>>)
//       CHECK:   quantx.quantize %[[X]] arithmetic<onnx> : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.1>>
//       CHECK:   quantx.quantize %[[X]] : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.1>>
//       CHECK:   quantx.dequantize %[[Q]] arithmetic<pytorch> : tensor<4x!quant.uniform<u8:f32, 1.000000e-01:3>> to tensor<4xf32>
//       CHECK:   quantx.fake_quant %[[X]] to !quantx.fixed<i4:f32:0, {0.5, 0.25, 1.0, 2.0:3}> arithmetic<pytorch> : tensor<4xf32>
//       CHECK:   quantx.fake_quant %[[X]] to !quantx.ternary<f32, 0.3> arithmetic<onnx> : tensor<4xf32>
func.func @arithmetic(%x: tensor<4xf32>, %q: tensor<4x!quant.uniform<u8:f32, 0.1:3>>) {
  %0 = quantx.quantize %x arithmetic<onnx> : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.1>>
  %1 = quantx.quantize %x arithmetic<exact> : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.1>>
  %2 = quantx.dequantize %q arithmetic<pytorch> : tensor<4x!quant.uniform<u8:f32, 0.1:3>> to tensor<4xf32>
  %3 = quantx.fake_quant %x to !quantx.fixed<i4:f32:0, {0.5, 0.25, 1.0, 2.0:3}> arithmetic<pytorch> : tensor<4xf32>
  %4 = quantx.fake_quant %x to !quantx.ternary<f32, 0.3> arithmetic<onnx> : tensor<4xf32>
  return
}
