// RUN: quantx-opt %s --split-input-file --quantx-expand-accumulation | FileCheck %s

// Two accumulators per output element: the chunk's sum (every term and
// every addition rounded onto the format) and the total of the finished
// chunks (f32, from the contraction's output); a term whose position is a
// multiple of the chunk starts a new chunk; the last chunk joins the total
// after the loops, in place. The chunk's sum starts at -0.0, which leaves
// the output's initial value alone (a -0.0 included).
// CHECK-LABEL: func.func @matmul
//  CHECK-SAME:   (%[[A:.*]]: tensor<4x10xf32>, %[[B:.*]]: tensor<10x8xf32>, %[[C:.*]]: tensor<4x8xf32>)
//       CHECK:   %[[NZ:.*]] = arith.constant -0.000000e+00 : f32
//       CHECK:   %[[Z:.*]] = linalg.fill ins(%[[NZ]] : f32)
//       CHECK:   %[[E:.*]]:2 = linalg.generic
//  CHECK-SAME:     iterator_types = ["parallel", "parallel", "reduction"]
//  CHECK-SAME:     ins(%[[A]], %[[B]] : tensor<4x10xf32>, tensor<10x8xf32>) outs(%[[Z]], %[[C]] : tensor<4x8xf32>, tensor<4x8xf32>)
//       CHECK:   ^bb0(%[[X:.*]]: f32, %[[Y:.*]]: f32, %[[PART:.*]]: f32, %[[TOT:.*]]: f32):
//       CHECK:     %[[P:.*]] = arith.mulf %[[X]], %[[Y]] : f32
//       CHECK:     %[[T:.*]] = quantx.fake_quant %[[P]] to !quantx.float<e5m10> : f32
//       CHECK:     %[[K:.*]] = linalg.index 2 : index
//       CHECK:     %[[OFF:.*]] = arith.remui %{{.*}}, %[[C4:.*]] : index
//       CHECK:     %[[NEW:.*]] = arith.cmpi eq, %[[OFF]]
//       CHECK:     %[[S:.*]] = arith.addf %[[PART]], %[[T]] : f32
//       CHECK:     %[[SR:.*]] = quantx.fake_quant %[[S]] to !quantx.float<e5m10> : f32
//       CHECK:     %[[NP:.*]] = arith.select %[[NEW]], %[[T]], %[[SR]] : f32
//       CHECK:     %[[CL:.*]] = arith.addf %[[TOT]], %[[PART]] : f32
//       CHECK:     %[[NT:.*]] = arith.select %[[NEW]], %[[CL]], %[[TOT]] : f32
//       CHECK:     linalg.yield %[[NP]], %[[NT]] : f32, f32
//       CHECK:   %[[R:.*]] = linalg.generic {{.*}} ins(%[[E]]#0 : tensor<4x8xf32>) outs(%[[E]]#1 : tensor<4x8xf32>)
//       CHECK:   ^bb0(%[[LP:.*]]: f32, %[[LT:.*]]: f32):
//       CHECK:     arith.addf %[[LT]], %[[LP]] : f32
//       CHECK:   return %[[R]]
//   CHECK-NOT:   quantx.accumulate
func.func @matmul(%a: tensor<4x10xf32>, %b: tensor<10x8xf32>, %c: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %0 = linalg.matmul {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 4>}
      ins(%a, %b : tensor<4x10xf32>, tensor<10x8xf32>) outs(%c : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// A convolution's terms are numbered over its three reduction loops (kh,
// kw, c) in row-major order: ((kh * 3) + kw) * 2 + c.
// CHECK-LABEL: func.func @conv
//       CHECK:   linalg.generic
//  CHECK-SAME:     iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
//       CHECK:     quantx.fake_quant %{{.*}} to !quantx.float<e5m2> : f32
//       CHECK:     %[[KH:.*]] = linalg.index 4 : index
//       CHECK:     %[[KW:.*]] = linalg.index 5 : index
//       CHECK:     %[[C3:.*]] = arith.constant 3 : index
//       CHECK:     %[[M1:.*]] = arith.muli %[[KH]], %[[C3]]
//       CHECK:     %[[A1:.*]] = arith.addi %[[M1]], %[[KW]]
//       CHECK:     %[[KC:.*]] = linalg.index 6 : index
//       CHECK:     %[[C2:.*]] = arith.constant 2 : index
//       CHECK:     %[[M2:.*]] = arith.muli %[[A1]], %[[C2]]
//       CHECK:     %[[POS:.*]] = arith.addi %[[M2]], %[[KC]]
//       CHECK:     %[[C8:.*]] = arith.constant 8 : index
//       CHECK:     arith.remui %[[POS]], %[[C8]]
func.func @conv(%x: tensor<1x5x5x2xf32>, %k: tensor<3x3x2x4xf32>, %y: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  %0 = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                 quantx.accumulate = #quantx.accumulation<!quantx.float<e5m2>, chunk = 8>}
      ins(%x, %k : tensor<1x5x5x2xf32>, tensor<3x3x2x4xf32>) outs(%y : tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
  return %0 : tensor<1x3x3x4xf32>
}

// -----

// Dynamic sizes: a dynamic batch, and dynamic reduction loops (a weight
// gradient summing over the batch), whose inner sizes are read before the
// op to number the terms.
// CHECK-LABEL: func.func @dynamic_batch
//       CHECK:   linalg.generic
func.func @dynamic_batch(%a: tensor<?x10xf32>, %b: tensor<10x8xf32>, %c: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = linalg.matmul {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m10>, chunk = 4>}
      ins(%a, %b : tensor<?x10xf32>, tensor<10x8xf32>) outs(%c : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @dynamic_reduction
//  CHECK-SAME:   (%[[A:[^:]*]]: tensor<4x?x?xf32>
//       CHECK:   %[[K:.*]] = tensor.dim %[[A]], %c2
//       CHECK:   linalg.generic
//       CHECK:     %[[J:.*]] = linalg.index 1 : index
//       CHECK:     %[[KK:.*]] = linalg.index 2 : index
//       CHECK:     %[[M:.*]] = arith.muli %[[J]], %[[K]] : index
//       CHECK:     arith.addi %[[M]], %[[KK]] : index
func.func @dynamic_reduction(%a: tensor<4x?x?xf32>, %b: tensor<?x?xf32>, %c: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j, k)>, affine_map<(i, j, k) -> (j, k)>, affine_map<(i, j, k) -> (i)>],
                       iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%a, %b : tensor<4x?x?xf32>, tensor<?x?xf32>) outs(%c : tensor<4xf32>)
      attrs = {quantx.accumulate = #quantx.accumulation<!quantx.float<e5m2>, chunk = 16>} {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
