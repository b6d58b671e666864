// RUN: quantx-opt %s -emit-bytecode | quantx-opt | FileCheck %s

// Types and operations survive a bytecode round trip.

// CHECK-LABEL: func.func @bytecode
//  CHECK-SAME:   tensor<4x!quantx.fixed<i4:f32:0, {0.1, 0.25:1, 0.5, 1.0:-8}>>
//  CHECK-SAME:   !quantx.float<e8m0, special = fn, unsigned, nozero>
//       CHECK:   quantx.fake_quant %{{.*}} to !quantx.ternary<f32:0, {0.5, 0.2, 0.1, 0.3}> rounding<stochastic> : tensor<4xf32>
//       CHECK:   quantx.requantize %{{.*}} rounding<toward_zero> : tensor<4x!quantx.fixed<i4:f32:0, {0.1, 0.25:1, 0.5, 1.0:-8}>> to tensor<4x!quantx.binary<f32>>
func.func @bytecode(%x: tensor<4xf32>,
                    %q: tensor<4x!quantx.fixed<i4:f32:0, {0.1, 0.25:1, 0.5, 1.0:-8}>>,
                    %e: !quantx.float<e8m0, special = fn, unsigned, nozero>) {
  %0 = quantx.fake_quant %x to !quantx.ternary<f32:0, {0.5, 0.2, 0.1, 0.3}> rounding<stochastic> : tensor<4xf32>
  %1 = quantx.requantize %q rounding<toward_zero> : tensor<4x!quantx.fixed<i4:f32:0, {0.1, 0.25:1, 0.5, 1.0:-8}>> to tensor<4x!quantx.binary<f32>>
  return
}
