// RUN: quantx-opt %s --convert-quantx-to-arith --split-input-file | FileCheck %s

// Per-tensor fixed point: an elementwise generic computing
// clamp(roundeven(x / scale) + zp) in f64, NaN to the zero point.
// CHECK-LABEL: func.func @quantize_fixed
//  CHECK-SAME:   (%[[X:.*]]: tensor<4xf32>) -> tensor<4xi8>
//       CHECK:   %[[INIT:.*]] = tensor.empty() : tensor<4xi8>
//       CHECK:   %[[R:.*]] = linalg.generic
//  CHECK-SAME:     ins(%[[X]] : tensor<4xf32>) outs(%[[INIT]] : tensor<4xi8>)
//       CHECK:   ^bb0(%[[IN:.*]]: f32, %{{.*}}: i8):
//       CHECK:     %[[D:.*]] = arith.extf %[[IN]] : f32 to f64
//       CHECK:     %[[T:.*]] = arith.divf %[[D]], %{{.*}} : f64
//       CHECK:     math.roundeven %[[T]] : f64
//       CHECK:     %[[I32:.*]] = arith.fptosi %{{.*}} : f64 to i32
//       CHECK:     arith.extsi %[[I32]] : i32 to i64
//       CHECK:     arith.cmpf uno, %[[D]], %[[D]] : f64
//       CHECK:     %[[CODE:.*]] = arith.trunci %{{.*}} : i64 to i8
//       CHECK:     linalg.yield %[[CODE]] : i8
//       CHECK:   return %[[R]] : tensor<4xi8>
func.func @quantize_fixed(%x: tensor<4xf32>) -> tensor<4x!quantx.fixed<i8:f32, 0.5>> {
  %q = quantx.quantize %x : tensor<4xf32> to tensor<4x!quantx.fixed<i8:f32, 0.5>>
  return %q : tensor<4x!quantx.fixed<i8:f32, 0.5>>
}

// -----

// Per-channel parameters are constant tensors indexed by the quantized
// dimension; dynamic sizes come from the input.
// CHECK-DAG:   #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG:   #[[CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @quantize_per_channel
//  CHECK-SAME:   (%[[X:.*]]: tensor<?x3xf32>) -> tensor<?x3xi8>
//   CHECK-DAG:   %[[SCALES:.*]] = arith.constant dense<[1.000000e-01, 2.000000e-01, 5.000000e-01]> : tensor<3xf64>
//   CHECK-DAG:   %[[ZPS:.*]] = arith.constant dense<[0, 3, 0]> : tensor<3xi64>
//       CHECK:   %[[DIM:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3xf32>
//       CHECK:   %[[INIT:.*]] = tensor.empty(%[[DIM]]) : tensor<?x3xi8>
//       CHECK:   linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[ID]]]
//  CHECK-SAME:     ins(%[[X]], %[[SCALES]], %[[ZPS]] : tensor<?x3xf32>, tensor<3xf64>, tensor<3xi64>)
//       CHECK:   ^bb0(%{{.*}}: f32, %[[SCALE:.*]]: f64, %[[ZP:.*]]: i64, %{{.*}}: i8):
//       CHECK:     arith.divf %{{.*}}, %[[SCALE]] : f64
//       CHECK:     arith.sitofp %[[ZP]] : i64 to f64
func.func @quantize_per_channel(%x: tensor<?x3xf32>) -> tensor<?x3x!quantx.fixed<i8:f32:1, {0.1, 0.2:3, 0.5}>> {
  %q = quantx.quantize %x : tensor<?x3xf32> to tensor<?x3x!quantx.fixed<i8:f32:1, {0.1, 0.2:3, 0.5}>>
  return %q : tensor<?x3x!quantx.fixed<i8:f32:1, {0.1, 0.2:3, 0.5}>>
}

// -----

// Stochastic rounding: the random bits come from the element's row-major
// index, mixed with the seed.
// CHECK-LABEL: func.func @quantize_stochastic
//       CHECK:   %[[SEED:.*]] = arith.constant 5 : i64
//       CHECK:   linalg.generic
//       CHECK:     %[[I0:.*]] = linalg.index 0 : index
//       CHECK:     %[[I1:.*]] = linalg.index 1 : index
//       CHECK:     arith.index_cast %{{.*}} : index to i64
//       CHECK:     arith.addi %[[SEED]]
//       CHECK:     arith.shrui
//       CHECK:     %[[BITS:.*]] = arith.trunci %{{.*}} : i64 to i32
//       CHECK:     math.floor
//       CHECK:     arith.uitofp %[[BITS]] : i32 to f64
//       CHECK:     math.copysign
func.func @quantize_stochastic(%x: tensor<2x3xf32>) -> tensor<2x3x!quantx.fixed<i8:f32, 0.5>> {
  %q = quantx.quantize %x rounding<stochastic> seed 5 : tensor<2x3xf32> to tensor<2x3x!quantx.fixed<i8:f32, 0.5>>
  return %q : tensor<2x3x!quantx.fixed<i8:f32, 0.5>>
}

// -----

// Custom floats decode with integer field extraction, and the f64 value is
// rounded to f16 by the same integer code (LLVM would call compiler-rt's
// __truncdfhf2): no runtime call.
// CHECK-LABEL: func.func @dequantize_float
//  CHECK-SAME:   (%[[Q:.*]]: tensor<2x3xi8>) -> tensor<2x3xf16>
//       CHECK:   linalg.generic
//       CHECK:   ^bb0(%[[IN:.*]]: i8, %{{.*}}: f16):
//       CHECK:     arith.extui %[[IN]] : i8 to i64
//       CHECK:     arith.shrui
//       CHECK:     arith.bitcast %{{.*}} : i64 to f64
//   CHECK-NOT:     arith.truncf
//       CHECK:     %[[BITS:.*]] = arith.trunci %{{.*}} : i64 to i16
//       CHECK:     %[[V:.*]] = arith.bitcast %[[BITS]] : i16 to f16
//       CHECK:     linalg.yield %[[V]] : f16
//   CHECK-NOT:   call
func.func @dequantize_float(%q: tensor<2x3x!quantx.float<e4m3>>) -> tensor<2x3xf16> {
  %d = quantx.dequantize %q : tensor<2x3x!quantx.float<e4m3>> to tensor<2x3xf16>
  return %d : tensor<2x3xf16>
}

// -----

// Scalars lower to straight-line code; storage casts vanish.
// CHECK-LABEL: func.func @scalar
//  CHECK-SAME:   (%[[X:.*]]: f32) -> f32
//   CHECK-NOT:   linalg.generic
//   CHECK-NOT:   quantx.
//       CHECK:   arith.cmpf uge, %{{.*}}, %{{.*}} : f64
//       CHECK:   %[[V:.*]] = arith.select %{{.*}} : f64
//       CHECK:   %[[R:.*]] = arith.truncf %[[V]] : f64 to f32
//       CHECK:   return %[[R]] : f32
func.func @scalar(%x: f32) -> f32 {
  %q = quantx.quantize %x : f32 to !quantx.binary<f32, 0.5>
  %s = quantx.storage_cast %q : !quantx.binary<f32, 0.5> to i1
  %r = quantx.storage_cast %s : i1 to !quantx.binary<f32, 0.5>
  %d = quantx.dequantize %r : !quantx.binary<f32, 0.5> to f32
  return %d : f32
}

// -----

// Operations that only move values carry storage integers, and so do
// function signatures and calls.
// CHECK-LABEL: func.func @move
//  CHECK-SAME:   (%[[Q:.*]]: tensor<6xi1>) -> tensor<2x3xi1>
//       CHECK:   %[[E:.*]] = tensor.expand_shape %[[Q]] {{\[}}[0, 1]] output_shape [2, 3] : tensor<6xi1> into tensor<2x3xi1>
//       CHECK:   %[[C:.*]] = call @callee(%[[E]]) : (tensor<2x3xi1>) -> tensor<2x3xi1>
//       CHECK:   return %[[C]]
func.func @move(%q: tensor<6x!quantx.binary<f32>>) -> tensor<2x3x!quantx.binary<f32>> {
  %e = tensor.expand_shape %q [[0, 1]] output_shape [2, 3] : tensor<6x!quantx.binary<f32>> into tensor<2x3x!quantx.binary<f32>>
  %c = func.call @callee(%e) : (tensor<2x3x!quantx.binary<f32>>) -> tensor<2x3x!quantx.binary<f32>>
  return %c : tensor<2x3x!quantx.binary<f32>>
}
// CHECK-LABEL: func.func private @callee(tensor<2x3xi1>) -> tensor<2x3xi1>
func.func private @callee(tensor<2x3x!quantx.binary<f32>>) -> tensor<2x3x!quantx.binary<f32>>

// The loss becomes linalg reductions: row max, sum of exponentials, and the
// batch sum scaled by 1/N.
// CHECK-LABEL: func.func @softmax_cross_entropy(
// CHECK-NOT:     quantx.softmax_cross_entropy
// CHECK:         arith.constant 0xFF800000 : f32
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK:           math.log
// CHECK:           linalg.index 1
// CHECK:         arith.divf
// CHECK:         linalg.generic
// CHECK:           arith.mulf
func.func @softmax_cross_entropy(%l: tensor<4x3xf32>, %y: tensor<4xi32>) -> tensor<f32> {
  %0 = quantx.softmax_cross_entropy %l, %y : tensor<4x3xf32>, tensor<4xi32> -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Codes known at compile time (an immutable global's value, a constant) are
// unpacked now into a constant: 0xF1 0x32 holds the i4 codes 1, -1, 2, 3
// (low nibble first); 0b11100100 the i2 codes 0, 1, -2, -1. Codes loaded
// from a mutable global are unpacked at run time.
// CHECK-LABEL: func.func @unpack_constant
//   CHECK-DAG:   %[[A:.*]] = arith.constant dense<{{\[\[}}1, -1], [2, 3]]> : tensor<2x2xi4>
//   CHECK-DAG:   %[[B:.*]] = arith.constant dense<[0, 1, -2, -1]> : tensor<4xi2>
//       CHECK:   %[[M:.*]] = ml_program.global_load @mutable_codes
//       CHECK:   linalg.generic
//       CHECK:   tensor.extract %[[M]]
//       CHECK:   return %[[A]], %[[B]]
ml_program.global private @codes(dense<[-15, 50]> : tensor<2xi8>) : tensor<2xi8>
ml_program.global private mutable @mutable_codes(dense<[-15, 50]> : tensor<2xi8>) : tensor<2xi8>
func.func @unpack_constant() -> (tensor<2x2xi4>, tensor<4xi2>, tensor<2x2xi4>) {
  %p = ml_program.global_load @codes : tensor<2xi8>
  %a = quantx.unpack %p : tensor<2xi8> to tensor<2x2xi4>
  %q = arith.constant dense<-28> : tensor<1xi8>
  %b = quantx.unpack %q : tensor<1xi8> to tensor<4xi2>
  %m = ml_program.global_load @mutable_codes : tensor<2xi8>
  %c = quantx.unpack %m : tensor<2xi8> to tensor<2x2xi4>
  return %a, %b, %c : tensor<2x2xi4>, tensor<4xi2>, tensor<2x2xi4>
}

// -----

// sign_matmul: over (m, n, k), the activation and the word holding bit k
// of the weight row (of both planes for ternary weights); the bit picks x
// or -x (the mask x or +0), added to a fill of +0 in k order.
//   CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
//   CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2) -> (d1, d2 floordiv 64)>
//   CHECK-DAG: #[[S:.*]] = affine_map<(d0, d1, d2) -> (d1, 0, d2 floordiv 64)>
//   CHECK-DAG: #[[M:.*]] = affine_map<(d0, d1, d2) -> (d1, 1, d2 floordiv 64)>
//   CHECK-DAG: #[[O:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @sign_matmul
//       CHECK:   %[[Z:.*]] = arith.constant 0.000000e+00 : f32
//       CHECK:   %[[F:.*]] = linalg.fill ins(%[[Z]] : f32)
//       CHECK:   linalg.generic {indexing_maps = [#[[X]], #[[W]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}} : tensor<?x70xf32>, tensor<3x2xi64>) outs(%[[F]] : tensor<?x3xf32>)
//       CHECK:   ^bb0(%[[XV:.*]]: f32, %[[WV:.*]]: i64, %[[ACC:.*]]: f32):
//       CHECK:     %[[K:.*]] = linalg.index 2 : index
//       CHECK:     %[[KI:.*]] = arith.index_cast %[[K]] : index to i64
//       CHECK:     %[[SH:.*]] = arith.andi %[[KI]], %{{.*}} : i64
//       CHECK:     %[[BITS:.*]] = arith.shrui %[[WV]], %[[SH]] : i64
//       CHECK:     %[[BIT:.*]] = arith.andi %[[BITS]], %{{.*}} : i64
//       CHECK:     %[[POS:.*]] = arith.cmpi ne, %[[BIT]], %{{.*}} : i64
//       CHECK:     %[[NEG:.*]] = arith.negf %[[XV]] : f32
//       CHECK:     %[[T:.*]] = arith.select %[[POS]], %[[XV]], %[[NEG]] : f32
//       CHECK:     %[[SUM:.*]] = arith.addf %[[ACC]], %[[T]] : f32
//       CHECK:     linalg.yield %[[SUM]] : f32
//       CHECK:   linalg.generic {indexing_maps = [#[[X]], #[[S]], #[[M]], #[[O]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<?x70xf32>, tensor<3x2x2xi64>, tensor<3x2x2xi64>)
//       CHECK:     %[[TS:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
//       CHECK:     %[[TM:.*]] = arith.select %{{.*}}, %[[TS]], %{{.*}} : f32
//       CHECK:     arith.addf %{{.*}}, %[[TM]] : f32
func.func @sign_matmul(%x: tensor<?x70xf32>, %w: tensor<3x2xi64>, %t: tensor<3x2x2xi64>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %y = quantx.sign_matmul %x, %w : tensor<?x70xf32>, tensor<3x2xi64> -> tensor<?x3xf32>
  %z = quantx.sign_matmul %x, %t : tensor<?x70xf32>, tensor<3x2x2xi64> -> tensor<?x3xf32>
  return %y, %z : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

// Nearest rounding of f32 onto a binary IEEE-like float (here bf16) works
// on the f32 bits: integer rounding of the significand, one f32 add and
// subtract of 2^(emin + 23 - M) for the format's subnormals, overflow and
// NaN by comparisons; no f64.
// CHECK-LABEL: func.func @fake_quant_f32_bits
//       CHECK:   linalg.generic
//       CHECK:     %[[U:.*]] = arith.bitcast %{{.*}} : f32 to i32
//       CHECK:     arith.andi %[[U]], %c-2147483648_i32
//       CHECK:     arith.addf %{{.*}}, %cst : f32
//       CHECK:     arith.subf
//       CHECK:     arith.cmpi ult
//       CHECK:     arith.cmpi ugt
//       CHECK:     arith.cmpi ugt
//       CHECK:     arith.bitcast %{{.*}} : i32 to f32
//   CHECK-NOT:     f64
//       CHECK:   return
// Stochastic rounding too: in the normal binades the discarded bits are
// compared with the draw shifted right by 32 - (23 - M) (16 for e8m7); only
// the format's subnormal range computes in f64 (exactly).
// CHECK-LABEL: func.func @fake_quant_f32_bits_stochastic
//       CHECK:   linalg.generic
//       CHECK:     %[[U:.*]] = arith.bitcast %{{.*}} : f32 to i32
//       CHECK:     %[[D:.*]] = arith.andi %{{.*}}, %c65535_i32
//       CHECK:     %[[T:.*]] = arith.shrui %{{.*}}, %c16_i32
//       CHECK:     arith.cmpi ugt, %[[D]], %[[T]]
//       CHECK:     math.floor %{{.*}} : f64
//       CHECK:     arith.bitcast %{{.*}} : i32 to f32
//       CHECK:   return
// Another format family (radix 4) or the OCP E4M3 (special = fn) keep the
// general lowering, in f64.
// CHECK-LABEL: func.func @fake_quant_general
//       CHECK:     arith.extf %{{.*}} : f32 to f64
func.func @fake_quant_f32_bits(%x: tensor<8xf32>) -> tensor<8xf32> {
  %f = quantx.fake_quant %x to !quantx.float<e8m7> : tensor<8xf32>
  return %f : tensor<8xf32>
}
func.func @fake_quant_f32_bits_stochastic(%x: tensor<8xf32>) -> tensor<8xf32> {
  %f = quantx.fake_quant %x to !quantx.float<e8m7> rounding<stochastic> seed 3 : tensor<8xf32>
  return %f : tensor<8xf32>
}
func.func @fake_quant_general(%x: tensor<8xf32>) -> tensor<8xf32> {
  %f = quantx.fake_quant %x to !quantx.float<e4m3, special = fn> : tensor<8xf32>
  return %f : tensor<8xf32>
}

// -----

// A bias so negative that the subnormal rounding constant 2^(emin + 23 - M)
// would not be a finite f32 (2^148 here): the general lowering.
// CHECK-LABEL: func.func @fake_quant_negative_bias
//       CHECK:     arith.extf %{{.*}} : f32 to f64
func.func @fake_quant_negative_bias(%x: tensor<8xf32>) -> tensor<8xf32> {
  %f = quantx.fake_quant %x to !quantx.float<e2m1, bias = -125> : tensor<8xf32>
  return %f : tensor<8xf32>
}
