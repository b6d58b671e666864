// RUN: quantx-opt %s | quantx-opt | FileCheck %s
// RUN: quantx-opt %s --mlir-print-op-generic | quantx-opt | FileCheck %s

// Every format type prints back in the syntax it was written in; defaults
// are elided.

// CHECK-LABEL: func.func private @fixed
//  CHECK-SAME: !quantx.fixed<i8:f32, 0.5>
//  CHECK-SAME: !quantx.fixed<u8:f32, 0.0235:128>
//  CHECK-SAME: !quantx.fixed<i2<-1:1>:f32, 3.0>
//  CHECK-SAME: !quantx.fixed<i4:f32:0, {0.1, 0.25:1}>
//  CHECK-SAME: !quantx.fixed<i1:f16, 2.0:-1>
//  CHECK-SAME: !quantx.fixed<u32:f64, 1.0e-06:7>
//  CHECK-SAME: !quantx.fixed<i32:bf16, 0.333333>
//  CHECK-SAME: !quantx.fixed<i8<-127:127>:f32:2, {0.5, 0.25, 1.5:-3}>
//  CHECK-SAME: !quantx.fixed<i8:f32, 0.1>
func.func private @fixed(!quantx.fixed<i8:f32, 0.5>,
                         !quantx.fixed<u8:f32, 0.0235:128>,
                         !quantx.fixed<i2<-1:1>:f32, 3.0>,
                         !quantx.fixed<i4:f32:0, {0.1, 0.25:1}>,
                         !quantx.fixed<i1:f16, 2.0:-1>,
                         !quantx.fixed<u32:f64, 1.0e-6:7>,
                         !quantx.fixed<i32:bf16, 0.333333>,
                         !quantx.fixed<i8<-127:127>:f32:2, {0.5, 0.25, 1.5:-3}>,
                         // A full range written out is the default range.
                         !quantx.fixed<i8<-128:127>:f32, 0.1:0>)

// Scales print with the fewest digits that parse back to the same double.
// CHECK-LABEL: func.func private @scale_digits
//  CHECK-SAME: !quantx.fixed<i8:f32, 0.1>
//  CHECK-SAME: !quantx.fixed<i8:f32, 0.30000000000000004>
//  CHECK-SAME: !quantx.fixed<i8:f32, 1.0e+300>
//  CHECK-SAME: !quantx.fixed<i8:f32, 5.0e-324>
func.func private @scale_digits(!quantx.fixed<i8:f32, 0.1>,
                                !quantx.fixed<i8:f32, 0.30000000000000004>,
                                !quantx.fixed<i8:f32, 1.0e300>,
                                !quantx.fixed<i8:f32, 4.9406564584124654e-324>)

// CHECK-LABEL: func.func private @custom_float
//  CHECK-SAME: !quantx.float<e5m2>
//  CHECK-SAME: !quantx.float<e4m3, bias = 11>
//  CHECK-SAME: !quantx.float<e3m0, radix = 4>
//  CHECK-SAME: !quantx.float<e4m3, special = fn>
//  CHECK-SAME: !quantx.float<e4m3, bias = 8, special = fnuz>
//  CHECK-SAME: !quantx.float<e2m1, special = none>
//  CHECK-SAME: !quantx.float<e8m0, special = fn, unsigned, nozero>
//  CHECK-SAME: !quantx.float<e4m3, overflow = sat>
//  CHECK-SAME: !quantx.float<e4m3, nosubnormal>
//  CHECK-SAME: !quantx.float<e0m3, special = none, unsigned>
//  CHECK-SAME: !quantx.float<e8m23>
//  CHECK-SAME: !quantx.float<e3m2, bias = -4, radix = 4, special = none, overflow = sat>
//  CHECK-SAME: !quantx.float<e5m2>
func.func private @custom_float(!quantx.float<e5m2>,
                                !quantx.float<e4m3, bias = 11>,
                                !quantx.float<e3m0, radix = 4>,
                                !quantx.float<e4m3, special = fn>,
                                !quantx.float<e4m3, bias = 8, special = fnuz>,
                                !quantx.float<e2m1, special = none>,
                                !quantx.float<e8m0, special = fn, unsigned, nozero>,
                                !quantx.float<e4m3, overflow = sat>,
                                !quantx.float<e4m3, nosubnormal>,
                                !quantx.float<e0m3, unsigned, special = none>,
                                !quantx.float<e8m23>,
                                // Options in any order; printed in one order.
                                !quantx.float<e3m2, overflow = sat, special = none, radix = 4, bias = -4>,
                                // Defaults written out are elided.
                                !quantx.float<e5m2, bias = 15, radix = 2, special = ieee, overflow = inf>)

// CHECK-LABEL: func.func private @binary_ternary
//  CHECK-SAME: !quantx.binary<f32>
//  CHECK-SAME: !quantx.binary<f32, 0.73>
//  CHECK-SAME: !quantx.binary<f16:1, {0.5, 0.25, 0.125}>
//  CHECK-SAME: !quantx.ternary<f32>
//  CHECK-SAME: !quantx.ternary<f32, 0.05>
//  CHECK-SAME: !quantx.ternary<f32:0, {0.5, 0.2}>
func.func private @binary_ternary(!quantx.binary<f32>,
                                  !quantx.binary<f32, 0.73>,
                                  !quantx.binary<f16:1, {0.5, 0.25, 0.125}>,
                                  !quantx.ternary<f32>,
                                  !quantx.ternary<f32, 0.05>,
                                  !quantx.ternary<f32:0, {0.5, 0.2}>)

// Formats are element types of tensors.
// CHECK-LABEL: func.func private @in_tensors
//  CHECK-SAME: tensor<4x!quantx.fixed<i8:f32, 0.5>>
//  CHECK-SAME: tensor<?x3x!quantx.float<e4m3>>
//  CHECK-SAME: tensor<*x!quantx.binary<f32>>
func.func private @in_tensors(tensor<4x!quantx.fixed<i8:f32, 0.5>>,
                              tensor<?x3x!quantx.float<e4m3>>,
                              tensor<*x!quantx.binary<f32>>)
